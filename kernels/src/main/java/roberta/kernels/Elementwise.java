package roberta.kernels;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Small element-wise kernels: dropout's counter-based random numbers, AdamW, fills, sums of squares. */
final class Elementwise {
    /** Elements per parallel chunk of the memory-bound kernels (a fixed split, so sums do not depend on the thread count). */
    static final int CHUNK = 1 << 15;

    private Elementwise() {}

    /** a[0, n) = value; a gradient or a fresh buffer of a whole layer is worth every kernel thread's store bandwidth. */
    static void fill(float[] a, int n, float value) {
        Parallel.forRange(n, 4 * CHUNK, (from, to) -> java.util.Arrays.fill(a, from, to, value));
    }

    /** a[0, n) *= s. */
    static void scale(float[] a, int n, float s) {
        Parallel.forRange(n, 4 * CHUNK, (from, to) -> {
            for (int i = from; i < to; i++) a[i] *= s;
        });
    }

    /**
     * The sum of the squares of a[0, n) in double, over fixed chunks of CHUNK values summed in order: the
     * same bits for any number of threads. Four accumulators per chunk, because one double add
     * chain waits on its own latency (4 cycles an element, which made this a tenth of a training step).
     */
    static double sumOfSquares(float[] a, int n) {
        int chunks = (n + CHUNK - 1) / CHUNK;
        double[] partial = new double[chunks];
        Parallel.forRange(chunks, 4, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                int from = c * CHUNK, to = Math.min(n, from + CHUNK), i = from;
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
        Parallel.forRange(n, 8192, (a, b) -> dropoutRange(out, mask, x, a, b, p, keep, seed));
    }

    // SplitMix64 in 64-bit lanes
    private static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;
    /** Draws generated per pass: the generator's output waits in a per-thread scratch of this many longs (L1). */
    private static final int DRAWS = 512;
    private static final ThreadLocal<long[]> DRAW_SCRATCH = ThreadLocal.withInitial(() -> new long[DRAWS]);

    /**
     * out[i] = x[i] * f and mask[i] = f (mask may be null) for i in [from, to), f = 0 when
     * {@link #uniform}(seed, i) < p, else keep: the same bits as the scalar loop
     * ({@link #dropoutRangeScalar}). The generator's two 64-bit multiplications per element are
     * what a scalar element costs, so they run in 64-bit vector lanes, DRAWS at a time, into a
     * scratch of longs (each the factor's float bits); a second, simple loop applies them. Two loops, because
     * the Vector API's 64-to-32-bit lane conversions are not compiled to instructions on this
     * JDK (each allocates: a training step made gigabytes of garbage a second with them).
     */
    static void dropoutRange(float[] out, float[] mask, float[] x, int from, int to, float p, float keep, long seed) {
        if (Gemm.SCALAR) {
            dropoutRangeScalar(out, mask, x, from, to, p, keep, seed);
            return;
        }
        long[] draws = DRAW_SCRATCH.get();
        int lanes = LONGS.length();
        // uniform < p  <=>  top24 * 2^-24 < p  <=>  top24 < p * 2^24  <=>  top24 < ceil(p * 2^24) (top24 an integer; exact in double)
        long threshold = (long) Math.ceil((double) p * 0x1.0p24);
        long keepBits = Float.floatToRawIntBits(keep) & 0xffffffffL;
        LongVector lane = LongVector.zero(LONGS).addIndex(1); // 0, 1, ..., lanes - 1
        for (int c0 = from; c0 < to; c0 += DRAWS) {
            int count = Math.min(DRAWS, to - c0), vectors = count - count % lanes;
            for (int j = 0; j < vectors; j += lanes) {
                // uniform's counter index + 1 for the lanes' indices c0 + j + l
                LongVector z = lane.add((long) c0 + j + 1).mul(0x9E3779B97F4A7C15L).add(seed);
                z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(0xBF58476D1CE4E5B9L);
                z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(0x94D049BB133111EBL);
                z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
                // the factor's float bits, without a branch (a dropped 10% mispredicts): all ones where
                // top24 - threshold is negative, i.e. dropped, clearing keep's bits to +0f
                LongVector dropped = z.lanewise(VectorOperators.LSHR, 40).sub(threshold).lanewise(VectorOperators.ASHR, 63);
                dropped.not().and(keepBits).intoArray(draws, j);
            }
            for (int j = 0; j < vectors; j++) {
                int i = c0 + j;
                float m = Float.intBitsToFloat((int) draws[j]);
                if (mask != null) mask[i] = m;
                out[i] = x[i] * m;
            }
            dropoutRangeScalar(out, mask, x, c0 + vectors, c0 + count, p, keep, seed);
        }
    }

    /** The scalar twin of {@link #dropoutRange}. */
    static void dropoutRangeScalar(float[] out, float[] mask, float[] x, int from, int to, float p, float keep, long seed) {
        for (int i = from; i < to; i++) {
            float m = uniform(seed, i) < p ? 0f : keep;
            if (mask != null) mask[i] = m;
            out[i] = x[i] * m;
        }
    }

    /** AdamW on g * gradScale (the same float as scaling g first); clearGrad zeroes g behind the read. */
    static void adamw(float[] p, float[] g, float[] m, float[] v, int n, float lr, float beta1, float beta2, float eps, float wd, int t,
                      float gradScale, boolean clearGrad) {
        float bc1 = (float) (1 - Math.pow(beta1, t)), bc2 = (float) (1 - Math.pow(beta2, t));
        Parallel.forRange(n, 16384, (a, b) -> {
            for (int i = a; i < b; i++) {
                float gi = gradScale == 1f ? g[i] : g[i] * gradScale;
                if (clearGrad) g[i] = 0f;
                m[i] = beta1 * m[i] + (1 - beta1) * gi;
                v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
                float mhat = m[i] / bc1, vhat = v[i] / bc2;
                // decoupled decay, PyTorch's order: p *= 1 - lr*wd, then the Adam step
                p[i] = p[i] * (1 - lr * wd) - lr * mhat / ((float) Math.sqrt(vhat) + eps);
            }
        });
    }
}
