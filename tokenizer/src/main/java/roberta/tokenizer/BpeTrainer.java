package roberta.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.IntConsumer;

/**
 * Learns a byte-level BPE vocabulary from word counts, merge by merge, as Hugging Face's
 * {@code BpeTrainer} does, so that the same corpus and settings give the same vocab.json and
 * merges.txt:
 * <ol>
 * <li>ids: the special tokens first, in the order given; then the 256 byte characters sorted
 *     by code point; then each merge's new token;</li>
 * <li>every step merges the most frequent adjacent pair (counted over all words, weighted by
 *     each word's count); ties go to the smaller (left id, right id);</li>
 * <li>stop when the vocabulary reaches {@code vocabSize}, or the best pair occurs fewer than
 *     {@code minFrequency} times.</li>
 * </ol>
 * Pair counts are kept up to date incrementally: merging (a, b) in a word only changes the
 * pairs that touch it, and a priority queue with lazily refreshed counts finds the next best.
 */
public final class BpeTrainer {
    /** What training learned: token -> id in id order, and the merges in rank order. */
    public record Result(Map<String, Integer> vocab, List<String[]> merges, List<String> specialTokens) {}

    public static final List<String> ROBERTA_SPECIAL_TOKENS = List.of("<s>", "<pad>", "</s>", "<unk>", "<mask>");

    private final int vocabSize;
    private final long minFrequency;
    private final List<String> specialTokens;

    public BpeTrainer(int vocabSize, long minFrequency, List<String> specialTokens) {
        if (vocabSize < 1) throw new IllegalArgumentException("vocabulary size must be positive, got " + vocabSize);
        if (minFrequency < 0) throw new IllegalArgumentException("min frequency must be >= 0, got " + minFrequency);
        if (specialTokens.stream().distinct().count() != specialTokens.size())
            throw new IllegalArgumentException("special tokens repeat: " + specialTokens);
        this.vocabSize = vocabSize;
        this.minFrequency = minFrequency;
        this.specialTokens = List.copyOf(specialTokens);
    }

    /** One queue entry: a pair, its count when queued, and the words it was seen in since. */
    private record Candidate(long pair, long count, int[] words) {}

    /** Trains; {@code vocabSoFar} hears the vocabulary's size after each merge (for progress). */
    public Result train(WordCounts counts, IntConsumer vocabSoFar) {
        List<String> idToToken = new ArrayList<>();
        Map<String, Integer> tokenToId = new HashMap<>();
        for (String s : specialTokens) add(s, idToToken, tokenToId);
        // every byte, whether seen or not, sorted by code point (the trainer's initial alphabet)
        char[] alphabet = new char[256];
        for (int b = 0; b < 256; b++) alphabet[b] = ByteLevel.charOf(b);
        Arrays.sort(alphabet);
        for (char c : alphabet) add(String.valueOf(c), idToToken, tokenToId);

        // words as id sequences; symbols[w][0 .. length[w]) is word w's current spelling
        int n = counts.distinct();
        int[][] symbols = new int[n][];
        int[] length = new int[n];
        long[] count = new long[n];
        int w = 0;
        for (Map.Entry<String, long[]> e : counts.map().entrySet()) {
            String word = e.getKey();
            symbols[w] = new int[word.length()];
            for (int i = 0; i < word.length(); i++) symbols[w][i] = tokenToId.get(String.valueOf(word.charAt(i)));
            length[w] = word.length();
            count[w] = e.getValue()[0];
            w++;
        }

        Map<Long, long[]> pairCounts = new HashMap<>();
        Map<Long, IntList> seenIn = new HashMap<>();
        for (w = 0; w < n; w++) {
            for (int i = 0; i + 1 < length[w]; i++) {
                long pair = pair(symbols[w][i], symbols[w][i + 1]);
                pairCounts.computeIfAbsent(pair, k -> new long[1])[0] += count[w];
                seenIn.computeIfAbsent(pair, k -> new IntList()).add(w);
            }
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>((x, y) -> x.count != y.count
                ? Long.compare(y.count, x.count) : Long.compare(x.pair, y.pair));
        enqueue(seenIn, pairCounts, queue);

        List<String[]> merges = new ArrayList<>();
        IntList changedPairs = new IntList(), changedWords = new IntList();
        while (tokenToId.size() < vocabSize && !queue.isEmpty()) {
            Candidate top = queue.poll();
            long current = pairCounts.get(top.pair)[0];
            if (top.count != current) { // stale: counts moved since it was queued
                queue.add(new Candidate(top.pair, current, top.words));
                continue;
            }
            if (top.count < 1 || top.count < minFrequency) break;
            int a = (int) (top.pair >>> 32), b = (int) top.pair;
            String merged = idToToken.get(a) + idToToken.get(b);
            Integer existing = tokenToId.get(merged);
            int replacement = existing != null ? existing : add(merged, idToToken, tokenToId);
            merges.add(new String[] {idToToken.get(a), idToToken.get(b)});

            for (int word : top.words) {
                changedPairs.clear();
                changedWords.clear();
                length[word] = merge(symbols[word], length[word], a, b, replacement, changedPairs);
                for (int k = 0; k < changedPairs.size; k += 3) {
                    long pair = pair(changedPairs.data[k], changedPairs.data[k + 1]);
                    int delta = changedPairs.data[k + 2];
                    pairCounts.computeIfAbsent(pair, key -> new long[1])[0] += delta * count[word];
                    if (delta > 0) seenIn.computeIfAbsent(pair, key -> new IntList()).add(word);
                }
            }
            enqueue(seenIn, pairCounts, queue);
            vocabSoFar.accept(tokenToId.size());
        }
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int id = 0; id < idToToken.size(); id++) vocab.put(idToToken.get(id), id);
        return new Result(vocab, merges, specialTokens);
    }

    /** Queues every pair seen since the last call, with its current count, and forgets them. */
    private static void enqueue(Map<Long, IntList> seenIn, Map<Long, long[]> pairCounts, PriorityQueue<Candidate> queue) {
        for (Map.Entry<Long, IntList> e : seenIn.entrySet()) {
            long c = pairCounts.get(e.getKey())[0];
            if (c > 0) queue.add(new Candidate(e.getKey(), c, e.getValue().distinct()));
        }
        seenIn.clear();
    }

    /**
     * Merges every non-overlapping (a, b), left to right, in s[0, len), in place; returns the
     * new length. Appends (left, right, delta) for each neighbouring pair that disappears (-1)
     * or appears (+1). The merged pair's own count is not decremented: it is never queued again.
     */
    static int merge(int[] s, int len, int a, int b, int replacement, IntList changes) {
        int out = 0;
        for (int i = 0; i < len; i++) {
            if (s[i] == a && i + 1 < len && s[i + 1] == b) {
                if (out > 0) {
                    changes.add(s[out - 1], a, -1);
                    changes.add(s[out - 1], replacement, 1);
                }
                if (i + 2 < len) {
                    changes.add(b, s[i + 2], -1);
                    changes.add(replacement, s[i + 2], 1);
                }
                s[out++] = replacement;
                i++;
            } else {
                s[out++] = s[i];
            }
        }
        return out;
    }

    private static int add(String token, List<String> idToToken, Map<String, Integer> tokenToId) {
        if (tokenToId.containsKey(token)) return tokenToId.get(token);
        idToToken.add(token);
        tokenToId.put(token, idToToken.size() - 1);
        return idToToken.size() - 1;
    }

    private static long pair(int left, int right) {
        return (long) left << 32 | right;
    }

    /** A growable int array. */
    static final class IntList {
        int[] data = new int[4];
        int size;

        void add(int v) {
            if (size == data.length) data = Arrays.copyOf(data, size * 2);
            data[size++] = v;
        }

        void add(int x, int y, int z) {
            add(x);
            add(y);
            add(z);
        }

        void clear() {
            size = 0;
        }

        /** The values, sorted, each once. */
        int[] distinct() {
            int[] v = Arrays.copyOf(data, size);
            Arrays.sort(v);
            int k = 0;
            for (int i = 0; i < v.length; i++) if (i == 0 || v[i] != v[i - 1]) v[k++] = v[i];
            return Arrays.copyOf(v, k);
        }
    }
}
