package roberta.tokenizer;

import java.util.Arrays;

/** A growable list of tokens (id, text, UTF-16 offsets) for one text, before special tokens. */
final class TokenSeq {
    int[] ids = new int[16];
    String[] tokens = new String[16];
    int[] starts = new int[16];
    int[] ends = new int[16];
    int size;

    void add(int id, String token, int start, int end) {
        if (size == ids.length) {
            int cap = size * 2;
            ids = Arrays.copyOf(ids, cap);
            tokens = Arrays.copyOf(tokens, cap);
            starts = Arrays.copyOf(starts, cap);
            ends = Arrays.copyOf(ends, cap);
        }
        ids[size] = id;
        tokens[size] = token;
        starts[size] = start;
        ends[size] = end;
        size++;
    }

    /** The tokens [from, to) as a new sequence. */
    TokenSeq slice(int from, int to) {
        TokenSeq s = new TokenSeq();
        for (int i = from; i < to; i++) s.add(ids[i], tokens[i], starts[i], ends[i]);
        return s;
    }
}
