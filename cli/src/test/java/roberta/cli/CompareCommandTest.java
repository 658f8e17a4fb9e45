package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** compare from the command line: the table on stdout, the files in --output, one-line refusals. */
class CompareCommandTest {
    private static final Path MODEL = CliTest.models().resolve("tiny-roberta-mlm");

    private static Path data(Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 16; i++)
            sb.append("{\"text\": \"").append(i % 2 == 0 ? "lovely" : "boring").append(" film ").append(i).append("\", \"label\": \"")
                    .append(i % 2 == 0 ? "pos" : "neg").append("\"}\n");
        return Files.writeString(dir.resolve("data.jsonl"), sb.toString());
    }

    @Test
    void printsTheTableAndWritesReportResultsAndChart(@TempDir Path dir) throws Exception {
        Path data = data(dir), out = dir.resolve("cmp");
        CliTest.Run r = CliTest.run("compare", "--model", MODEL.toString(), "--task", "seq-cls", "--train", data.toString(), "--eval", data.toString(),
                "--strategies", "frozen-mean,top-1", "--epochs", "2", "--lr", "frozen=1e-2,top-1=1e-3", "--batch-size", "8", "--max-length", "16",
                "--device", "cpu", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("| strategy |"), r.out());
        assertTrue(r.out().contains("| frozen-mean |") && r.out().contains("| top-1 |"), r.out());
        assertEquals(2, Files.readAllLines(out.resolve("results.jsonl")).size());
        assertTrue(Files.readString(out.resolve("report.md")).contains(r.out().trim()));
        assertTrue(Files.readString(out.resolve("report.svg")).startsWith("<svg"));
    }

    @Test
    void badInputIsOneLineAndWritesNothing(@TempDir Path dir) throws Exception {
        Path data = data(dir);
        String[][] cases = {
                {"--task", "seq-cls", "--strategies", "frozen-cls,thaw"},
                {"--task", "seq-cls", "--lr", "frozen=-1"},
                {"--task", "seq-cls", "--epochs", "full=0"},
                {"--task", "mlm"},
                {"--task", "token-cls", "--strategies", "frozen-mean"},
        };
        for (String[] extra : cases) {
            Path out = dir.resolve("out-" + String.join("", extra).replaceAll("\\W", ""));
            String[] base = {"compare", "--model", MODEL.toString(), "--train", data.toString(), "--eval", data.toString(),
                    "--device", "cpu", "--output", out.toString()};
            String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
            System.arraycopy(extra, 0, args, base.length, extra.length);
            CliTest.Run r = CliTest.run(args);
            assertEquals(1, r.code(), String.join(" ", extra) + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), String.join(" ", extra) + ": " + r.err());
            assertTrue(r.err().startsWith("error: "), r.err());
            assertFalse(Files.exists(out), out + " must not be made");
        }
    }
}
