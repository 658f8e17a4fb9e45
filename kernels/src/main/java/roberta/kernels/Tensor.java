package roberta.kernels;

import java.util.Arrays;

/**
 * A float tensor owned by a {@link Backend}. Row-major; most are 2-D [rows, cols] (a 1-D
 * tensor is [1, n]). Code outside the backend reads values only through
 * {@link Backend#toHost}. {@link #version} counts in-place updates so a backend can cache
 * derived forms (e.g. packed weights) and know when they are stale; what it caches lives in
 * its own tensor subclass.
 */
public abstract class Tensor {
    private final int[] shape;
    private final int size;
    private int version;

    protected Tensor(int[] shape) {
        this.shape = shape.clone();
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n *= d;
        }
        if (n > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("tensor too large: " + Arrays.toString(shape));
        this.size = (int) n;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    public int rank() {
        return shape.length;
    }

    public int size() {
        return size;
    }

    /** Rows when viewed as a matrix [size / lastDim, lastDim]. */
    public int rows() {
        return shape.length == 0 ? 1 : size / Math.max(1, shape[shape.length - 1]);
    }

    public int cols() {
        return shape.length == 0 ? 1 : shape[shape.length - 1];
    }

    /** Marks the values as changed (derived caches become stale). */
    public void touch() {
        version++;
    }

    /** How many times the values were changed in place. */
    public int version() {
        return version;
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
