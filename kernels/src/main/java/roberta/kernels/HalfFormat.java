package roberta.kernels;

/** The two 16-bit float formats a checkpoint's weights may be kept in. */
public enum HalfFormat {
    /** IEEE 754 half: 1 sign, 5 exponent, 10 fraction bits. */
    F16,
    /** bfloat16: a float32's upper 16 bits (8 exponent bits, so the same range). */
    BF16
}
