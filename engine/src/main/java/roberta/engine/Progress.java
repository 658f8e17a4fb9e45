package roberta.engine;

import java.io.PrintStream;

/** A progress bar on stderr, redrawn at most a few times a second, with rate, ETA and a status. */
public final class Progress implements AutoCloseable {
    private final String label;
    private final long total;
    private final String unit;
    private final PrintStream err = System.err;
    private final long start = System.nanoTime();
    private final boolean enabled;
    private long done;
    private long lastDraw;
    private String status = "";

    public Progress(String label, long total, String unit) {
        this.label = label;
        this.total = total;
        this.unit = unit;
        this.enabled = !Boolean.getBoolean("roberta.quiet") && System.getenv("ROBERTA_QUIET") == null;
    }

    public synchronized void advance(long n) {
        done += n;
        long now = System.nanoTime();
        if (now - lastDraw > 250_000_000L || done >= total) {
            lastDraw = now;
            draw();
        }
    }

    public synchronized void status(String s) {
        status = s;
    }

    private void draw() {
        if (!enabled) return;
        double secs = (System.nanoTime() - start) / 1e9;
        double rate = done / Math.max(secs, 1e-9);
        int width = 24;
        int filled = total > 0 ? (int) Math.min(width, width * done / total) : 0;
        String bar = "=".repeat(filled) + (filled < width ? ">" : "") + " ".repeat(Math.max(0, width - filled - 1));
        String eta = total > 0 && rate > 0 ? time((total - done) / rate) : "?";
        err.printf("\r%s [%s] %d/%d %s %.1f %s/s ETA %s %s\u001b[K", label, bar, done, total, unit, rate, unit, eta, status);
        err.flush();
    }

    private static String time(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format("%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String.format("%02d:%02d", t / 60, t % 60);
    }

    @Override
    public synchronized void close() {
        if (!enabled) return;
        draw();
        err.println();
    }
}
