package roberta.kernels;

/** Integers in a Java array. */
final class CpuIntTensor extends IntTensor {
    final int[] data;

    CpuIntTensor(int[] data) {
        super(data.length);
        this.data = data;
    }
}
