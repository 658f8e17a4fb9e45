package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
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
}
