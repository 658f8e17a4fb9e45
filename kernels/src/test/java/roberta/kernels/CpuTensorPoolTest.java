package roberta.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

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

    @Test
    void aSmallerTensorTakesTheShortestFreeArrayThatFits() {
        // feature extraction runs batches longest first, each a new shape: the first batch's
        // arrays must serve the later, shorter ones
        CpuBackend be = new CpuBackend(1 << 22);
        Tensor big = be.empty(4000), bigger = be.empty(5000), huge = be.empty(20_000);
        float[] fit = data(big);
        be.release(huge);
        be.release(bigger);
        be.release(big);
        assertSame(fit, data(be.empty(3000)), "the shortest of the arrays at least as long");
        assertNotSame(data(huge), data(be.empty(9000)), "not one more than twice as long");
    }

    @Test
    void aTensorInALongerArraySeesOnlyItsOwnValues() {
        CpuBackend be = new CpuBackend(1 << 22);
        Tensor old = be.empty(4000);
        be.fill(old, 3f);
        be.release(old);
        Tensor t = be.empty(2, 1000);
        assertEquals(4000, data(t).length, "reused the longer array");
        be.fill(t, 0f);
        assertEquals(0.0, be.sumOfSquares(t), "fill clears its own 2000 values, sums read only those");
        be.fill(t, 2f);
        be.scale(t, 0.5f);
        float[] host = be.toHost(t);
        float[] ones = new float[2000];
        java.util.Arrays.fill(ones, 1f);
        assertArrayEquals(ones, host, "toHost returns the tensor's values, not the array's");
        assertEquals(3f, data(t)[2000], "nothing past the tensor is written");
        assertEquals(2000.0, be.sumOfSquares(t));
    }

    @Test
    void zerosAndHostArraysKeepTheirExactLength() {
        // zeros makes parameter gradients and AdamW moments, which live as long as the model: a
        // longer array from the pool would keep them bigger for good
        CpuBackend be = new CpuBackend(1 << 22);
        Tensor old = be.empty(4000);
        float[] longer = data(old);
        be.release(old);
        assertEquals(3000, data(be.zeros(3000)).length);
        assertSame(longer, data(be.empty(3000)), "scratch still takes it");
        assertThrows(IllegalArgumentException.class, () -> be.adopt(new float[10], 3, 3), "a caller's array must fit its shape exactly");
    }
}
