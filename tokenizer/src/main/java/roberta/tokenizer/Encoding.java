package roberta.tokenizer;

import java.util.List;

/**
 * One encoded input, as Hugging Face's Encoding. Arrays all have the same length.
 * offsets: [start, end) UTF-16 indices into the text the token came from (the pair's tokens
 * index into the pair); special and padding tokens have [0, 0). sequenceIds: 0 for the
 * first text, 1 for the pair, -1 for special tokens and padding.
 */
public record Encoding(int[] ids, String[] tokens, int[] offsetStarts, int[] offsetEnds, int[] typeIds,
                       int[] attentionMask, int[] specialTokensMask, int[] sequenceIds, List<Encoding> overflowing) {

    public int length() {
        return ids.length;
    }

    /** The offsets as pairs, for JSON output. */
    public int[][] offsets() {
        int[][] out = new int[ids.length][];
        for (int i = 0; i < ids.length; i++) out[i] = new int[] {offsetStarts[i], offsetEnds[i]};
        return out;
    }
}
