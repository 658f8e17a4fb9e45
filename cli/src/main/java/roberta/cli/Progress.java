package roberta.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Progress of long work on stderr. On a terminal: a bar redrawn in place a few times a second,
 * with rate, ETA and a status. When stderr is a file, a pipe or a CI log, carriage-return frames
 * would pile up on one line, so a plain line is printed instead at each tenth of the work or
 * every 30 seconds, whichever comes first. {@code ROBERTA_PROGRESS=bar|lines|off} overrides the
 * choice; {@code ROBERTA_QUIET} or {@code -Droberta.quiet=true} turns it off.
 */
public final class Progress implements AutoCloseable {
    /** How progress is shown. */
    enum Mode { BAR, LINES, OFF }

    private static final long BAR_REDRAW_NANOS = 250_000_000L;
    private static final long LINE_INTERVAL_NANOS = 30_000_000_000L;

    private final String label;
    private final long total;
    private final String unit;
    private final PrintStream err;
    private final Mode mode;
    private final long start = System.nanoTime();
    private long done;
    private long lastDraw;
    private long lastTenth; // LINES: the last tenth of the work a line was printed for
    private String status = "";

    public Progress(String label, long total, String unit) {
        this(label, total, unit, System.err, defaultMode());
    }

    Progress(String label, long total, String unit, PrintStream err, Mode mode) {
        this.label = label;
        this.total = total;
        this.unit = unit;
        this.err = err;
        this.mode = mode;
        this.lastDraw = start;
    }

    static Mode defaultMode() {
        if (Boolean.getBoolean("roberta.quiet") || System.getenv("ROBERTA_QUIET") != null) return Mode.OFF;
        String forced = System.getenv("ROBERTA_PROGRESS");
        if (forced != null) {
            switch (forced) {
                case "bar": return Mode.BAR;
                case "lines": return Mode.LINES;
                case "off": return Mode.OFF;
                default: // fall through to detection
            }
        }
        return stderrIsTerminal() ? Mode.BAR : Mode.LINES;
    }

    /** Whether file descriptor 2 is a terminal: on Linux its /proc link names a tty device. */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            var console = System.console(); // no /proc: the best the JDK can say
            return console != null && console.isTerminal();
        }
    }

    public synchronized void advance(long n) {
        done += n;
        long now = System.nanoTime();
        switch (mode) {
            case BAR -> {
                if (now - lastDraw > BAR_REDRAW_NANOS || done >= total) {
                    lastDraw = now;
                    drawBar();
                }
            }
            case LINES -> {
                long tenth = total > 0 ? Math.min(10, 10 * done / total) : 0;
                if (tenth > lastTenth || now - lastDraw > LINE_INTERVAL_NANOS) {
                    lastTenth = tenth;
                    lastDraw = now;
                    printLine();
                }
            }
            case OFF -> { }
        }
    }

    public synchronized void status(String s) {
        status = s;
    }

    private void drawBar() {
        int width = 24;
        int filled = total > 0 ? (int) Math.min(width, width * done / total) : 0;
        String bar = "=".repeat(filled) + (filled < width ? ">" : "") + " ".repeat(Math.max(0, width - filled - 1));
        err.printf("\r%s [%s] %s\u001b[K", label, bar, figures());
        err.flush();
    }

    private void printLine() {
        String percent = total > 0 ? String.format(" %3d%%", 100 * done / total) : "";
        err.printf("%s%s %s%n", label, percent, figures());
        err.flush();
    }

    private String figures() {
        double secs = (System.nanoTime() - start) / 1e9;
        double rate = done / Math.max(secs, 1e-9);
        String eta = total > 0 && rate > 0 ? time((total - done) / rate) : "?";
        return String.format("%d/%d %s %.1f %s/s ETA %s %s", done, total, unit, rate, unit, eta, status).strip();
    }

    private static String time(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format("%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String.format("%02d:%02d", t / 60, t % 60);
    }

    @Override
    public synchronized void close() {
        switch (mode) {
            case BAR -> {
                drawBar();
                err.println();
            }
            case LINES -> {
                if (lastTenth < 10) printLine(); // the end, unless the last tenth already said it
            }
            case OFF -> { }
        }
    }
}
