package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands end to end: outputs others can read, and bad input as one line and a non-zero exit. */
class CliTest {
    static final Path MLM = models().resolve("tiny-roberta-mlm");

    static Path models() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent())
            if (Files.isDirectory(p.resolve("testdata/models"))) return p.resolve("testdata/models");
        throw new IllegalStateException("testdata/models not found");
    }

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            System.setProperty("roberta.quiet", "true");
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static void assertOneLineError(Run r, String... fragments) {
        assertEquals(1, r.code(), r.err());
        String msg = r.err().strip();
        assertFalse(msg.contains("\n"), "one line: " + msg);
        assertTrue(msg.startsWith("error: "), msg);
        for (String f : fragments) assertTrue(msg.contains(f), "'" + f + "' in: " + msg);
    }

    @Test
    void tokenizeWritesIdsTokensAndOffsets(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.jsonl"), out = dir.resolve("out.jsonl");
        Files.writeString(in, "{\"text\": \"Hello world\"}\n{\"text\": \"a\", \"text_pair\": \"b\"}\n");
        Run r = run("tokenize", "--model", MLM.toString(), "--input", in.toString(), "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        var lines = Files.readAllLines(out);
        assertEquals("{\"ids\":[0,15500,999,2],\"tokens\":[\"<s>\",\"Hello\",\"Ġworld\",\"</s>\"],\"offsets\":[[0,0],[0,5],[6,11],[0,0]]}", lines.get(0));
        assertTrue(lines.get(1).startsWith("{\"ids\":[0,68,2,2,69,2]"), lines.get(1));
    }

    @Test
    void embedWritesNpyThatNumpyReads(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("e.npy");
        Run r = run("embed", "--model", MLM.toString(), "--input", MLM.resolve("inputs.jsonl").toString(), "--output", out.toString(),
                "--pooling", "cls", "--layers", "mean-last:2", "--normalize");
        assertEquals(0, r.code(), r.err());
        byte[] b = Files.readAllBytes(out);
        assertEquals((byte) 0x93, b[0]);
        assertEquals("NUMPY", new String(b, 1, 5, StandardCharsets.US_ASCII));
        int headerLen = ByteBuffer.wrap(b, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        String header = new String(b, 10, headerLen, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'shape': (4, 16)") && header.contains("'<f4'"), header);
        assertEquals(0, (10 + headerLen) % 64);
        assertEquals(10 + headerLen + 4 * 16 * 4, b.length);
        // normalised: unit length
        ByteBuffer data = ByteBuffer.wrap(b, 10 + headerLen, 64).order(ByteOrder.LITTLE_ENDIAN);
        double norm = 0;
        for (int i = 0; i < 16; i++) norm += Math.pow(data.getFloat(), 2);
        assertEquals(1.0, norm, 1e-5);
    }

    @Test
    void slidingWindowsCoverLongTexts(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("long.txt"), out = dir.resolve("e.jsonl");
        Files.writeString(in, "word ".repeat(300).trim() + "\nshort line\n");
        Run tooLong = run("embed", "--model", MLM.toString(), "--input", in.toString(), "--output", out.toString());
        assertOneLineError(tooLong, "input 1", "--stride");
        assertFalse(Files.exists(out));
        Run windows = run("embed", "--model", MLM.toString(), "--input", in.toString(), "--output", out.toString(), "--stride", "32", "--pooling", "none");
        assertEquals(0, windows.code(), windows.err());
        var first = JsonLines.JSON.readTree(Files.readAllLines(out).get(0));
        assertEquals(302, first.get("embedding").size()); // <s> + 300 words + </s>
    }

    @Test
    void badInputsGiveOneLineAndNoPartialOutput(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.npy");
        assertOneLineError(run("embed", "--model", dir.resolve("nope").toString(), "--input", MLM.resolve("inputs.jsonl").toString(), "--output", out.toString()), "nope");
        Path empty = dir.resolve("empty.jsonl");
        Files.writeString(empty, "");
        assertOneLineError(run("embed", "--model", MLM.toString(), "--input", empty.toString(), "--output", out.toString()), "empty.jsonl", "no input");
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"text\": \"ok\"}\n{\"text\": broken\n");
        assertOneLineError(run("embed", "--model", MLM.toString(), "--input", bad.toString(), "--output", out.toString()), "bad.jsonl:2:");
        Path noModel = dir.resolve("model");
        Files.createDirectories(noModel);
        Files.copy(MLM.resolve("config.json"), noModel.resolve("config.json"));
        assertOneLineError(run("forward", "--model", noModel.toString(), "--input", MLM.resolve("inputs.jsonl").toString(), "--output", dir.resolve("f.safetensors").toString()), "model.safetensors");
        Path states = dir.resolve("states.safetensors");
        Files.writeString(states, "precious");
        Path longText = dir.resolve("long.jsonl");
        Files.writeString(longText, "{\"text\": \"" + "word ".repeat(200) + "\"}\n");
        assertOneLineError(run("forward", "--model", MLM.toString(), "--input", longText.toString(), "--output", states.toString()), "long.jsonl:1:", "--max-length");
        assertEquals("precious", Files.readString(states), "an existing output is untouched on failure");
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary files left");
        }
    }

    @Test
    void csvAndTsvInputsFollowRfc4180(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("in.csv");
        Files.writeString(csv, "id,text,other\n1,\"Hello, world\",x\n2,\"two\nlines \"\"quoted\"\"\",y\n");
        var items = Inputs.read(csv.toString(), null, null);
        assertEquals(2, items.size());
        assertEquals("Hello, world", items.get(0).text());
        assertEquals("two\nlines \"quoted\"", items.get(1).text());
        assertEquals(3, items.get(1).line());
        Path tsv = dir.resolve("in.tsv");
        Files.writeString(tsv, "sentence\tlabel\nhello there\tx\n");
        assertEquals("hello there", Inputs.read(tsv.toString(), "sentence", null).get(0).text());
        Files.writeString(tsv, "sentence\tlabel\nonly one field\n");
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Inputs.read(tsv.toString(), "sentence", null));
        assertTrue(e.getMessage().contains("in.tsv:2: 1 fields, header has 2"), e.getMessage());
    }

    @Test
    void forwardAndFillMaskRun(@TempDir Path dir) {
        Path out = dir.resolve("f.safetensors");
        Run r = run("forward", "--model", MLM.toString(), "--input", MLM.resolve("inputs.jsonl").toString(), "--output", out.toString(), "--attentions");
        assertEquals(0, r.code(), r.err());
        try (var f = roberta.loader.SafetensorsFile.open(out)) {
            assertEquals(java.util.List.of(4L, 38L, 16L), java.util.Arrays.stream(f.info("hidden_states.2").shape()).boxed().toList());
            assertEquals(java.util.List.of(4L, 4L, 38L, 38L), java.util.Arrays.stream(f.info("attentions.1").shape()).boxed().toList());
            assertEquals(java.util.List.of(4L, 38L, 50261L), java.util.Arrays.stream(f.info("logits").shape()).boxed().toList());
        }
        Run fill = run("fill-mask", "--model", MLM.toString(), "--top-k", "3", "The capital of France is <mask>.");
        assertEquals(0, fill.code(), fill.err());
        assertEquals(3, fill.out().strip().split("\n").length);
        assertOneLineError(run("fill-mask", "--model", MLM.toString(), "no mask here"), "<mask>");
    }
}
