package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The head on frozen features: exact gradients (against finite differences), and it learns what the features hold. */
class FeatureHeadTest {
    private static List<float[]> rows(int n, int width, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] row = new float[width];
            for (int c = 0; c < width; c++) row[c] = (float) r.nextGaussian();
            out.add(row);
        }
        return out;
    }

    /** Central differences in double around every parameter of a head, dropout off. */
    private static void checkGradients(FeatureHead head) {
        int layers = head.layers, h = head.hidden, classes = head.classes;
        List<float[]> rows = rows(5, layers * h, 3);
        int[] labels = {0, 2 % classes, 1, 1, 0};
        int[] batch = {0, 1, 2, 3, 4};
        // move the mix away from uniform so its gradient is not special
        if (head.mix) {
            float[] s = head.value("scalar_mix.scalar_parameters");
            for (int j = 0; j < s.length; j++) s[j] = 0.3f * j - 0.4f;
            head.value("scalar_mix.gamma")[0] = 1.3f;
        }
        head.lossAndGradients(rows, labels, batch, 0f, null, true);
        int checked = 0;
        for (String name : head.names()) {
            float[] v = head.value(name), g = head.grad(name).clone();
            for (int i = 0; i < v.length; i += v.length < 40 ? 1 : v.length / 7) {
                float keep = v[i];
                double eps = 1e-2;
                v[i] = (float) (keep + eps);
                double up = head.lossAndGradients(rows, labels, batch, 0f, null, false);
                v[i] = (float) (keep - eps);
                double down = head.lossAndGradients(rows, labels, batch, 0f, null, false);
                v[i] = keep;
                double numeric = (up - down) / (2 * eps);
                assertEquals(numeric, g[i], 2e-3 + 2e-2 * Math.abs(numeric), name + "[" + i + "]");
                checked++;
            }
        }
        assertTrue(checked >= 15, "checked " + checked);
    }

    @Test
    void classificationHeadWithAMixHasExactGradients() {
        checkGradients(new FeatureHead(FeatureHead.Shape.CLASSIFICATION, 4, 6, 3, true, 1));
    }

    @Test
    void linearHeadOnTheLastLayerHasExactGradients() {
        checkGradients(new FeatureHead(FeatureHead.Shape.LINEAR, 3, 5, 3, false, 2));
    }

    @Test
    void theMixLearnsWhichLayerHoldsTheLabel() {
        // 3 layers of 8 features: only layer 1 tells the class (its first feature's sign), the others are noise
        int layers = 3, h = 8, n = 400;
        List<float[]> rows = rows(n, layers * h, 5);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            rows.get(i)[h] = (labels[i] == 1 ? 2f : -2f) + 0.3f * rows.get(i)[h];
        }
        FeatureHead head = new FeatureHead(FeatureHead.Shape.CLASSIFICATION, layers, h, 2, true, 7);
        double before = head.loss(rows, labels);
        List<Double> losses = new ArrayList<>();
        head.train(rows, labels, new FeatureHead.Options(15, 3e-2f, 16, 0.06f, 0.01f, 1f, 0.1f, 11), (loss, epoch) -> losses.add(loss));
        double after = head.loss(rows, labels);
        assertTrue(after < 0.25 * before, before + " -> " + after);
        assertTrue(losses.get(losses.size() - 1) < losses.get(0), losses.toString());
        float[] w = head.layerWeights();
        assertTrue(w[1] > w[0] && w[1] > w[2], "the informative layer should weigh most: " + java.util.Arrays.toString(w));
        assertEquals(1.0, w[0] + w[1] + w[2], 1e-5);
    }

    @Test
    void withoutAMixTheHeadReadsOnlyTheLastLayer() {
        int layers = 2, h = 4;
        FeatureHead head = new FeatureHead(FeatureHead.Shape.LINEAR, layers, h, 2, false, 3);
        float[] a = new float[layers * h], b = a.clone();
        for (int c = 0; c < h; c++) {
            a[c] = 5f; // layer 0 differs
            b[h + c] = a[h + c] = 0.5f * c;
        }
        float[][] logits = head.logits(List.of(a, b));
        assertEquals(logits[0][0], logits[1][0], 0f);
        assertEquals(logits[0][1], logits[1][1], 0f);
    }
}
