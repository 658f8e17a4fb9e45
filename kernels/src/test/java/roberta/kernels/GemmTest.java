package roberta.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fast GEMM against its scalar twin, on shapes that are not multiples of anything. */
class GemmTest {
    @Test
    void matchesReferenceForEveryTransposeAndOddShapes() {
        Random rng = new Random(7);
        int[][] shapes = {{1, 1, 1}, {7, 5, 3}, {6, 32, 256}, {13, 33, 257}, {97, 65, 300}, {200, 47, 513}, {5, 100, 1}, {130, 19, 17},
            // short batches against wide weights: columns split between threads, A packed once by all of them
            {100, 200, 600}, {45, 330, 777}, {128, 96, 64}, {300, 400, 300}};
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2];
            for (int variant = 0; variant < 8; variant++) {
                boolean ta = (variant & 1) != 0, tb = (variant & 2) != 0, acc = (variant & 4) != 0;
                int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 5;
                float[] a = random(rng, 2 + (ta ? k : m) * lda), b = random(rng, 1 + (tb ? n : k) * ldb);
                float[] c1 = random(rng, 4 + m * ldc), c2 = c1.clone();
                Gemm.sgemm(ta, tb, m, n, k, a, 2, lda, b, 1, ldb, c1, 4, ldc, acc);
                GemmReference.sgemm(ta, tb, m, n, k, a, 2, lda, b, 1, ldb, c2, 4, ldc, acc);
                for (int i = 0; i < c1.length; i++)
                    assertEquals(c2[i], c1[i], 1e-4f * Math.max(1, Math.abs(c2[i])), "shape " + m + "x" + n + "x" + k + " variant " + variant + " at " + i);
            }
        }
    }

    @Test
    void packedWeightsGiveTheSameProduct() {
        Random rng = new Random(3);
        int m = 37, n = 70, k = 45;
        float[] x = random(rng, m * k), w = random(rng, n * k), c1 = new float[m * n], c2 = new float[m * n];
        Gemm.sgemm(false, m, x, 0, k, Gemm.packB(true, k, n, w, 0, k), c1, 0, n, false);
        GemmReference.sgemm(false, true, m, n, k, x, 0, k, w, 0, k, c2, 0, n, false);
        for (int i = 0; i < c1.length; i++) assertEquals(c2[i], c1[i], 1e-4f);
    }

    /** A weight packed once (the scalar transposer, at load) is the same pack as one re-packed by the gathers. */
    @Test
    void packingOnceGivesTheSamePanelsAsThePackingThatGathers() {
        Random rng = new Random(7);
        for (int[] kn : new int[][] {{45, 70}, {768, 64}, {3, 33}, {300, 1024}}) {
            int k = kn[0], n = kn[1];
            float[] w = random(rng, n * k);
            Gemm.PackedB once = Gemm.packBOnce(true, k, n, w, 0, k), gathered = Gemm.packB(true, k, n, w, 0, k);
            assertEquals(gathered.data.length, once.data.length);
            for (int i = 0; i < once.data.length; i++)
                assertEquals(Float.floatToRawIntBits(gathered.data[i]), Float.floatToRawIntBits(once.data[i]), "k=" + k + " n=" + n + " at " + i);
        }
    }

    @Test
    void biasIsAddedOnceToEveryRowInTheLastStore() {
        Random rng = new Random(5);
        // edge tiles, several depth blocks (bias must not be added per block), a column split, k = 0
        for (int[] s : new int[][] {{37, 70, 45}, {128, 100, 600}, {9, 33, 0}}) {
            int m = s[0], n = s[1], k = s[2];
            float[] x = random(rng, m * k), w = random(rng, n * k), bias = random(rng, n);
            float[] want = new float[m * n], fast = new float[m * n], scalar = new float[m * n];
            GemmReference.sgemm(false, true, m, n, k, x, 0, k, w, 0, k, want, 0, n, false);
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) want[i * n + j] += bias[j];
            Gemm.PackedB packed = Gemm.packB(true, k, n, w, 0, k);
            Gemm.sgemm(false, m, x, 0, k, packed, bias, fast, 0, n, false);
            GemmReference.sgemm(false, m, x, 0, k, packed, bias, scalar, 0, n, false);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], fast[i], 1e-4f * Math.max(1, Math.abs(want[i])), "fast, shape " + m + "x" + n + "x" + k + " at " + i);
                assertEquals(want[i], scalar[i], 1e-4f * Math.max(1, Math.abs(want[i])), "scalar, shape " + m + "x" + n + "x" + k + " at " + i);
            }
        }
    }

    @Test
    void halfPrecisionWeightsGiveTheProductOfTheirWidenedValues() {
        Random rng = new Random(11);
        // few panels (A read in place), a column split over many panels, several row blocks, edge tiles
        for (int[] s : new int[][] {{37, 70, 45}, {128, 700, 600}, {300, 96, 300}, {5, 33, 17}}) {
            int m = s[0], n = s[1], k = s[2];
            float[] x = random(rng, m * k), w = random(rng, n * k), bias = random(rng, n);
            for (boolean bf16 : new boolean[] {false, true}) {
                short[] bits = new short[n * k];
                float[] widened = new float[n * k];
                for (int i = 0; i < bits.length; i++) {
                    bits[i] = bf16 ? (short) (Float.floatToRawIntBits(w[i]) >>> 16) : Float.floatToFloat16(w[i]);
                    widened[i] = bf16 ? Float.intBitsToFloat((bits[i] & 0xffff) << 16) : Float.float16ToFloat(bits[i]);
                }
                float[] want = new float[m * n], half = new float[m * n], scalar = new float[m * n];
                Gemm.sgemm(false, m, x, 0, k, Gemm.packB(true, k, n, widened, 0, k), bias, want, 0, n, false);
                Gemm.PackedB packed = Gemm.PackedB.ofHalf(bits, bf16, k, n);
                Gemm.sgemm(false, m, x, 0, k, packed, bias, half, 0, n, false);
                GemmReference.sgemm(false, m, x, 0, k, packed, bias, scalar, 0, n, false);
                String what = (bf16 ? "bf16" : "f16") + " shape " + m + "x" + n + "x" + k;
                // the same float products in the same order: bit-identical to widening at load
                for (int i = 0; i < want.length; i++) assertEquals(want[i], half[i], 0f, what + " at " + i);
                for (int i = 0; i < want.length; i++) assertEquals(want[i], scalar[i], 1e-4f * Math.max(1, Math.abs(want[i])), what + " scalar at " + i);
                assertEquals(widened[k + 1], Gemm.unpackTransposed(packed)[k + 1], 0f, what + " unpacked");
            }
        }
    }

    /**
     * Threads claim the GEMM's row or column chunks in whatever order they get to them; each C
     * value is still one thread's sum in one order, so the product must not change by a bit.
     */
    @Test
    void theProductIsTheSameToTheBitForAnyThreadCount() {
        Random rng = new Random(13);
        // rows split (packed A per chunk), columns split over A packed once, A read in place (few panels),
        // half-precision B (one share a thread), edge tiles in every direction
        int[][] shapes = {{300, 100, 64}, {100, 600, 300}, {203, 64, 150}, {77, 1000, 129}};
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2];
            float[] x = random(rng, m * k), w = random(rng, n * k), bias = random(rng, n);
            short[] bits = new short[n * k];
            for (int i = 0; i < bits.length; i++) bits[i] = Float.floatToFloat16(w[i]);
            Gemm.PackedB packed = Gemm.packB(true, k, n, w, 0, k), half = Gemm.PackedB.ofHalf(bits, false, k, n);
            float[][][] byThreads = new float[5][][];
            for (int threads : new int[] {1, 2, 3, 4}) {
                float[][] got = {new float[m * n], new float[m * n], random(new Random(1), m * n)};
                ParallelTest.withThreads(threads, () -> {
                    Gemm.sgemm(false, m, x, 0, k, packed, bias, got[0], 0, n, false);
                    Gemm.sgemm(false, m, x, 0, k, half, bias, got[1], 0, n, false);
                    Gemm.sgemm(true, true, m, n, k, transpose(x, m, k), 0, m, w, 0, k, got[2], 0, n, true);
                });
                byThreads[threads] = got;
                for (int v = 0; v < got.length; v++)
                    for (int i = 0; i < got[v].length; i++)
                        assertEquals(byThreads[1][v][i], got[v][i], 0f, "shape " + m + "x" + n + "x" + k + " variant " + v + " with " + threads + " threads at " + i);
            }
        }
    }

    private static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
        return t;
    }

    static float[] random(Random rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = rng.nextFloat() * 2 - 1;
        return a;
    }
}
