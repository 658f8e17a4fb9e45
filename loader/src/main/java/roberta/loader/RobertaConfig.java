package roberta.loader;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
        try {
            JsonNode root = JSON.readTree(Files.readString(file));
            if (root == null || !root.isObject()) throw new IllegalArgumentException(file + ": not a JSON object");
            return fromJson((ObjectNode) root, file.toString());
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (IOException e) {
            // the parser's message quotes the text it choked on (file bytes): only its position is reported
            String msg = e instanceof com.fasterxml.jackson.core.JsonProcessingException j
                    ? (j.getLocation() != null ? "at line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() : "unreadable") : e.getMessage();
            throw new IllegalArgumentException(file + ": invalid JSON: " + msg);
        }
    }

    public static RobertaConfig fromJson(ObjectNode root, String source) {
        Reader r = new Reader(root, source);
        String modelType = r.string("model_type", "roberta");
        if (!modelType.equals("roberta") && !modelType.equals("xlm-roberta") && !modelType.equals("camembert"))
            throw new IllegalArgumentException(source + ": model_type '" + modelType + "' is not RoBERTa");
        int hidden = r.positiveInt("hidden_size", 768);
        int heads = r.positiveInt("num_attention_heads", 12);
        if (hidden % heads != 0)
            throw new IllegalArgumentException(source + ": hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
        String act = r.string("hidden_act", "gelu");
        if (!act.equals("gelu") && !act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh") && !act.equals("relu"))
            throw new IllegalArgumentException(source + ": hidden_act '" + act + "' is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu)");
        String posType = r.string("position_embedding_type", "absolute");
        if (!posType.equals("absolute"))
            throw new IllegalArgumentException(source + ": position_embedding_type '" + posType + "' is not supported (absolute)");
        List<String> archs = new ArrayList<>();
        JsonNode a = root.get("architectures");
        if (a != null && a.isArray()) a.forEach(n -> archs.add(n.asText()));
        Map<Integer, String> id2label = new LinkedHashMap<>();
        JsonNode labels = root.get("id2label");
        if (labels != null && labels.isObject()) {
            labels.fields().forEachRemaining(e -> {
                try {
                    id2label.put(Integer.parseInt(e.getKey()), e.getValue().asText());
                } catch (NumberFormatException ex) {
                    throw new IllegalArgumentException(source + ": id2label key '" + e.getKey() + "' is not an integer");
                }
            });
        } else if (root.has("num_labels")) {
            int n = r.positiveInt("num_labels", 2);
            for (int i = 0; i < n; i++) id2label.put(i, "LABEL_" + i);
        }
        for (int i = 0; i < id2label.size(); i++)
            if (!id2label.containsKey(i)) throw new IllegalArgumentException(source + ": id2label must number labels 0.." + (id2label.size() - 1));
        JsonNode cd = root.get("classifier_dropout");
        return new RobertaConfig(
                r.positiveInt("vocab_size", 50265), hidden, r.positiveInt("num_hidden_layers", 12), heads,
                r.positiveInt("intermediate_size", 3072), act, r.probability("hidden_dropout_prob", 0.1f),
                r.probability("attention_probs_dropout_prob", 0.1f), r.positiveInt("max_position_embeddings", 514),
                r.positiveInt("type_vocab_size", 1), (float) r.number("layer_norm_eps", 1e-5), r.integer("pad_token_id", 1),
                r.integer("bos_token_id", 0), r.integer("eos_token_id", 2), posType, List.copyOf(archs), id2label,
                root.hasNonNull("problem_type") ? root.get("problem_type").asText() : null,
                cd == null || cd.isNull() ? null : r.probability("classifier_dropout", 0.1f), root.deepCopy());
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
            if (!v.isTextual()) throw new IllegalArgumentException(source + ": " + key + " must be a string");
            return v.asText();
        }

        double number(String key, double dflt) {
            JsonNode v = get(key);
            if (v == null) return dflt;
            if (!v.isNumber()) throw new IllegalArgumentException(source + ": " + key + " must be a number, got " + v);
            return v.asDouble();
        }

        int integer(String key, int dflt) {
            JsonNode v = get(key);
            if (v == null) return dflt;
            if (!v.isIntegralNumber() || !v.canConvertToInt()) throw new IllegalArgumentException(source + ": " + key + " must be an integer, got " + v);
            return v.asInt();
        }

        int positiveInt(String key, int dflt) {
            int v = integer(key, dflt);
            if (v <= 0) throw new IllegalArgumentException(source + ": " + key + " must be positive, got " + v);
            return v;
        }

        float probability(String key, float dflt) {
            double v = number(key, dflt);
            if (v < 0 || v >= 1) throw new IllegalArgumentException(source + ": " + key + " must be in [0, 1), got " + v);
            return (float) v;
        }
    }
}
