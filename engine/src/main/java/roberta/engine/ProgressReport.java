package roberta.engine;

/**
 * One piece of long work reporting to a {@link Listener}: counts what is done, keeps the latest
 * status, and on close sends the last report (finished), also when the work stopped early, so a
 * listener drawing a bar can end its line before an error is printed. A first report (0 done)
 * goes out when the work starts, so that rates and ETAs count from the start, not from the first unit.
 */
final class ProgressReport implements AutoCloseable {
    private final Listener listener;
    private final String task;
    private final long total;
    private final String unit;
    private long done;
    private String status = "";
    private boolean closed;

    ProgressReport(Listener listener, String task, long total, String unit) {
        this.listener = listener == null ? Listener.NONE : listener;
        this.task = task;
        this.total = total;
        this.unit = unit;
        this.listener.progress(new Listener.Step(task, 0, total, unit, status, false));
    }

    synchronized void advance(long n) {
        done += n;
        listener.progress(new Listener.Step(task, done, total, unit, status, false));
    }

    synchronized void status(String s) {
        status = s;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        listener.progress(new Listener.Step(task, done, total, unit, status, true));
    }
}
