package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import roberta.kernels.CpuBackend;
import roberta.loader.HeadType;
import roberta.loader.RobertaConfig;
import roberta.engine.train.Problem;

/**
 * Every parameter's gradient against central finite differences, on a small random model
 * with odd sizes (H=12, 3 heads, I=19, vocab 41), sequences of different lengths, and
 * dropout on (its masks depend only on the seed, so both evaluations see the same ones).
 */
class FiniteDifferenceTest {
    static RobertaModel tinyModel(HeadType head, Problem problem, float dropout, long seed) {
        ObjectNode json = (ObjectNode) RobertaConfig.of(41, 12, 2, 3, 19, 24).json();
        json.put("hidden_dropout_prob", dropout).put("attention_probs_dropout_prob", dropout);
        RobertaConfig c = RobertaConfig.fromJson(json, "test");
        java.util.Map<Integer, String> labels = java.util.Map.of(0, "a", 1, "b", 2, "c");
        String type = problem == Problem.REGRESSION ? "regression" : problem == Problem.MULTI_LABEL ? "multi_label_classification" : null;
        if (head != HeadType.NONE && head != HeadType.MASKED_LM)
            c = c.withHead(head.architecture, problem == Problem.REGRESSION ? java.util.Map.of(0, "y") : labels, type);
        else if (head == HeadType.MASKED_LM) c = c.withHead(head.architecture, null, null);
        RobertaModel m = RobertaModel.random(c, head, CpuBackend.INSTANCE, seed);
        // larger weights than the 0.02 init so every path carries signal
        Random rng = new Random(seed);
        for (Param p : m.params().values()) {
            float[] v = CpuBackend.INSTANCE.toHost(p.value);
            for (int i = 0; i < v.length; i++) v[i] += (float) (rng.nextGaussian() * 0.3);
            CpuBackend.INSTANCE.copyFromHost(p.value, v);
        }
        Freezing.apply(m, Freezing.parse("none", null));
        return m;
    }

    enum Case { MLM, SEQ_SINGLE, SEQ_REGRESSION, SEQ_MULTI, TOKEN }

    @ParameterizedTest
    @EnumSource(Case.class)
    void gradientsMatchFiniteDifferences(Case which) {
        HeadType head = switch (which) {
            case MLM -> HeadType.MASKED_LM;
            case TOKEN -> HeadType.TOKEN_CLASSIFICATION;
            default -> HeadType.SEQUENCE_CLASSIFICATION;
        };
        Problem problem = switch (which) {
            case SEQ_REGRESSION -> Problem.REGRESSION;
            case SEQ_MULTI -> Problem.MULTI_LABEL;
            default -> Problem.SINGLE_LABEL;
        };
        RobertaModel m = tinyModel(head, problem, 0.1f, 5);
        Random rng = new Random(11);
        List<int[]> ids = new ArrayList<>(), tokenLabels = new ArrayList<>();
        for (int len : new int[] {7, 3, 11}) {
            int[] s = new int[len], l = new int[len];
            for (int i = 0; i < len; i++) {
                s[i] = 2 + rng.nextInt(39);
                l[i] = rng.nextInt(4) == 0 ? Targets.IGNORE : (head == HeadType.MASKED_LM ? rng.nextInt(41) : rng.nextInt(3));
            }
            ids.add(s);
            tokenLabels.add(l);
        }
        Targets targets = switch (which) {
            case MLM, TOKEN -> Targets.perToken(tokenLabels);
            case SEQ_SINGLE -> Targets.classes(new int[] {2, 0, 1});
            case SEQ_REGRESSION -> Targets.values(new float[] {0.5f, -1.2f, 2f});
            case SEQ_MULTI -> Targets.values(new float[] {1, 0, 1, 0, 0, 1, 1, 1, 0});
        };
        PackedBatch batch = PackedBatch.of(ids, null, 1, 24);
        // analytic
        Tape tape = new Tape();
        Graph g = new Graph(CpuBackend.INSTANCE, tape, true, 99);
        Var logits = m.head(g, batch, m.encode(new Graph(CpuBackend.INSTANCE, tape, true, 98), batch, false, false).last());
        Objective.lossAndSeed(g, m, batch, logits, targets);
        tape.backward();
        int checked = 0;
        for (Param p : m.params().values()) {
            if (p.name.startsWith("pooler.")) continue;
            float[] grad = p.grad == null ? new float[p.value.size()] : CpuBackend.INSTANCE.toHost(p.grad);
            float[] w = CpuBackend.INSTANCE.toHost(p.value);
            // the three largest gradient entries and one random entry
            List<Integer> picks = new ArrayList<>();
            Integer[] order = new Integer[grad.length];
            for (int i = 0; i < grad.length; i++) order[i] = i;
            java.util.Arrays.sort(order, (a, b) -> Float.compare(Math.abs(grad[b]), Math.abs(grad[a])));
            for (int i = 0; i < Math.min(3, grad.length); i++) picks.add(order[i]);
            picks.add(rng.nextInt(grad.length));
            float maxGrad = Math.abs(grad[order[0]]);
            for (int idx : picks) {
                double eps = 1e-2 * Math.max(1, Math.abs(w[idx]));
                double plus = lossWith(m, p, w, idx, w[idx] + eps, batch, targets);
                double minus = lossWith(m, p, w, idx, w[idx] - eps, batch, targets);
                double fd = (plus - minus) / (2 * eps);
                double err = Math.abs(fd - grad[idx]);
                assertTrue(err <= 2e-3 + 2e-2 * Math.max(Math.abs(fd), 0.05 * maxGrad),
                        which + " " + p.name + "[" + idx + "]: analytic " + grad[idx] + " vs finite difference " + fd);
                checked++;
            }
        }
        assertTrue(checked > 40);
    }

    private static double lossWith(RobertaModel m, Param p, float[] w, int idx, double value, PackedBatch batch, Targets targets) {
        float[] changed = w.clone();
        changed[idx] = (float) value;
        CpuBackend.INSTANCE.copyFromHost(p.value, changed);
        Graph g = new Graph(CpuBackend.INSTANCE, null, true, 99);
        Var logits = m.head(g, batch, m.encode(new Graph(CpuBackend.INSTANCE, null, true, 98), batch, false, false).last());
        double loss = Objective.lossAndSeed(g, m, batch, logits, targets);
        CpuBackend.INSTANCE.copyFromHost(p.value, w);
        return loss;
    }
}
