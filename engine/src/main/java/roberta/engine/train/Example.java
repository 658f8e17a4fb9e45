package roberta.engine.train;

/**
 * One training or evaluation example, tokenized: ids with {@code <s>}/{@code </s>}; for
 * sequence classification a class (or values for regression / multi-label); for token
 * classification one label per token position (-100 where no word starts); line is where
 * it came from.
 */
public record Example(int line, int[] ids, int label, float[] values, int[] tokenLabels) {
    /** A token position that is not scored (Hugging Face's -100: no word starts there, or not masked). */
    public static final int IGNORE = -100;
}
