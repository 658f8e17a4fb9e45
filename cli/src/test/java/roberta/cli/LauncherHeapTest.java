package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's heap limit follows the model, the command and the batch (scripts/heap.sh). */
class LauncherHeapTest {
    private static final Path ROOT = CliTest.models().getParent().getParent();

    private static String heap(String opts, String... args) throws Exception {
        var pb = new ProcessBuilder("bash", "-c", ". scripts/heap.sh; choose_heap \"$@\"", "heap");
        pb.command().addAll(java.util.List.of(args));
        pb.directory(ROOT.toFile()).environment().put("ROBERTA_JAVA_OPTS", opts);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor());
        return out;
    }

    private static int megabytes(String xmx) {
        assertTrue(xmx.matches("-Xmx\\d+m"), xmx);
        return Integer.parseInt(xmx.substring(4, xmx.length() - 1));
    }

    /** A model folder whose model.safetensors claims the given size and dtype (sparse: nothing written). */
    private static Path fakeModel(Path dir, long bytes, String dtype) throws Exception {
        Files.createDirectories(dir);
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("model.safetensors").toFile(), "rw")) {
            f.write(("        {\"w\":{\"dtype\":\"" + dtype + "\",\"shape\":[1],\"data_offsets\":[0,4]}}").getBytes(StandardCharsets.US_ASCII));
            f.setLength(bytes);
        }
        return dir;
    }

    @Test
    void aTinyModelGetsTheOneGigabyteFloor() throws Exception {
        int mb = megabytes(heap("", "finetune", "--model", "testdata/models/tiny-roberta-mlm", "--batch-size", "32"));
        assertTrue(mb >= 1024 && mb < 1300, "a 13 MB model needs about 1 GB, not a quarter of the machine: " + mb);
        // a random model sized by the flags, not by the folder's weights
        int small = megabytes(heap("", "finetune", "--model", "testdata/models/tiny-roberta-mlm", "--random-init", "--hidden", "64",
                "--layers", "2", "--intermediate", "256", "--batch-size", "32"));
        int large = megabytes(heap("", "finetune", "--model", "testdata/models/tiny-roberta-mlm", "--random-init", "--hidden", "1024",
                "--layers", "24", "--intermediate", "4096"));
        assertTrue(small >= 1024 && small < 1400, "a small random model: " + small);
        assertTrue(large > 4 * 1400, "a roberta-large-sized random model needs weights, gradients and moments: " + large);
    }

    @Test
    void activationsFollowTheShapeNotTheWeights(@TempDir Path dir) throws Exception {
        // roberta-mini-en's pretraining: 25 MB of weights, but 64 x 128 tokens of masked-LM
        // activations (756 MB measured); the weights-based estimate gave 1442 MB and ran out of heap
        Path seed = Files.createDirectories(dir.resolve("seed"));
        Files.writeString(seed.resolve("config.json"), "{\"vocab_size\": 12000, \"hidden_size\": 256, \"num_hidden_layers\": 4, "
                + "\"num_attention_heads\": 4, \"intermediate_size\": 1024, \"max_position_embeddings\": 130}");
        int mlm = megabytes(heap("", "finetune", "--model", seed.toString(), "--random-init", "--task", "mlm", "--batch-size", "64"));
        int cls = megabytes(heap("", "finetune", "--model", seed.toString(), "--random-init", "--task=seq-cls", "--batch-size", "64"));
        assertTrue(mlm >= 4 * 25 + 756 + 1024, "weights, gradients, moments, activations, headroom: " + mlm);
        assertTrue(mlm > cls, "masked-LM logits come on top: " + mlm + " vs " + cls);
        int wide = megabytes(heap("", "finetune", "--model", seed.toString(), "--random-init", "--hidden=512", "--task", "mlm", "--batch-size", "64"));
        assertTrue(wide > mlm, "the --hidden flag counts: " + wide + " vs " + mlm);
    }

    @Test
    void trainingGetsMoreThanInferenceAndGrowsWithTheBatch(@TempDir Path dir) throws Exception {
        Path model = fakeModel(dir.resolve("m"), 500L << 20, "F32");
        int embed = megabytes(heap("", "embed", "--model", model.toString()));
        int train16 = megabytes(heap("", "finetune", "--model", model.toString(), "--batch-size", "16"));
        int train64 = megabytes(heap("", "finetune", "--model", model.toString(), "--batch-size=64"));
        assertTrue(embed >= 2 * 500 && embed < 2 * 500 + 1100, "inference: packed weights plus headroom: " + embed);
        assertTrue(train16 > 4 * 500, "training holds weights, gradients and two moments: " + train16);
        assertTrue(train64 > train16, "activations grow with the batch: " + train16 + " vs " + train64);
    }

    @Test
    void halfPrecisionCountsAsFloat32AndUserSettingsWin(@TempDir Path dir) throws Exception {
        int f32 = megabytes(heap("", "finetune", "--model", fakeModel(dir.resolve("a"), 400L << 20, "F32").toString()));
        int bf16 = megabytes(heap("", "finetune", "--model", fakeModel(dir.resolve("b"), 200L << 20, "BF16").toString()));
        assertTrue(Math.abs(f32 - bf16) < 10, "BF16 weights are trained as float32: " + f32 + " vs " + bf16);
        assertEquals("", heap("-Xmx3g", "finetune", "--model", dir.resolve("a").toString()));
        assertEquals("", heap("-Xms2g", "finetune", "--model", dir.resolve("a").toString()), "an -Xms above our -Xmx would stop the JVM");
        assertEquals("", heap("", "tokenize", "--model", dir.resolve("missing").toString()), "no model folder: the JVM decides");
    }
}
