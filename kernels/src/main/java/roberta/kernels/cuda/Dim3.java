package roberta.kernels.cuda;

/**
 * A launch's grid (blocks) or block (threads) extent, CUDA's {@code dim3}. Limits checked at
 * launch ({@link LaunchCheck}) are those every CUDA GPU since compute capability 3.0 shares.
 */
public record Dim3(int x, int y, int z) {
    public Dim3 {
        if (x < 1 || y < 1 || z < 1) throw new IllegalArgumentException("dim3 extents must be >= 1, got (" + x + ", " + y + ", " + z + ")");
    }

    public static Dim3 of(int x) {
        return new Dim3(x, 1, 1);
    }

    public static Dim3 of(int x, int y) {
        return new Dim3(x, y, 1);
    }

    /** x * y * z: threads in a block, or blocks in a grid. */
    public long count() {
        return (long) x * y * z;
    }
}
