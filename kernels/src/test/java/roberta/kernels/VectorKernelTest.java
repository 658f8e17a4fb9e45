package roberta.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Each vectorised element-wise kernel against its scalar twin, over lengths that leave tails. */
class VectorKernelTest {
    @Test
    void geluMatchesScalarErfGelu() {
        Random rng = new Random(1);
        for (int n : new int[] {1, 15, 16, 17, 1000, 4099}) {
            float[] x = new float[n], out = new float[n];
            for (int i = 0; i < n; i++) x[i] = (float) (rng.nextGaussian() * 4);
            x[0] = n > 1 ? -9f : 0f;
            Activations.gelu(out, x, n);
            for (int i = 0; i < n; i++) assertEquals(Activations.gelu(x[i]), out[i], 2e-6f * Math.max(1, Math.abs(x[i])), "x=" + x[i]);
        }
    }

    @Test
    void vectorExpIsWithinTwoUlpOfMathExp() {
        float[] in = new float[VectorMath.S.length()], out = new float[in.length];
        Random rng = new Random(4);
        for (int trial = 0; trial < 2000; trial++) {
            for (int i = 0; i < in.length; i++) in[i] = (float) (rng.nextDouble() * 170 - 86);
            VectorMath.exp(jdk.incubator.vector.FloatVector.fromArray(VectorMath.S, in, 0)).intoArray(out, 0);
            for (int i = 0; i < in.length; i++) {
                float want = (float) Math.exp(in[i]);
                assertEquals(want, out[i], 2 * Math.ulp(want), "exp(" + in[i] + ")");
            }
        }
    }

    /** clamp is Math.min(Math.max(x, lo), hi) in every lane to the bit (bounds not zero): NaN, signed zeros, infinities, the bounds themselves. */
    @Test
    void clampIsMaxThenMinBitForBit() {
        float[] special = {Float.NaN, -0f, 0f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -4f, 4f, Math.nextDown(-4f), Math.nextUp(4f),
                           Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 1e-40f, 3.5f, -3.5f};
        float[][] bounds = {{-4f, 4f}, {-87.33654f, 88.72283f}, {0.5f, 1f}, {-1f, -Float.MIN_VALUE}};
        float[] in = new float[VectorMath.S.length()], out = new float[in.length];
        Random rng = new Random(6);
        for (float[] b : bounds)
            for (int trial = 0; trial < 200; trial++) {
                for (int i = 0; i < in.length; i++)
                    in[i] = trial < special.length ? special[(trial + i) % special.length] : (float) (rng.nextGaussian() * 50);
                VectorMath.clamp(jdk.incubator.vector.FloatVector.fromArray(VectorMath.S, in, 0), b[0], b[1]).intoArray(out, 0);
                for (int i = 0; i < in.length; i++)
                    assertEquals(Float.floatToRawIntBits(Math.min(Math.max(in[i], b[0]), b[1])), Float.floatToRawIntBits(out[i]),
                                 "clamp(" + in[i] + ", " + b[0] + ", " + b[1] + ")");
            }
    }

    /** The vector SplitMix64 gives the scalar generator's masks bit for bit: any range, seed, negative values. */
    @Test
    void dropoutRangeMatchesScalarBitForBit() {
        Random rng = new Random(5);
        long[] seeds = {0, 7, -1, Long.MIN_VALUE, 0x123456789abcdefL};
        int[][] ranges = {{0, 1}, {0, 7}, {0, 8}, {3, 20}, {5, 5}, {1000, 5099}, {65_000, 70_001}};
        for (long seed : seeds)
            for (int[] r : ranges)
                for (float p : new float[] {0f, Float.MIN_VALUE, 0x1.0p-24f, Math.nextDown(0x1.0p-24f), 0.1f, 0.5f, 0.9f, Math.nextDown(1f)}) {
                    float[] x = new float[r[1] + 3];
                    for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
                    float[] out = new float[x.length], mask = new float[x.length], outRef = new float[x.length], maskRef = new float[x.length];
                    float keep = 1f / (1f - p);
                    Elementwise.dropoutRange(out, mask, x, r[0], r[1], p, keep, seed);
                    Elementwise.dropoutRangeScalar(outRef, maskRef, x, r[0], r[1], p, keep, seed);
                    for (int i = 0; i < x.length; i++) {
                        assertEquals(Float.floatToRawIntBits(maskRef[i]), Float.floatToRawIntBits(mask[i]), "mask[" + i + "], seed " + seed + ", p " + p);
                        assertEquals(Float.floatToRawIntBits(outRef[i]), Float.floatToRawIntBits(out[i]), "out[" + i + "], seed " + seed + ", p " + p);
                    }
                    float[] none = new float[x.length];
                    Elementwise.dropoutRange(none, null, x, r[0], r[1], p, keep, seed); // no mask: the same values
                    for (int i = 0; i < x.length; i++) assertEquals(Float.floatToRawIntBits(outRef[i]), Float.floatToRawIntBits(none[i]));
                }
    }

    @Test
    void softmaxBackwardMatchesScalar() {
        Random rng = new Random(6);
        for (int len : new int[] {1, 5, 16, 33, 128}) {
            int rows = 3;
            float[] p = new float[rows * len + 2], dp = new float[rows * len + 1];
            for (int i = 0; i < p.length; i++) p[i] = rng.nextFloat();
            for (int i = 0; i < dp.length; i++) dp[i] = (float) rng.nextGaussian();
            AttentionKernel.softmaxRows(p, 2, rows, len, 1f); // rows of real probabilities
            float[] want = dp.clone();
            AttentionKernel.softmaxBackwardRows(dp, 1, p, 2, rows, len, 0.125f);
            for (int r = 0; r < rows; r++) AttentionKernel.softmaxBackwardRowScalar(want, 1 + r * len, p, 2 + r * len, len, 0.125f);
            for (int i = 0; i < dp.length; i++) assertEquals(want[i], dp[i], 1e-6f, "len " + len + ", [" + i + "]");
        }
    }

    @Test
    void attentionDropoutBackwardMatchesItsDefinitionBitForBit() {
        Random rng = new Random(7);
        for (int n : new int[] {1, 15, 16, 17, 1000}) {
            float[] dropped = new float[n + 5], dp = new float[n];
            for (int i = 0; i < dropped.length; i++) dropped[i] = rng.nextInt(10) == 0 ? 0f : rng.nextFloat();
            for (int i = 0; i < n; i++) dp[i] = (float) rng.nextGaussian();
            float[] want = new float[n];
            for (int i = 0; i < n; i++) want[i] = dropped[5 + i] == 0f ? 0f : dp[i] * 1.25f;
            AttentionKernel.droppedBackward(dp, dropped, 5, n, 1.25f);
            for (int i = 0; i < n; i++) assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(dp[i]), "n " + n + ", [" + i + "]");
        }
    }

    @Test
    void softmaxMatchesScalar() {
        Random rng = new Random(2);
        for (int len : new int[] {1, 5, 16, 33, 128}) {
            int rows = 3;
            float[] a = new float[rows * len + 3], b;
            for (int i = 0; i < a.length; i++) a[i] = (float) rng.nextGaussian() * 5;
            b = a.clone();
            AttentionKernel.softmaxRows(a, 3, rows, len, 0.37f);
            for (int r = 0; r < rows; r++) AttentionKernel.softmaxRowScalar(b, 3 + r * len, len, 0.37f);
            for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], 1e-6f);
        }
    }

    /**
     * VectorMath.sum is the pairwise tree its doc states (lanes i and i + n/2 in double, then halved
     * again), to the bit: values of mixed magnitude make another order round differently. max finds
     * the largest lane wherever it sits.
     */
    @Test
    void laneSumIsThePairwiseTreeBitForBitAndMaxFindsEveryLane() {
        int lanes = VectorMath.S.length();
        Random rng = new Random(11);
        float[] v = new float[lanes];
        for (int trial = 0; trial < 2000; trial++) {
            for (int i = 0; i < lanes; i++) v[i] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(9) - 4));
            double[] pairs = new double[Math.max(1, lanes / 2)];
            for (int i = 0; i < lanes / 2; i++) pairs[i] = (double) v[i] + v[i + lanes / 2];
            for (int w = lanes / 4; w >= 1; w /= 2) for (int i = 0; i < w; i++) pairs[i] += pairs[i + w];
            double expected = lanes == 1 ? v[0] : pairs[0];
            assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(VectorMath.sum(jdk.incubator.vector.FloatVector.fromArray(VectorMath.S, v, 0))),
                    "sum of " + java.util.Arrays.toString(v));
            int at = trial % lanes;
            v[at] = 1e6f;
            assertEquals(1e6f, VectorMath.max(jdk.incubator.vector.FloatVector.fromArray(VectorMath.S, v, 0)), "maximum in lane " + at);
        }
    }

    /**
     * The row maximum found wherever it sits: each of the four chains, the whole vectors after them,
     * the scalar tail. A missed maximum of 200 overflows exp and the row no longer matches.
     */
    @Test
    void softmaxFindsTheMaximumInEveryPartOfARow() {
        int lanes = VectorMath.S.length();
        Random rng = new Random(3);
        for (int len : new int[] {4 * lanes + lanes + 3, 8 * lanes + 2 * lanes + 1, 4 * lanes, lanes + 1}) {
            for (int at = 0; at < len; at += Math.max(1, lanes / 2 - 1)) {
                float[] a = new float[len], b;
                for (int i = 0; i < len; i++) a[i] = (float) rng.nextGaussian() * 5;
                a[at] = 200f;
                b = a.clone();
                AttentionKernel.softmaxRows(a, 0, 1, len, 1f);
                AttentionKernel.softmaxRowScalar(b, 0, len, 1f);
                for (int i = 0; i < len; i++) assertEquals(b[i], a[i], 1e-6f, "len " + len + ", maximum at " + at + ", [" + i + "]");
            }
        }
    }

    @Test
    void layerNormMatchesDefinition() {
        Random rng = new Random(3);
        int rows = 5, cols = 37;
        float[] x = new float[rows * cols], g = new float[cols], bta = new float[cols], out = new float[rows * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian() * 3 + 1;
        for (int i = 0; i < cols; i++) { g[i] = rng.nextFloat(); bta[i] = rng.nextFloat(); }
        LayerNormKernel.forward(out, null, null, x, g, bta, rows, cols, 1e-5f);
        for (int r = 0; r < rows; r++) {
            double mu = 0, var = 0;
            for (int c = 0; c < cols; c++) mu += x[r * cols + c] / (double) cols;
            for (int c = 0; c < cols; c++) var += Math.pow(x[r * cols + c] - mu, 2) / cols;
            for (int c = 0; c < cols; c++)
                assertEquals((x[r * cols + c] - mu) / Math.sqrt(var + 1e-5) * g[c] + bta[c], out[r * cols + c], 1e-5);
        }
    }
}
