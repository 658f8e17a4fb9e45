package roberta.engine;

/**
 * Feature-extraction settings. maxLength 0 means the model's limit. With stride > 0, texts
 * longer than maxLength are cut into overlapping windows (stride tokens shared between
 * neighbours) whose token states are averaged where they overlap; with truncate, long texts
 * are cut; with neither, a long text is an error.
 */
public record EmbedOptions(Pooling pooling, String layers, boolean normalize, int batchSize, int maxLength, int stride, boolean truncate) {
    public static final EmbedOptions DEFAULT = new EmbedOptions(Pooling.MEAN, "last", false, 16, 0, 0, false);

    public EmbedOptions {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1");
        if (maxLength < 0 || stride < 0) throw new IllegalArgumentException("max length and stride must be >= 0");
    }
}
