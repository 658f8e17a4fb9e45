package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile inputs to embed, classify and forward: one row per line, bounded lines, clear errors. */
class InputsTest {
    @TempDir
    static Path shared;
    static Path CLS;

    /** A small sequence classifier with a tokenizer: one quick epoch of finetune. */
    @BeforeAll
    static void classifier() throws Exception {
        Path train = shared.resolve("train.jsonl");
        Files.writeString(train, "{\"text\": \"cheap pills\", \"label\": \"spam\"}\n{\"text\": \"meeting notes\", \"label\": \"ham\"}\n");
        CliTest.Run r = CliTest.run("finetune", "--model", CliTest.MLM.toString(), "--random-init", "--hidden", "16", "--layers", "1",
                "--heads", "2", "--intermediate", "32", "--task", "seq-cls", "--train", train.toString(), "--epochs", "1",
                "--batch-size", "2", "--max-length", "32", "--output", shared.resolve("run").toString());
        assertEquals(0, r.code(), r.err());
        CLS = shared.resolve("run/model");
    }

    static String error(Path file, String text) throws Exception {
        Files.writeString(file, text);
        return assertThrows(IllegalArgumentException.class, () -> Inputs.read(file.toString(), null, null)).getMessage();
    }

    static void assertContains(String message, String... fragments) {
        for (String f : fragments) assertTrue(message.contains(f), "'" + f + "' in: " + message);
    }

    @Test
    void aBlankLineIsAnErrorNotASkippedRow(@TempDir Path dir) throws Exception {
        // skipping line 2 would match the third line's output row to the second input
        assertContains(error(dir.resolve("in.txt"), "first line\n\nthird line\n"), "in.txt:2:", "blank line");
        assertContains(error(dir.resolve("in.txt"), "first line\n   \nthird line\n"), "in.txt:2:", "blank line");
        assertContains(error(dir.resolve("in.jsonl"), "{\"text\": \"a\"}\n\n{\"text\": \"c\"}\n"), "in.jsonl:2:", "blank line");
        assertContains(error(dir.resolve("in.jsonl"), "{\"text\": \"a\"}\n{\"text\": \"\"}\n"), "in.jsonl:2:", "empty \"text\"");
        // a text of whitespace is a text (transformers embeds it, tokenize encodes it): not "empty"
        Path spaces = dir.resolve("spaces.jsonl");
        Files.writeString(spaces, "{\"text\": \"a\"}\n{\"text\": \"\\t\"}\n{\"text\": \"   \"}\n");
        assertEquals(List.of("a", "\t", "   "), Inputs.read(spaces.toString(), null, null).stream().map(Inputs.Item::text).toList());
        assertContains(error(dir.resolve("in.jsonl"), "{\"text\": \"a\", \"text_pair\": \"\"}\n"), "in.jsonl:1:", "empty \"text_pair\"");
        assertContains(error(dir.resolve("in.csv"), "id,text\n1,a\n\n3,c\n"), "in.csv:3:", "blank row");
        assertContains(error(dir.resolve("in.csv"), "id,text\n1,a\n2,\n"), "in.csv:3:", "empty \"text\"");
        // a final newline ends the last line, it does not start an empty one; CRLF reads as LF
        Path txt = dir.resolve("ok.txt");
        Files.writeString(txt, "first\r\nsecond\r\n");
        assertEquals(List.of("first", "second"), Inputs.read(txt.toString(), null, null).stream().map(Inputs.Item::text).toList());
        Files.writeString(txt, "first\nsecond");
        assertEquals(2, Inputs.read(txt.toString(), null, null).size());
    }

    @Test
    void classifyRowsCarryTheirLineAndId(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.jsonl"), out = dir.resolve("out.jsonl");
        Files.writeString(in, "{\"id\": \"a\", \"text\": \"first line\"}\n{\"id\": 7, \"text\": \"second line\"}\n{\"text\": \"third\"}\n");
        CliTest.Run r = CliTest.run("classify", "--model", CLS.toString(), "--input", in.toString(), "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String> rows = Files.readAllLines(out);
        assertEquals(3, rows.size());
        for (int i = 0; i < 3; i++) assertEquals(i + 1, JsonLines.JSON.readTree(rows.get(i)).get("line").asInt(), rows.get(i));
        assertEquals("a", JsonLines.JSON.readTree(rows.get(0)).get("id").asText());
        assertEquals(7, JsonLines.JSON.readTree(rows.get(1)).get("id").asInt());
        assertFalse(JsonLines.JSON.readTree(rows.get(2)).has("id"));

        Path csv = dir.resolve("in.csv");
        Files.writeString(csv, "id,text\nx1,\"hello, there\"\nx2,bye\n");
        CliTest.Run c = CliTest.run("classify", "--model", CLS.toString(), "--input", csv.toString());
        assertEquals(0, c.code(), c.err());
        var second = JsonLines.JSON.readTree(c.out().strip().split("\n")[1]);
        assertEquals(3, second.get("line").asInt());
        assertEquals("x2", second.get("id").asText());

        Path txt = dir.resolve("in.txt"), vectors = dir.resolve("e.jsonl");
        Files.writeString(txt, "first line\n\nthird line\n");
        CliTest.assertOneLineError(CliTest.run("classify", "--model", CLS.toString(), "--input", txt.toString()), "in.txt:2:", "blank");
        CliTest.assertOneLineError(CliTest.run("embed", "--model", CLS.toString(), "--input", txt.toString(), "--output", vectors.toString()), "in.txt:2:", "blank");
        Files.writeString(txt, "first line\nsecond line\n");
        assertEquals(0, CliTest.run("embed", "--model", CLS.toString(), "--input", txt.toString(), "--output", vectors.toString()).code());
        assertEquals(2, JsonLines.JSON.readTree(Files.readAllLines(vectors).get(1)).get("line").asInt());
    }

    @Test
    void linesAreBoundedInLength(@TempDir Path dir) throws Exception {
        Path txt = dir.resolve("long.txt");
        Files.writeString(txt, "short\n" + "x".repeat(5000) + "\n");
        System.setProperty("roberta.maxLineBytes", "4096");
        try {
            assertContains(assertThrows(IllegalArgumentException.class, () -> Inputs.read(txt.toString(), null, null)).getMessage(),
                    "long.txt:2:", "longer than 4096 bytes", "roberta.maxLineBytes");
            Path csv = dir.resolve("open.csv"); // an unclosed quote does not swallow the rest of the file
            Files.writeString(csv, "text\n\"never closed\n" + "more text\n".repeat(1000));
            assertContains(assertThrows(IllegalArgumentException.class, () -> Inputs.read(csv.toString(), null, null)).getMessage(), "open.csv:2:", "record longer than 4096");
        } finally {
            System.clearProperty("roberta.maxLineBytes");
        }
        assertEquals(2, Inputs.read(txt.toString(), null, null).size());
        // /dev/zero has no newline: it used to grow a line until OutOfMemoryError
        String zero = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(IllegalArgumentException.class, () -> Inputs.read("/dev/zero", null, null)).getMessage());
        assertContains(zero, "/dev/zero:1:", "NUL byte");
    }

    @Test
    void binaryAndBadUtf8AreErrorsNamingTheLine(@TempDir Path dir) throws Exception {
        Path txt = dir.resolve("bin.txt");
        Files.write(txt, new byte[] {'o', 'k', '\n', 'a', 0, 'b', '\n'});
        assertContains(assertThrows(IllegalArgumentException.class, () -> Inputs.read(txt.toString(), null, null)).getMessage(), "bin.txt:2:", "NUL");
        Files.write(txt, new byte[] {'o', 'k', '\n', 'c', 'a', 'f', (byte) 0xE9, '\n'}); // Latin-1 é
        assertContains(assertThrows(IllegalArgumentException.class, () -> Inputs.read(txt.toString(), null, null)).getMessage(), "bin.txt:2:", "not valid UTF-8 at byte 4");
        Files.write(txt, new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, 'h', 'i', '\n'}); // a byte order mark is not text
        assertEquals("hi", Inputs.read(txt.toString(), null, null).get(0).text());
    }

    static byte[] gzip(String text) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(b)) {
            z.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return b.toByteArray();
    }

    @Test
    void truncatedOrCorruptGzipIsAOneLineErrorNamingTheFile(@TempDir Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 2000; i++) sb.append("{\"text\": \"line ").append(i).append(" of some text\"}\n");
        byte[] gz = gzip(sb.toString());
        Path file = dir.resolve("in.jsonl.gz");
        Files.write(file, gz);
        assertEquals(2000, Inputs.read(file.toString(), null, null).size());
        Files.write(file, Arrays.copyOf(gz, gz.length / 2));
        assertContains(assertThrows(IllegalArgumentException.class, () -> Inputs.read(file.toString(), null, null)).getMessage(), "in.jsonl.gz:", "cut short");
        byte[] bad = gz.clone();
        for (int i = 40; i < 60; i++) bad[i] ^= 0x5a;
        Files.write(file, bad);
        assertContains(assertThrows(IllegalArgumentException.class, () -> Inputs.read(file.toString(), null, null)).getMessage(), "in.jsonl.gz:");
        Files.writeString(file, "{\"text\": \"not gzipped\"}\n");
        assertContains(assertThrows(IllegalArgumentException.class, () -> Inputs.read(file.toString(), null, null)).getMessage(), "in.jsonl.gz: not a gzip file");
        Files.write(file, new byte[0]);
        assertContains(assertThrows(IllegalArgumentException.class, () -> Inputs.read(file.toString(), null, null)).getMessage(), "in.jsonl.gz: not a gzip file");
        // concatenated members (cat a.gz b.gz) are one stream, as gunzip reads them
        byte[] a = gzip("{\"text\": \"one\"}\n"), b = gzip("{\"text\": \"two\"}\n");
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        Files.write(file, both);
        assertEquals(List.of("one", "two"), Inputs.read(file.toString(), null, null).stream().map(Inputs.Item::text).toList());
        // and through the command: one line, exit 1, the file named
        Files.write(file, Arrays.copyOf(gz, gz.length / 2));
        CliTest.assertOneLineError(CliTest.run("classify", "--model", CLS.toString(), "--input", file.toString()), "in.jsonl.gz:");
    }

    @Test
    void aTooLongInputIsNamedByFileAndLine(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("in.csv"), out = dir.resolve("e.npy");
        // the long text is input 2 but starts on line 4: a quoted field spans lines 2-3
        Files.writeString(csv, "text\n\"two\nlines\"\n" + "word ".repeat(300) + "\n");
        CliTest.assertOneLineError(CliTest.run("embed", "--model", CliTest.MLM.toString(), "--input", csv.toString(), "--output", out.toString()), "in.csv:4:", "input 2", "--stride");
        CliTest.assertOneLineError(CliTest.run("classify", "--model", CLS.toString(), "--input", csv.toString()), "in.csv:4:", "input 2", "max length");
    }

    @Test
    void trailingTextAfterAJsonObjectIsAnError(@TempDir Path dir) throws Exception {
        assertContains(error(dir.resolve("in.jsonl"), "{\"text\": \"a\"} {\"text\": \"b\"}\n"), "in.jsonl:1:", "not valid JSON");
    }
}
