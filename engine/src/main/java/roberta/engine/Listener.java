package roberta.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import roberta.kernels.Notices;

/**
 * What long work reports while it runs, instead of printing: progress, messages, warnings and
 * the metrics of each training epoch. Every method does nothing unless overridden, so a caller
 * implements only what it wants; {@link #NONE} reports nothing. Calls may come from worker
 * threads, one at a time per piece of work.
 *
 * <pre>{@code
 * Listener log = new Listener() {
 *     public void progress(String task, long done, long total) { System.out.println(task + " " + done + "/" + total); }
 *     public void warning(String text) { System.err.println("warning: " + text); }
 * };
 * }</pre>
 */
public interface Listener extends Notices {
    /** Reports nothing. */
    Listener NONE = new Listener() {};

    /**
     * Work has reached done of total units.
     *
     * @param task what is running, such as {@code "embed"} or {@code "epoch 1/3"}
     * @param done units done so far
     * @param total units in all
     */
    default void progress(String task, long done, long total) {}

    /**
     * The same progress with everything known about it; by default passes it on to
     * {@link #progress(String, long, long)}.
     *
     * @param step the task, its counts, the unit, a status and whether this is its last report
     */
    default void progress(Step step) {
        progress(step.task(), step.done(), step.total());
    }

    /**
     * A training epoch ended, was evaluated and checkpointed; by default reported as the message
     * {@code epoch N: {json}} that the command line prints.
     *
     * @param epoch the epoch, from 1
     * @param metrics its metrics (train_loss, seconds, the evaluation's scores)
     */
    default void epoch(int epoch, Map<String, Object> metrics) {
        try {
            // a mapper per epoch: an interface cannot hold a private one, and epochs are rare
            message("epoch " + epoch + ": " + new ObjectMapper().writeValueAsString(metrics));
        } catch (JsonProcessingException e) {
            message("epoch " + epoch + ": " + metrics);
        }
    }

    /**
     * One progress report.
     *
     * @param task what is running
     * @param done units done so far
     * @param total units in all
     * @param unit what is counted, such as {@code "seq"} or {@code "batch"}
     * @param status a short note on the latest state, such as {@code "loss 0.4321"} (empty when none)
     * @param finished true on the last report of this task (done may be below total when it stopped early)
     */
    record Step(String task, long done, long total, String unit, String status, boolean finished) {}
}
