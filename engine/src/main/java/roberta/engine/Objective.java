package roberta.engine;

import roberta.engine.train.Problem;
import roberta.kernels.Backend;
import roberta.loader.HeadType;

/**
 * The loss of each head, as RobertaFor*'s forward computes it: cross-entropy for MLM and
 * token classification (-100 ignored), and for sequence classification cross-entropy,
 * MSE (regression) or BCE-with-logits (multi-label) chosen by problem_type.
 */
public final class Objective {
    private Objective() {}

    public static Problem problem(RobertaModel model) {
        String p = model.config().problemType();
        if ("regression".equals(p)) return Problem.REGRESSION;
        if ("multi_label_classification".equals(p)) return Problem.MULTI_LABEL;
        if (p == null && model.config().numLabels() == 1) return Problem.REGRESSION;
        return Problem.SINGLE_LABEL;
    }

    /**
     * Computes the mean loss and seeds the gradient of the logits with it (for {@link Tape#backward()});
     * the gradient belongs to the graph and is released with it.
     */
    public static double lossAndSeed(Graph g, RobertaModel model, PackedBatch batch, Var logits, Targets targets) {
        Backend be = model.backend();
        var dlogits = g.gradient(logits);
        double loss;
        HeadType head = model.head();
        int classes = logits.value().cols();
        if (head == HeadType.MASKED_LM || head == HeadType.TOKEN_CLASSIFICATION) {
            loss = be.crossEntropy(dlogits, logits.value(), g.ints(checked(targets.packed(batch), classes)), Targets.IGNORE);
        } else if (head == HeadType.SEQUENCE_CLASSIFICATION) {
            loss = switch (problem(model)) {
                case SINGLE_LABEL -> be.crossEntropy(dlogits, logits.value(), g.ints(checked(targets.classes(), classes)), Targets.IGNORE);
                case REGRESSION -> be.mse(dlogits, logits.value(), targets.values());
                case MULTI_LABEL -> be.bceWithLogits(dlogits, logits.value(), targets.values());
            };
        } else {
            throw new IllegalArgumentException("a " + head.architecture + " has no loss; load or add a head first");
        }
        return loss;
    }

    /** Labels must be a class index or {@link Targets#IGNORE}: checked here, not in the kernel. */
    private static int[] checked(int[] labels, int classes) {
        for (int i = 0; i < labels.length; i++)
            if (labels[i] != Targets.IGNORE && (labels[i] < 0 || labels[i] >= classes))
                throw new IllegalArgumentException("label " + labels[i] + " at row " + i + " is not a class of this head (0.." + (classes - 1) + ")");
        return labels;
    }
}
