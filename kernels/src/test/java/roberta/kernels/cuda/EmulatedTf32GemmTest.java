package roberta.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The emulator's cuBLAS in TF32 mode (what --tf32 asks of the device) against this test's own
 * model of TF32: each A and B element rounded to 10 mantissa bits, ties to even, by division
 * by the value's ulp and Math.rint (not the bit arithmetic of {@link Tf32}), then products
 * summed in double. And against FP32 mode: different on random inputs, by no more than TF32's
 * rounding allows.
 */
class EmulatedTf32GemmTest {
    private final EmulatedDevice fp32 = new EmulatedDevice(false), tf32 = new EmulatedDevice(true);
    private final SplittableRandom rng = new SplittableRandom(20260107);

    @AfterEach
    void noLeaks() {
        assertEquals(0, fp32.liveAllocations(), "fp32 device: allocations left live");
        assertEquals(0, tf32.liveAllocations(), "tf32 device: allocations left live");
        fp32.close();
        tf32.close();
    }

    /** TF32 by arithmetic: x rounded to a multiple of 2^(e - 10), e its binary exponent (subnormals on the 2^-136 grid). */
    static float tf32(float x) {
        if (Float.isNaN(x) || Float.isInfinite(x) || x == 0) return x;
        int e = Math.max(Math.getExponent(x), Float.MIN_EXPONENT);
        double spacing = Math.scalb(1.0, e - 10);
        return (float) (Math.rint(x / spacing) * spacing); // rint: ties to even; beyond Float.MAX_VALUE the cast gives infinity
    }

    @Test
    void handWorkedRoundings() {
        float ulp10 = 0x1p-10f; // TF32's spacing in [1, 2)
        assertEquals(1f, Tf32.round(1f + 0x1p-11f), "a tie goes to the even neighbour, 1");
        assertEquals(1f + 2 * ulp10, Tf32.round(1f + 3 * 0x1p-11f), "a tie between 1 + 1 and 1 + 2 spacings goes to the even 2");
        assertEquals(1f + ulp10, Tf32.round(1f + 0x1p-11f + 0x1p-20f), "just over half a spacing rounds up");
        assertEquals(1f, Tf32.round(1f + 0x1p-11f - 0x1p-23f), "just under half rounds down");
        assertEquals(-1f, Tf32.round(-1f - 0x1p-11f), "sign-symmetric");
        assertEquals(2f, Tf32.round(2f - 0x1p-23f), "rounding up carries into the exponent");
        assertEquals(Float.POSITIVE_INFINITY, Tf32.round(Float.MAX_VALUE), "above TF32's largest value by more than half a spacing: infinity");
        assertEquals(0f, Tf32.round(Float.MIN_VALUE), "2^-149 is far below half of the 2^-136 subnormal spacing");
        assertEquals(0x1p-136f, Tf32.round(0x1p-136f + 0x1p-140f), "the smallest TF32 subnormal stays");
        assertTrue(Float.isNaN(Tf32.round(Float.NaN)));
        assertEquals(Float.NEGATIVE_INFINITY, Tf32.round(Float.NEGATIVE_INFINITY));
    }

    @Test
    void bitRoundingMatchesArithmeticRoundingOnRandomFloats() {
        for (int i = 0; i < 200_000; i++) {
            float x = Float.intBitsToFloat(rng.nextInt());
            if (Float.isNaN(x)) continue;
            assertEquals(Float.floatToIntBits(tf32(x)), Float.floatToIntBits(Tf32.round(x)), "x = " + x + " (0x" + Integer.toHexString(Float.floatToRawIntBits(x)) + ")");
        }
    }

    @Test
    void tf32GemmIsTheProductOfRoundedInputsAndDiffersFromFp32ByABoundedAmount() {
        int[][] shapes = {{7, 5, 3}, {33, 17, 64}, {16, 48, 96}, {1, 40, 200}};
        float[][] alphaBeta = {{1, 0}, {0.5f, -2}};
        int differing = 0, compared = 0;
        for (int[] s : shapes)
            for (int variant = 0; variant < 4; variant++)
                for (float[] ab : alphaBeta) {
                    boolean ta = (variant & 1) != 0, tb = (variant & 2) != 0;
                    int m = s[0], n = s[1], k = s[2];
                    int lda = (ta ? k : m) + 2, ldb = (tb ? n : k) + 1, ldc = m + 3;
                    float[] a = random(lda * (ta ? m : k)), b = random(ldb * (tb ? k : n)), c = random(ldc * n);
                    String at = m + "x" + n + "x" + k + " ta=" + ta + " tb=" + tb + " alpha=" + ab[0] + " beta=" + ab[1];
                    float[] gotTf32 = sgemm(tf32, ta, tb, m, n, k, ab[0], a, lda, b, ldb, ab[1], c, ldc);
                    float[] gotFp32 = sgemm(fp32, ta, tb, m, n, k, ab[0], a, lda, b, ldb, ab[1], c, ldc);
                    for (int j = 0; j < n; j++)
                        for (int i = 0; i < m; i++) {
                            double rounded = 0, exact = 0, magnitude = 0;
                            for (int p = 0; p < k; p++) {
                                float av = ta ? a[p + i * lda] : a[i + p * lda], bv = tb ? b[j + p * ldb] : b[p + j * ldb];
                                rounded += (double) tf32(av) * tf32(bv);
                                exact += (double) av * bv;
                                magnitude += Math.abs((double) av * bv);
                            }
                            int ci = i + j * ldc;
                            double want = ab[0] * rounded + (double) ab[1] * c[ci];
                            double scale = Math.abs(ab[0]) * magnitude + Math.abs(ab[1] * c[ci]);
                            // the emulator's sum is the same rounded products in double: only the final float rounding differs
                            assertEquals(want, gotTf32[ci], 1e-6 * scale + Float.MIN_NORMAL, at + " C(" + i + ", " + j + ") in TF32");
                            // each input within 2^-11 relative of its float: each product within 2^-10 + 2^-22
                            double tf32Error = Math.abs(ab[0]) * (0x1p-10 + 0x1p-22) * magnitude;
                            assertEquals(gotFp32[ci], gotTf32[ci], tf32Error + 1e-6 * scale + Float.MIN_NORMAL, at + " C(" + i + ", " + j + "): TF32 against FP32");
                            assertEquals(ab[0] * exact + (double) ab[1] * c[ci], gotFp32[ci], 1e-6 * scale + Float.MIN_NORMAL, at + " C(" + i + ", " + j + ") in FP32");
                            if (gotFp32[ci] != gotTf32[ci]) differing++;
                            compared++;
                        }
                    // padding rows of C (between m and ldc) are not touched in either mode
                    for (int j = 0; j < n; j++) for (int i = m; i < ldc; i++) assertEquals(c[i + j * ldc], gotTf32[i + j * ldc], at + " padding");
                }
        assertTrue(differing > compared / 2, "TF32 changed " + differing + " of " + compared + " elements: the mode must reach the product");
    }

    @Test
    void stridedBatchedAndGemmExRoundInTf32Too() {
        int m = 9, n = 6, k = 40, batches = 3;
        long strideA = (long) m * k, strideB = (long) k * n, strideC = (long) m * n;
        float[] a = random((int) strideA * batches), b = random((int) strideB * batches);
        float[] batched = new float[(int) strideC * batches];
        long pa = upload(tf32, a), pb = upload(tf32, b), pc = upload(tf32, batched);
        tf32.sgemmStridedBatched(false, false, m, n, k, 1f, pa, m, strideA, pb, k, strideB, 0f, pc, m, strideC, batches);
        tf32.copyToHost(pc, 0, batched, 0, batched.length);
        for (int bi = 0; bi < batches; bi++)
            for (int j = 0; j < n; j++)
                for (int i = 0; i < m; i++) {
                    double s = 0, mag = 0;
                    for (int p = 0; p < k; p++) {
                        double t = (double) tf32(a[(int) (bi * strideA) + i + p * m]) * tf32(b[(int) (bi * strideB) + p + j * k]);
                        s += t;
                        mag += Math.abs(t);
                    }
                    assertEquals(s, batched[(int) (bi * strideC) + i + j * m], 1e-6 * mag, "batch " + bi + " C(" + i + ", " + j + ")");
                }
        // gemmEx, F32 in and out: CUBLAS_COMPUTE_32F_FAST_TF32 on a GPU; the first batch again
        float[] ex = new float[m * n];
        long pe = upload(tf32, ex);
        tf32.gemmEx(false, false, m, n, k, 1f, pa, DataType.F32, m, pb, DataType.F32, k, 0f, pe, DataType.F32, m);
        tf32.copyToHost(pe, 0, ex, 0, ex.length);
        assertArrayEquals(java.util.Arrays.copyOf(batched, m * n), ex, "gemmEx gives the strided batch's first product");
        for (long p : new long[] {pa, pb, pc, pe}) tf32.free(p);
    }

    @Test
    void halfInputsAreExactInTf32SoGemmExOnThemIsUnchanged() {
        int m = 8, n = 5, k = 33;
        short[] a = new short[m * k], b = new short[k * n];
        for (int i = 0; i < a.length; i++) a[i] = Float.floatToFloat16((float) rng.nextGaussian());
        for (int i = 0; i < b.length; i++) b[i] = Float.floatToFloat16((float) rng.nextGaussian());
        float[][] out = new float[2][m * n];
        EmulatedDevice[] devs = {fp32, tf32};
        for (int d = 0; d < 2; d++) {
            EmulatedDevice dev = devs[d];
            long pa = dev.malloc(2L * a.length), pb = dev.malloc(2L * b.length), pc = dev.malloc(4L * m * n);
            dev.copyToDevice(a, 0, pa, 0, a.length);
            dev.copyToDevice(b, 0, pb, 0, b.length);
            dev.gemmEx(false, false, m, n, k, 1f, pa, DataType.F16, m, pb, DataType.F16, k, 0f, pc, DataType.F32, m);
            dev.copyToHost(pc, 0, out[d], 0, m * n);
            for (long p : new long[] {pa, pb, pc}) dev.free(p);
        }
        assertArrayEquals(out[0], out[1], "F16 values have 10 mantissa bits: TF32 keeps them");
    }

    private float[] sgemm(EmulatedDevice dev, boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int lda,
                          float[] b, int ldb, float beta, float[] c, int ldc) {
        long pa = upload(dev, a), pb = upload(dev, b), pc = upload(dev, c);
        dev.sgemm(ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        float[] out = new float[c.length];
        dev.copyToHost(pc, 0, out, 0, out.length);
        for (long p : new long[] {pa, pb, pc}) dev.free(p);
        return out;
    }

    private static long upload(EmulatedDevice dev, float[] x) {
        long p = dev.malloc(4L * x.length);
        dev.copyToDevice(x, 0, p, 0, x.length);
        return p;
    }

    /** Full-mantissa floats (Gaussian, spread over a few binades) so TF32 rounding changes nearly all of them. */
    private float[] random(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rng.nextGaussian() * Math.pow(2, rng.nextInt(6) - 3));
        return x;
    }
}
