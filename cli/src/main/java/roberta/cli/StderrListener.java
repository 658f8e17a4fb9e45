package roberta.cli;

import java.util.HashMap;
import java.util.Map;
import roberta.engine.Listener;

/**
 * The command line's listener: what the engine reports, printed on stderr as the commands always
 * have: progress drawn by {@link Progress} (a bar on a terminal, plain lines in a log), messages
 * as they are, warnings after "warning: ". System.err is looked up at each report, so a test that
 * swaps it sees the output.
 */
final class StderrListener implements Listener {
    static final StderrListener INSTANCE = new StderrListener(Progress::new);

    /** Makes the bar of a task: label, total, unit. */
    interface Bars {
        Progress open(String label, long total, String unit);
    }

    private final Bars newBar;

    /** The bar of each task that is running, and how much of it the bar has been told. */
    private final Map<String, Progress> bars = new HashMap<>();
    private final Map<String, Long> shown = new HashMap<>();

    StderrListener(Bars newBar) {
        this.newBar = newBar;
    }

    @Override
    public synchronized void progress(Step step) {
        Progress bar = bars.computeIfAbsent(step.task(), t -> newBar.open(t, step.total(), step.unit()));
        long before = shown.getOrDefault(step.task(), 0L);
        bar.status(step.status());
        if (step.done() > before) bar.advance(step.done() - before);
        shown.put(step.task(), step.done());
        if (step.finished()) {
            bar.close();
            bars.remove(step.task());
            shown.remove(step.task());
        }
    }

    @Override
    public void message(String text) {
        System.err.println(text);
    }

    @Override
    public void warning(String text) {
        System.err.println("warning: " + text);
    }
}
