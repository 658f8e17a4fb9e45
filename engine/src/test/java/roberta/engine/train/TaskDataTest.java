package roberta.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import roberta.tokenizer.RobertaTokenizer;

/** Labels of the wrong JSON type are refused with their line, never turned into classes named "null" or "true". */
class TaskDataTest {
    static RobertaTokenizer tok;

    @BeforeAll
    static void tokenizer() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent())
            if (Files.isDirectory(p.resolve("testdata/models"))) tok = RobertaTokenizer.load(p.resolve("testdata/models/tiny-roberta-mlm"));
    }

    @TempDir
    Path dir;

    /** The error of reading file as a model without labels would (label set first), or null if it reads. */
    String newModelError(String content, Task task) throws Exception {
        Path f = dir.resolve("data.jsonl");
        Files.writeString(f, content);
        try {
            TaskData.Lines lines = TaskData.Lines.read(f);
            Problem problem = task == Task.SEQ_CLS ? TaskData.problemOf(lines) : Problem.SINGLE_LABEL;
            TaskData.load(lines, task, tok, TaskData.labelSet(lines, task), problem, 32);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** The error of reading file for a model that has labels (evaluate, or finetune of a classifier). */
    String knownLabelsError(String content, Task task, Problem problem, Map<Integer, String> labels) throws Exception {
        Path f = dir.resolve("data.jsonl");
        Files.writeString(f, content);
        return assertThrows(IllegalArgumentException.class, () -> TaskData.load(f, task, tok, labels, problem, 32)).getMessage();
    }

    static void assertMentions(String message, String... fragments) {
        assertTrue(message != null, "expected an error");
        for (String s : fragments) assertTrue(message.contains(s), "'" + s + "' in: " + message);
    }

    @Test
    void singleLabelsMustBeStrings() throws Exception {
        String ok = "{\"text\": \"a\", \"label\": \"pos\"}\n";
        assertMentions(newModelError(ok + "{\"text\": \"b\", \"label\": null}\n", Task.SEQ_CLS), "data.jsonl:2:", "null");
        assertMentions(newModelError(ok + "{\"text\": \"b\", \"label\": true}\n", Task.SEQ_CLS), "data.jsonl:2:", "a boolean");
        assertMentions(newModelError(ok + "{\"text\": \"b\", \"label\": {\"x\": 1}}\n", Task.SEQ_CLS), "data.jsonl:2:", "an object");
        assertMentions(newModelError(ok + "{\"text\": \"b\", \"label\": 3}\n", Task.SEQ_CLS), "data.jsonl:2:", "a number", "regression");
        assertMentions(newModelError(ok + "{\"text\": \"b\", \"label\": \"\"}\n", Task.SEQ_CLS), "data.jsonl:2:", "empty");
        assertMentions(newModelError("{\"text\": \"b\", \"label\": null}\n", Task.SEQ_CLS), "data.jsonl:1:", "null");
        assertEquals(null, newModelError(ok + "{\"text\": \"b\", \"label\": \"neg\"}\n", Task.SEQ_CLS));
        // a model whose classes are "0" and "1" still needs the label written as a string
        Map<Integer, String> digits = Map.of(0, "0", 1, "1");
        assertMentions(knownLabelsError("{\"text\": \"b\", \"label\": 1}\n", Task.SEQ_CLS, Problem.SINGLE_LABEL, digits), "data.jsonl:1:", "a number");
        assertMentions(knownLabelsError("{\"text\": \"b\", \"label\": true}\n", Task.SEQ_CLS, Problem.SINGLE_LABEL, Map.of(0, "true")), "data.jsonl:1:", "a boolean");
    }

    @Test
    void regressionLabelsAreFiniteNumbers() throws Exception {
        assertEquals(null, newModelError("{\"text\": \"a\", \"label\": 0.5}\n{\"text\": \"b\", \"label\": 2}\n", Task.SEQ_CLS));
        assertMentions(newModelError("{\"text\": \"a\", \"label\": 0.5}\n{\"text\": \"b\", \"label\": \"high\"}\n", Task.SEQ_CLS), "data.jsonl:2:", "not a number");
        assertMentions(newModelError("{\"text\": \"a\", \"label\": 0.5}\n{\"text\": \"b\", \"label\": null}\n", Task.SEQ_CLS), "data.jsonl:2:", "null");
        assertMentions(newModelError("{\"text\": \"a\", \"label\": 1e999}\n", Task.SEQ_CLS), "data.jsonl:1:", "too large");
    }

    @Test
    void multiLabelsAreListsOfStrings() throws Exception {
        String ok = "{\"text\": \"a\", \"label\": [\"x\", \"y\"]}\n";
        assertEquals(null, newModelError(ok + "{\"text\": \"b\", \"label\": []}\n", Task.SEQ_CLS));
        assertMentions(newModelError(ok + "{\"text\": \"b\", \"label\": [\"x\", null]}\n", Task.SEQ_CLS), "data.jsonl:2:", "item 2", "null");
        assertMentions(newModelError(ok + "{\"text\": \"b\", \"label\": [1]}\n", Task.SEQ_CLS), "data.jsonl:2:", "item 1", "a number");
        assertMentions(newModelError(ok + "{\"text\": \"b\", \"label\": [[\"x\"]]}\n", Task.SEQ_CLS), "data.jsonl:2:", "a list");
        assertMentions(newModelError(ok + "{\"text\": \"b\", \"label\": \"x\"}\n", Task.SEQ_CLS), "data.jsonl:2:", "a string", "list");
    }

    @Test
    void tokenLabelsAreOneStringPerWord() throws Exception {
        String ok = "{\"words\": [\"John\", \"lives\"], \"labels\": [\"B-PER\", \"O\"]}\n";
        assertEquals(null, newModelError(ok, Task.TOKEN_CLS));
        assertMentions(newModelError(ok + "{\"words\": [\"a\", \"b\"], \"labels\": [\"O\", null]}\n", Task.TOKEN_CLS), "data.jsonl:2:", "\"labels\" item 2", "null");
        assertMentions(newModelError(ok + "{\"words\": [\"a\", \"b\"], \"labels\": [\"O\", 5]}\n", Task.TOKEN_CLS), "data.jsonl:2:", "a number");
        assertMentions(newModelError(ok + "{\"words\": [\"a\", \"b\"], \"labels\": \"O O\"}\n", Task.TOKEN_CLS), "data.jsonl:2:", "\"labels\" is a string");
        assertMentions(newModelError(ok + "{\"words\": [\"a\", 7], \"labels\": [\"O\", \"O\"]}\n", Task.TOKEN_CLS), "data.jsonl:2:", "\"words\" item 2");
        assertMentions(newModelError(ok + "{\"words\": \"a b\", \"labels\": [\"O\", \"O\"]}\n", Task.TOKEN_CLS), "data.jsonl:2:", "\"words\" is a string");
        Map<Integer, String> labels = Map.of(0, "O", 1, "null");
        assertMentions(knownLabelsError("{\"words\": [\"a\"], \"labels\": [null]}\n", Task.TOKEN_CLS, Problem.SINGLE_LABEL, labels), "data.jsonl:1:", "null");
    }

    @Test
    void truncatedGzipDataNamesTheFile() throws Exception {
        Path f = dir.resolve("train.jsonl.gz");
        var bytes = new java.io.ByteArrayOutputStream();
        try (var z = new java.util.zip.GZIPOutputStream(bytes)) {
            for (int i = 0; i < 3000; i++) z.write(("{\"text\": \"example " + i + "\", \"label\": \"pos\"}\n").getBytes());
        }
        Files.write(f, java.util.Arrays.copyOf(bytes.toByteArray(), bytes.size() - 30));
        assertMentions(assertThrows(IllegalArgumentException.class, () -> TaskData.Lines.read(f)).getMessage(), "train.jsonl.gz:", "cut short");
        Path mlm = dir.resolve("corpus.txt.gz");
        Files.write(mlm, java.util.Arrays.copyOf(bytes.toByteArray(), bytes.size() / 2));
        assertMentions(assertThrows(IllegalArgumentException.class, () -> TaskData.load(mlm, Task.MLM, tok, Map.of(), Problem.SINGLE_LABEL, 32)).getMessage(), "corpus.txt.gz:");
    }
    /** A .txt MLM corpus is one text cut into blocks; each block names the line its first token comes from. */
    @Test
    void corpusBlocksNameTheirLine() throws Exception {
        Path f = dir.resolve("corpus.txt");
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= 60; i++) sb.append("line").append(i).append(" says ").append("word ".repeat(i % 7)).append("end").append(i).append('\n');
        Files.writeString(f, sb.toString());
        String[] fileLines = sb.toString().split("\n");
        var examples = TaskData.load(f, Task.MLM, tok, Map.of(), Problem.SINGLE_LABEL, 32);
        assertTrue(examples.size() > 5, "several blocks");
        int previous = 0;
        for (var e : examples) {
            assertTrue(e.line() >= previous, "lines ascend");
            previous = e.line();
            String first = tok.decode(new int[] {e.ids()[1]}, false); // after <s>
            String lineText = fileLines[e.line() - 1] + "\n";
            assertTrue(lineText.contains(first.isBlank() ? first : first.strip()), "block's first token '" + first + "' on line " + e.line() + ": " + lineText);
        }
        assertTrue(previous > 40, "the last block starts near the end, not on line 1: " + previous);
    }
    /** A classifier's placeholder labels (LABEL_0, LABEL_1) name nothing: the data's names number the classes, as in transformers' run_glue.py. */
    @Test
    void placeholderLabelsGiveWayToTheDatasNames() throws Exception {
        Path models = null;
        for (Path p = Path.of("").toAbsolutePath(); p != null && models == null; p = p.getParent())
            if (Files.isDirectory(p.resolve("testdata/models"))) models = p.resolve("testdata/models");
        Path f = dir.resolve("train.jsonl");
        Files.writeString(f, "{\"text\": \"a\", \"label\": \"pos\"}\n{\"text\": \"b\", \"label\": \"neg\"}\n");
        TaskData.Lines lines = TaskData.Lines.read(f);
        var placeholder = roberta.loader.RobertaConfig.load(models.resolve("transformers5-binary-cls/config.json"));
        assertEquals(Map.of(0, "LABEL_0", 1, "LABEL_1"), placeholder.id2label(), "transformers' default of 2 labels");
        assertEquals(Map.of(0, "neg", 1, "pos"), TaskData.labelsFor(lines, Task.SEQ_CLS, placeholder));
        Files.writeString(f, "{\"text\": \"a\", \"label\": \"LABEL_1\"}\n");
        assertEquals(placeholder.id2label(), TaskData.labelsFor(TaskData.Lines.read(f), Task.SEQ_CLS, placeholder), "data named by the placeholders keeps their numbering");
        var named = roberta.loader.RobertaConfig.load(models.resolve("tiny-roberta-cls/config.json"));
        assertEquals(named.id2label(), TaskData.labelsFor(lines, Task.SEQ_CLS, named), "a classifier's own names are kept");
    }
}
