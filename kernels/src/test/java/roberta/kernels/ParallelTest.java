package roberta.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The kernels' thread pool: claimed chunks cover a range exactly once, whatever the thread count. */
class ParallelTest {
    @Test
    void claimedChunksCoverEveryIndexExactlyOnceInWholeGrains() {
        for (int threads : new int[] {1, 2, 3, 5}) {
            withThreads(threads, () -> {
                for (int n : new int[] {1, 7, 64, 1000}) {
                    for (int grain : new int[] {1, 3, 64, 2000}) {
                        AtomicIntegerArray seen = new AtomicIntegerArray(n);
                        String what = threads + " threads, n " + n + ", grain " + grain;
                        Parallel.forChunks(n, grain, (from, to) -> {
                            assertEquals(0, from % grain, what + ": a chunk starts between grains at " + from);
                            assertTrue(to > from && (to == n || to % grain == 0), what + ": chunk [" + from + ", " + to + ")");
                            if (threads > 1 && n > grain) assertEquals(Math.min(n, from + grain), to, what + ": chunk from " + from);
                            for (int i = from; i < to; i++) seen.incrementAndGet(i);
                        });
                        for (int i = 0; i < n; i++) assertEquals(1, seen.get(i), what + ": index " + i);
                    }
                }
            });
        }
    }

    @Test
    void aRegionInsideARegionRunsInlineAndStillCoversItsRange() {
        withThreads(3, () -> {
            AtomicIntegerArray seen = new AtomicIntegerArray(6 * 50);
            Parallel.forChunks(6, 1, (outer0, outer1) -> {
                for (int o = outer0; o < outer1; o++) {
                    int base = o * 50;
                    Parallel.forChunks(50, 7, (from, to) -> {
                        for (int i = from; i < to; i++) seen.incrementAndGet(base + i);
                    });
                }
            });
            for (int i = 0; i < seen.length(); i++) assertEquals(1, seen.get(i), "index " + i);
        });
    }

    @Test
    void aFailingChunkFailsTheCallAndThePoolStaysUsable() {
        withThreads(2, () -> {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.forChunks(40, 1, (from, to) -> {
                if (from <= 33 && 33 < to) throw new IllegalStateException("chunk 33");
            }));
            assertTrue(e.getMessage().contains("33"), e.getMessage());
            AtomicIntegerArray seen = new AtomicIntegerArray(40);
            Parallel.forChunks(40, 1, (from, to) -> {
                for (int i = from; i < to; i++) seen.incrementAndGet(i);
            });
            for (int i = 0; i < 40; i++) assertEquals(1, seen.get(i), "index " + i);
        });
    }

    /** Runs body with the pool at threads, then puts back the thread count it had. */
    static void withThreads(int threads, Runnable body) {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(threads);
            body.run();
        } finally {
            Parallel.setThreads(before);
        }
    }
}
