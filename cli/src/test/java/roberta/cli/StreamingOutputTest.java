package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import roberta.loader.SafetensorsFile;

/**
 * forward and embed keep one batch in memory, not the whole input's activations: run in a
 * JVM with a small heap on inputs whose outputs (forward) or token states (embed) would not fit.
 */
class StreamingOutputTest {
    /** Runs the CLI in a fresh JVM with the given heap; returns its exit code (output in log). */
    static int isolated(String heap, Path log, String... args) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-Xmx" + heap, "-XX:+UseSerialGC",
                "-Droberta.quiet=true", "-cp", System.getProperty("java.class.path"), "roberta.cli.Main"));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", args));
        }
        return p.exitValue();
    }

    @Test
    void forwardInBatchesWritesWhatOneBatchWould(@TempDir Path dir) {
        Path one = dir.resolve("one.safetensors"), two = dir.resolve("two.safetensors");
        String in = CliTest.MLM.resolve("inputs.jsonl").toString();
        assertEquals(0, CliTest.run("forward", "--model", CliTest.MLM.toString(), "--input", in, "--output", one.toString(), "--attentions", "--batch-size", "4").code());
        assertEquals(0, CliTest.run("forward", "--model", CliTest.MLM.toString(), "--input", in, "--output", two.toString(), "--attentions", "--batch-size", "3").code());
        try (SafetensorsFile a = SafetensorsFile.open(one); SafetensorsFile b = SafetensorsFile.open(two)) {
            assertEquals(a.tensors().keySet(), b.tensors().keySet());
            assertEquals(List.of("attention_mask", "attentions.0", "attentions.1", "hidden_states.0", "hidden_states.1", "hidden_states.2", "input_ids", "logits"),
                    List.copyOf(a.tensors().keySet()));
            assertArrayEquals(a.longs("input_ids"), b.longs("input_ids"));
            assertArrayEquals(a.longs("attention_mask"), b.longs("attention_mask"));
            for (String name : a.tensors().keySet()) {
                assertArrayEquals(a.info(name).shape(), b.info(name).shape(), name);
                if (name.startsWith("input") || name.startsWith("attention_")) continue;
                assertArrayEquals(a.floats(name), b.floats(name), 1e-5f, name);
            }
            float[] h = a.floats("hidden_states.2");
            // padded positions (after the shortest input's tokens) hold zeros
            long[] mask = a.longs("attention_mask");
            for (int i = 0; i < mask.length; i++) if (mask[i] == 0) for (int c = 0; c < 16; c++) assertEquals(0f, h[i * 16 + c]);
        }
    }

    @Test
    void forwardStreamsLogitsLargerThanTheHeap(@TempDir Path dir) throws Exception {
        // 160 inputs x 5 positions x 50261 vocabulary x 4 bytes = 161 MB of logits, in a 96 MB heap
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 160; i++) sb.append("{\"text\": \"hello ").append(i % 10).append("\"}\n");
        Path in = dir.resolve("in.jsonl"), out = dir.resolve("f.safetensors"), log = dir.resolve("log.txt");
        Files.writeString(in, sb.toString());
        int code = isolated("96m", log, "forward", "--model", CliTest.MLM.toString(), "--input", in.toString(), "--output", out.toString());
        assertEquals(0, code, Files.readString(log));
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            long[] shape = f.info("logits").shape();
            assertEquals(160, shape[0]);
            assertEquals(50261, shape[2]);
            long[] ids = f.longs("input_ids");
            assertEquals(0, ids[0]); // <s>
            assertEquals(160 * shape[1], ids.length);
        }
        Files.delete(out);
    }

    @Test
    void embedPoolsEachGroupBeforeTheNext(@TempDir Path dir) throws Exception {
        // 1500 texts x 128 tokens x 48 values (3 layers concatenated) x 4 bytes = 37 MB of token
        // states, once all held until the end for pooling, in a 48 MB heap (the model and
        // tokenizer take about 30 MB); the output is 1500 x 48 floats
        StringBuilder sb = new StringBuilder();
        String words = "alpha beta gamma delta ".repeat(31) + "end";
        for (int i = 0; i < 1500; i++) sb.append(words).append(' ').append(i % 7).append('\n');
        Path in = dir.resolve("in.txt"), out = dir.resolve("e.npy"), log = dir.resolve("log.txt");
        Files.writeString(in, sb.toString());
        int code = isolated("48m", log, "embed", "--model", CliTest.MLM.toString(), "--input", in.toString(), "--output", out.toString(),
                "--layers", "all", "--batch-size", "8");
        assertEquals(0, code, Files.readString(log));
        assertEquals(128 + 1500L * 48 * 4, Files.size(out));
        assertTrue(Files.readString(log).contains("1500 inputs"), Files.readString(log));
    }
}
