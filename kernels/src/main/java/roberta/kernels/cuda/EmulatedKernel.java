package roberta.kernels.cuda;

/**
 * A kernel's host twin for {@link EmulatedDevice}: does what the whole grid would do, reading
 * and writing device memory only through the device's checked accessors. {@code args} have
 * already passed {@link LaunchCheck}; the kernel checks their count and types itself.
 */
@FunctionalInterface
public interface EmulatedKernel {
    void run(EmulatedDevice device, Dim3 grid, Dim3 block, int sharedBytes, Object[] args);
}
