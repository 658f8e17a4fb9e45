package roberta.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Weights kept in half precision (F16 or BF16 bits, as the checkpoint stores them) in the
 * GEMM's panel layout, half the memory of float32. The GEMM widens one KC x NR chunk at a time
 * into an L1-resident float buffer and runs the float microkernel on it: widening is exact, so
 * the products are bit-identical to widening the whole checkpoint at load.
 */
final class HalfPanels {
    private static final VectorSpecies<Float> S = Gemm.S;
    /** Shorts as many as S has floats, and ints of S's shape. */
    private static final VectorSpecies<Short> SH = VectorSpecies.of(short.class, VectorShape.forBitSize(S.vectorBitSize() / 2));
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

    /** One value widened exactly. */
    static float widen(short bits, boolean bf16) {
        return bf16 ? Float.intBitsToFloat(bits << 16) : Float.float16ToFloat(bits);
    }

    /** dst[0, count) = the values of half[off, off + count), widened exactly. */
    static void widen(short[] half, int off, int count, boolean bf16, float[] dst) {
        int i = 0;
        if (bf16 && !Gemm.SCALAR) {
            // bf16 is the top half of a float32: sign-extend to int (the extension is shifted out) and move up 16
            for (; i + S.length() <= count; i += S.length()) {
                IntVector wide = (IntVector) ShortVector.fromArray(SH, half, off + i).convertShape(VectorOperators.S2I, SI, 0);
                wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, i);
            }
        }
        for (; i < count; i++) dst[i] = widen(half[off + i], bf16);
    }
}
