package roberta.kernels;

/**
 * Integers a backend owns: token ids, position ids, rows to gather, sequence starts and lengths,
 * labels. A batch is uploaded once and every kernel of the step reads it where it lives (on a
 * GPU, no copy per call). The host keeps its own int[] for shapes and sizes.
 */
public abstract class IntTensor {
    private final int size;

    protected IntTensor(int size) {
        this.size = size;
    }

    public int size() {
        return size;
    }

    @Override
    public String toString() {
        return "IntTensor[" + size + "]";
    }
}
