package roberta.kernels.cuda;

import roberta.kernels.HalfFormat;
import roberta.kernels.Tensor;

/**
 * A tensor in device memory: {@link #ptr} is a float32 row-major allocation of
 * {@link #bytes} bytes, or, for a half-precision weight ({@link CudaBackend#packedHalfWeight}),
 * 0 with the 16-bit values at {@link #halfPtr} instead.
 */
public final class CudaTensor extends Tensor {
    /** The float values (0 for a half-only weight). */
    long ptr;
    /** The 16-bit values of a half-precision weight (0 otherwise), and their format. */
    long halfPtr;
    final HalfFormat format;
    /** The size of the allocation behind ptr or halfPtr (what the pool keys it by). */
    final long bytes;
    boolean released;

    CudaTensor(long ptr, long bytes, int[] shape) {
        super(shape);
        this.ptr = ptr;
        this.bytes = bytes;
        this.format = null;
    }

    CudaTensor(long halfPtr, long bytes, HalfFormat format, int[] shape) {
        super(shape);
        this.halfPtr = halfPtr;
        this.bytes = bytes;
        this.format = format;
    }

    boolean isHalf() {
        return halfPtr != 0;
    }

    @Override
    public String toString() {
        return "Cuda" + super.toString() + (isHalf() ? " (" + format + ")" : "");
    }
}
