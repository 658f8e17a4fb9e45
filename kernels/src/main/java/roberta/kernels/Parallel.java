package roberta.kernels;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * One fixed pool for every kernel, sized so that the calling thread plus the pool's workers
 * make the configured thread count (-Droberta.threads, setThreads, default: all cores). A
 * region is split into that many contiguous chunks: the caller runs the first itself (no
 * hand-off, one wake-up fewer per region) and the workers the rest. A call from inside a
 * worker runs inline: kernels never nest parallel regions.
 */
public final class Parallel {
    /** A body over the index range [from, to). */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    private static volatile int threads = Math.max(1, Integer.getInteger("roberta.threads", Runtime.getRuntime().availableProcessors()));
    private static volatile ForkJoinPool pool = newPool(threads);

    /** True on a thread that is running a chunk of a region (workers, and the caller during its own chunk). */
    private static final ThreadLocal<boolean[]> INSIDE = ThreadLocal.withInitial(() -> new boolean[1]);

    private Parallel() {}

    private static ForkJoinPool newPool(int threads) {
        return new ForkJoinPool(Math.max(1, threads - 1), p -> {
            var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setName("roberta-kernel-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        }, null, true);
    }

    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
        if (n == threads) return;
        ForkJoinPool old = pool;
        pool = newPool(n);
        threads = n;
        old.shutdown();
    }

    public static int threads() {
        return threads;
    }

    /** Runs body over [0, n) split into up to threads() chunks, each at least minChunk long. */
    public static void forRange(int n, int minChunk, Range body) {
        if (n <= 0) return;
        int chunks = Math.min(threads, Math.max(1, n / Math.max(1, minChunk)));
        boolean[] inside = INSIDE.get();
        if (chunks == 1 || inside[0] || ForkJoinTask.inForkJoinPool()) {
            body.run(0, n);
            return;
        }
        ForkJoinPool p = pool;
        @SuppressWarnings("unchecked")
        ForkJoinTask<?>[] forked = new ForkJoinTask<?>[chunks - 1];
        for (int c = 1; c < chunks; c++) {
            int from = (int) ((long) n * c / chunks), to = (int) ((long) n * (c + 1) / chunks);
            forked[c - 1] = p.submit(() -> body.run(from, to));
        }
        Throwable failure = null;
        inside[0] = true;
        try {
            body.run(0, (int) ((long) n / chunks));
        } catch (Throwable t) {
            failure = t;
        } finally {
            inside[0] = false;
        }
        for (ForkJoinTask<?> t : forked) {
            try {
                t.join();
            } catch (Throwable e) {
                if (failure == null) failure = e;
            }
        }
        if (failure instanceof RuntimeException r) throw r;
        if (failure instanceof Error e) throw e;
        if (failure != null) throw new RuntimeException(failure);
    }
}
