package roberta.kernels.cuda;

/**
 * TF32, the tensor cores' input format for float GEMMs: float's sign and 8-bit exponent with
 * 10 explicit mantissa bits instead of 23 (about 3 decimal digits). cuBLAS in
 * CUBLAS_TF32_TENSOR_OP_MATH (or with CUBLAS_COMPUTE_32F_FAST_TF32) feeds A and B to the
 * tensor cores in it and accumulates the products in float, so a product's relative error
 * per term grows from about 2^-24 to about 2^-11.
 *
 * <p>{@link EmulatedDevice} in TF32 mode rounds every A and B element with {@link #round}
 * before its (double-accumulated) reference product. Round to nearest, ties to even, as the
 * issue specifies; the hardware's exact conversion is not documented for cuBLAS (PTX's
 * cvt.rna.tf32.f32 rounds ties away from zero, and an mma fed raw floats ignores the low 13
 * bits), so the emulator shows the flag reaches the GEMM and the size of its effect, not the
 * GPU's bits: compare a TF32 run with a tolerance of about 1e-2, never bit for bit.
 */
public final class Tf32 {
    /** The mantissa bits TF32 drops: float's 23 minus its 10. */
    private static final int DROPPED_BITS = 13;
    private static final int DROPPED_MASK = (1 << DROPPED_BITS) - 1;

    private Tf32() {}

    /**
     * x rounded to the nearest TF32 value, ties to the even one (an even 10th mantissa bit).
     * NaN and infinities stay as they are; a float too large for the rounding overflows to
     * infinity, as IEEE rounding does. Subnormals round on the same 2^-136 grid.
     */
    public static float round(float x) {
        int bits = Float.floatToRawIntBits(x);
        if ((bits & 0x7f80_0000) == 0x7f80_0000) return x; // NaN or infinity: nothing to round
        int lsb = (bits >>> DROPPED_BITS) & 1; // the kept mantissa's last bit: a tie goes to it being 0
        bits += (DROPPED_MASK >>> 1) + lsb;    // adding just under half (half on an odd lsb) carries exactly when rounding up
        return Float.intBitsToFloat(bits & ~DROPPED_MASK);
    }

    /** Rounds every element of v in place. */
    static void roundAll(float[] v) {
        for (int i = 0; i < v.length; i++) v[i] = round(v[i]);
    }
}
