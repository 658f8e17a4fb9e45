package roberta.kernels;

/** A tensor in a Java float array. */
final class CpuTensor extends Tensor {
    /** The values, row-major; null once the tensor is kept only in packed form. */
    float[] data;
    /** Set when only the GEMM's packed form is kept (an inference-only weight). */
    Gemm.PackedB packedOnly;

    CpuTensor(float[] data, int[] shape) {
        super(shape);
        if (data.length != size()) throw new IllegalArgumentException(data.length + " values for shape " + java.util.Arrays.toString(shape));
        this.data = data;
    }
}
