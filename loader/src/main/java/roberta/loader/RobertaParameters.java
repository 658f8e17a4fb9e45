package roberta.loader;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What parameters a RoBERTa has: every name (Hugging Face's, as RobertaModel's state_dict
 * spells it), its shape, and what the names mean (which layer, head or embedding; how
 * transformers stores it under a RobertaFor* class). The one place these are written down:
 * the loader checks checkpoints against it, the engine builds, initialises, freezes and saves
 * models by it.
 *
 * <pre>
 * embeddings.word_embeddings.weight         [vocab, H]     looked up by token id
 * embeddings.position_embeddings.weight     [positions, H] by position id (padding_idx + 1 + i)
 * embeddings.token_type_embeddings.weight   [types, H]
 * embeddings.LayerNorm.{weight,bias}        [H]
 * encoder.layer.L.attention.self.{query,key,value}.{weight [H, H], bias [H]}
 * encoder.layer.L.attention.output.dense.{weight [H, H], bias}, .LayerNorm.{weight,bias}
 * encoder.layer.L.intermediate.dense.{weight [I, H], bias [I]}
 * encoder.layer.L.output.dense.{weight [H, I], bias [H]}, .LayerNorm.{weight,bias}
 * heads: pooler.dense (bare model) | lm_head.{dense, layer_norm, decoder (tied), bias}
 *        | classifier.{dense, out_proj} (sequence) | classifier (token)
 * </pre>
 */
public final class RobertaParameters {
    /** The prefix RobertaFor* classes store the encoder under ("roberta.encoder.layer.0..."). */
    public static final String ENCODER_PREFIX = "roberta.";
    private static final String LAYER = "encoder.layer.";

    private RobertaParameters() {}

    /** Every tensor a model of this config and head has, with its shape, in Hugging Face's order. */
    public static Map<String, long[]> shapes(RobertaConfig c, HeadType head) {
        long h = c.hiddenSize(), v = c.vocabSize(), inter = c.intermediateSize(), labels = c.numLabels();
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put("embeddings.word_embeddings.weight", new long[] {v, h});
        s.put("embeddings.position_embeddings.weight", new long[] {c.maxPositionEmbeddings(), h});
        s.put("embeddings.token_type_embeddings.weight", new long[] {c.typeVocabSize(), h});
        s.put("embeddings.LayerNorm.weight", new long[] {h});
        s.put("embeddings.LayerNorm.bias", new long[] {h});
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            String p = LAYER + l + ".";
            for (String m : new String[] {"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"}) {
                s.put(p + m + ".weight", new long[] {h, h});
                s.put(p + m + ".bias", new long[] {h});
            }
            s.put(p + "attention.output.LayerNorm.weight", new long[] {h});
            s.put(p + "attention.output.LayerNorm.bias", new long[] {h});
            s.put(p + "intermediate.dense.weight", new long[] {inter, h});
            s.put(p + "intermediate.dense.bias", new long[] {inter});
            s.put(p + "output.dense.weight", new long[] {h, inter});
            s.put(p + "output.dense.bias", new long[] {h});
            s.put(p + "output.LayerNorm.weight", new long[] {h});
            s.put(p + "output.LayerNorm.bias", new long[] {h});
        }
        switch (head) {
            case NONE -> {
                s.put("pooler.dense.weight", new long[] {h, h});
                s.put("pooler.dense.bias", new long[] {h});
            }
            case MASKED_LM -> {
                s.put("lm_head.dense.weight", new long[] {h, h});
                s.put("lm_head.dense.bias", new long[] {h});
                s.put("lm_head.layer_norm.weight", new long[] {h});
                s.put("lm_head.layer_norm.bias", new long[] {h});
                s.put(TIED_DECODER, new long[] {v, h});
                s.put("lm_head.bias", new long[] {v});
            }
            case SEQUENCE_CLASSIFICATION -> {
                s.put("classifier.dense.weight", new long[] {h, h});
                s.put("classifier.dense.bias", new long[] {h});
                s.put("classifier.out_proj.weight", new long[] {labels, h});
                s.put("classifier.out_proj.bias", new long[] {labels});
            }
            case TOKEN_CLASSIFICATION -> {
                s.put("classifier.weight", new long[] {labels, h});
                s.put("classifier.bias", new long[] {labels});
            }
        }
        return s;
    }

    /** The MLM decoder: the word embeddings themselves unless a checkpoint stores it apart. */
    public static final String TIED_DECODER = "lm_head.decoder.weight";

    /** A prediction head's (or the pooler's) parameter, not the encoder's. */
    public static boolean isHead(String name) {
        return name.startsWith("lm_head.") || name.startsWith("classifier.") || name.startsWith("pooler.");
    }

    /** The encoder layer a parameter belongs to, or -1 (embeddings, heads). */
    public static int layerOf(String name) {
        if (!name.startsWith(LAYER)) return -1;
        int end = name.indexOf('.', LAYER.length());
        return Integer.parseInt(name.substring(LAYER.length(), end));
    }

    /** A LayerNorm scale (initialised to ones, never weight-decayed). */
    public static boolean isLayerNormWeight(String name) {
        return name.endsWith("LayerNorm.weight") || name.endsWith("layer_norm.weight");
    }

    /** Whether AdamW decays it: not biases, not LayerNorm scales (transformers' no_decay list). */
    public static boolean decays(String name) {
        return !(name.endsWith(".bias") || isLayerNormWeight(name));
    }

    /** A linear layer's weight [out, in] (the word embeddings are looked up, so they are not one). */
    public static boolean isLinearWeight(String name, int rank) {
        return rank == 2 && name.endsWith(".weight") && (name.startsWith("encoder.") || isHead(name));
    }

    /** The name transformers stores a parameter under: the encoder gets "roberta." when a head is present. */
    public static String storedName(String name, HeadType head) {
        return head != HeadType.NONE && !isHead(name) ? ENCODER_PREFIX + name : name;
    }

    /** The parameter a stored name is, whichever class saved it (the "roberta." prefix dropped). */
    public static String fromStoredName(String stored) {
        return stored.startsWith(ENCODER_PREFIX) ? stored.substring(ENCODER_PREFIX.length()) : stored;
    }
}
