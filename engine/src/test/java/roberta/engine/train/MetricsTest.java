package roberta.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Metrics against the worked examples in the documentation of scikit-learn, seqeval and SciPy. */
class MetricsTest {
    @Test
    void macroF1MatchesScikitLearnsExample() {
        // sklearn.metrics.f1_score docs: y_true=[0,1,2,0,1,2], y_pred=[0,2,1,0,0,1], average='macro' -> 0.267
        assertEquals(0.26666666666666666, Metrics.macroF1(new int[] {0, 1, 2, 0, 1, 2}, new int[] {0, 2, 1, 0, 0, 1}, 3), 1e-12);
        assertEquals(0.3333333333333333, Metrics.accuracy(new int[] {0, 1, 2, 0, 1, 2}, new int[] {0, 2, 1, 0, 0, 1}), 1e-12);
    }

    @Test
    void entityF1MatchesSeqevalsExample() {
        // seqeval README: f1_score(y_true, y_pred) -> 0.50
        List<String[]> gold = List.of(new String[] {"O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"}, new String[] {"B-PER", "I-PER", "O"});
        List<String[]> pred = List.of(new String[] {"O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"}, new String[] {"B-PER", "I-PER", "O"});
        assertEquals(0.5, Metrics.entityF1(gold, pred), 1e-12);
    }

    @Test
    void correlationsMatchScipysExamples() {
        // scipy.stats.spearmanr([1,2,3,4,5], [5,6,7,8,7]) -> 0.8207826816681233
        assertEquals(0.8207826816681233, Metrics.spearman(new double[] {1, 2, 3, 4, 5}, new double[] {5, 6, 7, 8, 7}), 1e-12);
        // scipy.stats.pearsonr([1,2,3,4,5], [10,9,2.5,6,4]) -> -0.7426106572325057
        assertEquals(-0.7426106572325057, Metrics.pearson(new double[] {1, 2, 3, 4, 5}, new double[] {10, 9, 2.5, 6, 4}), 1e-12);
    }

    @Test
    void multiLabelScoresMatchScikitLearns() {
        // sklearn.metrics.f1_score docs' multilabel case: y_true=[[0,0,0],[1,1,1],[0,1,1]], y_pred=[[0,0,0],[1,1,1],[1,1,0]],
        // average=None -> [0.667, 1.0, 0.667], so 'macro' -> 0.778; accuracy_score (subset accuracy) -> 2/3
        double[] s = Metrics.multiLabel(new int[][] {{0, 0, 0}, {1, 1, 1}, {0, 1, 1}}, new int[][] {{0, 0, 0}, {1, 1, 1}, {1, 1, 0}});
        assertEquals(2.0 / 3, s[0], 1e-12);
        assertEquals((2.0 / 3 + 1 + 2.0 / 3) / 3, s[1], 1e-12);
        // accuracy_score docs: accuracy_score([[0,1],[1,1]], ones((2,2))) -> 0.5; a label never true nor predicted counts 0 in the mean
        assertEquals(0.5, Metrics.multiLabel(new int[][] {{0, 1}, {1, 1}}, new int[][] {{1, 1}, {1, 1}})[0], 1e-12);
        assertEquals(0.5, Metrics.multiLabel(new int[][] {{1, 0}, {1, 0}}, new int[][] {{1, 0}, {1, 0}})[1], 1e-12);
    }
}
