package roberta.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The FMA microbenchmark does the arithmetic it counts, and "% of peak" is computed from the measured peak. No timing assertions. */
class FmaPeakTest {
    @Test
    void performsExactlyTheFmasItCounts() {
        // acc = acc * 1 + 1 adds one to one lane per FMA: the sum over all lanes and chains is the number of FMAs
        for (int iterations : new int[] {0, 1, 7, 1000}) {
            double sum = FmaPeak.chains(iterations, 0f, 1f, 1f);
            assertEquals(FmaPeak.flops(iterations) / 2.0, sum, 0.0, "iterations " + iterations);
            assertEquals((double) FmaPeak.CHAINS * FmaPeak.lanes() * iterations, sum, 0.0);
        }
        assertEquals(2L * FmaPeak.CHAINS * FmaPeak.lanes() * 1000, FmaPeak.flops(1000));
    }

    @Test
    void measuredPeakIsPositiveAndPercentIsComputedFromIt() {
        FmaPeak.Peak p = FmaPeak.measure(2, 1, 5);
        assertEquals(2, p.threads());
        assertEquals(FmaPeak.lanes(), p.lanes());
        assertEquals(32 * p.lanes(), p.vectorBits());
        assertTrue(p.gflops() > 0 && Double.isFinite(p.gflops()), "peak " + p.gflops());
        assertEquals(50.0, p.percentOf(p.gflops() / 2), 1e-9);
        assertEquals(100.0 * 12.5 / p.gflops(), p.percentOf(12.5), 1e-9);
    }

    @Test
    void theBetterOfTwoMeasurementsIsTheHigherAndOnlyForTheSameThreads() {
        FmaPeak.Peak low = new FmaPeak.Peak(2, 16, 258), high = new FmaPeak.Peak(2, 16, 529);
        assertSame(high, FmaPeak.better(low, high));
        assertSame(high, FmaPeak.better(high, low));
        assertThrows(IllegalArgumentException.class, () -> FmaPeak.better(low, new FmaPeak.Peak(1, 16, 529)));
    }
}
