package roberta.engine;

import java.util.Locale;

/**
 * How token states become one vector per input. Every mode sees only the input's own tokens,
 * {@code <s>} and {@code </s>} included (padding never counts), as sentence-transformers pools.
 */
public enum Pooling {
    /** The {@code <s>} token's state. */
    CLS("cls"),
    /** Mean over tokens. */
    MEAN("mean"),
    /** Element-wise max over tokens. */
    MAX("max"),
    /** Sum over tokens divided by the square root of their number. */
    MEAN_SQRT_LEN("mean_sqrt_len_tokens"),
    /** Mean weighted by position: token t (from 0) counts t + 1 times. */
    WEIGHTED_MEAN("weightedmean"),
    /** The last token's state ({@code </s>} for RoBERTa). */
    LAST_TOKEN("lasttoken"),
    /** No pooling: every token's state. */
    NONE(null);

    /** The mode's name in a sentence-transformers Pooling config, null for NONE. */
    public final String sentenceTransformersName;

    Pooling(String sentenceTransformersName) {
        this.sentenceTransformersName = sentenceTransformersName;
    }

    /**
     * The pooling a name stands for.
     *
     * @param s cls, mean, max, mean-sqrt-len, weighted-mean, last-token or none; sentence-transformers' spellings work too
     * @return the pooling
     */
    public static Pooling parse(String s) {
        String name = s.toLowerCase(Locale.ROOT);
        for (Pooling p : values())
            if (name.equals(p.cliName()) || name.equals(p.sentenceTransformersName)) return p;
        throw new IllegalArgumentException("unknown pooling '" + s + "' (cls, mean, max, mean-sqrt-len, weighted-mean, last-token, none)");
    }

    /** {@return the name on the command line: the constant's, lower case with dashes} */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Pools one input's token states (NONE returns them unchanged).
     *
     * @param states [tokens, width], row-major
     * @param tokens rows
     * @param width values per token
     * @return [width]
     */
    public float[] pool(float[] states, int tokens, int width) {
        if (this == NONE) return states;
        float[] out = new float[width];
        switch (this) {
            case CLS -> System.arraycopy(states, 0, out, 0, width);
            case LAST_TOKEN -> System.arraycopy(states, (tokens - 1) * width, out, 0, width);
            case MAX -> {
                java.util.Arrays.fill(out, Float.NEGATIVE_INFINITY);
                for (int t = 0; t < tokens; t++) for (int c = 0; c < width; c++) out[c] = Math.max(out[c], states[t * width + c]);
            }
            case MEAN, MEAN_SQRT_LEN, WEIGHTED_MEAN -> {
                float weights = 0;
                for (int t = 0; t < tokens; t++) {
                    float w = this == WEIGHTED_MEAN ? t + 1 : 1;
                    weights += w;
                    for (int c = 0; c < width; c++) out[c] += w * states[t * width + c];
                }
                float divisor = this == MEAN_SQRT_LEN ? (float) Math.sqrt(tokens) : weights;
                for (int c = 0; c < width; c++) out[c] /= divisor;
            }
            default -> throw new IllegalStateException();
        }
        return out;
    }
}
