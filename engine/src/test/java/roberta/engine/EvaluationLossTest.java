package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import roberta.engine.train.Example;
import roberta.engine.train.Task;
import roberta.kernels.CpuBackend;

/**
 * eval_loss is the mean over the items a loss scores (sequences for seq-cls, labelled tokens for
 * token-cls), not the mean of batch means: the same whatever the batch size, and equal to each
 * example's loss alone, weighted by what it scores.
 */
class EvaluationLossTest {
    private static final int[][] IDS = {
        {0, 31, 7, 99, 2}, {0, 5, 2}, {0, 400, 401, 402, 403, 404, 405, 2}, {0, 17, 18, 2}, {0, 250, 251, 252, 2}};

    @Test
    void sequenceClassificationLossIsTheMeanOverSequences() {
        RobertaModel model = RobertaModel.load(TestData.model("tiny-roberta-cls"), CpuBackend.INSTANCE, null, null, 0);
        List<Example> examples = new ArrayList<>();
        for (int i = 0; i < IDS.length; i++) examples.add(new Example(i + 1, IDS[i], i % 2, null, null));
        checkBatchSizes(model, Task.SEQ_CLS, examples, new long[] {1, 1, 1, 1, 1});
    }

    @Test
    void tokenClassificationLossIsTheMeanOverLabelledTokens() {
        RobertaModel model = RobertaModel.load(TestData.model("tiny-roberta-ner"), CpuBackend.INSTANCE, null, null, 0);
        List<Example> examples = new ArrayList<>();
        long[] labelled = new long[IDS.length];
        for (int i = 0; i < IDS.length; i++) {
            int[] tags = new int[IDS[i].length];
            for (int t = 0; t < tags.length; t++) {
                boolean special = t == 0 || t == tags.length - 1;
                tags[t] = special ? Example.IGNORE : (i + t) % 5;
                if (!special) labelled[i]++;
            }
            examples.add(new Example(i + 1, IDS[i], 0, null, tags));
        }
        checkBatchSizes(model, Task.TOKEN_CLS, examples, labelled);
    }

    /** weights: the items each example's loss alone is the mean of. */
    private static void checkBatchSizes(RobertaModel model, Task task, List<Example> examples, long[] weights) {
        double weighted = 0, unweighted = 0;
        long total = 0;
        for (int i = 0; i < examples.size(); i++) {
            double alone = loss(model, task, examples.subList(i, i + 1), 1);
            weighted += alone * weights[i];
            unweighted += alone;
            total += weights[i];
        }
        double want = weighted / total;
        for (int batchSize : new int[] {1, 2, 3, 5})
            assertEquals(want, loss(model, task, examples, batchSize), 1e-6, task + " at batch size " + batchSize);
        if (task == Task.TOKEN_CLS) // the examples score different numbers of tokens, so the weighting matters
            assertNotEquals(unweighted / examples.size(), want, 1e-4);
    }

    private static double loss(RobertaModel model, Task task, List<Example> examples, int batchSize) {
        Map<String, Object> m = Evaluation.evaluate(model, null, task, examples, model.config().id2label(), batchSize, 0);
        return ((Number) m.get("eval_loss")).doubleValue();
    }
}
