package roberta.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static roberta.kernels.cuda.DeviceArrays.download;
import static roberta.kernels.cuda.DeviceArrays.upload;

import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import roberta.kernels.Gemm;

/**
 * The emulator's cuBLAS (column-major) against the project's row-major CPU GEMM, by the
 * identity that a column-major matrix with leading dimension ld is the row-major transpose
 * with row stride ld: column-major C = op(A) op(B) is row-major C^T = op(B)^T op(A)^T, i.e.
 * Gemm.sgemm(transB, transA, n, m, k, B, ldb, A, lda, C, ldc).
 */
class EmulatedGemmTest {
    private final EmulatedDevice dev = new EmulatedDevice();
    private final SplittableRandom rng = new SplittableRandom(20261201);

    @AfterEach
    void noLeaks() {
        assertEquals(0, dev.liveAllocations(), "allocations left live");
        dev.close();
    }

    @Test
    void aHandWorkedColumnMajorProduct() {
        // A = [1 2 3; 4 5 6] (2 x 3), B = [7 8; 9 10; 11 12] (3 x 2), A B = [58 64; 139 154]
        float[] c = run(false, false, 2, 2, 3, 1, new float[] {1, 4, 2, 5, 3, 6}, 2, new float[] {7, 9, 11, 8, 10, 12}, 3, 0, new float[4], 2);
        assertArrayEquals(new float[] {58, 139, 64, 154}, c);
        // the same product with A given as its transpose A^T (3 x 2, lda = 3) and B as B^T (2 x 3, ldb = 2)
        c = run(true, true, 2, 2, 3, 1, new float[] {1, 2, 3, 4, 5, 6}, 3, new float[] {7, 8, 9, 10, 11, 12}, 2, 0, new float[4], 2);
        assertArrayEquals(new float[] {58, 139, 64, 154}, c);
    }

    @Test
    void everyTransposeOddShapesPaddedLeadingDimensionsAlphaBeta() {
        int[][] shapes = {{1, 1, 1}, {7, 7, 7}, {33, 7, 1}, {1, 33, 7}, {7, 33, 33}, {33, 1, 7}, {33, 33, 33}};
        float[][] alphaBeta = {{1, 0}, {0.5f, -2}, {2, 1}, {0, 0.75f}};
        for (int[] s : shapes)
            for (int variant = 0; variant < 4; variant++)
                for (float[] ab : alphaBeta) {
                    boolean ta = (variant & 1) != 0, tb = (variant & 2) != 0;
                    int m = s[0], n = s[1], k = s[2];
                    int lda = (ta ? k : m) + 3, ldb = (tb ? n : k) + 1, ldc = m + 2;
                    float[] a = random(lda * (ta ? m : k)), b = random(ldb * (tb ? k : n)), c = random(ldc * n);
                    float[] got = run(ta, tb, m, n, k, ab[0], a, lda, b, ldb, ab[1], c, ldc);
                    float[] want = expected(ta, tb, m, n, k, ab[0], a, 0, lda, b, 0, ldb, ab[1], c, 0, ldc);
                    assertClose(want, got, m + "x" + n + "x" + k + " ta=" + ta + " tb=" + tb + " alpha=" + ab[0] + " beta=" + ab[1]);
                }
    }

    @Test
    void betaZeroIgnoresNaNInC() {
        int m = 7, n = 5, k = 3, ldc = m + 1;
        float[] a = random(m * k), b = random(k * n), c = new float[ldc * n];
        java.util.Arrays.fill(c, Float.NaN);
        float[] got = run(false, false, m, n, k, 1, a, m, b, k, 0, c, ldc);
        float[] want = expected(false, false, m, n, k, 1, a, 0, m, b, 0, k, 0, c, 0, ldc);
        for (int j = 0; j < n; j++)
            for (int i = 0; i < ldc; i++) {
                float v = got[i + j * ldc];
                if (i < m) assertEquals(want[i + j * ldc], v, 1e-5f, "C(" + i + ", " + j + ")");
                else assertTrue(Float.isNaN(v), "padding row " + i + " must stay untouched");
            }
    }

    @Test
    void kZeroScalesCByBeta() {
        float[] c = {1, 2, 3, 4};
        float[] got = run(false, false, 2, 2, 0, 1, new float[1], 2, new float[1], 1, 3, c, 2);
        assertArrayEquals(new float[] {3, 6, 9, 12}, got);
    }

    @Test
    void stridedBatchesWithGapsAndABroadcastA() {
        for (boolean broadcastA : new boolean[] {false, true})
            for (int variant = 0; variant < 4; variant++) {
                boolean ta = (variant & 1) != 0, tb = (variant & 2) != 0;
                int m = 7, n = 33, k = 5, batches = 3;
                int lda = (ta ? k : m) + 1, ldb = tb ? n : k, ldc = m + 3;
                long aSize = (long) lda * (ta ? m : k), bSize = (long) ldb * (tb ? k : n), cSize = (long) ldc * n;
                long strideA = broadcastA ? 0 : aSize + 5, strideB = bSize + 2, strideC = cSize + 11;
                float[] a = random((int) (strideA * (batches - 1) + aSize)), b = random((int) (strideB * (batches - 1) + bSize));
                float[] c = random((int) (strideC * (batches - 1) + cSize));
                long pa = upload(dev, a), pb = upload(dev, b), pc = upload(dev, c);
                dev.sgemmStridedBatched(ta, tb, m, n, k, 1.5f, pa, lda, strideA, pb, ldb, strideB, 0.5f, pc, ldc, strideC, batches);
                float[] got = download(dev, pc, c.length);
                float[] want = c.clone();
                for (int i = 0; i < batches; i++) {
                    float[] one = expected(ta, tb, m, n, k, 1.5f, a, (int) (i * strideA), lda, b, (int) (i * strideB), ldb, 0.5f, c, (int) (i * strideC), ldc);
                    System.arraycopy(one, (int) (i * strideC), want, (int) (i * strideC), (int) cSize);
                }
                assertClose(want, got, "batched ta=" + ta + " tb=" + tb + " broadcastA=" + broadcastA); // gaps untouched too
                dev.free(pa);
                dev.free(pb);
                dev.free(pc);
            }
    }

    @Test
    void invalidArgumentsAreRefusedNamingTheArgument() {
        long a = dev.malloc(4096), b = dev.malloc(4096), c = dev.malloc(4096);
        try {
            assertMessage("lda", () -> dev.sgemm(false, false, 5, 2, 3, 1, a, 4, b, 3, 0, c, 5));   // lda < m
            assertMessage("lda", () -> dev.sgemm(true, false, 5, 2, 3, 1, a, 2, b, 3, 0, c, 5));    // transA: lda < k
            assertMessage("ldb", () -> dev.sgemm(false, false, 5, 2, 3, 1, a, 5, b, 2, 0, c, 5));   // ldb < k
            assertMessage("ldb", () -> dev.sgemm(false, true, 5, 2, 3, 1, a, 5, b, 1, 0, c, 5));    // transB: ldb < n
            assertMessage("ldc", () -> dev.sgemm(false, false, 5, 2, 3, 1, a, 5, b, 3, 0, c, 4));
            assertMessage("ldc", () -> dev.sgemm(false, false, 0, 2, 3, 1, a, 1, b, 3, 0, c, 0));   // max(1, 0)
            assertMessage("m = -1", () -> dev.sgemm(false, false, -1, 2, 3, 1, a, 5, b, 3, 0, c, 5));
            assertMessage("batchCount", () -> dev.sgemmStridedBatched(false, false, 5, 2, 3, 1, a, 5, 0, b, 3, 0, 0, c, 5, 10, -1));
            assertMessage("strideC", () -> dev.sgemmStridedBatched(false, false, 5, 2, 3, 1, a, 5, 0, b, 3, 0, 0, c, 5, 9, 2));
            assertMessage("NOT_SUPPORTED", () -> dev.gemmEx(false, false, 5, 2, 3, 1, a, DataType.F16, 5, b, DataType.F32, 3, 0, c, DataType.F32, 5));
            assertMessage("NOT_SUPPORTED", () -> dev.gemmEx(false, false, 5, 2, 3, 1, a, DataType.BF16, 5, b, DataType.BF16, 3, 0, c, DataType.F16, 5));
            // memory: B too small for 3 x 2000, A misaligned
            DeviceFault oob = assertThrows(DeviceFault.class, () -> dev.sgemm(false, false, 5, 2000, 3, 1, a, 5, b, 3, 0, c, 5));
            assertTrue(oob.getMessage().contains("out of bounds"), oob.getMessage());
            assertThrows(DeviceFault.class, () -> dev.sgemm(false, false, 5, 2, 3, 1, a + 2, 5, b, 3, 0, c, 5));
        } finally {
            dev.free(a);
            dev.free(b);
            dev.free(c);
        }
    }

    @Test
    void gemmExOnHalvesMatchesTheProductOfWidenedValues() {
        for (DataType t : new DataType[] {DataType.F16, DataType.BF16})
            for (int variant = 0; variant < 4; variant++) {
                boolean ta = (variant & 1) != 0, tb = (variant & 2) != 0;
                int m = 33, n = 7, k = 33, lda = (ta ? k : m) + 2, ldb = tb ? n : k, ldc = m + 1;
                short[] ah = halves(t, lda * (ta ? m : k)), bh = halves(t, ldb * (tb ? k : n));
                float[] a = widen(t, ah), b = widen(t, bh), c = random(ldc * n);
                float[] want = expected(ta, tb, m, n, k, 1, a, 0, lda, b, 0, ldb, 0.5f, c, 0, ldc);
                long pa = upload(dev, ah), pb = upload(dev, bh), pc = upload(dev, c);
                dev.gemmEx(ta, tb, m, n, k, 1, pa, t, lda, pb, t, ldb, 0.5f, pc, DataType.F32, ldc);
                assertClose(want, download(dev, pc, c.length), t + " -> F32, ta=" + ta + " tb=" + tb);
                // the same with a half C: read widened, written rounded
                short[] ch = halves(t, ldc * n);
                long pch = upload(dev, ch);
                float[] want16 = expected(ta, tb, m, n, k, 1, a, 0, lda, b, 0, ldb, 0.5f, widen(t, ch), 0, ldc);
                dev.gemmEx(ta, tb, m, n, k, 1, pa, t, lda, pb, t, ldb, 0.5f, pch, t, ldc);
                short[] got = new short[ch.length];
                dev.copyToHost(pch, 0, got, 0, got.length);
                double tol = t == DataType.F16 ? 1.0 / 1024 : 1.0 / 128; // one unit in the last place, relative
                for (int i = 0; i < got.length; i++) {
                    float w = want16[i], g = DataType.widen(t, got[i]);
                    assertEquals(w, g, tol * Math.max(1, Math.abs(w)), t + " -> " + t + " at " + i);
                }
                for (long p : new long[] {pa, pb, pc, pch}) dev.free(p);
            }
    }

    @Test
    void bf16NarrowingRoundsToNearestEven() {
        float ulp = 0x1p-7f; // bf16's spacing at 1
        assertEquals(1f, DataType.widen(DataType.BF16, DataType.narrow(DataType.BF16, 1 + ulp / 2)));          // tie -> even (1)
        assertEquals(1 + 2 * ulp, DataType.widen(DataType.BF16, DataType.narrow(DataType.BF16, 1 + 1.5f * ulp))); // tie -> even
        assertEquals(1 + ulp, DataType.widen(DataType.BF16, DataType.narrow(DataType.BF16, 1 + 0.75f * ulp)));
        assertEquals(Float.POSITIVE_INFINITY, DataType.widen(DataType.BF16, DataType.narrow(DataType.BF16, Float.MAX_VALUE)));
        assertTrue(Float.isNaN(DataType.widen(DataType.BF16, DataType.narrow(DataType.BF16, Float.intBitsToFloat(0x7f800001)))));
    }

    // ---- helpers

    /** Column-major C = alpha op(A) op(B) + beta C through the row-major CPU GEMM; elements outside the m x n of C are copied unchanged. */
    static float[] expected(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                            float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        float[] want = c.clone();
        float[] prod = new float[ldc * n];
        Gemm.sgemm(tb, ta, n, m, k, b, bOff, ldb, a, aOff, lda, prod, 0, ldc, false);
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++) {
                int e = i + j * ldc;
                want[cOff + e] = alpha * prod[e] + (beta == 0 ? 0 : beta * c[cOff + e]);
            }
        return want;
    }

    private float[] run(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int lda, float[] b, int ldb,
                        float beta, float[] c, int ldc) {
        long pa = upload(dev, a), pb = upload(dev, b), pc = upload(dev, c);
        try {
            dev.sgemm(ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
            return download(dev, pc, c.length);
        } finally {
            dev.free(pa);
            dev.free(pb);
            dev.free(pc);
        }
    }

    private float[] random(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rng.nextDouble() * 2 - 1);
        return x;
    }

    private short[] halves(DataType t, int n) {
        short[] x = new short[n];
        for (int i = 0; i < n; i++) x[i] = DataType.narrow(t, (float) (rng.nextDouble() * 2 - 1));
        return x;
    }

    private static float[] widen(DataType t, short[] bits) {
        float[] x = new float[bits.length];
        for (int i = 0; i < bits.length; i++) x[i] = DataType.widen(t, bits[i]);
        return x;
    }

    private static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++)
            assertEquals(want[i], got[i], 1e-4f * Math.max(1, Math.abs(want[i])), what + " at " + i);
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), "expected \"" + part + "\" in: " + e.getMessage());
    }
}
