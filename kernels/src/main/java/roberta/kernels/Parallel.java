package roberta.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The kernels' threads: the calling thread plus threads()-1 workers. A region is split into
 * as many contiguous chunks as threads; the caller runs the first itself and the workers the
 * rest. Workers spin for a short while after each chunk before parking, because a forward
 * pass issues regions back to back and waking a parked thread costs tens of microseconds,
 * which at one short sequence is a tenth of the time (OpenMP runtimes do the same). A call
 * from inside a region, or while another caller holds the workers, runs inline: kernels
 * never nest regions, and concurrent callers stay correct.
 */
public final class Parallel {
    /** A body over the index range [from, to). */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    /** How long an idle worker spins before parking. */
    private static final long SPIN_NANOS = Long.getLong("roberta.spinMicros", 200) * 1000;
    private static final ThreadLocal<boolean[]> INSIDE = ThreadLocal.withInitial(() -> new boolean[1]);
    private static final ReentrantLock DISPATCH = new ReentrantLock();
    private static volatile Worker[] workers = start(Math.max(1, Integer.getInteger("roberta.threads", Runtime.getRuntime().availableProcessors())));

    private Parallel() {}

    private static final class Worker extends Thread {
        volatile Range body;
        volatile int from, to;
        volatile boolean done = true, parked, stop;
        volatile Throwable error;

        Worker(int index) {
            super("roberta-kernel-" + index);
            setDaemon(true);
        }

        @Override
        public void run() {
            INSIDE.get()[0] = true;
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (!stop) {
                Range b = body;
                if (b == null) {
                    if (System.nanoTime() < spinUntil) {
                        Thread.onSpinWait();
                    } else {
                        parked = true;
                        if (body == null && !stop) LockSupport.park(this);
                        parked = false;
                        spinUntil = System.nanoTime() + SPIN_NANOS;
                    }
                    continue;
                }
                try {
                    b.run(from, to);
                } catch (Throwable t) {
                    error = t;
                }
                body = null;
                done = true;
                spinUntil = System.nanoTime() + SPIN_NANOS;
            }
        }
    }

    private static Worker[] start(int threads) {
        Worker[] w = new Worker[threads - 1];
        for (int i = 0; i < w.length; i++) {
            w[i] = new Worker(i);
            w[i].start();
        }
        return w;
    }

    public static void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
        DISPATCH.lock();
        try {
            if (n == threads()) return;
            for (Worker w : workers) {
                w.stop = true;
                LockSupport.unpark(w);
            }
            workers = start(n);
        } finally {
            DISPATCH.unlock();
        }
    }

    public static int threads() {
        return workers.length + 1;
    }

    /**
     * Runs body over [0, n) in chunks of grain (the last one shorter), each thread claiming the
     * next unclaimed chunk until none is left; body sees whole grains ([from, to) with from a
     * multiple of grain, to one too or n), and with one thread, or inside a region, all of [0, n)
     * at once. On a shared machine one of the threads is often slowed for a while (another guest
     * on its core, a late wake-up): with equal static shares the region then waits for it
     * (measured: the two halves of a GEMM 0.3-1.4 ms apart out of 5 ms), while here it simply
     * takes fewer chunks. Chunks must be independent of which thread runs them.
     */
    public static void forChunks(int n, int grain, Range body) {
        if (n <= 0) return;
        int g = Math.max(1, grain), chunks = (int) (((long) n + g - 1) / g);
        if (chunks == 1 || threads() == 1 || INSIDE.get()[0]) {
            body.run(0, n);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        forRange(Math.min(threads(), chunks), 1, (from, to) -> {
            for (int c; (c = next.getAndIncrement()) < chunks; )
                body.run(c * g, (int) Math.min(n, (long) (c + 1) * g));
        });
    }

    /** Runs body with every region it opens run inline on this thread: a background caller that must leave the workers alone. */
    static void runInline(Runnable body) {
        boolean[] inside = INSIDE.get();
        boolean was = inside[0];
        inside[0] = true;
        try {
            body.run();
        } finally {
            inside[0] = was;
        }
    }

    /** Runs body over [0, n) split into up to threads() chunks, each at least minChunk long. */
    public static void forRange(int n, int minChunk, Range body) {
        if (n <= 0) return;
        Worker[] pool = workers;
        int chunks = Math.min(pool.length + 1, Math.max(1, n / Math.max(1, minChunk)));
        boolean[] inside = INSIDE.get();
        if (chunks == 1 || inside[0] || !DISPATCH.tryLock()) {
            body.run(0, n);
            return;
        }
        try {
            pool = workers; // setThreads may have replaced them before we took the lock
            chunks = Math.min(chunks, pool.length + 1);
            for (int c = 1; c < chunks; c++) {
                Worker w = pool[c - 1];
                w.error = null;
                w.from = (int) ((long) n * c / chunks);
                w.to = (int) ((long) n * (c + 1) / chunks);
                w.done = false;
                w.body = body;
                if (w.parked) LockSupport.unpark(w);
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
            for (int c = 1; c < chunks; c++) {
                Worker w = pool[c - 1];
                while (!w.done) Thread.onSpinWait();
                if (failure == null && w.error != null) failure = w.error;
            }
            if (failure instanceof RuntimeException r) throw r;
            if (failure instanceof Error e) throw e;
            if (failure != null) throw new RuntimeException(failure);
        } finally {
            DISPATCH.unlock();
        }
    }
}
