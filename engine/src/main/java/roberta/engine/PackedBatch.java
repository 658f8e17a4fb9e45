package roberta.engine;

import java.util.List;

/**
 * Sequences packed end to end with no padding: the encoder's matrices are [tokens, hidden]
 * over real tokens only, and attention runs per sequence. Built from token ids (and an
 * optional attention mask: positions with mask 0 are left out, exactly as the additive -inf
 * mask of Hugging Face leaves them out of every real token's attention).
 */
public final class PackedBatch {
    /** Packed token ids, position ids and token type ids, one per kept token. */
    final int[] ids, positionIds, typeIds;
    /** First packed row and length of each sequence. */
    final int[] seqStart, seqLen;
    /** For each packed row, its index in the original (unpacked) sequence. */
    final int[] sourceIndex;

    private PackedBatch(int[] ids, int[] positionIds, int[] typeIds, int[] seqStart, int[] seqLen, int[] sourceIndex) {
        this.ids = ids;
        this.positionIds = positionIds;
        this.typeIds = typeIds;
        this.seqStart = seqStart;
        this.seqLen = seqLen;
        this.sourceIndex = sourceIndex;
    }

    public int sequences() {
        return seqLen.length;
    }

    public int tokens() {
        return ids.length;
    }

    /**
     * Refuses input's token ids outside [0, vocab) (a tokenizer of another model) as "input N has
     * ...", which the command line turns into the input's file and line: checked as each text is
     * tokenized, before any batch (a batch is sorted by length, so its sequence numbers name no input).
     */
    static void checkInput(int input, int[] ids, int vocab) {
        int at = firstOutside(ids, vocab);
        if (at >= 0) throw new IllegalArgumentException("input " + (input + 1) + " has token id " + ids[at] + ", " + outsideVocabulary(vocab));
    }

    /**
     * Where the first token id outside the model's vocabulary is.
     *
     * @param ids token ids
     * @param vocab the model's vocabulary size
     * @return the first index whose id lies outside [0, vocab), or -1
     */
    public static int firstOutside(int[] ids, int vocab) {
        for (int i = 0; i < ids.length; i++) if (ids[i] < 0 || ids[i] >= vocab) return i;
        return -1;
    }

    /**
     * How every check of token ids against the embeddings ends its message.
     *
     * @param vocab the model's vocabulary size
     * @return "outside the model's vocabulary of V (a tokenizer that does not match the model?)"
     */
    public static String outsideVocabulary(int vocab) {
        return "outside the model's vocabulary of " + vocab + " (a tokenizer that does not match the model?)";
    }

    /** Refuses token ids outside [0, vocab), naming the sequence and position, before any kernel reads them. */
    void checkIds(int vocab) {
        for (int s = 0; s < seqStart.length; s++)
            for (int r = 0; r < seqLen[s]; r++) {
                int id = ids[seqStart[s] + r];
                if (id < 0 || id >= vocab)
                    throw new IllegalArgumentException("sequence " + s + ", token " + sourceIndex[seqStart[s] + r] + ": id " + id
                            + " is " + outsideVocabulary(vocab));
            }
    }

    /**
     * @param sequences token ids per sequence
     * @param masks     attention masks (same lengths), or null for all ones
     * @param padId     the padding id: RoBERTa numbers positions from padId + 1 over non-pad tokens
     */
    public static PackedBatch of(List<int[]> sequences, List<int[]> masks, int padId, int maxPositions) {
        int total = 0;
        for (int s = 0; s < sequences.size(); s++) {
            int[] m = masks == null ? null : masks.get(s);
            if (m != null && m.length != sequences.get(s).length)
                throw new IllegalArgumentException("sequence " + s + ": attention mask length " + m.length + " differs from " + sequences.get(s).length + " ids");
            for (int i = 0; i < sequences.get(s).length; i++) if (m == null || m[i] != 0) total++;
        }
        int[] ids = new int[total], pos = new int[total], types = new int[total], src = new int[total];
        int[] start = new int[sequences.size()], len = new int[sequences.size()];
        int row = 0;
        for (int s = 0; s < sequences.size(); s++) {
            int[] seq = sequences.get(s);
            int[] m = masks == null ? null : masks.get(s);
            start[s] = row;
            int counted = 0;
            for (int i = 0; i < seq.length; i++) {
                // create_position_ids_from_input_ids: cumulative count of non-pad tokens, offset by padId
                int position = seq[i] != padId ? padId + (++counted) : padId;
                if (position >= maxPositions)
                    throw new IllegalArgumentException("sequence " + s + " needs position " + position + " but the model has "
                            + maxPositions + " position embeddings (at most " + (maxPositions - padId - 1) + " tokens); truncate or use windows");
                if (m != null && m[i] == 0) continue;
                ids[row] = seq[i];
                pos[row] = position;
                src[row] = i;
                row++;
            }
            len[s] = row - start[s];
        }
        return new PackedBatch(ids, pos, types, start, len, src);
    }

    /** The packed row of each sequence's first token (RoBERTa's {@code <s>}). */
    int[] firstTokenRows() {
        int[] rows = new int[seqLen.length];
        for (int s = 0; s < rows.length; s++) {
            if (seqLen[s] == 0) throw new IllegalArgumentException("sequence " + s + " has no tokens");
            rows[s] = seqStart[s];
        }
        return rows;
    }

    /** Packed rows [tokens, width] to a padded [sequences, paddedLen, width] array (zeros where no token is). */
    public float[] unpack(float[] packed, int width, int paddedLen) {
        float[] out = new float[seqLen.length * paddedLen * width];
        for (int s = 0; s < seqLen.length; s++) {
            for (int r = 0; r < seqLen[s]; r++) {
                int row = seqStart[s] + r, t = sourceIndex[row];
                System.arraycopy(packed, row * width, out, (s * paddedLen + t) * width, width);
            }
        }
        return out;
    }

    /** Attention probabilities (packed [heads, len, len] per sequence) to [sequences, heads, paddedLen, paddedLen]. */
    public float[] unpackAttention(float[] probs, int heads, int paddedLen) {
        float[] out = new float[seqLen.length * heads * paddedLen * paddedLen];
        int off = 0;
        for (int s = 0; s < seqLen.length; s++) {
            int len = seqLen[s];
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < len; i++) {
                    int ti = sourceIndex[seqStart[s] + i];
                    for (int j = 0; j < len; j++) {
                        int tj = sourceIndex[seqStart[s] + j];
                        out[((s * heads + h) * paddedLen + ti) * paddedLen + tj] = probs[off + (h * len + i) * len + j];
                    }
                }
            }
            off += heads * len * len;
        }
        return out;
    }
}
