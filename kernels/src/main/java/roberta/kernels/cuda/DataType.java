package roberta.kernels.cuda;

/**
 * Element types of {@link DeviceApi#gemmEx}'s matrices (cuBLAS's {@code cudaDataType}:
 * CUDA_R_32F, CUDA_R_16F, CUDA_R_16BF). Halves travel as their raw 16 bits in a short.
 */
public enum DataType {
    F32(4), F16(2), BF16(2);

    public final int bytes;

    DataType(int bytes) {
        this.bytes = bytes;
    }

    /** Exact: every F16 and BF16 value is a float. */
    public static float widen(DataType t, short bits) {
        return switch (t) {
            case F16 -> Float.float16ToFloat(bits);
            case BF16 -> Float.intBitsToFloat((bits & 0xffff) << 16);
            case F32 -> throw new IllegalArgumentException("F32 is not 16-bit");
        };
    }

    /** Round to nearest, ties to even (what a GPU's cvt.rn does); NaN stays NaN. */
    public static short narrow(DataType t, float v) {
        return switch (t) {
            case F16 -> Float.floatToFloat16(v);
            case BF16 -> {
                int b = Float.floatToRawIntBits(v);
                if (Float.isNaN(v)) yield (short) ((b >>> 16) | 0x0040); // keep it a (quiet) NaN after truncation
                yield (short) ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16);
            }
            case F32 -> throw new IllegalArgumentException("F32 is not 16-bit");
        };
    }
}
