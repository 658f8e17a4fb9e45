package roberta.engine;

import java.util.List;

/**
 * Training targets for one batch, in the form each head's loss takes. Token-level labels
 * are given per original (unpacked) position and use -100 for "ignore", as Hugging Face does.
 */
public record Targets(int[] classes, float[] values, List<int[]> tokenLabels) {
    public static final int IGNORE = -100;

    /** Single-label classification: one class per sequence. */
    public static Targets classes(int[] perSequence) {
        return new Targets(perSequence, null, null);
    }

    /** Regression ([sequences, 1]) or multi-label ([sequences, labels] of 0/1) targets. */
    public static Targets values(float[] values) {
        return new Targets(null, values, null);
    }

    /** Token classification or MLM: one label per original position, -100 to ignore. */
    public static Targets perToken(List<int[]> labels) {
        return new Targets(null, null, labels);
    }

    /** Token labels for the packed rows of a batch. */
    int[] packed(PackedBatch batch) {
        int[] out = new int[batch.tokens()];
        for (int s = 0; s < batch.sequences(); s++) {
            int[] labels = tokenLabels.get(s);
            for (int r = 0; r < batch.seqLen[s]; r++) {
                int row = batch.seqStart[s] + r;
                out[row] = labels[batch.sourceIndex[row]];
            }
        }
        return out;
    }
}
