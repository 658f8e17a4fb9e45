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

    CpuTensor(float[] data, int[] shape) {
        super(shape);
        if (data.length < size()) throw new IllegalArgumentException(data.length + " values for shape " + java.util.Arrays.toString(shape));
        this.data = data;
    }
}
