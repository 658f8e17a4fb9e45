package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import roberta.engine.Listener.Step;

/** What the engine reports reaches stderr exactly as the commands printed it before there was a Listener. */
class StderrListenerTest {
    /** Rates and ETAs depend on the clock: compared as placeholders. */
    private static String withoutTimes(String s) {
        return s.replaceAll("\\d+\\.\\d (\\S+)/s ETA \\S+", "R $1/s ETA T");
    }

    private static String lastFrame(String bar) {
        return withoutTimes(bar.substring(bar.lastIndexOf('\r')));
    }

    /** The old way: the engine drove a Progress itself, status then advance per batch, then close. */
    private static String drawnDirectly(Progress.Mode mode, long total, long stopAt) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (Progress p = new Progress("epoch 1/2", total, "batch", new PrintStream(buf, true, StandardCharsets.UTF_8), mode)) {
            for (long b = 1; b <= stopAt; b++) {
                p.status("loss 0." + b);
                p.advance(1);
            }
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    /** The new way: the same batches reported as steps (a first one at 0, a finished one at the end). */
    private static String drawnThroughTheListener(Progress.Mode mode, long total, long stopAt) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        StderrListener l = new StderrListener((label, t, unit) -> new Progress(label, t, unit, out, mode));
        l.progress(new Step("epoch 1/2", 0, total, "batch", "", false));
        for (long b = 1; b <= stopAt; b++) l.progress(new Step("epoch 1/2", b, total, "batch", "loss 0." + b, false));
        l.progress(new Step("epoch 1/2", stopAt, total, "batch", "loss 0." + stopAt, true));
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void progressLinesAndBarsAreTheOnesProgressDraws() {
        String lines = drawnDirectly(Progress.Mode.LINES, 20, 20);
        assertTrue(lines.contains("20/20 batch"), lines);
        assertEquals(withoutTimes(lines), withoutTimes(drawnThroughTheListener(Progress.Mode.LINES, 20, 20)));
        // a bar redraws every 250 ms: a slow machine may add frames, so the last frame is compared
        String bar = drawnDirectly(Progress.Mode.BAR, 20, 20);
        assertTrue(bar.endsWith("\u001b[K" + System.lineSeparator()), bar);
        assertEquals(lastFrame(bar), lastFrame(drawnThroughTheListener(Progress.Mode.BAR, 20, 20)));
    }

    @Test
    void workThatStopsEarlyEndsWithWhereItGot() {
        String direct = drawnDirectly(Progress.Mode.LINES, 20, 7);
        assertTrue(direct.strip().endsWith("loss 0.7"), direct);
        assertEquals(withoutTimes(direct), withoutTimes(drawnThroughTheListener(Progress.Mode.LINES, 20, 7)));
    }

    @Test
    void messagesAsTheyAreWarningsPrefixedEpochsAsJson() {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            StderrListener.INSTANCE.message("resuming from /tmp/run/checkpoints/epoch-1");
            StderrListener.INSTANCE.warning("the preferred vector is 128 bits");
            StderrListener.INSTANCE.epoch(2, Map.of("epoch", 2));
        } finally {
            System.setErr(old);
        }
        assertEquals("resuming from /tmp/run/checkpoints/epoch-1\nwarning: the preferred vector is 128 bits\nepoch 2: {\"epoch\":2}\n",
                buf.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"));
    }
}
