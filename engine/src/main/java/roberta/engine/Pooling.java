package roberta.engine;

import java.util.Locale;

/** How token states become one vector per input. */
public enum Pooling {
    /** The {@code <s>} token's state. */
    CLS,
    /** Mean over tokens (mask-weighted: padding never counts). */
    MEAN,
    /** Element-wise max over tokens. */
    MAX,
    /** No pooling: every token's state. */
    NONE;

    public static Pooling parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown pooling '" + s + "' (cls, mean, max, none)");
        }
    }

    /** Pools states [tokens, width] into [width] (NONE returns them unchanged). */
    public float[] pool(float[] states, int tokens, int width) {
        switch (this) {
            case NONE:
                return states;
            case CLS:
                return java.util.Arrays.copyOf(states, width);
            case MEAN: {
                float[] out = new float[width];
                for (int t = 0; t < tokens; t++) for (int c = 0; c < width; c++) out[c] += states[t * width + c];
                for (int c = 0; c < width; c++) out[c] /= tokens;
                return out;
            }
            case MAX: {
                float[] out = new float[width];
                java.util.Arrays.fill(out, Float.NEGATIVE_INFINITY);
                for (int t = 0; t < tokens; t++) for (int c = 0; c < width; c++) out[c] = Math.max(out[c], states[t * width + c]);
                return out;
            }
            default:
                throw new IllegalStateException();
        }
    }
}
