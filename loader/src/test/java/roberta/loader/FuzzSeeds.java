package roberta.loader;

import roberta.tokenizer.Mutate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Seed inputs and loader-specific structural edits for {@link LoaderFuzzTest}. */
final class FuzzSeeds {
    private FuzzSeeds() {}

    /** A small safetensors file with one tensor of every dtype, a scalar and an empty tensor. */
    static byte[] everyDtype() {
        ObjectNode h = Mutate.JSON.createObjectNode();
        h.putObject("__metadata__").put("format", "pt");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        Object[][] tensors = {{"f64", "F64", new int[] {3}}, {"f32", "F32", new int[] {2, 3}}, {"f16", "F16", new int[] {5}},
            {"bf16", "BF16", new int[] {2, 2}}, {"i64", "I64", new int[] {2}}, {"i32", "I32", new int[] {3}}, {"i16", "I16", new int[] {1}},
            {"i8", "I8", new int[] {4}}, {"u8", "U8", new int[] {4}}, {"bool", "BOOL", new int[] {2}}, {"scalar", "F32", new int[] {}},
            {"empty", "F32", new int[] {0, 4}}};
        Random rng = new Random(1);
        for (Object[] t : tensors) {
            DType d = DType.parse((String) t[1]);
            int[] shape = (int[]) t[2];
            long n = 1;
            for (int s : shape) n *= s;
            ObjectNode e = h.putObject((String) t[0]);
            e.put("dtype", d.name());
            ArrayNode sh = e.putArray("shape");
            for (int s : shape) sh.add(s);
            int begin = data.size();
            byte[] bytes = new byte[(int) n * d.size];
            rng.nextBytes(bytes);
            data.writeBytes(bytes);
            e.putArray("data_offsets").add(begin).add(data.size());
        }
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
        out.writeBytes(header);
        out.writeBytes(data.toByteArray());
        return out.toByteArray();
    }

    private static final String[] DTYPES = {"F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL", "f32", "F8_E4M3", "I4", "", "F32 ", "U64"};
    private static final String[] SHAPES = {"[1099511627776]", "[1048576,1048576]", "[]", "[0]", "[-1]", "[4294967296,4294967296,4]",
        "[2,\"3\"]", "\"x\"", "[1.5]", "[2305843009213693952]", "[9223372036854775807,2]", "null", "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]"};

    /** One edit of a header entry: hostile shape, offsets, dtype; removed fields; copies; metadata junk. */
    static void editEntry(Random rng, ObjectNode header) throws Exception {
        List<String> names = new ArrayList<>();
        header.fieldNames().forEachRemaining(n -> { if (!n.equals("__metadata__")) names.add(n); });
        if (names.isEmpty()) return;
        String name = names.get(rng.nextInt(names.size()));
        if (!(header.get(name) instanceof ObjectNode e)) return;
        JsonNode offsets = e.get("data_offsets");
        long begin = offsets != null ? offsets.path(0).asLong() : 0, end = offsets != null ? offsets.path(1).asLong() : 0;
        switch (rng.nextInt(10)) {
            case 0 -> e.set("shape", Mutate.JSON.readTree(SHAPES[rng.nextInt(SHAPES.length)]));
            case 1 -> e.put("dtype", DTYPES[rng.nextInt(DTYPES.length)]);
            case 2 -> {
                long[][] choices = {{0, Long.MAX_VALUE}, {-8, 0}, {end, begin}, {begin, end * 2 + 1}, {begin, begin}, {begin + 1, end + 1},
                    {begin, 1L << 40}, {Long.MIN_VALUE, end}};
                long[] c = choices[rng.nextInt(choices.length)];
                e.putArray("data_offsets").add(c[0]).add(c[1]);
            }
            case 3 -> { // another entry's offsets: an overlap
                JsonNode other = header.get(names.get(rng.nextInt(names.size())));
                if (other != null && other.has("data_offsets")) e.set("data_offsets", other.get("data_offsets").deepCopy());
            }
            case 4 -> e.remove(new String[] {"dtype", "shape", "data_offsets"}[rng.nextInt(3)]);
            case 5 -> header.set(name + "_copy", e.deepCopy());
            case 6 -> header.set("__metadata__", Mutate.JSON.readTree(Mutate.hostile(rng).startsWith("9999") ? "1" : "{\"k\":" + safeHostile(rng) + "}"));
            case 7 -> header.set(name, Mutate.JSON.readTree(safeHostile(rng)));
            case 8 -> { // the same tensor under another of the names Checkpoint maps together
                String other = name.startsWith("roberta.") ? name.substring(8) : rng.nextBoolean() ? "roberta." + name : "lm_head.decoder.bias";
                header.set(other, e.deepCopy());
            }
            default -> e.put("extra", rng.nextInt());
        }
    }

    /** A hostile value that is valid JSON (for tree edits). */
    private static String safeHostile(Random rng) {
        for (;;) {
            String h = Mutate.hostile(rng);
            try {
                Mutate.JSON.readTree(h);
                return h;
            } catch (Exception e) {
                // not valid JSON on its own: draw again
            }
        }
    }

    private static final String[] CONFIG_INTS = {"vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
        "max_position_embeddings", "type_vocab_size", "pad_token_id", "bos_token_id", "eos_token_id", "num_labels"};
    private static final String[] CONFIG_OTHER = {"layer_norm_eps", "hidden_dropout_prob", "attention_probs_dropout_prob", "classifier_dropout",
        "hidden_act", "model_type", "position_embedding_type", "architectures", "id2label", "problem_type"};

    /** Sets one known config field to a hostile value (as raw text: it may make the file invalid JSON). */
    static String editConfigField(Random rng, ObjectNode c) {
        String key = rng.nextInt(3) > 0 ? CONFIG_INTS[rng.nextInt(CONFIG_INTS.length)] : CONFIG_OTHER[rng.nextInt(CONFIG_OTHER.length)];
        c.put(key, "@@value@@");
        return c.toString().replace("\"@@value@@\"", Mutate.hostile(rng));
    }

    /** What an accepted config promises: positive sizes, tensors that fit Java arrays, an eps that keeps LayerNorm finite. */
    static void checkUsable(RobertaConfig c) {
        if (!(c.layerNormEps() > 0) || Float.isInfinite(c.layerNormEps())) throw new AssertionError("accepted layer_norm_eps " + c.layerNormEps());
        if (c.padTokenId() < 0 || c.padTokenId() >= c.vocabSize()) throw new AssertionError("accepted pad_token_id " + c.padTokenId() + " with vocab " + c.vocabSize());
        if (c.maxPositionEmbeddings() - c.padTokenId() - 1 < 2) throw new AssertionError("accepted positions leaving no room for tokens: " + c);
        if (c.numHiddenLayers() > RobertaConfig.MAX_LAYERS) throw new AssertionError("accepted " + c.numHiddenLayers() + " layers");
        for (HeadType head : HeadType.values()) {
            boolean classifier = head == HeadType.SEQUENCE_CLASSIFICATION || head == HeadType.TOKEN_CLASSIFICATION;
            if (classifier && c.numLabels() == 0) continue; // no labels declared: such a head is only made with labels given
            long total = 0;
            for (Map.Entry<String, long[]> e : Checkpoint.expectedShapes(c, head).entrySet()) {
                long n = 1;
                for (long d : e.getValue()) {
                    if (d <= 0) throw new AssertionError("accepted a config giving " + e.getKey() + " dimension " + d);
                    n = Math.multiplyExact(n, d);
                }
                if (n > Integer.MAX_VALUE - 8) throw new AssertionError("accepted a config giving " + e.getKey() + " " + n + " elements");
                total += n;
            }
            if (total > RobertaConfig.MAX_PARAMETERS) throw new AssertionError("accepted a config of " + total + " parameters");
        }
    }

    /** Two shards and an index made from a checkpoint, plus elsewhere/ (outside) and a link into it. Returns the index. */
    static JsonNode shardedFolder(Path src, Path dir, Path elsewhere) throws Exception {
        Files.createDirectories(dir);
        Files.createDirectories(elsewhere);
        ObjectNode map = TestData.writeTwoShards(src, dir);
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        Files.copy(dir.resolve("model-00001-of-00002.safetensors"), elsewhere.resolve("model-00001-of-00002.safetensors"));
        Files.createSymbolicLink(dir.resolve("linked.safetensors"), Path.of("..", elsewhere.getFileName().toString(), "model-00001-of-00002.safetensors"));
        Files.createDirectories(dir.resolve("folder.safetensors"));
        ModelFolderPathsTest.mkfifo(dir.resolve("pipe.safetensors")); // reading it would block: it must be refused
        return map;
    }

    /** Shard names that must be refused, and some that are merely wrong. */
    static String editShardNames(Random rng, JsonNode index, Path dir) {
        String[] names = {"../elsewhere/model-00001-of-00002.safetensors", dir.getParent().resolve("elsewhere/model-00001-of-00002.safetensors").toString(),
            "linked.safetensors", "", ".", "..", "sub/x.safetensors", "a\u0000b", "x".repeat(300), "model-00003-of-00002.safetensors",
            "config.json", "model.safetensors.index.json", "pipe.safetensors", "folder.safetensors", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "C:\\x", "~"};
        ObjectNode map = (ObjectNode) index.get("weight_map");
        List<String> keys = new ArrayList<>();
        map.fieldNames().forEachRemaining(keys::add);
        int edits = 1 + rng.nextInt(3);
        for (int e = 0; e < edits; e++) {
            String k = keys.get(rng.nextInt(keys.size()));
            if (rng.nextInt(5) == 0) map.put(k, rng.nextInt(7));
            else if (rng.nextInt(5) == 0) map.remove(k);
            else map.put(k, names[rng.nextInt(names.length)]);
        }
        return index.toString();
    }

    /** True if the index (as Jackson reads it) names a shard that is outside the folder or reached through the link. */
    static boolean namesOutside(String text) {
        try {
            JsonNode map = Mutate.JSON.readTree(text).get("weight_map");
            if (map == null || !map.isObject()) return false;
            for (JsonNode v : map) {
                String s = v.asText();
                if (s.equals("linked.safetensors") || s.contains("elsewhere")) return true;
            }
        } catch (Exception e) {
            return false;
        }
        return false;
    }
}
