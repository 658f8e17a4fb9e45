package roberta.kernels;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Weights kept in half precision (F16 or BF16 bits, as the checkpoint stores them) in the
 * GEMM's panel layout, half the memory of float32. The GEMM widens one KC x NR chunk at a time
 * into an L1-resident float buffer and runs the float microkernel on it: widening is exact, so
 * the products are bit-identical to widening the whole checkpoint at load.
 * <p>F16 panels are shorts in the float panels' order (the JIT vectorises
 * Float.float16ToFloat). BF16 panels are ints, each holding column j (low half) and column
 * j + L (high half) of one row of a panel: bf16 is the top half of a float32, so a row's two
 * float vectors are one int vector shifted left 16 and the same vector masked.
 */
final class HalfPanels {
    private static final VectorSpecies<Float> S = Gemm.S;
    /** Ints of S's shape. */
    private static final VectorSpecies<Integer> SI = VectorSpecies.of(int.class, S.vectorShape());

    private HalfPanels() {}

    /** W[n, k] (row-major half bits) packed as op(B) = W^T: panels of NR columns, k rows each, zero-padded. */
    static short[] pack(short[] w, int n, int k) {
        int panels = (n + Gemm.NR - 1) / Gemm.NR;
        short[] dst = new short[panels * Gemm.NR * k]; // zero bits are +0.0 in both formats
        for (int p = 0; p < panels; p++) {
            int j0 = p * Gemm.NR, nv = Math.min(Gemm.NR, n - j0), base = p * k * Gemm.NR;
            for (int jj = 0; jj < nv; jj++) {
                int src = (j0 + jj) * k;
                for (int kk = 0; kk < k; kk++) dst[base + kk * Gemm.NR + jj] = w[src + kk];
            }
        }
        return dst;
    }

    /** F16 panels (shorts, as {@link #pack}) regrouped as BF16 pairs: per panel row, int j = col j | col j+L << 16. */
    static int[] pairs(short[] panels) {
        int[] out = new int[panels.length / 2];
        int nr = Gemm.NR, l = nr / 2;
        for (int row = 0; row < panels.length; row += nr)
            for (int j = 0; j < l; j++) out[row / 2 + j] = (panels[row + j] & 0xffff) | (panels[row + j + l] << 16);
        return out;
    }

    /** The BF16 value at float-panel index i of pairs. */
    static float pairAt(int[] pairs, int i) {
        int nr = Gemm.NR, l = nr / 2, jj = i % nr, pair = pairs[(i - jj) / 2 + jj % l];
        return Float.intBitsToFloat(jj < l ? pair << 16 : pair & 0xffff0000);
    }

    /** dst[dstOff, + rows * NR) = rows panel rows of BF16 pairs from pairs[off] (off = the float-panel index / 2), widened. */
    static void widenPairs(int[] pairs, int off, int rows, float[] dst, int dstOff) {
        int l = Gemm.NR / 2;
        if (l != S.length() || Gemm.SCALAR) {
            for (int i = 0; i < rows * Gemm.NR; i++) dst[dstOff + i] = pairAt(pairs, 2 * off + i);
            return;
        }
        for (int r = 0; r < rows; r++) {
            IntVector v = IntVector.fromArray(SI, pairs, off + r * l);
            v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dstOff + r * Gemm.NR);
            v.and(0xffff0000).reinterpretAsFloats().intoArray(dst, dstOff + r * Gemm.NR + l);
        }
    }

    /** dst[dstOff, + count) = the F16 values of half[off, off + count), widened exactly. */
    static void widenF16(short[] half, int off, int count, float[] dst, int dstOff) {
        for (int i = 0; i < count; i++) dst[dstOff + i] = Float.float16ToFloat(half[off + i]);
    }
}
