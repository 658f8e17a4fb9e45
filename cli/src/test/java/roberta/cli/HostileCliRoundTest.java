package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the 2026-12-07 hostile test of the command line found, each kept from coming back. */
class HostileCliRoundTest {
    private static final Path MODELS = CliTest.MLM.getParent(), CLS = MODELS.resolve("tiny-roberta-cls");

    @Test
    void aTokenizerOfAnotherModelIsNamedAtTheInputsLine(@TempDir Path dir) throws Exception {
        // the MLM fixture's tokenizer has ids past the classifier's 1000 embeddings; the bad text is on line 3,
        // and it is named there although embed sorts its inputs by length before batching
        Path in = Files.writeString(dir.resolve("t.jsonl"), "{\"text\": \" a\"}\n{\"text\": \" a a a a a a\"}\n{\"text\": \"Photosynthesis\"}\n");
        Path vocab = Files.writeString(dir.resolve("ok.jsonl"), "{\"text\": \" a\"}\n");
        assertEquals(0, CliTest.run("embed", "--model", CLS.toString(), "--tokenizer", CliTest.MLM.toString(), "--input", vocab.toString(),
                "--output", dir.resolve("ok.npy").toString()).code(), "ids within the vocabulary run");
        for (String command : new String[] {"embed", "classify", "forward"}) {
            String out = dir.resolve("o." + (command.equals("forward") ? "safetensors" : "npy")).toString();
            CliTest.Run r = command.equals("classify")
                    ? CliTest.run("classify", "--model", CLS.toString(), "--tokenizer", CliTest.MLM.toString(), "--input", in.toString())
                    : CliTest.run(command, "--model", CLS.toString(), "--tokenizer", CliTest.MLM.toString(), "--input", in.toString(), "--output", out);
            CliTest.assertOneLineError(r, "t.jsonl:3:", "outside the model's vocabulary of 1000");
        }
    }

    @Test
    void aClassifierOnOneLabelIsRefusedBeforeTraining(@TempDir Path dir) throws Exception {
        Path one = Files.writeString(dir.resolve("one.jsonl"), "{\"text\": \"good\", \"label\": \"pos\"}\n{\"text\": \"fine\", \"label\": \"pos\"}\n");
        CliTest.assertOneLineError(CliTest.run("finetune", "--model", CliTest.MLM.toString(), "--task", "seq-cls", "--train", one.toString(),
                "--output", dir.resolve("run").toString(), "--epochs", "1"), "one.jsonl", "only one label (pos)");
        assertTrue(Files.notExists(dir.resolve("run")), "nothing written");
    }

    @Test
    void aCheckpointLackingItsHeadIsWarnedOfAndNotUsedToPredict(@TempDir Path dir) throws Exception {
        // the MLM fixture's folder, its config saying it is a classifier: no classifier.* tensors to read
        Path m = Files.createDirectories(dir.resolve("m"));
        for (String f : new String[] {"model.safetensors", "vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json"})
            Files.copy(CliTest.MLM.resolve(f), m.resolve(f));
        String cfg = Files.readString(CliTest.MLM.resolve("config.json"));
        assertTrue(cfg.contains("RobertaForMaskedLM"), cfg);
        Files.writeString(m.resolve("config.json"), cfg.replace("RobertaForMaskedLM", "RobertaForSequenceClassification"));
        CliTest.Run r = CliTest.run("classify", "--model", m.toString(), "--input", CliTest.MLM.resolve("inputs.jsonl").toString());
        assertEquals(1, r.code(), r.err());
        String last = r.err().strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("error: ") && last.contains("classifier.out_proj.weight") && last.contains("random"), r.err());
        assertTrue(r.err().contains("warning: ") && r.err().contains("initialised from scratch"), "the load's warning is shown: " + r.err());
        // the encoder's features do not need the head
        assertEquals(0, CliTest.run("embed", "--model", m.toString(), "--input", CliTest.MLM.resolve("inputs.jsonl").toString(),
                "--output", dir.resolve("v.npy").toString()).code());
        // nor is the random head saved as if trained, or scored
        CliTest.Run converted = CliTest.run("convert", "--model", m.toString(), "--output", dir.resolve("c").toString());
        assertEquals(1, converted.code(), converted.err());
        assertTrue(converted.err().contains("classifier.out_proj.weight") && Files.notExists(dir.resolve("c")), converted.err());
        Path labelled = Files.writeString(dir.resolve("l.jsonl"), "{\"text\": \"good\", \"label\": \"LABEL_0\"}\n{\"text\": \"bad\", \"label\": \"LABEL_1\"}\n");
        CliTest.Run scored = CliTest.run("evaluate", "--model", m.toString(), "--data", labelled.toString());
        assertEquals(1, scored.code(), scored.err());
        assertTrue(scored.err().contains("classifier.out_proj.weight"), scored.err());
    }

    @Test
    void brokenGzipAndJsonAreNamedPlainly(@TempDir Path dir) throws Exception {
        Path notGzip = Files.writeString(dir.resolve("c.gz"), "x");
        CliTest.assertOneLineError(CliTest.run("train-tokenizer", "--output", dir.resolve("tk").toString(), notGzip.toString()), "c.gz", "not a gzip file");
        byte[] whole;
        try (var bytes = new java.io.ByteArrayOutputStream(); var gz = new java.util.zip.GZIPOutputStream(bytes)) {
            gz.write("call me ishmael\n".repeat(2000).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            gz.finish();
            whole = bytes.toByteArray();
        }
        Path cut = Files.write(dir.resolve("cut.txt.gz"), java.util.Arrays.copyOf(whole, whole.length / 2));
        CliTest.assertOneLineError(CliTest.run("train-tokenizer", "--output", dir.resolve("tk").toString(), cut.toString()), "cut.txt.gz", "ends early");
        Path json = Files.writeString(dir.resolve("t.jsonl"), "{\"text\": \"hi\"\n{\"text\": \"hi\", \"x\": NaN}\n");
        CliTest.Run r = CliTest.run("embed", "--model", CliTest.MLM.toString(), "--input", json.toString(), "--output", dir.resolve("v.npy").toString());
        CliTest.assertOneLineError(r, "t.jsonl:1:", "not valid JSON");
        for (String internal : new String[] {"Source", "REDACTED", "Feature"}) assertTrue(!r.err().contains(internal), r.err());
    }

    @Test
    void anEmptyLayerListIsAnError(@TempDir Path dir) {
        CliTest.assertOneLineError(CliTest.run("embed", "--model", CliTest.MLM.toString(), "--input", CliTest.MLM.resolve("inputs.jsonl").toString(),
                "--output", dir.resolve("v.npy").toString(), "--layers", ","), "bad --layers ','");
    }

    @Test
    void aStrideWithoutWindowsIsAnError() {
        CliTest.assertOneLineError(CliTest.run("tokenize", "--model", CliTest.MLM.toString(), "--stride", "5", "call me ishmael"), "--stride", "--max-length");
    }

    @Test
    void aLargerTokenizerIsRefusedBeforeTraining(@TempDir Path dir) throws Exception {
        // the classifier's 1000-row embeddings with the MLM fixture's larger tokenizer; a blank line before the bad text
        Path m = Files.createDirectories(dir.resolve("m"));
        for (String f : new String[] {"config.json", "model.safetensors"}) Files.copy(CLS.resolve(f), m.resolve(f));
        for (String f : new String[] {"vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json"}) Files.copy(CliTest.MLM.resolve(f), m.resolve(f));
        Path data = Files.writeString(dir.resolve("mlm.jsonl"), "{\"text\": \" a a a a a a a a a a\"}\n\n{\"text\": \"" + " Photosynthesis".repeat(8) + "\"}\n");
        // as seq-cls its texts are checked at their lines
        Path labelled = Files.writeString(dir.resolve("cls.jsonl"), "{\"text\": \" a\", \"label\": \"negative\"}\n\n{\"text\": \" Photosynthesis\", \"label\": \"positive\"}\n");
        CliTest.assertOneLineError(CliTest.run("finetune", "--model", m.toString(), "--task", "seq-cls", "--train", labelled.toString(),
                "--output", dir.resolve("run").toString(), "--epochs", "1"), "cls.jsonl:3:", "outside the model's vocabulary");
        // as MLM the tokenizer's <mask> (id 50260) is refused first, naming the folder
        CliTest.assertOneLineError(CliTest.run("finetune", "--model", m.toString(), "--task", "mlm", "--train", data.toString(),
                "--output", dir.resolve("run").toString(), "--epochs", "1"), m.toString(), "<mask>", "outside the model's vocabulary");
        assertTrue(Files.notExists(dir.resolve("run")), "nothing written");
    }

    @Test
    void trainingSideFindingsOfTheSecondPass(@TempDir Path dir) throws Exception {
        String mlm = CliTest.MLM.toString();
        // MLM with --eval evaluated each epoch (it crashed after the first, losing it)
        Path corpus = Files.writeString(dir.resolve("c.txt"), "the whale swam far out to sea on a long day\n".repeat(30));
        CliTest.Run r = CliTest.run("finetune", "--model", mlm, "--task", "mlm", "--train", corpus.toString(), "--eval", corpus.toString(),
                "--output", dir.resolve("m").toString(), "--epochs", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.readString(dir.resolve("m/metrics.jsonl")).contains("eval_perplexity"));
        // short MLM records are kept, each one (only the first was)
        Path shorts = Files.writeString(dir.resolve("s.jsonl"), "{\"text\": \"good film\"}\n{\"text\": \"bad film\"}\n{\"text\": \"nice plot\"}\n");
        CliTest.Run e = CliTest.run("evaluate", "--model", mlm, "--data", shorts.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("\"eval_examples\":3") || e.out().contains("\"eval_examples\": 3"), e.out());
        // a freeze glob that matches nothing is a typo, refused; the checkpoint's own spelling (roberta.) is understood
        Path labelled = Files.writeString(dir.resolve("l.jsonl"), "{\"text\": \"good\", \"label\": \"pos\"}\n{\"text\": \"bad\", \"label\": \"neg\"}\n");
        CliTest.assertOneLineError(CliTest.run("finetune", "--model", mlm, "--task", "seq-cls", "--train", labelled.toString(), "--output",
                dir.resolve("f").toString(), "--epochs", "1", "--freeze", "encoder.layers.*"), "'encoder.layers.*' matches no parameter");
        assertTrue(Files.notExists(dir.resolve("f")), "nothing written");
        assertEquals(0, CliTest.run("finetune", "--model", mlm, "--task", "seq-cls", "--train", labelled.toString(), "--output",
                dir.resolve("g").toString(), "--epochs", "1", "--freeze", "roberta.embeddings.*").code());
        String frozen = Files.readString(dir.resolve("g/metrics.jsonl")), all = trainable(dir, mlm, labelled);
        assertTrue(!frozen.contains("\"trainable_parameters\":" + all), "roberta.embeddings.* froze something: " + frozen);
        // a text cut at --max-length is said, with how many
        Path cls = dir.resolve("g/model");
        Path longer = Files.writeString(dir.resolve("long.jsonl"), "{\"text\": \"" + "good ".repeat(40) + "\", \"label\": \"pos\"}\n{\"text\": \"bad\", \"label\": \"neg\"}\n");
        CliTest.Run cut = CliTest.run("evaluate", "--model", cls.toString(), "--data", longer.toString(), "--max-length", "16");
        assertEquals(0, cut.code(), cut.err());
        assertTrue(cut.err().contains("long.jsonl: 1 of 2 examples reach 16 tokens and are cut there"), cut.err());
        // regression labels on a single-label classifier are refused before training (the loss read past its targets)
        Path reg = Files.writeString(dir.resolve("r.jsonl"), "{\"text\": \"good\", \"label\": 0.5}\n{\"text\": \"bad\", \"label\": 0.1}\n");
        CliTest.assertOneLineError(CliTest.run("finetune", "--model", cls.toString(), "--task", "seq-cls", "--train", reg.toString(), "--output",
                dir.resolve("h").toString(), "--epochs", "1"), "r.jsonl", "regression labels", "single_label_classification");
    }

    /** The trainable parameter count of an unfrozen run on the same data, as metrics.jsonl writes it. */
    private static String trainable(Path dir, String model, Path data) throws Exception {
        assertEquals(0, CliTest.run("finetune", "--model", model, "--task", "seq-cls", "--train", data.toString(), "--output",
                dir.resolve("all").toString(), "--epochs", "1").code());
        var m = java.util.regex.Pattern.compile("\"trainable_parameters\":\\s*(\\d+)").matcher(Files.readString(dir.resolve("all/metrics.jsonl")));
        assertTrue(m.find());
        return m.group(1);
    }
}
