package roberta.engine;

import java.util.List;

/**
 * Training targets for one batch, in the form each head's loss takes. Token-level labels
 * are given per original (unpacked) position and use -100 for "ignore", as Hugging Face does.
 */
public record Targets(int[] classes, float[] values, List<int[]> tokenLabels, int[] rowLabels) {
    public static final int IGNORE = roberta.engine.train.Example.IGNORE;

    /** Single-label classification: one class per sequence. */
    public static Targets classes(int[] perSequence) {
        return new Targets(perSequence, null, null, null);
    }

    /** Regression ([sequences, 1]) or multi-label ([sequences, labels] of 0/1) targets. */
    public static Targets values(float[] values) {
        return new Targets(null, values, null, null);
    }

    /** Token classification or MLM: one label per original position, -100 to ignore. */
    public static Targets perToken(List<int[]> labels) {
        return new Targets(null, null, labels, null);
    }

    /** One label per row of the logits, already in packed order (e.g. MLM labels at the masked rows only). */
    public static Targets perRow(int[] labels) {
        return new Targets(null, null, null, labels);
    }

    /**
     * The masked-LM trick: the head is per token, so only rows with a label need logits. Returns
     * those packed rows; {@code perRow(labelsAt(batch, rows))} are their targets.
     */
    int[] labelledRows(PackedBatch batch) {
        int[] all = packed(batch);
        return java.util.stream.IntStream.range(0, all.length).filter(r -> all[r] != IGNORE).toArray();
    }

    int[] labelsAt(PackedBatch batch, int[] rows) {
        int[] all = packed(batch);
        int[] out = new int[rows.length];
        for (int i = 0; i < rows.length; i++) out[i] = all[rows[i]];
        return out;
    }

    /** The targets of labelled examples for a seq-cls or token-cls batch. */
    static Targets of(roberta.engine.train.Task task, List<roberta.engine.train.Example> examples) {
        switch (task) {
            case TOKEN_CLS:
                return perToken(examples.stream().map(roberta.engine.train.Example::tokenLabels).toList());
            case SEQ_CLS:
                if (examples.get(0).values() == null) return classes(examples.stream().mapToInt(roberta.engine.train.Example::label).toArray());
                int n = examples.stream().mapToInt(e -> e.values().length).sum();
                float[] out = new float[n];
                int o = 0;
                for (var e : examples) {
                    System.arraycopy(e.values(), 0, out, o, e.values().length);
                    o += e.values().length;
                }
                return values(out);
            default:
                throw new IllegalArgumentException("masked-LM targets come from masking, not from the examples");
        }
    }

    /** Token labels for the packed rows of a batch. */
    int[] packed(PackedBatch batch) {
        if (rowLabels != null) return rowLabels;
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
