package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import roberta.loader.DType;
import roberta.loader.SafetensorsFile;

/** train-tokenizer and convert: the commands that make a model folder of one's own. */
class ModelMakingCommandsTest {
    private static final Path MODELS = CliTest.models();

    @Test
    void convertToF16MatchesTransformersOwnHalfPrecisionCopy(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("f16");
        CliTest.Run r = CliTest.run("convert", "--model", MODELS.resolve("tiny-roberta-mlm").toString(), "--dtype", "f16", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        // tiny-roberta-mlm-f16 is transformers' model.half().save_pretrained() of the same weights
        try (SafetensorsFile ours = SafetensorsFile.open(out.resolve("model.safetensors"));
             SafetensorsFile theirs = SafetensorsFile.open(MODELS.resolve("tiny-roberta-mlm-f16/model.safetensors"))) {
            Set<String> names = theirs.tensors().keySet();
            assertEquals(names, ours.tensors().keySet());
            for (String name : names) {
                assertEquals(DType.F16, ours.info(name).dtype(), name);
                short[] a = new short[(int) ours.info(name).elementCount()], b = new short[a.length];
                ours.halfBitsInto(name, a);
                theirs.halfBitsInto(name, b);
                assertArrayEquals(b, a, name + ": the same F16 bits");
            }
        }
        assertTrue(Files.readString(out.resolve("config.json")).contains("\"float16\""));
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")), "tokenizer files copied");
        CliTest.Run again = CliTest.run("fill-mask", "--model", out.toString(), "Hello <mask>.");
        assertEquals(0, again.code(), again.err());
    }

    /**
     * convert --format sentence-transformers writes the folder the fixture script gave
     * sentence-transformers (mean pooling, Normalize, 128 tokens), and embed with no pooling
     * flags then gives sentence-transformers' own vectors for it.
     */
    @Test
    void convertWritesASentenceTransformersFolderThatEmbedUsesAsItIs(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("st"), texts = dir.resolve("texts.jsonl"), vectors = dir.resolve("v.jsonl");
        CliTest.Run r = CliTest.run("convert", "--model", MODELS.resolve("tiny-roberta-mlm").toString(), "--format", "sentence-transformers",
                "--pooling", "mean", "--normalize", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        Path fixture = MODELS.getParent().resolve("sentence-transformers");
        for (String f : new String[] {"modules.json", "1_Pooling/config.json", "sentence_bert_config.json"})
            assertEquals(json.readTree(fixture.resolve("legacy-mean-normalize").resolve(f).toFile()), json.readTree(out.resolve(f).toFile()), f);
        var expected = json.readTree(fixture.resolve("expected.json").toFile());
        StringBuilder lines = new StringBuilder();
        for (var t : expected.get("texts")) lines.append(json.createObjectNode().put("text", t.asText())).append('\n');
        Files.writeString(texts, lines);
        CliTest.Run e = CliTest.run("embed", "--model", out.toString(), "--input", texts.toString(), "--output", vectors.toString());
        assertEquals(0, e.code(), e.err());
        var want = expected.get("variants").get("legacy-mean-normalize").get("embeddings");
        var got = Files.readAllLines(vectors);
        assertEquals(want.size(), got.size());
        for (int i = 0; i < got.size(); i++) {
            var v = json.readTree(got.get(i)).get("embedding");
            assertEquals(want.get(i).size(), v.size());
            for (int c = 0; c < v.size(); c++) assertEquals(want.get(i).get(c).asDouble(), v.get(c).asDouble(), 1e-4, "text " + i);
        }
        CliTest.assertOneLineError(CliTest.run("convert", "--model", MODELS.resolve("tiny-roberta-mlm").toString(), "--normalize",
                "--output", dir.resolve("x").toString()), "--normalize");
    }

    @Test
    void convertRefusesAnUnknownDtypeBeforeWritingAnything(@TempDir Path dir) {
        Path out = dir.resolve("x");
        CliTest.Run r = CliTest.run("convert", "--model", MODELS.resolve("tiny-roberta-mlm").toString(), "--dtype", "f8", "--output", out.toString());
        CliTest.assertOneLineError(r, "--dtype", "f8");
        assertFalse(Files.exists(out));
    }

    @Test
    void trainTokenizerWritesAFolderTheTokenizerLoads(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("corpus.txt"), out = dir.resolve("tok");
        Files.writeString(text, "the cat sat on the mat\nthe dog sat on the log\n".repeat(50));
        CliTest.Run r = CliTest.run("train-tokenizer", "--vocab-size", "300", "--output", out.toString(), text.toString());
        assertEquals(0, r.code(), r.err());
        CliTest.Run tok = CliTest.run("tokenize", "--model", out.toString(), "the cat sat");
        assertEquals(0, tok.code(), tok.err());
        assertTrue(tok.out().contains("Ġcat"), tok.out());
        assertTrue(tok.out().contains("Ġsat"), tok.out());
    }

    @Test
    void pretrainingFromScratchNeedsOnlyATokenizerFolder(@TempDir Path dir) throws Exception {
        // the whole recipe of models/roberta-mini-en, in miniature: train-tokenizer, then masked-LM
        // training of a random model shaped by the flags, then fill-mask on the result
        Path text = dir.resolve("corpus.txt"), tok = dir.resolve("tok"), run = dir.resolve("run");
        Files.writeString(text, "the cat sat on the mat. the dog sat on the log.\n".repeat(40));
        assertEquals(0, CliTest.run("train-tokenizer", "--vocab-size", "300", "--output", tok.toString(), text.toString()).code());
        assertFalse(Files.exists(tok.resolve("config.json")));
        CliTest.Run r = CliTest.run("finetune", "--model", tok.toString(), "--random-init", "--hidden", "32", "--layers", "1", "--heads", "2",
                "--intermediate", "64", "--task", "mlm", "--train", text.toString(), "--max-length", "32", "--epochs", "1",
                "--batch-size", "8", "--lr", "1e-3", "--output", run.toString());
        assertEquals(0, r.code(), r.err());
        var config = new com.fasterxml.jackson.databind.ObjectMapper().readTree(run.resolve("model/config.json").toFile());
        assertEquals(32, config.get("hidden_size").asInt());
        int vocab = new com.fasterxml.jackson.databind.ObjectMapper().readTree(tok.resolve("vocab.json").toFile()).size();
        assertEquals(vocab, config.get("vocab_size").asInt(), "the tokenizer's vocabulary");
        assertEquals(34, config.get("max_position_embeddings").asInt(), "--max-length plus RoBERTa's offset of 2");
        assertEquals("RobertaForMaskedLM", config.get("architectures").get(0).asText());
        CliTest.Run fill = CliTest.run("fill-mask", "--model", run.resolve("model").toString(), "the cat <mask> on the mat.");
        assertEquals(0, fill.code(), fill.err());
    }

    @Test
    void anOutputFolderWithTheUsersFilesOrTheInputIsNeverReplaced(@TempDir Path dir) throws Exception {
        Path home = Files.createDirectories(dir.resolve("home")), notes = Files.writeString(home.resolve("notes.txt"), "mine");
        Path corpus = Files.writeString(home.resolve("corpus.txt"), "some text to learn from\n".repeat(20));
        CliTest.assertOneLineError(CliTest.run("train-tokenizer", "--vocab-size", "300", "--output", home.toString(), dir.resolve("missing").toString()),
                "notes.txt");
        CliTest.assertOneLineError(CliTest.run("train-tokenizer", "--vocab-size", "300", "--output", home.toString(), corpus.toString()),
                "corpus.txt");
        CliTest.assertOneLineError(CliTest.run("convert", "--model", MODELS.resolve("tiny-roberta-mlm").toString(), "--dtype", "f16",
                "--output", home.toString()), "notes.txt");
        assertEquals("mine", Files.readString(notes));
        assertTrue(Files.isRegularFile(corpus));
        // a folder the command wrote before is replaced, as asked
        Path tok = dir.resolve("tok");
        assertEquals(0, CliTest.run("train-tokenizer", "--vocab-size", "300", "--output", tok.toString(), corpus.toString()).code());
        CliTest.Run again = CliTest.run("train-tokenizer", "--vocab-size", "290", "--output", tok.toString(), corpus.toString());
        assertEquals(0, again.code(), again.err());
    }

    @Test
    void trainTokenizerNamesWhatIsWrong(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("corpus.txt"), out = dir.resolve("tok");
        Files.writeString(text, "some text\n");
        CliTest.assertOneLineError(CliTest.run("train-tokenizer", "--vocab-size", "100", "--output", out.toString(), text.toString()),
                "--vocab-size", "261");
        CliTest.assertOneLineError(CliTest.run("train-tokenizer", "--output", out.toString(), dir.resolve("missing.txt").toString()),
                "missing.txt");
        CliTest.assertOneLineError(CliTest.run("train-tokenizer", "--special-tokens", "<s>,</s>", "--output", out.toString(), text.toString()),
                "<pad>");
        Files.write(text, new byte[] {'o', 'k', '\n', (byte) 0xFF, '\n'});
        CliTest.assertOneLineError(CliTest.run("train-tokenizer", "--output", out.toString(), text.toString()), "corpus.txt:2", "UTF-8");
        assertFalse(Files.exists(out), "nothing written after a failure");
    }
}
