package roberta.kernels;

/** A tensor in a Java float array. */
final class CpuTensor extends Tensor {
    /** The values, row-major, in the first size() floats (a pooled array may be longer); null once the tensor is kept only in packed form. */
    float[] data;
    /** Set when only the GEMM's packed form is kept (an inference-only weight). */
    Gemm.PackedB packedOnly;
    /** A trained weight's packed form for the GEMM, and the {@link #version} it was packed at. */
    Gemm.PackedB packedCache;
    int packedVersion = -1;

    private CpuTensor(Gemm.PackedB packed, int[] shape) {
        super(shape);
        this.packedOnly = packed;
    }

    /** A weight [out, in] kept only packed for the GEMM. */
    static CpuTensor packed(Gemm.PackedB packed, int out, int in) {
        return new CpuTensor(packed, new int[] {out, in});
    }

    /** A tensor over exactly data (a caller's or a copied array: its length must be the shape's size). */
    CpuTensor(float[] data, int[] shape) {
        this(data, shape, false);
    }

    private CpuTensor(float[] data, int[] shape, boolean longerAllowed) {
        super(shape);
        if (longerAllowed ? data.length < size() : data.length != size())
            throw new IllegalArgumentException(data.length + " values for shape " + java.util.Arrays.toString(shape));
        this.data = data;
    }

    /** A tensor in the first size() floats of an array from the pool, which may be longer. */
    static CpuTensor inPooledArray(float[] data, int[] shape) {
        return new CpuTensor(data, shape, true);
    }
}
