package roberta.engine;

import java.util.ArrayList;
import java.util.List;
import roberta.loader.SafetensorsFile;
import roberta.loader.SentenceTransformerConfig;

/**
 * What turns one input's token states [tokens, width] into its sentence vector: pooling modes
 * (several are concatenated, as sentence-transformers does), then Dense layers and L2
 * normalisation in the order a sentence-transformers folder lists them. With NONE pooling the
 * token states pass through (normalised row by row if asked).
 *
 * @param modes the pooling modes, their vectors concatenated in this order
 * @param steps what is applied to the pooled vector, in order
 */
public record SentencePipeline(List<Pooling> modes, List<Step> steps) {
    /** A module applied to the pooled vector. */
    public sealed interface Step permits Dense, Normalize {
        /**
         * Applies the module.
         *
         * @param x the vector so far
         * @return the vector after this module (may be x itself, changed)
         */
        float[] apply(float[] x);
    }

    /**
     * y = act(W x + b), plus x (residual, same width) or P x (residual, other width); W and P
     * [out, in] row-major as torch's nn.Linear stores them.
     *
     * @param weight W, [out, in]
     * @param bias b, [out], or null
     * @param in values taken
     * @param out values given
     * @param activation Tanh, ReLU, Sigmoid, GELU or Identity
     * @param residual the input is added back after the activation
     * @param projection P, [out, in], when a residual changes the width; else null
     */
    public record Dense(float[] weight, float[] bias, int in, int out, String activation, boolean residual, float[] projection) implements Step {
        @Override
        public float[] apply(float[] x) {
            if (x.length != in) throw new IllegalArgumentException("Dense layer takes " + in + " values, the pooled vector has " + x.length);
            float[] y = new float[out];
            for (int o = 0; o < out; o++) {
                double s = bias == null ? 0 : bias[o];
                for (int i = 0; i < in; i++) s += (double) weight[o * in + i] * x[i];
                y[o] = activate((float) s);
                if (projection != null) {
                    double r = 0;
                    for (int i = 0; i < in; i++) r += (double) projection[o * in + i] * x[i];
                    y[o] += (float) r;
                } else if (residual) {
                    y[o] += x[o];
                }
            }
            return y;
        }

        private float activate(float v) {
            return switch (activation) {
                case "Tanh" -> (float) StrictMath.tanh(v);
                case "ReLU" -> Math.max(0f, v);
                case "Sigmoid" -> (float) (1 / (1 + Math.exp(-v)));
                case "GELU" -> roberta.kernels.Activations.gelu(v);
                default -> v; // Identity
            };
        }
    }

    /** L2 normalisation to unit length. */
    public record Normalize() implements Step {
        @Override
        public float[] apply(float[] x) {
            FeatureExtractor.normalize(x, x.length);
            return x;
        }
    }

    /**
     * One pooling mode, optionally L2-normalised: what the embed flags ask for.
     *
     * @param pooling the mode
     * @param normalize L2-normalise the result
     * @return the pipeline
     */
    public static SentencePipeline of(Pooling pooling, boolean normalize) {
        return new SentencePipeline(List.of(pooling), normalize ? List.of(new Normalize()) : List.of());
    }

    /**
     * The pipeline a sentence-transformers folder describes, its Dense weights read from safetensors.
     *
     * @param config the folder's modules
     * @return the pipeline
     */
    public static SentencePipeline of(SentenceTransformerConfig config) {
        List<Pooling> modes = config.poolingModes().stream().map(Pooling::parse).toList();
        List<Step> steps = new ArrayList<>();
        for (SentenceTransformerConfig.Module m : config.after()) {
            if (m instanceof SentenceTransformerConfig.Dense d) steps.add(dense(d));
            else steps.add(new Normalize());
        }
        return new SentencePipeline(modes, List.copyOf(steps));
    }

    private static Dense dense(SentenceTransformerConfig.Dense d) {
        var file = d.dir().resolve("model.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            String matrix = d.outFeatures() + " x " + d.inFeatures();
            float[] w = tensor(f, "linear.weight", (long) d.outFeatures() * d.inFeatures(), matrix);
            float[] b = d.bias() ? tensor(f, "linear.bias", d.outFeatures(), String.valueOf(d.outFeatures())) : null;
            // a residual that keeps the width adds the input itself; one that changes it, a learned projection
            float[] p = d.residual() && d.inFeatures() != d.outFeatures() ? tensor(f, "residual.weight", (long) d.outFeatures() * d.inFeatures(), matrix) : null;
            return new Dense(w, b, d.inFeatures(), d.outFeatures(), d.activation(), d.residual(), p);
        }
    }

    private static float[] tensor(SafetensorsFile f, String name, long size, String shape) {
        if (!f.tensors().containsKey(name)) throw new IllegalArgumentException(f.path() + ": no tensor " + name);
        long n = f.info(name).elementCount();
        if (n != size) throw new IllegalArgumentException(f.path() + ": tensor " + name + " has " + n + " values, the config says " + shape);
        return f.finiteFloats(name);
    }

    /**
     * Width of the vectors for token states of the given width (NONE: the token width); checks each Dense layer takes what comes before it.
     *
     * @param tokenWidth values per token state
     * @return values per output vector
     */
    public int width(int tokenWidth) {
        int w = perToken() ? tokenWidth : tokenWidth * modes.size();
        for (Step s : steps) {
            if (!(s instanceof Dense d)) continue;
            if (d.in() != w)
                throw new IllegalArgumentException("a Dense layer takes " + d.in() + " values but pooling gives " + w
                        + " (" + modes.size() + " pooling mode(s) x " + tokenWidth + " values per token)");
            w = d.out();
        }
        return w;
    }

    /** {@return whether this pools nothing (NONE) and gives every token's state} */
    public boolean perToken() {
        return modes.equals(List.of(Pooling.NONE));
    }

    /**
     * One input's sentence vector (for NONE, the states, each row normalised if asked).
     *
     * @param states [tokens, width], row-major
     * @param tokens rows
     * @param width values per token
     * @return the vector
     */
    public float[] apply(float[] states, int tokens, int width) {
        if (perToken()) {
            for (Step s : steps) if (s instanceof Normalize) FeatureExtractor.normalize(states, width);
            return states;
        }
        float[] v;
        if (modes.size() == 1) {
            v = modes.get(0).pool(states, tokens, width);
        } else {
            v = new float[width * modes.size()];
            for (int m = 0; m < modes.size(); m++) System.arraycopy(modes.get(m).pool(states, tokens, width), 0, v, m * width, width);
        }
        for (Step s : steps) v = s.apply(v);
        return v;
    }
}
