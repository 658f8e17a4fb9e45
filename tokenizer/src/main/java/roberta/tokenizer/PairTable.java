package roberta.tokenizer;

/**
 * Open-addressing hash map from a pair of token ids to (merge rank, merged token id), both
 * packed into one long, so the BPE inner loop allocates nothing and boxes nothing.
 */
final class PairTable {
    static final long MISSING = -1L;
    private final long[] keys;
    private final long[] values;
    private final int mask;

    PairTable(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        values = new long[cap];
        java.util.Arrays.fill(keys, -1L);
        mask = cap - 1;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }

    /** Sets the merge for a pair; a repeated pair keeps its last rank, as Hugging Face's map does. */
    void put(int left, int right, int rank, int mergedId) {
        long k = key(left, right);
        int s = slot(k);
        while (keys[s] != -1L && keys[s] != k) s = (s + 1) & mask;
        keys[s] = k;
        values[s] = ((long) rank << 32) | (mergedId & 0xFFFFFFFFL);
    }

    long get(int left, int right) {
        long k = key(left, right);
        int s = slot(k);
        while (true) {
            long stored = keys[s];
            if (stored == k) return values[s];
            if (stored == -1L) return MISSING;
            s = (s + 1) & mask;
        }
    }

    static int rank(long value) {
        return (int) (value >>> 32);
    }

    static int mergedId(long value) {
        return (int) value;
    }
}
