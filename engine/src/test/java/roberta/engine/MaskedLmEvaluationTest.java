package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import roberta.engine.train.Example;
import roberta.engine.train.MlmMasking;
import roberta.engine.train.Problem;
import roberta.engine.train.Task;
import roberta.engine.train.TaskData;
import roberta.kernels.CpuBackend;
import roberta.tokenizer.RobertaTokenizer;

/** Held-out masked-token accuracy: the share of masked positions whose top prediction is the original token. */
class MaskedLmEvaluationTest {
    @Test
    void maskedAccuracyCountsTopPredictionsAtTheMaskedPositions(@TempDir Path dir) throws Exception {
        // the shipped pretrained model, so that some predictions are right and the count means something
        Path folder = TestData.shippedModel();
        RobertaTokenizer tok = RobertaTokenizer.load(folder);
        RobertaModel model = RobertaModel.load(folder, CpuBackend.INSTANCE, null, null, 0);
        Path text = Files.writeString(dir.resolve("held.txt"), "It was the best of times, it was the worst of times, it was the age of wisdom.\n".repeat(12));
        List<Example> examples = TaskData.load(text, Task.MLM, tok, Map.of(), Problem.SINGLE_LABEL, 64);
        int batchSize = examples.size(); // one batch: Evaluation masks it with seed + 0
        long seed = 7;
        Map<String, Object> m = Evaluation.evaluate(model, tok, Task.MLM, examples, Map.of(), batchSize, seed);

        // the same masking, every position's logits from the MLM head, counted here
        MlmMasking.Batch masked = MlmMasking.mask(examples, tok, model.config().vocabSize(), new SplittableRandom(seed));
        PackedBatch packed = PackedBatch.of(masked.ids(), null, model.config().padTokenId(), model.config().maxPositionEmbeddings());
        long scored = 0, right = 0;
        try (Graph g = Graph.inference(model.backend())) {
            Var logits = model.head(g, packed, model.encode(g, packed, false, false).last());
            float[] l = model.backend().toHost(logits.value());
            int v = logits.value().cols();
            for (int s = 0; s < masked.labels().size(); s++) {
                int[] labels = masked.labels().get(s);
                for (int t = 0; t < labels.length; t++) {
                    if (labels[t] == Example.IGNORE) continue;
                    int row = packed.seqStart[s] + t, best = 0;
                    for (int k = 1; k < v; k++) if (l[row * v + k] > l[row * v + best]) best = k;
                    scored++;
                    if (best == labels[t]) right++;
                }
            }
        }
        assertTrue(scored > 10, "positions masked: " + scored);
        assertTrue(right > 0 && right < scored, "some right, some wrong: " + right + " of " + scored);
        assertEquals(scored, ((Number) m.get("eval_masked_tokens")).longValue());
        assertEquals((double) right / scored, (Double) m.get("eval_masked_accuracy"), 1e-12);
    }
}
