package roberta.tokenizer;

/**
 * How to encode: with or without {@code <s>}/{@code </s>}, and truncation. maxLength 0 means
 * no truncation; maxLength counts the special tokens, as in Hugging Face. stride is how
 * many tokens each overflowing window repeats from the one before.
 */
public record EncodeOptions(boolean addSpecialTokens, int maxLength, TruncationStrategy truncation, int stride) {
    public static final EncodeOptions DEFAULT = new EncodeOptions(true, 0, TruncationStrategy.LONGEST_FIRST, 0);

    public EncodeOptions {
        if (maxLength < 0) throw new IllegalArgumentException("max length must be >= 0, got " + maxLength);
        if (stride < 0) throw new IllegalArgumentException("stride must be >= 0, got " + stride);
        if (truncation == null) truncation = TruncationStrategy.LONGEST_FIRST;
    }

    public static EncodeOptions truncateTo(int maxLength) {
        return new EncodeOptions(true, maxLength, TruncationStrategy.LONGEST_FIRST, 0);
    }

    public EncodeOptions withStride(int newStride) {
        return new EncodeOptions(addSpecialTokens, maxLength, truncation, newStride);
    }
}
