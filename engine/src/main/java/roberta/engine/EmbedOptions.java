package roberta.engine;

/**
 * Feature-extraction settings, built fluently from a pooling:
 * {@code EmbedOptions.mean().layers("mean-last:4").normalized()}.
 *
 * @param pooling   how token states become one vector; null: the model's own (a
 *                  sentence-transformers folder's Pooling, Dense and Normalize modules, else mean)
 * @param layers    last, all, an index (-2), a list (0,6,12: concatenated) or mean-last:K
 * @param normalize L2-normalise each vector (each token's, for NONE)
 * @param batchSize sequences per forward batch (sorted by length)
 * @param maxLength tokens per sequence, specials included; 0: the model's limit (a
 *                  sentence-transformers folder's max_seq_length, truncating as it does)
 * @param stride    texts longer than maxLength are cut into overlapping windows sharing stride
 *                  tokens, whose token states are averaged where they overlap
 * @param truncate  cut long texts; with neither stride nor truncate (and maxLength 0) a text
 *                  longer than the model takes is an error
 */
public record EmbedOptions(Pooling pooling, String layers, boolean normalize, int batchSize, int maxLength, int stride, boolean truncate) {
    /** The model's own pooling over the last layer, batches of 16, no truncation. */
    public static final EmbedOptions DEFAULT = new EmbedOptions(null, "last", false, 16, 0, 0, false);

    /** Checks the values; layers null means last. */
    public EmbedOptions {
        if (layers == null) layers = "last";
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1");
        if (maxLength < 0 || stride < 0) throw new IllegalArgumentException("max length and stride must be >= 0");
    }

    /** {@return mean pooling, otherwise the defaults} */
    public static EmbedOptions mean() { return DEFAULT.withPooling(Pooling.MEAN); }

    /** {@return the {@code <s>} token's state, otherwise the defaults} */
    public static EmbedOptions cls() { return DEFAULT.withPooling(Pooling.CLS); }

    /** {@return max pooling, otherwise the defaults} */
    public static EmbedOptions max() { return DEFAULT.withPooling(Pooling.MAX); }

    /** {@return every token's state, no pooling, otherwise the defaults} */
    public static EmbedOptions tokens() { return DEFAULT.withPooling(Pooling.NONE); }

    /**
     * These options with another pooling.
     *
     * @param pooling how token states become one vector; null: the model's own
     * @return the options
     */
    public EmbedOptions withPooling(Pooling pooling) { return new EmbedOptions(pooling, layers, normalize, batchSize, maxLength, stride, truncate); }

    /**
     * These options with other layers.
     *
     * @param layers last, all, an index (-2), a list (0,6,12) or mean-last:K
     * @return the options
     */
    public EmbedOptions layers(String layers) { return new EmbedOptions(pooling, layers, normalize, batchSize, maxLength, stride, truncate); }

    /** {@return these options with each vector L2-normalised} */
    public EmbedOptions normalized() { return new EmbedOptions(pooling, layers, true, batchSize, maxLength, stride, truncate); }

    /**
     * These options with another batch size.
     *
     * @param batchSize sequences per forward batch
     * @return the options
     */
    public EmbedOptions batchSize(int batchSize) { return new EmbedOptions(pooling, layers, normalize, batchSize, maxLength, stride, truncate); }

    /**
     * These options with another length.
     *
     * @param maxLength tokens per sequence, specials included; 0: the model's limit
     * @return the options
     */
    public EmbedOptions maxLength(int maxLength) { return new EmbedOptions(pooling, layers, normalize, batchSize, maxLength, stride, truncate); }

    /**
     * These options with sliding windows over long texts.
     *
     * @param stride tokens consecutive windows share
     * @return the options
     */
    public EmbedOptions stride(int stride) { return new EmbedOptions(pooling, layers, normalize, batchSize, maxLength, stride, truncate); }

    /** {@return these options with long texts cut to the length} */
    public EmbedOptions truncating() { return new EmbedOptions(pooling, layers, normalize, batchSize, maxLength, stride, true); }
}
