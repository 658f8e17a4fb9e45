package roberta.loader;

import roberta.tokenizer.ModelFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Hugging Face RoBERTa model folder: config.json plus model.safetensors, or shards listed in
 * model.safetensors.index.json. Tensor names are normalised: the encoder's lose the
 * {@code roberta.} prefix that RobertaFor* classes add, heads keep theirs ({@code lm_head.*},
 * {@code classifier.*}). Every expected tensor's shape is checked against the config; missing
 * and unexpected tensors are listed by name.
 */
public final class Checkpoint implements AutoCloseable {
    /** Duplicate keys in the index would leave a tensor's shard ambiguous. */
    private static final ObjectMapper STRICT_JSON = new ObjectMapper().enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Path dir;
    private final RobertaConfig config;
    private final List<SafetensorsFile> files = new ArrayList<>();
    /** Normalised name -> (file, name in that file). */
    private final Map<String, Located> tensors = new TreeMap<>();
    private final HeadType head;
    private final List<String> missing = new ArrayList<>();
    private final List<String> unexpected = new ArrayList<>();
    private final boolean decoderTied;

    private record Located(SafetensorsFile file, String storedName) {}

    private Checkpoint(Path dir) {
        this.dir = dir;
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + ": model folder not found");
        Path configFile = dir.resolve("config.json");
        ModelFiles.checkInside(dir, configFile, what -> new IllegalArgumentException(configFile + ": " + what));
        this.config = RobertaConfig.load(configFile);
        try {
            openWeights();
            HeadType fromConfig = HeadType.fromArchitecture(config.architecture());
            this.head = fromConfig != null ? fromConfig : inferHead();
            this.decoderTied = head == HeadType.MASKED_LM && !tensors.containsKey("lm_head.decoder.weight");
            check();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public static Checkpoint open(Path dir) {
        return new Checkpoint(dir);
    }

    /** A weights file of the folder, refused if it is a link leading outside the folder. */
    private SafetensorsFile openInside(Path file) {
        ModelFiles.checkInside(dir, file, what -> new SafetensorsException(file + ": " + what));
        return SafetensorsFile.open(file);
    }

    private void openWeights() {
        Path single = dir.resolve("model.safetensors");
        Path index = dir.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(single)) {
            SafetensorsFile f = openInside(single);
            files.add(f);
            for (String name : f.tensors().keySet()) register(name, f);
        } else if (Files.isRegularFile(index)) {
            ModelFiles.checkInside(dir, index, what -> new SafetensorsException(index + ": " + what));
            JsonNode root;
            try {
                root = STRICT_JSON.readTree(ModelFiles.readUtf8(index, ModelFiles.MAX_JSON_BYTES, what -> new SafetensorsException(index + ": " + what)));
            } catch (IOException e) {
                String msg = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? roberta.tokenizer.JsonErrors.describe(j) : e.getMessage();
                throw new SafetensorsException(index + ": invalid JSON: " + msg);
            }
            JsonNode map = root == null ? null : root.get("weight_map");
            if (map == null || !map.isObject()) throw new SafetensorsException(index + ": no \"weight_map\" object");
            Map<String, SafetensorsFile> byShard = new LinkedHashMap<>();
            var it = map.fields();
            while (it.hasNext()) {
                var e = it.next();
                if (!e.getValue().isTextual())
                    throw new SafetensorsException(index + ": weight_map value for '" + ModelFiles.quote(e.getKey()) + "' is not a file name string");
                String shard = e.getValue().asText();
                // a shard is a plain file of this folder: no ../, no absolute path, no link leading out
                Path shardFile = ModelFiles.named(dir, shard, what -> new SafetensorsException(index + ": shard " + what));
                SafetensorsFile f = byShard.computeIfAbsent(shard, s -> {
                    SafetensorsFile opened = openInside(shardFile);
                    files.add(opened);
                    return opened;
                });
                if (!f.tensors().containsKey(e.getKey()))
                    throw new SafetensorsException(f.path() + ": tensor '" + e.getKey() + "' listed in " + index.getFileName() + " is not in this shard");
                register(e.getKey(), f);
            }
        } else if (Files.isRegularFile(dir.resolve("pytorch_model.bin"))) {
            throw new SafetensorsException(dir.resolve("pytorch_model.bin") + ": PyTorch pickle checkpoints are not loaded (unpickling can run code);"
                    + " convert once with: python -c \"from transformers import AutoModel; AutoModel.from_pretrained('" + dir
                    + "').save_pretrained('" + dir + "', safe_serialization=True)\"");
        } else {
            throw new SafetensorsException(dir + ": no model.safetensors or model.safetensors.index.json");
        }
    }

    private void register(String stored, SafetensorsFile f) {
        if (stored.endsWith("position_ids") || stored.endsWith("num_batches_tracked")) return; // legacy buffers
        String name = RobertaParameters.fromStoredName(stored);
        if (name.equals("lm_head.decoder.bias") || name.equals("lm_head.bias")) {
            // the output bias, under either name. transformers 4 tied the two (one tensor, stored
            // under one name or both); transformers 5 ties them only with tie_word_embeddings, and an
            // untied model's decoder adds its own lm_head.decoder.bias while lm_head.bias goes unused
            boolean decoderBias = name.equals("lm_head.decoder.bias");
            name = "lm_head.bias";
            if (tensors.containsKey(name)) {
                boolean untied = !config.json().path("tie_word_embeddings").asBoolean(true);
                if (decoderBias == untied) tensors.put(name, new Located(f, stored));
                return;
            }
        }
        Located previous = tensors.put(name, new Located(f, stored));
        if (previous != null) throw new SafetensorsException(f.path() + ": tensor '" + stored + "' appears twice (with and without the roberta. prefix)");
    }

    private HeadType inferHead() {
        if (tensors.containsKey("lm_head.dense.weight")) return HeadType.MASKED_LM;
        if (tensors.containsKey("classifier.out_proj.weight")) return HeadType.SEQUENCE_CLASSIFICATION;
        if (tensors.containsKey("classifier.weight")) return HeadType.TOKEN_CLASSIFICATION;
        return HeadType.NONE;
    }

    /** Every tensor a model of this config and head has, with its shape (the table is {@link RobertaParameters}). */
    public static Map<String, long[]> expectedShapes(RobertaConfig c, HeadType head) {
        return RobertaParameters.shapes(c, head);
    }

    private void check() {
        Map<String, long[]> expected = expectedShapes(config, head);
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            Located loc = tensors.get(e.getKey());
            if (loc == null) {
                boolean optional = e.getKey().startsWith("pooler.") || (decoderTied && e.getKey().equals("lm_head.decoder.weight"));
                if (!optional) missing.add(e.getKey());
                continue;
            }
            TensorInfo info = loc.file.info(loc.storedName);
            if (!java.util.Arrays.equals(info.shape(), e.getValue()))
                throw new SafetensorsException(loc.file.path() + ": tensor '" + loc.storedName + "' has shape "
                        + java.util.Arrays.toString(info.shape()) + " but config.json implies " + java.util.Arrays.toString(e.getValue()));
            if (!info.dtype().isFloat())
                throw new SafetensorsException(loc.file.path() + ": tensor '" + loc.storedName + "' is " + info.dtype() + ", expected a float type");
        }
        for (String name : tensors.keySet()) if (!expected.containsKey(name)) unexpected.add(name);
        List<String> encoderMissing = missing.stream().filter(n -> !n.startsWith("lm_head.") && !n.startsWith("classifier.")).toList();
        if (!encoderMissing.isEmpty())
            throw new SafetensorsException(dir + ": missing encoder tensors: " + String.join(", ", encoderMissing.subList(0, Math.min(8, encoderMissing.size())))
                    + (encoderMissing.size() > 8 ? " and " + (encoderMissing.size() - 8) + " more" : ""));
    }

    public Path dir() { return dir; }
    public RobertaConfig config() { return config; }
    public HeadType head() { return head; }
    /** True if the MLM decoder reuses the word embeddings (no lm_head.decoder.weight stored). */
    public boolean decoderTied() { return decoderTied; }
    /** Expected tensors that are absent (only head tensors can be: a missing encoder tensor is an error). */
    public List<String> missing() { return Collections.unmodifiableList(missing); }
    /** Stored tensors that a model of this config does not use. */
    public List<String> unexpected() { return Collections.unmodifiableList(unexpected); }
    /** True if every tensor of the head is present. */
    public boolean headComplete() { return head != HeadType.NONE && missing.isEmpty(); }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    public java.util.Set<String> names() {
        return Collections.unmodifiableSet(tensors.keySet());
    }

    public TensorInfo info(String name) {
        Located loc = locate(name);
        return loc.file.info(loc.storedName);
    }

    /** A tensor widened to float32 (a copy; F32 data is copied straight from the mapping); refused if not finite. */
    public float[] floats(String name) {
        Located loc = locate(name);
        return loc.file.finiteFloats(loc.storedName);
    }

    /** A tensor widened to float32 into dst, without allocating; refused if not finite. */
    public void floatsInto(String name, float[] dst) {
        Located loc = locate(name);
        loc.file.floatsInto(loc.storedName, dst);
        loc.file.requireFinite(loc.storedName, dst, (int) loc.file.info(loc.storedName).elementCount());
    }

    /** An F16 or BF16 tensor's raw bits into dst, not widened; refused if not finite. */
    public void halfBitsInto(String name, short[] dst) {
        Located loc = locate(name);
        loc.file.halfBitsInto(loc.storedName, dst);
        loc.file.requireFiniteHalf(loc.storedName, dst);
    }

    public java.lang.foreign.MemorySegment segment(String name) {
        Located loc = locate(name);
        return loc.file.segment(loc.storedName);
    }

    private Located locate(String name) {
        Located loc = tensors.get(name);
        if (loc == null) throw new SafetensorsException(dir + ": no tensor '" + name + "'");
        return loc;
    }

    /** The storage dtypes present, e.g. "F32" or "BF16". */
    public String dtypes() {
        return String.join(", ", tensors.values().stream().map(l -> l.file.info(l.storedName).dtype().name()).distinct().sorted().toList());
    }

    public long parameterCount() {
        long n = 0;
        for (String name : tensors.keySet()) n += info(name).elementCount();
        return n;
    }

    @Override
    public void close() {
        for (SafetensorsFile f : files) f.close();
        files.clear();
    }
}
