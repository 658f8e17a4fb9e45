package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Progress written to a log is a few plain lines, not hundreds of carriage-return frames. */
class ProgressTest {
    @Test
    void intoALogAPlainLineEachTenth() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (Progress p = new Progress("epoch 1/3", 1000, "batch", new PrintStream(buf, true, StandardCharsets.UTF_8), Progress.Mode.LINES)) {
            for (int i = 0; i < 1000; i++) p.advance(1);
        }
        String log = buf.toString(StandardCharsets.UTF_8);
        assertFalse(log.contains("\r"), "no carriage returns in a log");
        assertFalse(log.contains("\u001b"), "no terminal escapes in a log");
        String[] lines = log.strip().split("\n");
        assertEquals(10, lines.length, log);
        assertTrue(lines[0].startsWith("epoch 1/3  10% 100/1000 batch"), lines[0]);
        assertTrue(lines[9].startsWith("epoch 1/3 100% 1000/1000 batch"), lines[9]);
    }

    @Test
    void anInterruptedRunStillEndsWithWhereItGot() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (Progress p = new Progress("embed", 1000, "seq", new PrintStream(buf, true, StandardCharsets.UTF_8), Progress.Mode.LINES)) {
            p.advance(55);
        }
        String[] lines = buf.toString(StandardCharsets.UTF_8).strip().split("\n");
        assertEquals(1, lines.length);
        assertTrue(lines[0].startsWith("embed   5% 55/1000 seq"), lines[0]);
    }

    @Test
    void onATerminalABarRedrawnInPlace() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (Progress p = new Progress("embed", 10, "seq", new PrintStream(buf, true, StandardCharsets.UTF_8), Progress.Mode.BAR)) {
            for (int i = 0; i < 10; i++) p.advance(1);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.startsWith("\rembed [") && out.endsWith("\n"), out);
        assertEquals(1, out.strip().split("\n").length, "one line on a terminal");
    }

    @Test
    void offPrintsNothing() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (Progress p = new Progress("embed", 10, "seq", new PrintStream(buf, true, StandardCharsets.UTF_8), Progress.Mode.OFF)) {
            p.advance(10);
        }
        assertEquals(0, buf.size());
    }
}
