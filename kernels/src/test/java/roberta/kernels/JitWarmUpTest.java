package roberta.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The warm-up runs the kernels beside the caller's work, changes none of its results, and stops when the work is done. */
class JitWarmUpTest {
    @Test
    void runsBesideTheWorkWithoutChangingItsResultsAndStopsAfterIt() throws Exception {
        int threads = Parallel.threads();
        if (threads < 2) Parallel.setThreads(2); // the warm-up needs a second core's worth of threads
        try {
            Backend be = CpuBackend.INSTANCE;
            Random r = new Random(4);
            float[] x = new float[70 * 300], w = new float[200 * 300], b = new float[200];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
            Tensor tx = be.fromHost(x, 70, 300), tw = be.packedWeight(w, 200, 300), tb = be.fromHost(b, 200);
            Tensor alone = be.empty(70, 200);
            be.linear(alone, tx, tw, tb);

            boolean on = !Gemm.SCALAR; // the scalar twins' run (-Droberta.scalar) compiles no vector code: no warm-up
            int before = JitWarmUp.roundsRun();
            float[][] beside = new float[1][];
            String value = JitWarmUp.during(be, () -> {
                long deadline = System.nanoTime() + 60_000_000_000L;
                do { // products while the warm-up runs its own
                    Tensor out = be.empty(70, 200);
                    be.linear(out, tx, tw, tb);
                    beside[0] = be.toHost(out);
                } while (on && JitWarmUp.roundsRun() < before + 2 && System.nanoTime() < deadline);
                return "loaded";
            });
            assertEquals("loaded", value);
            if (on) assertTrue(JitWarmUp.roundsRun() >= before + 2, "the warm-up ran no rounds beside the work");
            else assertEquals(before, JitWarmUp.roundsRun(), "a warm-up ran in scalar mode");
            assertArrayEquals(be.toHost(alone), beside[0], "a product made beside the warm-up");

            Thread warm = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(JitWarmUp.THREAD_NAME)).findFirst().orElse(null);
            if (warm != null) warm.join(30_000);
            assertFalse(warm != null && warm.isAlive(), "the warm-up thread outlived the work");
            int after = JitWarmUp.roundsRun();
            assertTrue(after - before < JitWarmUp.MAX_ROUNDS, "the warm-up ran all its rounds instead of stopping with the work");
        } finally {
            if (threads < 2) Parallel.setThreads(threads);
        }
    }

    @Test
    void theWorksFailureIsTheCallersAndOtherBackendsRunTheWorkAlone() {
        IllegalStateException boom = new IllegalStateException("unreadable folder");
        assertSame(boom, assertThrows(IllegalStateException.class, () -> JitWarmUp.during(CpuBackend.INSTANCE, () -> { throw boom; })));
        int before = JitWarmUp.roundsRun();
        Backend other = new ProfilingBackend(CpuBackend.INSTANCE).backend(); // not the CPU backend itself: nothing to warm up
        assertEquals(7, JitWarmUp.during(other, () -> 7));
        assertEquals(before, JitWarmUp.roundsRun());
    }
}
