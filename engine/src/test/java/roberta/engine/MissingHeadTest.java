package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import roberta.kernels.CpuBackend;
import roberta.loader.SafetensorsFile;
import roberta.loader.SafetensorsWriter;
import roberta.loader.TensorInfo;

/**
 * A checkpoint whose config names a head it lacks the tensors of: the head would be random, so
 * predictions from it are refused (naming the tensors), while the encoder's features still work.
 */
class MissingHeadTest {
    @TempDir
    Path tmp;

    @Test
    void classifyRefusesARandomHeadAndEmbedStillWorks() throws Exception {
        Path src = TestData.model("tiny-roberta-cls"), dir = tmp.resolve("no-head");
        Files.createDirectories(dir);
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(src.resolve("model.safetensors"))) {
            for (var e : f.tensors().entrySet()) {
                if (e.getKey().startsWith("classifier.out_proj")) continue;
                TensorInfo t = e.getValue();
                w.addFloats(e.getKey(), t.dtype(), f.floats(e.getKey()), t.shape());
            }
        }
        w.write(dir.resolve("model.safetensors"));
        Roberta full = Roberta.load(src, CpuBackend.INSTANCE), lacking = Roberta.load(dir, CpuBackend.INSTANCE);
        assertTrue(full.headTrained());
        assertFalse(lacking.headTrained());
        List<int[]> ids = List.of(new int[] {0, 31, 7, 99, 2});
        // the encoder is the checkpoint's own: the same states; the random head's logits are left out
        Roberta.ForwardResult a = full.forward(ids, false), b = lacking.forward(ids, false);
        float[] lastA = a.hiddenStates().get(a.hiddenStates().size() - 1), lastB = b.hiddenStates().get(b.hiddenStates().size() - 1);
        for (int i = 0; i < lastA.length; i++) assertEquals(lastA[i], lastB[i], 0f);
        assertNull(b.logits());
        // no tokenizer in the folder: classify is refused at the head check, before any text is read
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lacking.classify(List.of("a text")));
        assertTrue(e.getMessage().contains("classifier.out_proj.weight") && e.getMessage().contains(dir.toString()), e.getMessage());
        // a model built in memory (just trained, say) is not a checkpoint with gaps
        assertTrue(Roberta.of(lacking.model(), null).headTrained());
    }
}
