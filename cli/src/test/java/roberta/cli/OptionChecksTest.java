package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Options out of range and outputs that would destroy an input fail first, as one line. */
class OptionChecksTest {
    private static final String M = CliTest.MLM.toString(), INPUTS = CliTest.MLM.resolve("inputs.jsonl").toString();

    @Test
    void numbersOutOfRangeAreOneLineErrors(@TempDir Path dir) {
        String out = dir.resolve("v.npy").toString();
        CliTest.assertOneLineError(CliTest.run("embed", "--model", M, "--input", INPUTS, "--output", out, "--batch-size", "0"),
                "--batch-size", "at least 1");
        CliTest.assertOneLineError(CliTest.run("fill-mask", "--model", M, "a <mask>", "--top-k", "0"), "--top-k", "at least 1");
        CliTest.assertOneLineError(CliTest.run("embed", "--model", M, "--input", INPUTS, "--output", out, "--threads", "0"), "--threads");
        CliTest.assertOneLineError(CliTest.run("embed", "--model", M, "--input", INPUTS, "--output", out, "--stride", "-3"), "--stride", "0 or more");
        CliTest.assertOneLineError(CliTest.run("finetune", "--model", M, "--task", "seq-cls", "--train", INPUTS, "--output",
                dir.resolve("run").toString(), "--lr", "NaN"), "--lr", "finite");
        CliTest.assertOneLineError(CliTest.run("finetune", "--model", M, "--task", "seq-cls", "--train", INPUTS, "--output",
                dir.resolve("run").toString(), "--grad-accum", "0"), "--grad-accum");
        assertTrue(Files.notExists(dir.resolve("run")));
    }

    @Test
    void anOutputThatIsAnInputIsRefusedAndTheInputKept(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("texts.jsonl");
        Files.writeString(in, "{\"text\": \"hello\"}\n");
        CliTest.assertOneLineError(CliTest.run("embed", "--model", M, "--input", in.toString(), "--output", in.toString()), "is also --input");
        Path link = Files.createSymbolicLink(dir.resolve("alias.jsonl"), in);
        CliTest.assertOneLineError(CliTest.run("classify", "--model", M, "--input", in.toString(), "--output", link.toString()), "is also --input");
        assertEquals("{\"text\": \"hello\"}\n", Files.readString(in));
    }

    @Test
    void anOutputOverAModelFileIsRefused(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("model");
        Files.createDirectories(model);
        for (Path f : Files.list(CliTest.MLM).toList()) Files.copy(f, model.resolve(f.getFileName()));
        byte[] config = Files.readAllBytes(model.resolve("config.json"));
        CliTest.assertOneLineError(CliTest.run("embed", "--model", model.toString(), "--input", INPUTS, "--output",
                model.resolve("config.json").toString()), "inside the --model folder");
        assertEquals(new String(config), Files.readString(model.resolve("config.json")));
        CliTest.assertOneLineError(CliTest.run("finetune", "--model", model.toString(), "--task", "mlm", "--train", INPUTS,
                "--output", dir.toString()), "inside it");
    }

    @Test
    void aBadOutputPathFailsBeforeAnyWork(@TempDir Path dir) {
        // the input does not exist either: the output is checked first, before anything is read
        CliTest.assertOneLineError(CliTest.run("embed", "--model", M, "--input", dir.resolve("missing.jsonl").toString(),
                "--output", dir.resolve("no/such/folder/v.npy").toString()), "does not exist", "no/such/folder");
        CliTest.assertOneLineError(CliTest.run("embed", "--model", M, "--input", INPUTS, "--output", dir.toString()), "is a folder");
    }

    @Test
    void safetensorsAndFolderOutputsRefuseStdoutAndOtherNames(@TempDir Path dir) {
        CliTest.assertOneLineError(CliTest.run("forward", "--model", M, "--input", INPUTS, "--output", "-"), "--output -", "not stdout");
        CliTest.assertOneLineError(CliTest.run("forward", "--model", M, "--input", INPUTS, "--output", dir.resolve("f.npy").toString()),
                "f.npy", ".safetensors");
        CliTest.assertOneLineError(CliTest.run("grad", "--model", M, "--input", INPUTS, "--output", dir.resolve("g.jsonl").toString()), ".safetensors");
        CliTest.assertOneLineError(CliTest.run("finetune", "--model", M, "--task", "mlm", "--train", INPUTS, "--output", "-"), "writes a folder");
        assertTrue(Files.notExists(Path.of("-")));
    }

    @Test
    void aFolderThatRefusesNewFilesFailsBeforeAnyWork(@TempDir Path dir) {
        // sysfs takes no new files, even from root, whom its permission bits (access(2)) let through:
        // only making the temporary the write would make tells, before the (here missing) input is read
        Path sys = Path.of("/sys");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(sys), "a Linux /sys");
        var r = CliTest.run("embed", "--model", M, "--input", dir.resolve("missing.jsonl").toString(), "--output", "/sys/v.npy");
        // where access(2) says yes (root, sysfs mounted read-write) only the probe can refuse; elsewhere the permission check does
        CliTest.assertOneLineError(r, "/sys/v.npy", Files.isWritable(sys) ? "cannot write" : "not writable");
        // a folder output too: train-tokenizer writes its folder only after reading the whole corpus
        CliTest.assertOneLineError(CliTest.run("train-tokenizer", "--output", "/sys/tk", dir.resolve("missing.txt").toString()), "/sys/tk", "cannot write");
    }

    @Test
    void evaluateAndGradTakeThreadsAndTokenizer(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("m");
        Files.createDirectories(model);
        // a model folder without tokenizer files: --tokenizer supplies them
        for (String f : new String[] {"config.json", "model.safetensors"}) Files.copy(CliTest.MLM.resolve(f), model.resolve(f));
        Path data = dir.resolve("d.txt");
        Files.writeString(data, "the whale and the sea\ncall me ishmael\n");
        CliTest.Run r = CliTest.run("evaluate", "--model", model.toString(), "--data", data.toString(), "--threads", "1",
                "--tokenizer", CliTest.MLM.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("perplexity"), r.out());
        // grad takes them too (it then refuses MLM data, after the options and the tokenizer were taken)
        CliTest.assertOneLineError(CliTest.run("grad", "--model", model.toString(), "--input", data.toString(), "--output",
                dir.resolve("g.safetensors").toString(), "--threads", "1", "--tokenizer", CliTest.MLM.toString()), "needs labelled positions");
    }
}
