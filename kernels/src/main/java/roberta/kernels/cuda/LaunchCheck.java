package roberta.kernels.cuda;

/**
 * What a launch must satisfy before it reaches a GPU, shared by both {@link DeviceApi}
 * implementations: the launch-configuration limits of every GPU since compute capability 3.0
 * (a driver refuses others with cudaErrorInvalidConfiguration, reported only at the next
 * synchronising call) and the argument convention of {@link DeviceApi#launch}.
 */
public final class LaunchCheck {
    /** Threads per block, and per block dimension x and y; z is limited to 64. */
    public static final int MAX_THREADS = 1024;
    /** Dynamic shared memory a kernel gets without opting in (cudaFuncAttributeMaxDynamicSharedMemorySize). */
    public static final int DEFAULT_MAX_SHARED = 48 * 1024;

    private LaunchCheck() {}

    public static void check(String kernel, Dim3 grid, Dim3 block, int sharedBytes, Object[] args) {
        if (kernel == null || kernel.isEmpty()) throw new IllegalArgumentException("launch: no kernel name");
        String at = "launch " + kernel + ": ";
        if (block.count() > MAX_THREADS || block.x() > MAX_THREADS || block.y() > MAX_THREADS || block.z() > 64)
            throw new IllegalArgumentException(at + "block " + block + " exceeds 1024 threads (x, y <= 1024, z <= 64)");
        if (grid.y() > 65535 || grid.z() > 65535)
            throw new IllegalArgumentException(at + "grid " + grid + ": y and z must be <= 65535");
        if (sharedBytes < 0 || sharedBytes > DEFAULT_MAX_SHARED)
            throw new IllegalArgumentException(at + "sharedBytes = " + sharedBytes + " outside [0, " + DEFAULT_MAX_SHARED + "]");
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (!(a instanceof Ptr || a instanceof Integer || a instanceof Float))
                throw new IllegalArgumentException(at + "argument " + i + " is "
                    + (a == null ? "null" : a.getClass().getSimpleName() + " " + a)
                    + "; only Ptr (T*), Integer (int) and Float (float) map onto PTX parameters");
        }
    }
}
