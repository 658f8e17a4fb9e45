package roberta.tokenizer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rank-ordered byte-level BPE over token ids. A word's bytes start as one symbol each; the
 * adjacent pair with the lowest merge rank (leftmost among equals) is merged until no pair
 * has a rank. A binary heap over (rank, position) keeps long words O(n log n), so a 10 MB
 * word without spaces still finishes. Results for short words are cached.
 */
final class BpeModel {
    /** The id of a byte that has no token (and there is no {@code <unk>}): it merges with nothing and is dropped. */
    static final int NO_TOKEN = -1;
    private static final int CACHE_LIMIT = 200_000;
    private static final int CACHE_MAX_WORD = 128;

    final String[] idToToken;
    final Map<String, Integer> tokenToId;
    private final int[] byteToId = new int[256];
    private final PairTable merges;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    BpeModel(String[] idToToken, Map<String, Integer> tokenToId, PairTable merges, int unkId) {
        this.idToToken = idToToken;
        this.tokenToId = tokenToId;
        this.merges = merges;
        for (int b = 0; b < 256; b++) {
            Integer id = tokenToId.get(String.valueOf(ByteLevel.charOf(b)));
            byteToId[b] = id != null ? id : unkId;
        }
    }

    /** The cached result for a word, or null. */
    int[] cached(String word) {
        return cache.get(word);
    }

    /**
     * Token ids and their byte lengths for one pre-token given as UTF-8 bytes:
     * result[0] = n, result[1..n] = ids, result[n+1..2n] = byte length of each token.
     */
    int[] encodeWord(String word, byte[] utf8, int from, int to) {
        boolean cacheable = to - from <= CACHE_MAX_WORD;
        int[] result = merge(utf8, from, to);
        if (cacheable && cache.size() < CACHE_LIMIT) cache.put(word, result);
        return result;
    }

    private int[] merge(byte[] utf8, int from, int to) {
        int n = to - from;
        int[] ids = new int[n];
        int[] len = new int[n];
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = byteToId[utf8[from + i] & 0xFF];
            len[i] = 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        if (n > 1) {
            LongHeap heap = new LongHeap(n);
            for (int i = 0; i + 1 < n; i++) pushPair(heap, ids, i, i + 1);
            while (!heap.isEmpty()) {
                long top = heap.pop();
                int rank = (int) (top >>> 32);
                int pos = (int) top;
                int right = next[pos];
                if (len[pos] == 0 || right < 0) continue; // pos was merged away, or is last
                if (ids[pos] == NO_TOKEN || ids[right] == NO_TOKEN) continue;
                long merged = merges.get(ids[pos], ids[right]);
                if (merged == PairTable.MISSING || PairTable.rank(merged) != rank) continue; // stale entry
                ids[pos] = PairTable.mergedId(merged);
                len[pos] += len[right];
                len[right] = 0;
                next[pos] = next[right];
                if (next[right] >= 0) prev[next[right]] = pos;
                if (prev[pos] >= 0) pushPair(heap, ids, prev[pos], pos);
                if (next[pos] >= 0) pushPair(heap, ids, pos, next[pos]);
            }
        }
        int count = 0;
        for (int i = 0; i >= 0 && i < n; i = next[i]) count++;
        int[] out = new int[1 + 2 * count];
        out[0] = count;
        int k = 0;
        for (int i = 0; i >= 0 && i < n; i = next[i], k++) {
            out[1 + k] = ids[i];
            out[1 + count + k] = len[i];
        }
        return out;
    }

    private void pushPair(LongHeap heap, int[] ids, int left, int right) {
        if (ids[left] == NO_TOKEN || ids[right] == NO_TOKEN) return; // (-1, -1) would also alias PairTable's empty-slot key
        long merged = merges.get(ids[left], ids[right]);
        if (merged != PairTable.MISSING) heap.push(((long) PairTable.rank(merged) << 32) | left);
    }

    /** Min-heap of longs: (rank << 32 | position) orders by rank, then leftmost position. */
    private static final class LongHeap {
        private long[] a;
        private int size;

        LongHeap(int capacity) {
            a = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void push(long v) {
            if (size == a.length) a = java.util.Arrays.copyOf(a, size * 2);
            int i = size++;
            while (i > 0) {
                int p = (i - 1) >>> 1;
                if (a[p] <= v) break;
                a[i] = a[p];
                i = p;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0];
            long last = a[--size];
            int i = 0;
            while (true) {
                int c = 2 * i + 1;
                if (c >= size) break;
                if (c + 1 < size && a[c + 1] < a[c]) c++;
                if (a[c] >= last) break;
                a[i] = a[c];
                i = c;
            }
            a[i] = last;
            return top;
        }
    }
}
