package roberta.loader;

import java.lang.foreign.MemorySegment;

/** Conversions between the dtypes a checkpoint stores (F32, F16, BF16, I64) and Java arrays. */
public final class DTypeConversions {
    private DTypeConversions() {}

    static float[] toFloats(MemorySegment s, DType dtype, int n) {
        return toFloats(s, dtype, n, new float[n]);
    }

    static float[] toFloats(MemorySegment s, DType dtype, int n, float[] out) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(s, SafetensorsFile.F32_LE, 0, out, 0, n);
            case F16 -> {
                for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(s.get(SafetensorsFile.I16_LE, 2L * i));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) out[i] = bf16ToFloat(s.get(SafetensorsFile.I16_LE, 2L * i));
            }
            case F64 -> {
                for (int i = 0; i < n; i++) out[i] = (float) s.get(SafetensorsFile.F64_LE, 8L * i);
            }
            default -> throw new IllegalArgumentException(dtype + " is not a float type");
        }
        return out;
    }

    static long[] toLongs(MemorySegment s, DType dtype, int n) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (dtype) {
                case I64 -> s.get(SafetensorsFile.I64_LE, 8L * i);
                case I32 -> s.get(SafetensorsFile.I32_LE, 4L * i);
                case I16 -> s.get(SafetensorsFile.I16_LE, 2L * i);
                case I8 -> s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i);
                case U8, BOOL -> s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) & 0xFF;
                default -> throw new IllegalArgumentException(dtype + " is not an integer type");
            };
        }
        return out;
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Round-to-nearest-even float32 to bfloat16, as PyTorch does. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
