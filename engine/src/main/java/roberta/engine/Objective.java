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
        return problem(model.config());
    }

    /** The problem a sequence classifier's config.json says it solves, as transformers reads it (no problem_type and one label: regression). */
    public static Problem problem(roberta.loader.RobertaConfig config) {
        String p = config.problemType();
        if ("regression".equals(p)) return Problem.REGRESSION;
        if ("multi_label_classification".equals(p)) return Problem.MULTI_LABEL;
        if (p == null && config.numLabels() == 1) return Problem.REGRESSION;
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

    /**
     * How many items {@link #lossAndSeed}'s loss is the mean of: the labelled rows for
     * cross-entropy (tokens for MLM and token classification, sequences for single-label), the
     * sequences for MSE and BCE (each sequence's outputs are as many in every batch). An
     * evaluation over several batches weights each batch's loss by this, so that its loss is the
     * mean over all the items, whatever the batch size.
     */
    static long lossItems(RobertaModel model, PackedBatch batch, Targets targets) {
        HeadType head = model.head();
        if (head == HeadType.MASKED_LM || head == HeadType.TOKEN_CLASSIFICATION) return labelled(targets.packed(batch));
        if (head == HeadType.SEQUENCE_CLASSIFICATION && problem(model) == Problem.SINGLE_LABEL) return labelled(targets.classes());
        return batch.sequences();
    }

    private static long labelled(int[] labels) {
        long n = 0;
        for (int l : labels) if (l != Targets.IGNORE) n++;
        return n;
    }

    /** Labels must be a class index or {@link Targets#IGNORE}: checked here, not in the kernel. */
    private static int[] checked(int[] labels, int classes) {
        for (int i = 0; i < labels.length; i++)
            if (labels[i] != Targets.IGNORE && (labels[i] < 0 || labels[i] >= classes))
                throw new IllegalArgumentException("label " + labels[i] + " at row " + i + " is not a class of this head (0.." + (classes - 1) + ")");
        return labels;
    }
}
