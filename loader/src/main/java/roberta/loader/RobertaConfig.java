package roberta.loader;

import roberta.tokenizer.ModelFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * config.json of a RoBERTa checkpoint. Every key is read from the file; absent keys take
 * RoBERTa's defaults (which differ from BERT's: layer_norm_eps 1e-5, max_position_embeddings
 * 514, type_vocab_size 1, pad_token_id 1). The original JSON is kept so that saving writes
 * back every key, known or not.
 */
public record RobertaConfig(
        int vocabSize, int hiddenSize, int numHiddenLayers, int numAttentionHeads, int intermediateSize,
        String hiddenAct, float hiddenDropoutProb, float attentionProbsDropoutProb, int maxPositionEmbeddings,
        int typeVocabSize, float layerNormEps, int padTokenId, int bosTokenId, int eosTokenId,
        String positionEmbeddingType, List<String> architectures, Map<Integer, String> id2label,
        String problemType, Float classifierDropout, ObjectNode json) {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** More layers than any published model has (the largest have under 100). */
    public static final int MAX_LAYERS = 1024;
    /** 2^35 parameters: three times XLM-RoBERTa-XXL (10.7 B); a config claiming more is not a real checkpoint. */
    public static final long MAX_PARAMETERS = 1L << 35;
    /** The most elements a Java array can hold (a tensor is read into one). */
    public static final long MAX_ARRAY = Integer.MAX_VALUE - 8;
    public static final int MAX_LABELS = 1 << 16;

    public int headSize() {
        return hiddenSize / numAttentionHeads;
    }

    public int numLabels() {
        return id2label.size();
    }

    public String architecture() {
        return architectures.isEmpty() ? null : architectures.get(0);
    }

    public static RobertaConfig load(Path file) {
        String text = ModelFiles.readUtf8(file, ModelFiles.MAX_JSON_BYTES, what -> fail(file.toString(), what));
        try {
            JsonNode root = JSON.readTree(text);
            if (root == null || !root.isObject()) throw fail(file.toString(), "not a JSON object");
            return fromJson((ObjectNode) root, file.toString());
        } catch (IOException e) {
            throw fail(file.toString(), "invalid JSON: " + where(e));
        }
    }

    /**
     * Where a JSON file failed to parse, for a message: the parser's own message quotes the text
     * it choked on (the file's bytes), so only the position is reported.
     */
    static String where(IOException e) {
        return e instanceof com.fasterxml.jackson.core.JsonProcessingException j
                ? (j.getLocation() != null ? "at line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() : "unreadable") : e.getMessage();
    }

    /** An error about the config, one line (names and values from the file may hold control characters). */
    private static IllegalArgumentException fail(String source, String what) {
        return new IllegalArgumentException(ModelFiles.oneLine(source + ": " + what));
    }

    /**
     * Every value is checked before anything is sized from it: sizes are positive, each tensor
     * they imply fits a Java array (2^31 - 9 elements), the whole model at most MAX_PARAMETERS,
     * ids lie inside the vocabulary, and layer_norm_eps is a positive float (a zero or negative
     * eps turns LayerNorm into NaNs).
     */
    public static RobertaConfig fromJson(ObjectNode root, String source) {
        Reader r = new Reader(root, source);
        String modelType = r.string("model_type", "roberta");
        if (!modelType.equals("roberta") && !modelType.equals("xlm-roberta") && !modelType.equals("camembert"))
            throw fail(source, "model_type '" + ModelFiles.quote(modelType) + "' is not RoBERTa");
        int hidden = r.positiveInt("hidden_size", 768);
        int heads = r.positiveInt("num_attention_heads", 12);
        if (hidden % heads != 0)
            throw fail(source, "hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
        int vocab = r.positiveInt("vocab_size", 50265);
        int layers = r.positiveInt("num_hidden_layers", 12);
        if (layers > MAX_LAYERS) throw fail(source, "num_hidden_layers " + layers + " is over the limit of " + MAX_LAYERS);
        int intermediate = r.positiveInt("intermediate_size", 3072);
        int maxPositions = r.positiveInt("max_position_embeddings", 514);
        int typeVocab = r.positiveInt("type_vocab_size", 1);
        String act = r.string("hidden_act", "gelu");
        // the engine computes the exact erf GELU, what every RoBERTa checkpoint uses; another activation would be ignored silently
        if (!act.equals("gelu"))
            throw fail(source, "hidden_act '" + ModelFiles.quote(act) + "' is not supported (the engine computes gelu, the exact erf form)");
        String posType = r.string("position_embedding_type", "absolute");
        if (!posType.equals("absolute"))
            throw fail(source, "position_embedding_type '" + ModelFiles.quote(posType) + "' is not supported (absolute)");
        List<String> archs = new ArrayList<>();
        JsonNode a = root.get("architectures");
        if (a != null && !a.isNull()) {
            if (!a.isArray()) throw fail(source, "architectures must be a list of class names");
            for (JsonNode n : a) {
                if (!n.isTextual()) throw fail(source, "architectures must be a list of class names, got " + ModelFiles.quote(a.toString()));
                archs.add(n.asText());
            }
        }
        Map<Integer, String> id2label = labels(root, r, source, archs);
        JsonNode cd = root.get("classifier_dropout");
        int pad = r.tokenId("pad_token_id", 1, vocab), bos = r.tokenId("bos_token_id", 0, vocab), eos = r.tokenId("eos_token_id", 2, vocab);
        // RoBERTa numbers positions from pad_token_id + 1: the table must hold <s>, </s> and a token after that
        if ((long) maxPositions < pad + 4L)
            throw fail(source, "max_position_embeddings " + maxPositions + " leaves room for fewer than 3 tokens after pad_token_id " + pad
                    + " (RoBERTa numbers positions from pad_token_id + 1)");
        checkSizes(source, vocab, hidden, layers, intermediate, maxPositions, typeVocab, Math.max(1, id2label.size()));
        double eps = r.number("layer_norm_eps", 1e-5);
        if (!(eps > 0 && eps < 1) || (float) eps == 0f)
            throw fail(source, "layer_norm_eps must be a positive number below 1, got " + eps);
        return new RobertaConfig(
                vocab, hidden, layers, heads, intermediate, act, r.probability("hidden_dropout_prob", 0.1f),
                r.probability("attention_probs_dropout_prob", 0.1f), maxPositions, typeVocab, (float) eps, pad, bos, eos,
                posType, List.copyOf(archs), id2label,
                root.hasNonNull("problem_type") ? r.string("problem_type", null) : null,
                cd == null || cd.isNull() ? null : r.probability("classifier_dropout", 0.1f), root.deepCopy());
    }

    /**
     * id2label, else num_labels named LABEL_i; else, for a classifier, transformers' default of
     * 2 labels (transformers 5 leaves both fields out of config.json when they are that default).
     */
    private static Map<Integer, String> labels(ObjectNode root, Reader r, String source, List<String> archs) {
        Map<Integer, String> id2label = new LinkedHashMap<>();
        JsonNode labels = root.get("id2label");
        if (labels != null && labels.isObject()) {
            for (var it = labels.fields(); it.hasNext(); ) {
                var e = it.next();
                int id;
                try {
                    id = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw fail(source, "id2label key '" + ModelFiles.quote(e.getKey()) + "' is not an integer");
                }
                if (!e.getValue().isTextual()) throw fail(source, "id2label value for " + id + " is not a string");
                if (id2label.put(id, e.getValue().asText()) != null) throw fail(source, "id2label numbers label " + id + " twice");
            }
        } else if (labels != null && !labels.isNull()) {
            throw fail(source, "id2label must be an object of id -> label");
        } else if (root.has("num_labels")) {
            int n = r.positiveInt("num_labels", 2);
            if (n > MAX_LABELS) throw fail(source, "num_labels " + n + " is over the limit of " + MAX_LABELS);
            for (int i = 0; i < n; i++) id2label.put(i, "LABEL_" + i);
        } else if (archs.stream().anyMatch(a -> a.endsWith("ForSequenceClassification") || a.endsWith("ForTokenClassification"))) {
            for (int i = 0; i < 2; i++) id2label.put(i, "LABEL_" + i);
        }
        for (int i = 0; i < id2label.size(); i++)
            if (!id2label.containsKey(i)) throw fail(source, "id2label must number labels 0.." + (id2label.size() - 1));
        return id2label;
    }

    /** Every tensor the config implies must fit a Java array, and the model MAX_PARAMETERS. */
    private static void checkSizes(String source, long v, long h, long layers, long inter, long positions, long types, long labels) {
        String[] names = {"vocab_size", "intermediate_size", "max_position_embeddings", "type_vocab_size", "hidden_size", "labels"};
        long[] rows = {v, inter, positions, types, h, labels};
        for (int i = 0; i < rows.length; i++)
            if (rows[i] * h > MAX_ARRAY)
                throw fail(source, names[i] + " " + rows[i] + " times hidden_size " + h + " is " + rows[i] * h
                        + " elements, more than a Java array holds (" + MAX_ARRAY + ")");
        long perLayer = 4 * h * h + 2 * inter * h + 9 * h + inter;
        long total = (v + positions + types + 2) * h + layers * perLayer + h * h + v + h * labels;
        if (total > MAX_PARAMETERS)
            throw fail(source, "the sizes imply " + total + " parameters, over the limit of " + MAX_PARAMETERS);
    }

    /** A config for a model of the given shape, as a Hugging Face config.json would hold it. */
    public static RobertaConfig of(int vocab, int hidden, int layers, int heads, int intermediate, int maxPositions) {
        ObjectNode n = JSON.createObjectNode();
        n.putArray("architectures").add("RobertaModel");
        n.put("model_type", "roberta").put("vocab_size", vocab).put("hidden_size", hidden).put("num_hidden_layers", layers)
                .put("num_attention_heads", heads).put("intermediate_size", intermediate).put("hidden_act", "gelu")
                .put("hidden_dropout_prob", 0.1).put("attention_probs_dropout_prob", 0.1)
                .put("max_position_embeddings", maxPositions).put("type_vocab_size", 1).put("initializer_range", 0.02)
                .put("layer_norm_eps", 1e-5).put("pad_token_id", 1).put("bos_token_id", 0).put("eos_token_id", 2)
                .put("position_embedding_type", "absolute");
        return fromJson(n, "config");
    }

    /** This config with another architecture and label set, e.g. when a head is added for fine-tuning. */
    public RobertaConfig withHead(String architecture, Map<Integer, String> labels, String problem) {
        ObjectNode n = json.deepCopy();
        n.putArray("architectures").add(architecture);
        if (labels != null) {
            ObjectNode i2l = n.putObject("id2label"), l2i = n.putObject("label2id");
            labels.forEach((i, l) -> {
                i2l.put(String.valueOf(i), l);
                l2i.put(l, i);
            });
            n.put("num_labels", labels.size());
        }
        if (problem != null) n.put("problem_type", problem);
        return fromJson(n, "config");
    }

    /**
     * This config naming how the weights are stored ("float32", "float16", "bfloat16"): under
     * {@code dtype}, the key transformers 5 reads and writes, and {@code torch_dtype}, transformers 4's.
     */
    public RobertaConfig withTorchDtype(String dtype) {
        ObjectNode n = json.deepCopy();
        n.put("dtype", dtype);
        n.put("torch_dtype", dtype);
        return fromJson(n, "config");
    }

    public String toJsonString() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Typed reads of config keys, each failure naming the file and the key. */
    private record Reader(ObjectNode root, String source) {
        JsonNode get(String key) {
            JsonNode v = root.get(key);
            return v == null || v.isNull() ? null : v;
        }

        String string(String key, String dflt) {
            JsonNode v = get(key);
            if (v == null) return dflt;
            if (!v.isTextual()) throw fail(source, key + " must be a string, got " + ModelFiles.quote(v.toString()));
            return v.asText();
        }

        double number(String key, double dflt) {
            JsonNode v = get(key);
            if (v == null) return dflt;
            if (!v.isNumber()) throw fail(source, key + " must be a number, got " + ModelFiles.quote(v.toString()));
            return v.asDouble();
        }

        int integer(String key, int dflt) {
            JsonNode v = get(key);
            if (v == null) return dflt;
            if (!v.isIntegralNumber() || !v.canConvertToInt())
                throw fail(source, key + " must be an integer (32-bit), got " + ModelFiles.quote(v.toString()));
            return v.asInt();
        }

        int positiveInt(String key, int dflt) {
            int v = integer(key, dflt);
            if (v <= 0) throw fail(source, key + " must be positive, got " + v);
            return v;
        }

        /** A token id, which must lie in [0, vocab_size). */
        int tokenId(String key, int dflt, int vocab) {
            int v = integer(key, dflt);
            if (v < 0 || v >= vocab) throw fail(source, key + " " + v + " is outside the vocabulary [0, " + vocab + ")");
            return v;
        }

        float probability(String key, float dflt) {
            double v = number(key, dflt);
            if (!(v >= 0 && v < 1)) throw fail(source, key + " must be in [0, 1), got " + v);
            return (float) v;
        }
    }
}
