package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import roberta.kernels.Devices;
import roberta.loader.SafetensorsFile;

/** --tf32 beside --device on every command that has one: off by default, on when given, a CPU warning, a bounded change on cuda-emulated. */
class Tf32CliTest {
    private static final String M = CliTest.MLM.toString(), INPUTS = CliTest.MLM.resolve("inputs.jsonl").toString();

    @Test
    void everyCommandWithDeviceParsesTf32OffByDefault() {
        CommandLine cli = new CommandLine(new Main());
        List<String> withDevice = new ArrayList<>();
        for (var e : cli.getSubcommands().entrySet()) {
            CommandSpec spec = e.getValue().getCommandSpec();
            if (spec.findOption("--device") == null) continue;
            withDevice.add(e.getKey());
            OptionSpec tf32 = spec.findOption("--tf32");
            assertNotNull(tf32, e.getKey() + " takes --device but not --tf32");
            assertEquals(0, tf32.arity().max(), e.getKey() + ": --tf32 is a flag, taking no value");
            assertFalse((Boolean) defaults(e.getKey()).getValue(), e.getKey() + ": --tf32 off unless given");
            assertTrue((Boolean) given(e.getKey()).getValue(), e.getKey() + ": --tf32 given");
        }
        assertTrue(withDevice.containsAll(List.of("embed", "classify", "fill-mask", "forward", "finetune", "evaluate", "grad", "bench", "serve", "compare")),
            "commands with --device: " + withDevice);
    }

    /** The --tf32 option of a fresh parse of `command [args]` (parseArgs only: nothing runs). */
    private static OptionSpec parsed(String command, boolean tf32) {
        CommandLine cli = new CommandLine(new Main());
        List<String> args = new ArrayList<>(List.of(command));
        // required options, so the parse completes; values are never used
        CommandSpec spec = cli.getSubcommands().get(command).getCommandSpec();
        for (OptionSpec o : spec.requiredArgs().stream().filter(a -> a instanceof OptionSpec).map(a -> (OptionSpec) a).toList())
            args.addAll(List.of(o.longestName(), "x"));
        for (var p : spec.positionalParameters())
            for (int i = 0; i < p.arity().min(); i++) args.add("x");
        if (tf32) args.add("--tf32");
        CommandLine.ParseResult r = cli.parseArgs(args.toArray(String[]::new));
        return r.subcommand().commandSpec().findOption("--tf32");
    }

    private static OptionSpec defaults(String command) {
        return parsed(command, false);
    }

    private static OptionSpec given(String command) {
        return parsed(command, true);
    }

    @Test
    void onTheCpuTf32IsOneWarningAndChangesNothing(@TempDir Path dir) throws Exception {
        Path plain = dir.resolve("plain.safetensors"), flagged = dir.resolve("flagged.safetensors");
        CliTest.Run a = CliTest.run("embed", "--model", M, "--input", INPUTS, "--output", plain.toString(), "--device", "cpu");
        CliTest.Run b = CliTest.run("embed", "--model", M, "--input", INPUTS, "--output", flagged.toString(), "--device", "cpu", "--tf32");
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        assertFalse(a.err().contains("--tf32"), a.err());
        List<String> warnings = b.err().lines().filter(l -> l.contains("--tf32")).toList();
        assertEquals(List.of("warning: " + Devices.TF32_ON_CPU), warnings, b.err());
        try (var x = SafetensorsFile.open(plain); var y = SafetensorsFile.open(flagged)) {
            assertArrayEquals(x.floats("embeddings"), y.floats("embeddings"), "the CPU's results do not depend on --tf32");
        }
    }

    /** The flag reaches the emulated GPU: the vectors move off the CPU's by more than FP32's noise, and stay within 1e-2. */
    @Test
    void onCudaEmulatedTf32ChangesTheVectorsABoundedAmount(@TempDir Path dir) throws Exception {
        String[] runs = {"cpu", "fp32", "tf32"};
        float[][] vectors = new float[3][];
        for (int i = 0; i < 3; i++) {
            Path out = dir.resolve(runs[i] + ".safetensors");
            List<String> args = new ArrayList<>(List.of("embed", "--model", M, "--input", INPUTS, "--output", out.toString(),
                "--device", i == 0 ? "cpu" : "cuda-emulated"));
            if (i == 2) args.add("--tf32");
            CliTest.Run r = CliTest.run(args.toArray(String[]::new));
            assertEquals(0, r.code(), r.err());
            assertFalse(r.err().contains(Devices.TF32_ON_CPU), "no warning off the CPU: " + r.err());
            try (var f = SafetensorsFile.open(out)) {
                vectors[i] = f.floats("embeddings");
            }
        }
        double fp32 = largestGap(vectors[0], vectors[1]), tf32 = largestGap(vectors[0], vectors[2]);
        assertTrue(fp32 <= 1e-4, "FP32 on cuda-emulated: " + fp32);
        assertTrue(tf32 <= 1e-2, "TF32 on cuda-emulated: " + tf32);
        assertTrue(tf32 > 100 * fp32 && tf32 > 1e-5, "TF32 moved the vectors by " + tf32 + ", FP32 by " + fp32);
    }

    private static double largestGap(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double g = 0;
        for (int i = 0; i < a.length; i++) g = Math.max(g, Math.abs(a[i] - b[i]));
        return g;
    }
}
