package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What this round's hostile pass and review broke, each kept from coming back. */
class HostilePassTest {
    private static final String M = CliTest.MLM.toString(), INPUTS = CliTest.MLM.resolve("inputs.jsonl").toString();

    private static Path data(Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 16; i++) sb.append("{\"text\": \"").append(i % 2 == 0 ? "cheap pills " : "meeting notes ").append(i)
                .append("\", \"label\": \"").append(i % 2 == 0 ? "spam" : "ham").append("\"}\n");
        return Files.writeString(dir.resolve("train.jsonl"), sb.toString());
    }

    private static List<String> finetune(Path train, Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("finetune", "--model", M, "--random-init", "--hidden", "16", "--layers", "1", "--heads", "2",
                "--intermediate", "32", "--task", "seq-cls", "--train", train.toString(), "--epochs", "1", "--batch-size", "8",
                "--max-length", "32", "--output", out.toString()));
        a.addAll(List.of(extra));
        return a;
    }

    private static CliTest.Run run(List<String> args) {
        return CliTest.run(args.toArray(String[]::new));
    }

    private static Path copyOfModel(Path dir) throws Exception {
        Path m = Files.createDirectories(dir.resolve("model"));
        try (var files = Files.list(CliTest.MLM)) {
            for (Path f : files.toList()) Files.copy(f, m.resolve(f.getFileName()));
        }
        return m;
    }

    @Test
    void aSymlinkedOutputCannotSlipPastTheEarlierRunCheck(@TempDir Path dir) throws Exception {
        Path train = data(dir), real = dir.resolve("real"), link = dir.resolve("link");
        assertEquals(0, run(finetune(train, real)).code());
        Files.createSymbolicLink(link, real);
        CliTest.assertOneLineError(run(finetune(train, link)), "already holds a finetune run");
        Files.writeString(real.resolve("notes.txt"), "mine");
        CliTest.assertOneLineError(run(finetune(train, link, "--overwrite")), "notes.txt");
        assertEquals("mine", Files.readString(real.resolve("notes.txt")));
    }

    @Test
    void overwriteNeverDeletesAnInputInsideTheOutput(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        assertEquals(0, run(finetune(data(dir), out)).code());
        Path inside = Files.copy(dir.resolve("train.jsonl"), out.resolve("model/train.jsonl"));
        CliTest.assertOneLineError(run(finetune(inside, out, "--overwrite")), "--train", "inside it");
        assertTrue(Files.isRegularFile(inside), "the input survives");
    }

    @Test
    void anOutputLinkedToAModelFileIsRefused(@TempDir Path dir) throws Exception {
        Path model = copyOfModel(dir), outDir = Files.createDirectories(dir.resolve("o"));
        byte[] config = Files.readAllBytes(model.resolve("config.json"));
        Path link = Files.createSymbolicLink(outDir.resolve("out.jsonl"), model.resolve("config.json"));
        CliTest.assertOneLineError(CliTest.run("embed", "--model", model.toString(), "--input", INPUTS, "--output", link.toString()), "--model folder");
        assertTrue(java.util.Arrays.equals(config, Files.readAllBytes(model.resolve("config.json"))));
    }

    @Test
    void anActivationTheEngineDoesNotComputeIsRefused(@TempDir Path dir) throws Exception {
        Path model = copyOfModel(dir);
        Files.writeString(model.resolve("config.json"), Files.readString(model.resolve("config.json")).replace("\"gelu\"", "\"relu\""));
        CliTest.assertOneLineError(CliTest.run("embed", "--model", model.toString(), "--input", INPUTS, "--output",
                dir.resolve("v.npy").toString()), "config.json", "hidden_act 'relu' is not supported");
    }

    @Test
    void optionMistakesAreOneLineNotTheUsage(@TempDir Path dir) {
        for (String[] args : new String[][] {{"embed", "--model", M, "--input", INPUTS, "--output", "x.npy", "--batch-size", "abc"},
                {"embed", "--bogus"}, {"frobnicate"}}) {
            CliTest.Run r = CliTest.run(args);
            assertEquals(2, r.code(), r.err());
            assertFalse(r.err().strip().contains("\n"), "one line: " + r.err());
            assertTrue(r.err().startsWith("error: ") && r.err().contains("--help"), r.err());
        }
        CliTest.assertOneLineError(CliTest.run("tokenize", "--model", M, "--input", INPUTS, "some text"), "not both");
        CliTest.assertOneLineError(CliTest.run("embed", "--model", M, "--input", INPUTS, "--output", ""), "--output is empty");
    }

    @Test
    void aParallelWorkersErrorIsNotShownWithItsClassName(@TempDir Path dir) throws Exception {
        Path in = Files.writeString(dir.resolve("t.jsonl"), "{\"text\": \"a longer text with clearly more than ten tokens in it, surely\"}\n");
        CliTest.Run r = CliTest.run("tokenize", "--model", M, "--input", in.toString(), "--output", dir.resolve("o.jsonl").toString(),
                "--stride", "9", "--max-length", "10");
        CliTest.assertOneLineError(r, "stride 9 must be smaller");
        assertFalse(r.err().contains("java.lang"), r.err());
    }

    @Test
    void freezingThatNamesAMissingLayerOrLeavesNothingIsRefused(@TempDir Path dir) throws Exception {
        Path train = data(dir);
        CliTest.assertOneLineError(run(finetune(train, dir.resolve("a"), "--freeze", "layer:99")), "layer 99", "1 layers");
        CliTest.assertOneLineError(run(finetune(train, dir.resolve("b"), "--freeze", "all")), "leaves nothing to train");
    }

    @Test
    void anMlmEvaluationThatScoresNothingIsAnError(@TempDir Path dir) throws Exception {
        Path one = Files.writeString(dir.resolve("one.jsonl"), "{\"text\": \"hi\"}\n");
        CliTest.assertOneLineError(CliTest.run("evaluate", "--model", M, "--data", one.toString()), "no token was masked");
    }

    @Test
    void aHandEditedTrainerStateIsNotTrusted(@TempDir Path dir) throws Exception {
        Path train = data(dir), out = dir.resolve("out");
        assertEquals(0, run(finetune(train, out)).code());
        Path state = out.resolve("checkpoints/epoch-1/trainer_state.json");
        Files.writeString(state, Files.readString(state).replace("\"epoch\":1", "\"epoch\":99"));
        List<String> longer = finetune(train, out, "--resume");
        longer.set(longer.indexOf("--epochs") + 1, "1");
        CliTest.assertOneLineError(run(longer), "trainer_state.json", "epoch 99");
    }

    @Test
    void maxLengthZeroMeansTheModelsLimitNotAFailureMidTraining(@TempDir Path dir) throws Exception {
        Path train = Files.writeString(dir.resolve("long.jsonl"), ("{\"text\": \"" + "word ".repeat(700) + "\", \"label\": \"a\"}\n").repeat(2)
                + "{\"text\": \"short\", \"label\": \"b\"}\n");
        List<String> a = finetune(train, dir.resolve("out"));
        a.set(a.indexOf("--max-length") + 1, "0");
        CliTest.Run r = run(a);
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void benchTokenizerReadsBoundedLines() {
        CliTest.assertOneLineError(CliTest.run("bench-tokenizer", "--model", M, "--input", "/dev/zero"), "/dev/zero");
    }

    /** stdin redirected from the file named as --output: the same file, refused (a child JVM, for its own stdin). */
    @Test
    void stdinThatIsTheOutputFileIsRefused(@TempDir Path dir) throws Exception {
        Path in = Files.writeString(dir.resolve("in.jsonl"), "{\"text\": \"hello\"}\n");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), "-Droberta.quiet=true",
                Main.class.getName(), "embed", "--model", M, "--input", "-", "--output", in.toString()));
        Process p = new ProcessBuilder(cmd).redirectInput(in.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("is also --input (standard input)"), out);
        assertEquals("{\"text\": \"hello\"}\n", Files.readString(in));
    }

    @Test
    void checkpointsThatCannotFitAreRefusedUpFrontAndOldOnesCanBeDropped(@TempDir Path dir) throws Exception {
        Path train = data(dir), out = dir.resolve("out");
        List<String> endless = finetune(train, out);
        endless.set(endless.indexOf("--epochs") + 1, "100000000");
        CliTest.assertOneLineError(run(endless), "checkpoints and the model need about", "--keep-checkpoints");
        assertFalse(Files.exists(out.resolve("checkpoints")), "nothing trained or written");

        List<String> kept = finetune(train, dir.resolve("kept"), "--keep-checkpoints", "1");
        kept.set(kept.indexOf("--epochs") + 1, "3");
        assertEquals(0, run(kept).code());
        try (var list = Files.list(dir.resolve("kept/checkpoints"))) {
            assertEquals(List.of("epoch-3"), list.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(3, Files.readAllLines(dir.resolve("kept/metrics.jsonl")).size(), "every epoch's metrics line stays");
    }
}
