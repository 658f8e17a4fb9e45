package roberta.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import roberta.kernels.Backend;
import roberta.loader.AtomicFiles;
import roberta.loader.HeadType;
import roberta.loader.RobertaConfig;
import roberta.loader.RobertaParameters;
import roberta.loader.SafetensorsFile;
import roberta.loader.SafetensorsWriter;

/**
 * A LoRA adapter folder as peft's save_pretrained writes it and PeftModel.from_pretrained reads it:
 * adapter_config.json (peft_type LORA, task_type, r, lora_alpha, lora_dropout, target_modules,
 * modules_to_save, use_rslora, ...) and adapter_model.safetensors with peft's names:
 * {@code base_model.model.roberta.encoder.layer.0.attention.self.query.lora_A.weight} [r, in],
 * {@code ...lora_B.weight} [out, r], and the head trained whole (modules_to_save) as
 * {@code base_model.model.classifier.*}. Folders written here also hold config.json with the head's
 * architecture and labels (peft ignores it), so that the labels travel with the adapter.
 */
public final class AdapterFolder {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    /** What peft puts before the base model's own names. */
    static final String PREFIX = "base_model.model.";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LORA_TENSOR = Pattern.compile("(encoder\\.layer\\.\\d+\\..+)\\.lora_([AB])\\.weight");

    private AdapterFolder() {}

    /** True if dir holds adapter_config.json. */
    public static boolean existsIn(Path dir) {
        return dir != null && Files.isRegularFile(dir.resolve(CONFIG));
    }

    /** peft's task_type for a head: SEQ_CLS, TOKEN_CLS, or null (no head peft trains). */
    static String taskType(HeadType head) {
        return switch (head) {
            case SEQUENCE_CLASSIFICATION -> "SEQ_CLS";
            case TOKEN_CLASSIFICATION -> "TOKEN_CLS";
            case NONE -> "FEATURE_EXTRACTION";
            case MASKED_LM -> null;
        };
    }

    // ------------------------------------------------------------------ writing

    /** Writes the model's adapter and head as a peft folder, whole or not at all. base goes into base_model_name_or_path. */
    public static void save(RobertaModel model, Path base, Path target) {
        try {
            AtomicFiles.writeFolder(target, dir -> writeInto(model, base, dir));
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot save adapter: " + e.getMessage(), e);
        }
    }

    /** Writes adapter_config.json, adapter_model.safetensors and config.json into a new folder. */
    static void writeInto(RobertaModel model, Path base, Path dir) throws IOException {
        LoraAdapter adapter = model.adapter();
        if (adapter == null) throw new IllegalStateException("the model has no LoRA adapter to save");
        Backend be = model.backend();
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        for (Param p : adapter.params().values())
            w.addFloats(PREFIX + RobertaParameters.storedName(p.name, model.head()), be.toHost(p.value), ModelFolder.toLong(p.value.shape()));
        for (Param p : model.params().values())
            if (RobertaParameters.isHead(p.name) && !p.name.startsWith("pooler."))
                w.addFloats(PREFIX + p.name, be.toHost(p.value), ModelFolder.toLong(p.value.shape()));
        w.write(dir.resolve(WEIGHTS));
        AtomicFiles.writeString(dir.resolve(CONFIG), configJson(adapter.config(), model.head(), base));
        AtomicFiles.writeString(dir.resolve("config.json"), model.config().toJsonString());
    }

    /** adapter_config.json as peft 0.21 writes it (the fields a LoRA of this kind sets; peft fills in the rest). */
    static String configJson(LoraConfig c, HeadType head, Path base) {
        ObjectNode n = JSON.createObjectNode();
        n.putNull("auto_mapping");
        n.put("base_model_name_or_path", base == null ? null : base.toAbsolutePath().normalize().toString());
        n.put("bias", "none");
        n.put("fan_in_fan_out", false);
        n.put("inference_mode", true);
        n.put("init_lora_weights", true);
        n.putNull("layers_pattern");
        n.putNull("layers_to_transform");
        n.put("lora_alpha", c.alpha());
        n.put("lora_dropout", c.dropout());
        ArrayNode save = n.putArray("modules_to_save");
        if (head == HeadType.SEQUENCE_CLASSIFICATION || head == HeadType.TOKEN_CLASSIFICATION) save.add("classifier").add("score");
        n.put("peft_type", "LORA");
        n.put("r", c.r());
        n.putObject("rank_pattern");
        n.putObject("alpha_pattern");
        n.putNull("revision");
        ArrayNode targets = n.putArray("target_modules");
        c.targets().forEach(targets::add);
        n.put("task_type", taskType(head));
        n.put("use_dora", false);
        n.put("use_rslora", c.rslora());
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ reading

    /**
     * An adapter folder as read, before it meets a model: its settings, the head it needs (null:
     * the base's own), that head's labels and problem type (from a config.json beside it, else
     * null), and every tensor by peft's name without {@code base_model.model.}.
     */
    public record Peft(Path dir, LoraConfig config, JsonNode targetModules, HeadType head, Map<Integer, String> labels, String problemType,
                       Map<String, float[]> values, Map<String, long[]> shapes) {
        /** Rows of the head's output layer (the label count), or -1 when the adapter holds no head. */
        int headRows() {
            long[] s = shapes.getOrDefault("classifier.out_proj.weight", shapes.get("classifier.weight"));
            return s == null ? -1 : (int) s[0];
        }
    }

    /** The base model an adapter folder names (base_model_name_or_path), which must be a folder here. */
    static Path baseOf(Path dir) {
        Path file = dir.resolve(CONFIG);
        String base;
        try {
            base = JSON.readTree(Files.readString(file)).path("base_model_name_or_path").asText("");
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage());
        }
        Path p = base.isEmpty() ? null : dir.resolve(base);
        if (p == null || !Files.isDirectory(p))
            throw new IllegalArgumentException(dir + ": an adapter folder whose base_model_name_or_path \"" + base
                    + "\" is no folder here; give the base model as the model and this folder as the adapter (--model BASE --adapter " + dir + ")");
        return p;
    }

    /** Reads and checks a peft LoRA folder (one-line errors naming the file and what is wrong). */
    public static Peft read(Path dir) {
        Path file = dir.resolve(CONFIG);
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(dir + ": not an adapter folder (no " + CONFIG + ")");
        JsonNode n;
        try {
            n = JSON.readTree(Files.readString(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (n == null || !n.isObject()) throw new IllegalArgumentException(file + ": not a JSON object");
        String type = n.path("peft_type").asText("");
        if (!type.equals("LORA")) throw new IllegalArgumentException(file + ": peft_type is \"" + type + "\"; only LORA adapters are supported");
        if (n.path("fan_in_fan_out").asBoolean(false))
            throw new IllegalArgumentException(file + ": fan_in_fan_out is true (Conv1D layout); RoBERTa's linears are [out, in], so it must be false");
        String bias = n.path("bias").asText("none");
        if (!bias.equals("none")) throw new IllegalArgumentException(file + ": bias is \"" + bias + "\"; only \"none\" is supported (adapters that train biases are not)");
        if (n.path("use_dora").asBoolean(false)) throw new IllegalArgumentException(file + ": use_dora is true; DoRA is not supported, only plain LoRA");
        if (n.path("lora_bias").asBoolean(false)) throw new IllegalArgumentException(file + ": lora_bias is true; LoRA B biases are not supported");
        for (String pattern : new String[] {"rank_pattern", "alpha_pattern"})
            if (n.path(pattern).size() > 0) throw new IllegalArgumentException(file + ": " + pattern + " is set; per-module ranks and alphas are not supported");
        if (!n.path("r").canConvertToInt() || !n.path("lora_alpha").isNumber())
            throw new IllegalArgumentException(file + ": needs a whole number \"r\" and a number \"lora_alpha\"");
        JsonNode targets = n.path("target_modules");
        List<String> targetList = new ArrayList<>();
        if (targets.isArray()) targets.forEach(t -> targetList.add(t.asText()));
        else if (targets.isTextual()) targetList.add(targets.asText());
        else throw new IllegalArgumentException(file + ": target_modules must be a list of module names or a regular expression");
        LoraConfig config = new LoraConfig(n.get("r").asInt(), (float) n.get("lora_alpha").asDouble(), (float) n.path("lora_dropout").asDouble(0),
                targetList, n.path("use_rslora").asBoolean(false));
        HeadType head = switch (n.path("task_type").asText("")) {
            case "SEQ_CLS" -> HeadType.SEQUENCE_CLASSIFICATION;
            case "TOKEN_CLS" -> HeadType.TOKEN_CLASSIFICATION;
            default -> null;
        };
        Map<Integer, String> labels = null;
        String problemType = null;
        if (Files.isRegularFile(dir.resolve("config.json"))) {
            RobertaConfig c = RobertaConfig.load(dir.resolve("config.json"));
            if (!c.id2label().isEmpty()) labels = c.id2label();
            problemType = c.problemType();
        }
        Path weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(weights)) throw new IllegalArgumentException(dir + ": no " + WEIGHTS);
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(weights)) {
            for (String stored : f.tensors().keySet()) {
                String name = stored.startsWith(PREFIX) ? RobertaParameters.fromStoredName(stored.substring(PREFIX.length())) : null;
                if (name == null || !(LORA_TENSOR.matcher(name).matches() || RobertaParameters.isHead(name)))
                    throw new IllegalArgumentException(weights + ": " + stored + " is neither a LoRA A/B matrix of an encoder linear nor a head tensor");
                values.put(name, f.finiteFloats(stored)); // a diverged adapter would make every merged weight NaN
                shapes.put(name, f.info(stored).shape());
            }
        }
        return new Peft(dir, config, targets, head, labels, problemType, values, shapes);
    }

    /**
     * The adapter's tensors onto a model loaded with the head it needs: each A/B pair checked against
     * its linear ([r, in] and [out, r]), the head's tensors copied over the model's, the adapter attached.
     */
    public static LoraAdapter attach(Peft peft, RobertaModel model) {
        Path weights = peft.dir().resolve(WEIGHTS);
        checkTargetsNameSomething(peft, model);
        Backend be = model.backend();
        int r = peft.config().r();
        Map<String, LoraAdapter.Pair> modules = new TreeMap<>(AdapterFolder::modelOrder);
        for (String name : peft.values().keySet()) {
            var m = LORA_TENSOR.matcher(name);
            if (!m.matches() || !m.group(2).equals("A")) continue;
            String module = m.group(1);
            String bName = LoraAdapter.bName(module);
            if (!peft.values().containsKey(bName)) throw new IllegalArgumentException(weights + ": " + stored(model, name) + " has no lora_B beside it");
            Param w = model.params().get(module + ".weight");
            if (w == null || !LoraConfig.LAYER_LINEARS.contains(module.substring(module.indexOf('.', "encoder.layer.".length()) + 1)))
                throw new IllegalArgumentException(weights + ": " + stored(model, name) + " adapts " + module + ", which is no linear of this model ("
                        + model.config().numHiddenLayers() + " layers)");
            int out = w.value.dim(0), in = w.value.dim(1);
            checkShape(peft, model, name, new long[] {r, in}, r, module);
            checkShape(peft, model, bName, new long[] {out, r}, r, module);
            Param a = new Param(name, be.adopt(peft.values().get(name).clone(), r, in));
            Param b = new Param(bName, be.adopt(peft.values().get(bName).clone(), out, r));
            a.trainable = b.trainable = true;
            modules.put(module, new LoraAdapter.Pair(a, b));
        }
        for (String name : peft.values().keySet()) {
            var m = LORA_TENSOR.matcher(name);
            if (m.matches() && m.group(2).equals("B") && !modules.containsKey(m.group(1)))
                throw new IllegalArgumentException(weights + ": " + stored(model, name) + " has no lora_A beside it");
        }
        if (modules.isEmpty()) throw new IllegalArgumentException(weights + ": holds no lora_A/lora_B matrices");
        for (Map.Entry<String, float[]> e : peft.values().entrySet()) {
            if (!RobertaParameters.isHead(e.getKey())) continue;
            Param p = model.params().get(e.getKey());
            if (p == null) throw new IllegalArgumentException(weights + ": " + PREFIX + e.getKey() + " is not a tensor of a " + model.head().architecture + "'s head");
            long[] want = ModelFolder.toLong(p.value.shape()), got = peft.shapes().get(e.getKey());
            if (!Arrays.equals(want, got))
                throw new IllegalArgumentException(weights + ": " + PREFIX + e.getKey() + " has shape " + Arrays.toString(got) + ", but the model's is " + Arrays.toString(want));
            be.copyFromHost(p.value, e.getValue());
        }
        model.supplied(peft.values().keySet()); // the head the base lacked, if any, is the adapter's trained one
        LoraAdapter adapter = new LoraAdapter(peft.config(), new LinkedHashMap<>(modules));
        model.attach(adapter);
        return adapter;
    }

    /**
     * A base model folder loaded with the head the adapter needs (its task_type; labels from the
     * adapter's config.json, else the base's when the count matches, else LABEL_i) and the adapter
     * attached, unmerged and trainable.
     */
    public static RobertaModel load(Path base, Path adapterDir, Backend be, long seed) {
        Peft peft = read(adapterDir);
        RobertaConfig baseConfig = RobertaConfig.load(base.resolve("config.json"));
        HeadType baseHead = HeadType.fromArchitecture(baseConfig.architecture());
        HeadType head = peft.head() != null ? peft.head() : baseHead != null ? baseHead : HeadType.NONE;
        int rows = peft.headRows();
        if (head != baseHead && rows < 0)
            throw new IllegalArgumentException(adapterDir.resolve(WEIGHTS) + ": holds no head for its task_type " + taskType(head) + ", and the base " + base
                    + " is a " + (baseHead == null ? "model without a known head" : baseHead.architecture));
        Map<Integer, String> labels = peft.labels();
        if (labels == null && rows >= 0 && !(head == baseHead && baseConfig.numLabels() == rows)) {
            labels = new LinkedHashMap<>();
            for (int i = 0; i < rows; i++) labels.put(i, "LABEL_" + i);
        }
        if (labels != null && rows >= 0 && labels.size() != rows)
            throw new IllegalArgumentException(adapterDir.resolve("config.json") + ": names " + labels.size() + " labels, but the adapter's head has " + rows);
        RobertaModel model = RobertaModel.load(base, be, head, labels, peft.problemType(), seed, false);
        attach(peft, model);
        return model;
    }

    private static void checkShape(Peft peft, RobertaModel model, String name, long[] want, int r, String module) {
        long[] got = peft.shapes().get(name);
        if (!Arrays.equals(want, got)) {
            int[] w = model.params().get(module + ".weight").value.shape();
            throw new IllegalArgumentException(peft.dir().resolve(WEIGHTS) + ": " + stored(model, name) + " has shape " + Arrays.toString(got) + ", but r=" + r
                    + " and " + module + ".weight " + Arrays.toString(w) + " need " + Arrays.toString(want));
        }
    }

    /** target_modules must adapt at least one linear of the model (as peft refuses a config that targets nothing). */
    private static void checkTargetsNameSomething(Peft peft, RobertaModel model) {
        JsonNode t = peft.targetModules();
        for (int l = 0; l < model.config().numHiddenLayers(); l++) {
            for (String m : LoraConfig.LAYER_LINEARS) {
                String module = "encoder.layer." + l + "." + m;
                if (t.isTextual() ? Pattern.compile(t.asText()).matcher(RobertaParameters.storedName(module, model.head())).matches()
                        || Pattern.compile(t.asText()).matcher(module).matches() : peft.config().targets(module))
                    return;
            }
        }
        throw new IllegalArgumentException(peft.dir().resolve(CONFIG) + ": target_modules " + t + " names no linear of this model's encoder");
    }

    private static String stored(RobertaModel model, String name) {
        return PREFIX + RobertaParameters.storedName(name, model.head());
    }

    /** Modules in the model's order: by layer, then in the order a layer computes them. */
    private static int modelOrder(String x, String y) {
        int lx = RobertaParameters.layerOf(x + "."), ly = RobertaParameters.layerOf(y + ".");
        if (lx != ly) return Integer.compare(lx, ly);
        String sx = x.substring(x.indexOf('.', "encoder.layer.".length()) + 1), sy = y.substring(y.indexOf('.', "encoder.layer.".length()) + 1);
        int ix = LoraConfig.LAYER_LINEARS.indexOf(sx), iy = LoraConfig.LAYER_LINEARS.indexOf(sy);
        return ix != iy ? Integer.compare(ix, iy) : x.compareTo(y);
    }
}
