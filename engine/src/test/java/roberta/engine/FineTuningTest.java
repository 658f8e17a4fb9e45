package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import roberta.engine.train.Task;
import roberta.kernels.Devices;

/** The Java API runs a whole fine-tuning job as the CLI does: output folder, resume, refusals. */
class FineTuningTest {
    @Test
    void aRunFromTheApiWritesTheFolderAndAResumeSaysItIsDone(@TempDir Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 12; i++)
            sb.append("{\"text\": \"").append(i % 2 == 0 ? "great film " : "awful film ").append(i).append("\", \"label\": \"")
                    .append(i % 2 == 0 ? "pos" : "neg").append("\"}\n");
        Path train = Files.writeString(dir.resolve("train.jsonl"), sb.toString()), out = dir.resolve("run");
        TrainOptions options = TrainOptions.defaults(Task.SEQ_CLS).withEpochs(2).withLr(1e-3f).withBatchSize(4).withMaxLength(16);
        FineTuning.RandomInit tiny = new FineTuning.RandomInit(16, 1, 2, 32);
        FineTuning.Run run = new FineTuning.Run(TestData.model("tiny-roberta-mlm"), train, train, out, options, tiny, false, false);

        FineTuning.Outcome first = FineTuning.run(run, Devices.auto());
        assertFalse(first.alreadyFinished());
        assertEquals(6, first.steps(), "2 epochs of 3 batches");
        assertTrue(first.metrics().containsKey("eval_accuracy"), first.metrics().toString());
        assertTrue(Files.isRegularFile(out.resolve("model/model.safetensors")) && Files.isRegularFile(out.resolve("checkpoints/epoch-2/trainer_state.json")));
        assertTrue(Files.readString(out.resolve("model/config.json")).contains("\"pos\""));

        FineTuning.Outcome again = FineTuning.run(new FineTuning.Run(run.model(), train, train, out, options, tiny, true, false), Devices.auto());
        assertTrue(again.alreadyFinished());
        assertEquals(first.metrics().get("eval_accuracy"), again.metrics().get("eval_accuracy"));

        var refused = assertThrows(IllegalArgumentException.class, () -> FineTuning.run(run, Devices.auto()));
        assertTrue(refused.getMessage().contains("already holds a finetune run"), refused.getMessage());
    }
}
