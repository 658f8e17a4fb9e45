package roberta.cli.serve;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import roberta.engine.Roberta;

/**
 * Dynamic batching: requests wait in a bounded queue; one worker thread takes the texts of
 * compatible requests (equal tasks), in arrival order, up to a token budget, waiting at most
 * maxWait for more to arrive (only while other requests are on their way), and runs them as
 * one packed batch. Under load the queue fills while a batch runs, so batches grow without
 * any wait. One worker is enough: the CPU backend already spreads each forward pass over every
 * core.
 *
 * <p>A request with more texts than one batch holds is served a batch at a time and goes to
 * the back of the queue in between, so a big request delays the others by at most one batch.
 */
final class Batcher implements AutoCloseable {
    /** A run of one job's texts inside a batch. */
    private record Piece(Job job, int from, int to) {}

    private final Roberta roberta;
    private final ServeLimits limits;
    private final Metrics metrics;
    private final ArrayDeque<Job> pending = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    /** Held by the worker while it takes and runs a batch; tests hold it to keep the worker busy. */
    final Semaphore gate = new Semaphore(1);
    private final Thread worker;
    private volatile boolean closed;
    /** Requests being handled (reading, tokenising, queued or being answered): more than the queue holds means more are coming. */
    private final java.util.concurrent.atomic.AtomicInteger active = new java.util.concurrent.atomic.AtomicInteger();

    Batcher(Roberta roberta, ServeLimits limits, Metrics metrics) {
        this.roberta = roberta;
        this.limits = limits;
        this.metrics = metrics;
        this.worker = Thread.ofPlatform().name("roberta-serve-worker").daemon().unstarted(this::loop);
    }

    void start() {
        worker.start();
    }

    /** Queues a job; a full queue is a 429 for the caller to retry later. */
    void submit(Job job) {
        lock.lock();
        try {
            if (closed) throw new ApiError(503, "server_error", "server is shutting down", 1);
            if (pending.size() >= limits.queue())
                throw new ApiError(429, "rate_limit_error", "queue full (" + limits.queue() + " requests waiting); retry later", 1);
            pending.addLast(job);
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A request for the model has begun (before its body is read). */
    void enter() {
        active.incrementAndGet();
    }

    /** ...and is done, answered or not. */
    void leave() {
        active.decrementAndGet();
    }

    int depth() {
        lock.lock();
        try {
            return pending.size();
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        while (!closed) {
            try {
                if (!awaitWork()) return;
                gate.acquire(); // after the wait: a pause must not wait for the next request
                try {
                    List<Piece> batch = next();
                    if (batch != null) run(batch);
                } finally {
                    gate.release();
                }
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                // never let the worker die: each job already got its own failure in run()
                t.printStackTrace();
            }
        }
    }

    /** Waits until a job is queued; false once closed. */
    private boolean awaitWork() throws InterruptedException {
        lock.lock();
        try {
            while (pending.isEmpty()) {
                if (closed) return false;
                arrived.await(100, TimeUnit.MILLISECONDS);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The next batch, or null when nothing is queued. */
    private List<Piece> next() throws InterruptedException {
        lock.lock();
        try {
            if (pending.isEmpty()) return null;
            ModelTask task = pending.peekFirst().task;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limits.maxWaitMs());
            // wait a little for others to share the pass, unless the budget is already met or no
            // other request is on its way (a lone client pays no wait)
            while (compatibleTokens(task) < limits.maxBatchTokens() && active.get() > pending.size()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) break;
                arrived.awaitNanos(left);
            }
            List<Piece> batch = new ArrayList<>();
            int budget = limits.maxBatchTokens(), used = 0;
            for (Job job : new ArrayList<>(pending)) {
                if (!job.task.equals(task)) continue;
                int from = job.next;
                // always at least one text, so a text longer than the budget still runs (alone)
                while (job.next < job.texts.size() && (batch.isEmpty() && job.next == from || used + job.tokens[job.next] <= budget)) {
                    used += job.tokens[job.next];
                    job.next++;
                }
                if (job.next == from) break; // the budget is spent: this one keeps its place
                batch.add(new Piece(job, from, job.next));
                pending.remove(job);
                if (!job.taken()) {
                    pending.addLast(job); // the rest waits its turn behind the others
                    break;
                }
                if (used >= budget) break;
            }
            return batch;
        } finally {
            lock.unlock();
        }
    }

    private int compatibleTokens(ModelTask task) {
        int sum = 0;
        for (Job j : pending) if (j.task.equals(task)) sum += j.remainingTokens();
        return sum;
    }

    private void run(List<Piece> batch) {
        List<String> texts = new ArrayList<>();
        int tokens = 0;
        for (Piece p : batch) {
            texts.addAll(p.job().texts.subList(p.from(), p.to()));
            for (int i = p.from(); i < p.to(); i++) tokens += p.job().tokens[i];
        }
        ModelTask task = batch.get(0).job().task;
        try {
            List<?> out = task.run(roberta, texts);
            metrics.batch(texts.size(), tokens);
            int at = 0;
            for (Piece p : batch) {
                p.job().deliver(p.from(), out.subList(at, at + p.to() - p.from()));
                at += p.to() - p.from();
            }
        } catch (Throwable t) {
            if (batch.size() == 1) {
                fail(batch.get(0).job(), t);
                return;
            }
            // one request's bad input must not fail its neighbours: run each piece alone
            for (Piece p : batch) run(List.of(p));
        }
    }

    private void fail(Job job, Throwable t) {
        job.fail(t);
        lock.lock();
        try {
            pending.remove(job); // its other texts need not run
        } finally {
            lock.unlock();
        }
    }

    /** Stops taking work; jobs still queued fail with 503. */
    @Override
    public void close() {
        closed = true; // the worker finishes its batch (never interrupted mid-pass) and stops
        try {
            worker.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lock.lock();
        try {
            for (Job j : pending) j.fail(new ApiError(503, "server_error", "server is shutting down", 1));
            pending.clear();
        } finally {
            lock.unlock();
        }
    }
}
