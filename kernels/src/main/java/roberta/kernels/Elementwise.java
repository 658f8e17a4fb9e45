package roberta.kernels;

/** Small element-wise kernels: dropout's counter-based random numbers, AdamW, fills, sums of squares. */
final class Elementwise {
    /** Elements per parallel chunk of the memory-bound kernels (a fixed split, so sums do not depend on the thread count). */
    static final int CHUNK = 1 << 15;

    private Elementwise() {}

    /** a[:] = value; a gradient or a fresh buffer of a whole layer is worth every kernel thread's store bandwidth. */
    static void fill(float[] a, float value) {
        Parallel.forRange(a.length, 4 * CHUNK, (from, to) -> java.util.Arrays.fill(a, from, to, value));
    }

    /** a[:] *= s. */
    static void scale(float[] a, float s) {
        Parallel.forRange(a.length, 4 * CHUNK, (from, to) -> {
            for (int i = from; i < to; i++) a[i] *= s;
        });
    }

    /**
     * The sum of a's squares in double, over fixed chunks of CHUNK values summed in order: the
     * same bits for any number of threads. Four accumulators per chunk, because one double add
     * chain waits on its own latency (4 cycles an element, which made this a tenth of a training step).
     */
    static double sumOfSquares(float[] a) {
        int chunks = (a.length + CHUNK - 1) / CHUNK;
        double[] partial = new double[chunks];
        Parallel.forRange(chunks, 4, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                int from = c * CHUNK, to = Math.min(a.length, from + CHUNK), i = from;
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                for (; i + 3 < to; i += 4) {
                    double x0 = a[i], x1 = a[i + 1], x2 = a[i + 2], x3 = a[i + 3];
                    s0 += x0 * x0;
                    s1 += x1 * x1;
                    s2 += x2 * x2;
                    s3 += x3 * x3;
                }
                for (; i < to; i++) s0 += (double) a[i] * a[i];
                partial[c] = (s0 + s1) + (s2 + s3);
            }
        });
        double sum = 0;
        for (double p : partial) sum += p;
        return sum;
    }

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
