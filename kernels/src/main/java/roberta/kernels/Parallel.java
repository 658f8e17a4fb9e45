package roberta.kernels;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * One fixed pool sized to the cores (or -Droberta.threads / setThreads), used by every
 * kernel. Work is split into as many contiguous chunks as threads, so no core idles and no
 * task is smaller than it needs to be. A call from inside a pool thread runs inline:
 * kernels never nest parallel regions.
 */
public final class Parallel {
    /** A body over the index range [from, to). */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    private static volatile ForkJoinPool pool = newPool(Integer.getInteger("roberta.threads", Runtime.getRuntime().availableProcessors()));

    private Parallel() {}

    private static ForkJoinPool newPool(int threads) {
        return new ForkJoinPool(Math.max(1, threads), p -> {
            var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setName("roberta-kernel-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        }, null, false);
    }

    public static synchronized void setThreads(int threads) {
        if (threads == pool.getParallelism()) return;
        ForkJoinPool old = pool;
        pool = newPool(threads);
        old.shutdown();
    }

    public static int threads() {
        return pool.getParallelism();
    }

    /** Runs body over [0, n) split into about threads() chunks, each at least minChunk long. */
    public static void forRange(int n, int minChunk, Range body) {
        int threads = pool.getParallelism();
        if (n <= 0) return;
        if (threads == 1 || n <= minChunk || ForkJoinTask.inForkJoinPool()) {
            body.run(0, n);
            return;
        }
        int chunks = Math.min(threads, Math.max(1, n / Math.max(1, minChunk)));
        if (chunks == 1) {
            body.run(0, n);
            return;
        }
        pool.invoke(new RecursiveAction() {
            @Override
            protected void compute() {
                RecursiveAction[] tasks = new RecursiveAction[chunks];
                for (int c = 0; c < chunks; c++) {
                    int from = (int) ((long) n * c / chunks), to = (int) ((long) n * (c + 1) / chunks);
                    tasks[c] = new RecursiveAction() {
                        @Override
                        protected void compute() {
                            body.run(from, to);
                        }
                    };
                }
                invokeAll(tasks);
            }
        });
    }
}
