package roberta.kernels;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** The CPU backend's pool of released arrays. */
class CpuTensorPoolTest {
    private static float[] data(Tensor t) {
        return ((CpuTensor) t).data;
    }

    @Test
    void aReleasedArrayIsReusedForTheSameSize() {
        CpuBackend be = new CpuBackend(1 << 20);
        Tensor a = be.empty(300, 1000);
        float[] first = data(a);
        be.release(a);
        assertSame(first, data(be.empty(1000, 300)), "same length, any shape");
        assertNotSame(first, data(be.empty(300, 1000)), "handed out once");
    }

    @Test
    void sizesThatNeverComeBackDoNotCrowdOutTheOnesInUse() {
        // masked-LM logits have as many rows as a batch has masked tokens: a new size nearly every
        // step. A pool that refused releases once full of those kept nothing useful, and one that
        // held them strongly filled the heap until the run died mid-epoch.
        CpuBackend be = new CpuBackend(1_000_000);
        for (int step = 0; step < 100; step++) be.release(be.empty(100_000 + step));
        Tensor inUse = be.empty(200_000);
        float[] array = data(inUse);
        be.release(inUse);
        assertSame(array, data(be.empty(200_000)), "the newest release is kept, older sizes dropped");
    }
}
