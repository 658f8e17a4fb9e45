package roberta.tokenizer;

/**
 * A token matched in raw text before BPE runs, as in tokenizer.json's "added_tokens".
 * lstrip/rstrip let the match swallow whitespace on that side (RoBERTa's {@code <mask>} has
 * lstrip, so "is <mask>" gives one token " <mask>"); singleWord only matches whole words.
 */
public record AddedToken(int id, String content, boolean special, boolean lstrip, boolean rstrip, boolean singleWord) {
    public static AddedToken special(int id, String content) {
        return new AddedToken(id, content, true, false, false, false);
    }
}
