package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/** --device on every model command, through the one chooser; the Vector API is needed only by the CPU backend. */
class DeviceChoiceTest {
    private static final String M = CliTest.MLM.toString(), INPUTS = CliTest.MLM.resolve("inputs.jsonl").toString();

    @Test
    void everyModelCommandTakesDevice(@TempDir Path dir) {
        assertEquals(0, CliTest.run("embed", "--model", M, "--input", INPUTS, "--output", dir.resolve("v.npy").toString(), "--device", "cpu").code());
        assertEquals(0, CliTest.run("fill-mask", "--model", M, "a <mask>", "--device", "auto").code());
        CliTest.assertOneLineError(CliTest.run("embed", "--model", M, "--input", INPUTS, "--output", dir.resolve("w.npy").toString(),
                "--device", "tpu"), "unknown device 'tpu'", "cpu");
        for (String command : List.of("embed", "classify", "fill-mask", "forward", "finetune", "evaluate", "grad", "bench")) {
            CliTest.Run help = CliTest.run(command, "--help");
            assertTrue(help.out().contains("--device"), command + " --help lists --device");
        }
    }

    @Test
    void tokenizingNeedsNoVectorApiButTheCpuBackendSaysWhatIsMissing() throws Exception {
        Process tok = child("tokenize", "--model", M, "hello world");
        String out = new String(tok.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(tok.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, tok.exitValue(), out);
        assertTrue(out.contains("hello") || out.contains("Ġworld"), out);

        Process fill = child("fill-mask", "--model", M, "a <mask>");
        String err = new String(fill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(fill.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, fill.exitValue(), err);
        assertTrue(err.endsWith("error: the CPU backend needs the Vector API: run Java with --add-modules jdk.incubator.vector (./roberta does)"), err);
    }

    /** The CLI in a JVM started without --add-modules jdk.incubator.vector. */
    private static Process child(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Droberta.quiet=true", Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** The CUDA code path end to end on the emulated device: the same vectors and the same training losses as the CPU. */
    @Test
    void theEmulatedCudaDeviceGivesWhatTheCpuGives(@TempDir Path dir) throws Exception {
        Path cpu = dir.resolve("cpu.safetensors"), cuda = dir.resolve("cuda.safetensors");
        assertEquals(0, CliTest.run("embed", "--model", M, "--input", INPUTS, "--output", cpu.toString(), "--device", "cpu").code());
        assertEquals(0, CliTest.run("embed", "--model", M, "--input", INPUTS, "--output", cuda.toString(), "--device", "cuda-emulated").code());
        try (var a = roberta.loader.SafetensorsFile.open(cpu); var b = roberta.loader.SafetensorsFile.open(cuda)) {
            float[] x = a.floats("embeddings"), y = b.floats("embeddings");
            assertEquals(x.length, y.length);
            for (int i = 0; i < x.length; i++) assertEquals(x[i], y[i], 1e-5, "embedding value " + i);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) sb.append("{\"text\": \"cheap pills ").append(i).append("\", \"label\": \"spam\"}\n{\"text\": \"meeting at ").append(i).append("\", \"label\": \"ham\"}\n");
        Path train = Files.writeString(dir.resolve("train.jsonl"), sb.toString());
        double[] losses = new double[2];
        String[] devices = {"cpu", "cuda-emulated"};
        for (int d = 0; d < 2; d++) {
            CliTest.Run r = CliTest.run("finetune", "--model", M, "--random-init", "--hidden", "16", "--layers", "1", "--heads", "2", "--intermediate", "32",
                    "--task", "seq-cls", "--train", train.toString(), "--epochs", "2", "--batch-size", "4", "--max-length", "16", "--lr", "1e-2",
                    "--output", dir.resolve("run-" + devices[d]).toString(), "--device", devices[d]);
            assertEquals(0, r.code(), r.err());
            losses[d] = JsonLines.JSON.readTree(r.out()).get("train_loss").asDouble();
        }
        assertEquals(losses[0], losses[1], 1e-6, "two epochs of training on either device");
    }

    /**
     * forward and grad, every tensor they write, the same through the emulated CUDA device as on
     * the CPU (within 1e-4), on a checkpoint of ordinary sizes and on one of awkward sizes (an odd
     * width, a head size of 6, an intermediate size that is no multiple of anything, three layers),
     * with a text of one word (three tokens) beside a longer one.
     */
    @ParameterizedTest(name = "hidden {0}, heads {1}, intermediate {2}, layers {3}")
    @CsvSource({"16, 2, 32, 2", "18, 3, 37, 3"})
    void forwardAndGradThroughTheEmulatedCudaDeviceMatchTheCpu(int hidden, int heads, int intermediate, int layers, @TempDir Path dir) throws Exception {
        Path texts = Files.writeString(dir.resolve("t.jsonl"), "{\"text\": \"one\"}\n{\"text\": \"and a somewhat longer second text here\"}\n");
        Path labelled = Files.writeString(dir.resolve("l.jsonl"), "{\"text\": \"a short one\", \"label\": \"positive\"}\n{\"text\": \"a longer second text\", \"label\": \"negative\"}\n");
        // a small classifier with the fixture's tokenizer, to take gradients of
        Path cls = dir.resolve("cls");
        assertEquals(0, CliTest.run("finetune", "--model", M, "--random-init", "--hidden", "" + hidden, "--layers", "" + layers, "--heads", "" + heads,
                "--intermediate", "" + intermediate, "--task", "seq-cls", "--train", labelled.toString(), "--epochs", "1", "--batch-size", "2", "--max-length", "16",
                "--output", cls.toString()).code());
        String[][] jobs = {{"forward", "--model", M, "--input", texts.toString(), "--attentions"},
                {"forward", "--model", cls.resolve("model").toString(), "--input", texts.toString(), "--attentions"},
                {"grad", "--model", cls.resolve("model").toString(), "--input", labelled.toString()}};
        for (String[] job : jobs) {
            String tag = job[0] + "-" + Math.abs(job[2].hashCode());
            Path[] out = {dir.resolve(tag + "-cpu.safetensors"), dir.resolve(tag + "-cuda.safetensors")};
            String[] devices = {"cpu", "cuda-emulated"};
            for (int d = 0; d < 2; d++) {
                List<String> args = new java.util.ArrayList<>(List.of(job));
                args.addAll(List.of("--output", out[d].toString(), "--device", devices[d]));
                CliTest.Run r = CliTest.run(args.toArray(String[]::new));
                assertEquals(0, r.code(), job[0] + " on " + devices[d] + ": " + r.err());
            }
            try (var a = roberta.loader.SafetensorsFile.open(out[0]); var b = roberta.loader.SafetensorsFile.open(out[1])) {
                assertEquals(a.tensors().keySet(), b.tensors().keySet());
                int compared = 0;
                for (String name : a.tensors().keySet()) {
                    if (!a.info(name).dtype().isFloat()) continue;
                    float[] x = a.floats(name), y = b.floats(name);
                    double scale = 1;
                    for (float v : x) scale = Math.max(scale, Math.abs(v));
                    for (int i = 0; i < x.length; i++)
                        if (Math.abs(x[i] - y[i]) > 1e-4 * scale) throw new AssertionError(job[0] + " " + name + "[" + i + "]: cpu " + x[i] + ", cuda-emulated " + y[i]);
                    compared++;
                }
                assertTrue(compared > 3, job[0] + ": float tensors compared: " + compared);
            }
        }
    }
}
