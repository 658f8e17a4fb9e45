package roberta.tokenizer;

/**
 * How to encode: with or without {@code <s>}/{@code </s>}, and truncation. maxLength 0 means
 * no truncation; maxLength counts the special tokens, as in Hugging Face. stride is how
 * many tokens each overflowing window repeats from the one before.
 *
 * @param addSpecialTokens wrap the text in {@code <s>}...{@code </s>} (a pair as {@code <s>} A {@code </s></s>} B {@code </s>})
 * @param maxLength the most tokens, special tokens included; 0: no truncation
 * @param truncation which text of a pair is cut first (null: longest first)
 * @param stride tokens each overflowing window repeats from the one before
 */
public record EncodeOptions(boolean addSpecialTokens, int maxLength, TruncationStrategy truncation, int stride) {
    /** Special tokens added, no truncation. */
    public static final EncodeOptions DEFAULT = new EncodeOptions(true, 0, TruncationStrategy.LONGEST_FIRST, 0);

    /** Checks the lengths and fills in the default truncation. */
    public EncodeOptions {
        if (maxLength < 0) throw new IllegalArgumentException("max length must be >= 0, got " + maxLength);
        if (stride < 0) throw new IllegalArgumentException("stride must be >= 0, got " + stride);
        if (truncation == null) truncation = TruncationStrategy.LONGEST_FIRST;
    }

    /**
     * Special tokens added, cut to maxLength tokens, longest text of a pair first.
     *
     * @param maxLength the most tokens, special tokens included
     * @return the options
     */
    public static EncodeOptions truncateTo(int maxLength) {
        return new EncodeOptions(true, maxLength, TruncationStrategy.LONGEST_FIRST, 0);
    }

    /**
     * These options with overflowing windows that overlap.
     *
     * @param newStride tokens each window repeats from the one before
     * @return the options
     */
    public EncodeOptions withStride(int newStride) {
        return new EncodeOptions(addSpecialTokens, maxLength, truncation, newStride);
    }
}
