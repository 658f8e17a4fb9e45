package roberta.kernels;

/** A tensor in a Java float array. */
final class CpuTensor extends Tensor {
    final float[] data;

    CpuTensor(float[] data, int[] shape) {
        super(shape);
        if (data.length != size()) throw new IllegalArgumentException(data.length + " values for shape " + java.util.Arrays.toString(shape));
        this.data = data;
    }
}
