package roberta.tokenizer;

import java.util.List;

/**
 * One encoded input, as Hugging Face's Encoding. Arrays all have the same length.
 * offsets: [start, end) UTF-16 indices into the text the token came from (the pair's tokens
 * index into the pair); special and padding tokens have [0, 0). sequenceIds: 0 for the
 * first text, 1 for the pair, -1 for special tokens and padding.
 *
 * @param ids token ids, what the model reads
 * @param tokens the tokens as the vocabulary spells them
 * @param offsetStarts where each token starts in its text (UTF-16 index)
 * @param offsetEnds where each token ends in its text (exclusive)
 * @param typeIds token type ids (all 0 for RoBERTa)
 * @param attentionMask 1 for a real token, 0 for padding
 * @param specialTokensMask 1 for a special token
 * @param sequenceIds 0 for the first text, 1 for the pair, -1 for special tokens and padding
 * @param overflowing the windows truncation cut off, each an encoding of its own (empty when none)
 */
public record Encoding(int[] ids, String[] tokens, int[] offsetStarts, int[] offsetEnds, int[] typeIds,
                       int[] attentionMask, int[] specialTokensMask, int[] sequenceIds, List<Encoding> overflowing) {

    /**
     * Tokens in this encoding.
     *
     * @return the length of every array
     */
    public int length() {
        return ids.length;
    }

    /**
     * The offsets as pairs, for JSON output.
     *
     * @return [start, end) per token
     */
    public int[][] offsets() {
        int[][] out = new int[ids.length][];
        for (int i = 0; i < ids.length; i++) out[i] = new int[] {offsetStarts[i], offsetEnds[i]};
        return out;
    }
}
