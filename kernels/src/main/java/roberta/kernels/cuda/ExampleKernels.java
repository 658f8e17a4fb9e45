package roberta.kernels.cuda;

/**
 * The one kernel the emulator knows until the real ones arrive, to show the shape of a host
 * twin. Its CUDA would be:
 * <pre>
 * extern "C" __global__ void fill_f32(float* out, int n, float value) {
 *     int i = blockIdx.x * blockDim.x + threadIdx.x;
 *     if (i < n) out[i] = value;
 * }
 * </pre>
 * The twin runs every thread of a 1-D grid, so a grid too small leaves elements unwritten,
 * exactly as on a GPU.
 */
final class ExampleKernels {
    private ExampleKernels() {}

    static void fillF32(EmulatedDevice device, Dim3 grid, Dim3 block, int sharedBytes, Object[] args) {
        if (args.length != 3 || !(args[0] instanceof Ptr out) || !(args[1] instanceof Integer n) || !(args[2] instanceof Float value))
            throw new IllegalArgumentException("fill_f32(float* out, int n, float value): got " + java.util.Arrays.toString(args));
        for (int blockIdx = 0; blockIdx < grid.x(); blockIdx++) {
            for (int threadIdx = 0; threadIdx < block.x(); threadIdx++) {
                long i = (long) blockIdx * block.x() + threadIdx;
                if (i < n) device.storeF32(out.address() + 4 * i, value);
            }
        }
    }
}
