package roberta.kernels;

/** Small element-wise kernels: dropout's counter-based random numbers, AdamW, adds. */
final class Elementwise {
    private Elementwise() {}

    /**
     * A uniform float in [0, 1) from (seed, index) alone (SplitMix64 finaliser), so dropout
     * masks are the same for the same seed whatever the thread split.
     */
    static float uniform(long seed, long index) {
        long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 40) * 0x1.0p-24f;
    }

    static void dropout(float[] out, float[] mask, float[] x, int n, float p, long seed) {
        float keep = 1f / (1f - p);
        Parallel.forRange(n, 8192, (a, b) -> {
            for (int i = a; i < b; i++) {
                float m = uniform(seed, i) < p ? 0f : keep;
                mask[i] = m;
                out[i] = x[i] * m;
            }
        });
    }

    static void adamw(float[] p, float[] g, float[] m, float[] v, int n, float lr, float beta1, float beta2, float eps, float wd, int t) {
        float bc1 = (float) (1 - Math.pow(beta1, t)), bc2 = (float) (1 - Math.pow(beta2, t));
        Parallel.forRange(n, 16384, (a, b) -> {
            for (int i = a; i < b; i++) {
                float gi = g[i];
                m[i] = beta1 * m[i] + (1 - beta1) * gi;
                v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
                float mhat = m[i] / bc1, vhat = v[i] / bc2;
                // decoupled decay, PyTorch's order: p *= 1 - lr*wd, then the Adam step
                p[i] = p[i] * (1 - lr * wd) - lr * mhat / ((float) Math.sqrt(vhat) + eps);
            }
        });
    }
}
