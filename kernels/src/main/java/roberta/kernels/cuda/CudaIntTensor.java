package roberta.kernels.cuda;

import roberta.kernels.IntTensor;

/**
 * Integers in device memory (int32 at {@link #ptr}) AND on the host ({@link #host}): the
 * kernels read the device copy; shapes the host needs to issue work (an attention's sequence
 * starts and lengths, the number of scored labels) come from the host copy, with no read back.
 * These arrays are a batch's ids and layout: small, so the second copy costs nothing.
 */
public final class CudaIntTensor extends IntTensor {
    final long ptr;
    final int[] host;
    boolean released;

    CudaIntTensor(long ptr, int[] host) {
        super(host.length);
        this.ptr = ptr;
        this.host = host;
    }
}
