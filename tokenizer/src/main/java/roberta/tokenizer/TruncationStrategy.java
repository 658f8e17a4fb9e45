package roberta.tokenizer;

/** How to shorten an input (or a pair) to max_length, as Hugging Face names the strategies. */
public enum TruncationStrategy {
    LONGEST_FIRST, ONLY_FIRST, ONLY_SECOND;

    public static TruncationStrategy parse(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT).replace('-', '_')) {
            case "longest_first" -> LONGEST_FIRST;
            case "only_first" -> ONLY_FIRST;
            case "only_second" -> ONLY_SECOND;
            default -> throw new IllegalArgumentException(
                    "unknown truncation strategy '" + name + "' (expected longest_first, only_first or only_second)");
        };
    }
}
