package roberta.loader;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import roberta.tokenizer.ModelFiles;

/**
 * A sentence-transformers folder: {@code modules.json} naming a Transformer, a Pooling module
 * and then Dense and Normalize modules in the order they run. Both formats are read: the
 * legacy one ({@code sentence_transformers.models.*}, pooling as {@code pooling_mode_*_tokens}
 * flags, {@code max_seq_length} in {@code sentence_bert_config.json}) and the 6.x one (module
 * types under {@code sentence_transformers.base...}, {@code pooling_mode} as a name or list,
 * the length limit as the tokenizer's {@code model_max_length}).
 *
 * @param transformerDir the folder of the Hugging Face model (often the folder itself)
 * @param maxSeqLength   tokens per input, specials included, that the model's authors truncate to (0: not set)
 * @param doLowerCase    the Transformer module lower-cases its input
 * @param poolingModes   sentence-transformers' names (cls, max, mean, mean_sqrt_len_tokens,
 *                       weightedmean, lasttoken), concatenated in this order
 * @param after          the Dense and Normalize modules after pooling, in order
 */
public record SentenceTransformerConfig(Path transformerDir, int maxSeqLength, boolean doLowerCase,
                                        List<String> poolingModes, List<Module> after) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The modes, in the order sentence-transformers concatenates legacy flags (a 6.x list keeps its own order). */
    public static final List<String> POOLING_MODES = List.of("cls", "max", "mean", "mean_sqrt_len_tokens", "weightedmean", "lasttoken");

    /** The legacy Pooling config's flag for each of {@link #POOLING_MODES}, in the same order. */
    public static final List<String> LEGACY_POOLING_FLAGS = List.of("pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_tokens",
            "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken");

    /** A module that runs on the pooled vector. */
    public sealed interface Module permits Dense, Normalize {}

    /**
     * A linear layer [outFeatures, inFeatures] and an activation, on the pooled vector.
     * activation: the torch class name's last part (Tanh, Identity, ReLU, Sigmoid, GELU).
     * residual: the input (or, when the widths differ, a bias-free projection of it) is added after the activation.
     */
    public record Dense(Path dir, int inFeatures, int outFeatures, boolean bias, String activation, boolean residual) implements Module {}

    /** L2 normalisation. */
    public record Normalize() implements Module {}

    /** The Dense activations read, by the torch class name's last part, with the full name a folder is written with. */
    public static final Map<String, String> ACTIVATIONS = activations();

    private static Map<String, String> activations() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String a : List.of("Tanh", "Identity", "ReLU", "Sigmoid", "GELU"))
            m.put(a, "torch.nn.modules." + (a.equals("Identity") ? "linear." : "activation.") + a);
        return java.util.Collections.unmodifiableMap(m);
    }

    public static boolean existsIn(Path dir) {
        return Files.isRegularFile(dir.resolve("modules.json"));
    }

    public static SentenceTransformerConfig load(Path dir) {
        Path modulesFile = dir.resolve("modules.json");
        JsonNode modules = readJson(modulesFile, dir);
        if (!modules.isArray() || modules.isEmpty()) throw fail(modulesFile, "must be a non-empty list of modules");
        Path transformer = null;
        int maxSeqLength = 0;
        boolean lower = false;
        List<String> pooling = null;
        List<Module> after = new ArrayList<>();
        int index = 0;
        for (JsonNode m : modules) {
            String where = "module " + index++;
            if (!m.isObject()) throw fail(modulesFile, where + " is not an object");
            String type = text(m, "type", modulesFile, where);
            String path = m.hasNonNull("path") ? text(m, "path", modulesFile, where) : "";
            Path moduleDir = path.isEmpty() ? dir : subfolder(dir, path, modulesFile);
            String kind = type.substring(type.lastIndexOf('.') + 1);
            if (!type.startsWith("sentence_transformers.")) kind = "";
            switch (kind) {
                case "Transformer" -> {
                    if (transformer != null || pooling != null) throw fail(modulesFile, where + ": a Transformer must come first, and only once");
                    transformer = moduleDir;
                    JsonNode st = optionalJson(moduleDir.resolve("sentence_bert_config.json"), dir);
                    if (st != null) {
                        if (st.hasNonNull("max_seq_length")) maxSeqLength = positive(st, "max_seq_length", moduleDir.resolve("sentence_bert_config.json"));
                        lower = st.path("do_lower_case").asBoolean(false);
                        String out = st.path("module_output_name").asText("token_embeddings");
                        if (!out.equals("token_embeddings"))
                            throw fail(moduleDir.resolve("sentence_bert_config.json"), "module_output_name '" + ModelFiles.quote(out) + "' is not token_embeddings (only encoders that give token states are read)");
                    }
                    if (maxSeqLength == 0) {
                        JsonNode tc = optionalJson(moduleDir.resolve("tokenizer_config.json"), dir);
                        // transformers writes a huge sentinel (1e30) when the tokenizer has no limit
                        if (tc != null && tc.path("model_max_length").isNumber() && tc.path("model_max_length").asDouble() < Integer.MAX_VALUE)
                            maxSeqLength = Math.max(0, tc.path("model_max_length").asInt());
                    }
                }
                case "Pooling" -> {
                    if (transformer == null || pooling != null) throw fail(modulesFile, where + ": Pooling must follow the Transformer, once");
                    pooling = poolingModes(moduleDir.resolve("config.json"), dir);
                }
                case "Dense" -> {
                    if (pooling == null) throw fail(modulesFile, where + ": Dense must come after Pooling");
                    after.add(dense(moduleDir, dir));
                }
                case "Normalize" -> {
                    if (pooling == null) throw fail(modulesFile, where + ": Normalize must come after Pooling");
                    after.add(new Normalize());
                }
                default -> throw fail(modulesFile, where + ": module type '" + ModelFiles.quote(type)
                        + "' is not supported (Transformer, Pooling, Dense and Normalize are)");
            }
        }
        if (transformer == null) throw fail(modulesFile, "names no Transformer module");
        if (pooling == null) throw fail(modulesFile, "names no Pooling module");
        return new SentenceTransformerConfig(transformer, maxSeqLength, lower, pooling, List.copyOf(after));
    }

    /** Pooling modes from either format, in sentence-transformers' concatenation order. */
    private static List<String> poolingModes(Path file, Path root) {
        JsonNode c = readJson(file, root);
        List<String> modes = new ArrayList<>();
        JsonNode named = c.get("pooling_mode");
        if (named != null && !named.isNull()) {
            List<JsonNode> list = new ArrayList<>();
            if (named.isArray()) named.forEach(list::add); else list.add(named);
            for (JsonNode n : list) {
                String mode = n.asText().toLowerCase(Locale.ROOT);
                if (!n.isTextual() || !POOLING_MODES.contains(mode))
                    throw fail(file, "pooling_mode '" + ModelFiles.quote(n.asText()) + "' is not one of " + String.join(", ", POOLING_MODES));
                modes.add(mode);
            }
        } else {
            for (int i = 0; i < LEGACY_POOLING_FLAGS.size(); i++) if (c.path(LEGACY_POOLING_FLAGS.get(i)).asBoolean(false)) modes.add(POOLING_MODES.get(i));
            if (modes.isEmpty()) modes.add("mean"); // what sentence-transformers does with no mode set
        }
        if (!c.path("include_prompt").asBoolean(true))
            throw fail(file, "include_prompt false (pooling without the prompt's tokens) is not supported");
        return List.copyOf(modes);
    }

    private static Dense dense(Path moduleDir, Path root) {
        Path file = moduleDir.resolve("config.json");
        JsonNode c = readJson(file, root);
        int in = positive(c, "in_features", file), out = positive(c, "out_features", file);
        String act = c.path("activation_function").asText("torch.nn.modules.activation.Tanh");
        String name = act.substring(act.lastIndexOf('.') + 1);
        if (!act.startsWith("torch.") || !ACTIVATIONS.containsKey(name))
            throw fail(file, "activation_function '" + ModelFiles.quote(act) + "' is not supported (torch's " + String.join(", ", ACTIVATIONS.keySet()) + ")");
        for (String key : List.of("module_input_name", "module_output_name"))
            if (c.hasNonNull(key) && !c.get(key).asText().equals("sentence_embedding"))
                throw fail(file, key + " '" + ModelFiles.quote(c.get(key).asText()) + "' is not supported (Dense on the sentence embedding only)");
        if (!Files.isRegularFile(moduleDir.resolve("model.safetensors")))
            throw fail(moduleDir, Files.exists(moduleDir.resolve("pytorch_model.bin"))
                    ? "has pytorch_model.bin, a Python pickle, which is not read; save the model again with safetensors (sentence-transformers' default since 2.3)"
                    : "has no model.safetensors for the Dense layer's weights");
        return new Dense(moduleDir, in, out, c.path("bias").asBoolean(true), name, c.path("use_residual").asBoolean(false));
    }

    private static Path subfolder(Path dir, String path, Path modulesFile) {
        // module paths are a plain folder name (1_Pooling) or a relative path inside the model folder
        for (String part : path.split("/")) ModelFiles.named(dir, part, what -> fail(modulesFile, "path " + what));
        Path p = dir.resolve(path).normalize();
        if (!p.startsWith(dir.normalize())) throw fail(modulesFile, "path '" + ModelFiles.quote(path) + "' leads outside the model folder");
        return p;
    }

    private static JsonNode optionalJson(Path file, Path root) {
        return Files.exists(file) ? readJson(file, root) : null;
    }

    private static JsonNode readJson(Path file, Path root) {
        ModelFiles.checkInside(root, file, what -> fail(file, what));
        String text = ModelFiles.readUtf8(file, ModelFiles.MAX_JSON_BYTES, what -> fail(file, what));
        try {
            JsonNode n = JSON.readTree(text);
            if (n == null) throw fail(file, "is empty");
            return n;
        } catch (IOException e) {
            throw fail(file, "invalid JSON " + RobertaConfig.where(e));
        }
    }

    private static String text(JsonNode m, String key, Path file, String where) {
        JsonNode v = m.get(key);
        if (v == null || !v.isTextual()) throw fail(file, where + " has no '" + key + "' string");
        return v.asText();
    }

    private static int positive(JsonNode c, String key, Path file) {
        JsonNode v = c.get(key);
        if (v == null || !v.canConvertToInt() || v.asInt() <= 0 || !v.isIntegralNumber()) throw fail(file, key + " must be a positive integer");
        return v.asInt();
    }

    private static IllegalArgumentException fail(Path file, String what) {
        return new IllegalArgumentException(ModelFiles.oneLine(file + ": " + what));
    }
}
