package roberta.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * RoBERTa's byte-level BPE tokenizer, giving the ids, tokens and offsets Hugging Face's
 * tokenizers library gives. Immutable and thread-safe.
 *
 * <p>Encoding one text: (1) find added tokens such as {@code <mask>} in the raw text;
 * (2) split the rest with the GPT-2 regex; (3) turn each piece into UTF-8 bytes spelled with
 * the byte-level alphabet and apply BPE merges; (4) trim the leading/trailing spaces out of
 * each token's offsets; (5) truncate; (6) wrap in {@code <s> A </s>} or
 * {@code <s> A </s></s> B </s>}.
 */
public final class RobertaTokenizer {
    private final BpeModel bpe;
    private final AddedTokenSplitter splitter;
    private final Map<Integer, AddedToken> addedById = new HashMap<>();
    private final String[] idToToken;
    /** Count of leading / trailing spaces ('Ġ' or whitespace) in each token's text, for offset trimming. */
    private final byte[] leadingSpaces, trailingSpaces;
    private final int clsId, sepId, padId, unkId, maskId;

    private RobertaTokenizer(TokenizerFiles.Contents files) {
        Map<String, Integer> vocab = new HashMap<>(files.vocab());
        for (AddedToken t : files.addedTokens()) {
            vocab.putIfAbsent(t.content(), t.id());
            addedById.put(t.id(), t);
        }
        int maxId = 0;
        for (int id : vocab.values()) maxId = Math.max(maxId, id);
        // an added token already in the vocabulary keeps its vocabulary id above, but its own id is still used below
        for (AddedToken t : files.addedTokens()) maxId = Math.max(maxId, t.id());
        idToToken = new String[maxId + 1];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) idToToken[e.getValue()] = e.getKey();
        for (AddedToken t : files.addedTokens()) idToToken[t.id()] = t.content();
        leadingSpaces = new byte[idToToken.length];
        trailingSpaces = new byte[idToToken.length];
        for (int id = 0; id < idToToken.length; id++) {
            if (idToToken[id] == null) continue;
            leadingSpaces[id] = (byte) Math.min(127, countLeadingSpaces(idToToken[id]));
            trailingSpaces[id] = (byte) Math.min(127, countTrailingSpaces(idToToken[id]));
        }
        clsId = idOf(vocab, "<s>", 0);
        sepId = idOf(vocab, "</s>", 2);
        padId = idOf(vocab, "<pad>", 1);
        unkId = idOf(vocab, "<unk>", 3);
        maskId = idOf(vocab, "<mask>", -1);

        PairTable merges = new PairTable(files.merges().size());
        List<String[]> list = files.merges();
        for (int rank = 0; rank < list.size(); rank++) {
            String[] m = list.get(rank);
            Integer a = vocab.get(m[0]), b = vocab.get(m[1]), merged = vocab.get(m[0] + m[1]);
            if (a == null || b == null || merged == null) {
                String missing = a == null ? m[0] : b == null ? m[1] : m[0] + m[1];
                throw new TokenizerFormatException(files.source() + ": merge " + (rank + 1) + " '" + ModelFiles.quote(m[0] + " " + m[1])
                        + "' uses token '" + ModelFiles.quote(missing) + "' which is not in the vocabulary");
            }
            merges.put(a, b, rank, merged);
        }
        // a byte the vocabulary cannot spell becomes <unk>, or is dropped when there is none (as Hugging Face does)
        bpe = new BpeModel(idToToken, vocab, merges, vocab.getOrDefault("<unk>", BpeModel.NO_TOKEN));
        splitter = new AddedTokenSplitter(files.addedTokens());
    }

    private static int idOf(Map<String, Integer> vocab, String token, int fallback) {
        Integer id = vocab.get(token);
        return id != null ? id : fallback;
    }

    /**
     * Loads tokenizer.json, or vocab.json + merges.txt, from a model folder.
     *
     * @param dir the folder
     * @return the tokenizer
     */
    public static RobertaTokenizer load(Path dir) {
        return new RobertaTokenizer(TokenizerFiles.read(dir));
    }

    /**
     * A tokenizer from GPT-2 style files.
     *
     * @param vocabJson token to id
     * @param mergesTxt the BPE merges, in order
     * @return the tokenizer
     */
    public static RobertaTokenizer fromVocabAndMerges(Path vocabJson, Path mergesTxt) {
        return new RobertaTokenizer(TokenizerFiles.readVocabAndMerges(vocabJson, mergesTxt));
    }

    /**
     * A tokenizer from a Hugging Face tokenizer.json.
     *
     * @param tokenizerJson the file
     * @return the tokenizer
     */
    public static RobertaTokenizer fromTokenizerJson(Path tokenizerJson) {
        return new RobertaTokenizer(TokenizerFiles.readTokenizerJson(tokenizerJson));
    }

    /**
     * Whether a folder holds a tokenizer.
     *
     * @param dir the folder
     * @return true if it has tokenizer.json, or vocab.json with merges.txt
     */
    public static boolean existsIn(Path dir) {
        return TokenizerFiles.present(dir);
    }

    /** {@return tokens in the vocabulary, added tokens included} */
    public int vocabSize() {
        return idToToken.length;
    }

    /** {@return the id of {@code <s>}} */
    public int clsId() { return clsId; }
    /** {@return the id of {@code </s>}} */
    public int sepId() { return sepId; }
    /** {@return the id of {@code <pad>}} */
    public int padId() { return padId; }
    /** {@return the id of {@code <unk>}} */
    public int unkId() { return unkId; }
    /** {@return the id of {@code <mask>}} */
    public int maskId() { return maskId; }

    /**
     * The token an id stands for.
     *
     * @param id a token id
     * @return the token, or null when the id is outside the vocabulary
     */
    public String idToToken(int id) {
        return id >= 0 && id < idToToken.length ? idToToken[id] : null;
    }

    /**
     * The id of a token.
     *
     * @param token a token as the vocabulary spells it
     * @return its id, or null when it is not in the vocabulary
     */
    public Integer tokenToId(String token) {
        return bpe.tokenToId.get(token);
    }

    /**
     * Whether an id is a special token's.
     *
     * @param id a token id
     * @return whether it is a special token ({@code <s>}, {@code <pad>}, {@code <mask>}...)
     */
    public boolean isSpecial(int id) {
        AddedToken t = addedById.get(id);
        return t != null && t.special();
    }

    /**
     * Encodes a text with special tokens, without truncation.
     *
     * @param text the text
     * @return its encoding
     */
    public Encoding encode(String text) {
        return encode(text, null, EncodeOptions.DEFAULT);
    }

    /**
     * Encodes a pair of texts with special tokens, without truncation.
     *
     * @param text the first text
     * @param pair the second text, or null
     * @return their encoding
     */
    public Encoding encode(String text, String pair) {
        return encode(text, pair, EncodeOptions.DEFAULT);
    }

    /**
     * Encodes a text, or a pair when pair is not null.
     *
     * @param text the first text
     * @param pair the second text, or null
     * @param options special tokens and truncation
     * @return the encoding
     */
    public Encoding encode(String text, String pair, EncodeOptions options) {
        TokenSeq first = tokenize(text);
        TokenSeq second = pair == null ? null : tokenize(pair);
        return Truncation.apply(first, second, options, this::assemble);
    }

    /**
     * Encodes many inputs in parallel.
     *
     * @param texts the first texts
     * @param pairs the second texts, as many, or null
     * @param options special tokens and truncation
     * @return encoding i for texts[i] (and pairs[i])
     */
    public List<Encoding> encodeBatch(List<String> texts, List<String> pairs, EncodeOptions options) {
        if (pairs != null && pairs.size() != texts.size())
            throw new IllegalArgumentException(texts.size() + " texts but " + pairs.size() + " pairs");
        Encoding[] out = new Encoding[texts.size()];
        IntStream.range(0, out.length).parallel()
                .forEach(i -> out[i] = encode(texts.get(i), pairs == null ? null : pairs.get(i), options));
        return Arrays.asList(out);
    }

    /**
     * The tokens of a text without special tokens, for people.
     *
     * @param text the text
     * @return its tokens as the vocabulary spells them
     */
    public List<String> tokenizeToStrings(String text) {
        TokenSeq s = tokenize(text);
        return Arrays.asList(Arrays.copyOf(s.tokens, s.size));
    }

    /**
     * Pads every encoding to the same length: the longest one's, or fixedLength if it is larger.
     *
     * @param encodings the encodings
     * @param fixedLength the least length (0: the longest)
     * @return padded copies, in order
     */
    public List<Encoding> pad(List<Encoding> encodings, int fixedLength) {
        int target = fixedLength;
        for (Encoding e : encodings) target = Math.max(target, e.length());
        List<Encoding> out = new ArrayList<>(encodings.size());
        for (Encoding e : encodings) out.add(padTo(e, target));
        return out;
    }

    private Encoding padTo(Encoding e, int length) {
        int n = e.length();
        if (n >= length) return e;
        int[] ids = Arrays.copyOf(e.ids(), length);
        String[] tokens = Arrays.copyOf(e.tokens(), length);
        int[] attention = Arrays.copyOf(e.attentionMask(), length);
        int[] special = Arrays.copyOf(e.specialTokensMask(), length);
        int[] seq = Arrays.copyOf(e.sequenceIds(), length);
        for (int i = n; i < length; i++) {
            ids[i] = padId;
            tokens[i] = idToToken(padId);
            special[i] = 1;
            seq[i] = -1;
        }
        return new Encoding(ids, tokens, Arrays.copyOf(e.offsetStarts(), length), Arrays.copyOf(e.offsetEnds(), length),
                Arrays.copyOf(e.typeIds(), length), attention, special, seq, e.overflowing());
    }

    /** Adds the special tokens around one or two (already truncated) sequences. */
    private Encoding assemble(TokenSeq a, TokenSeq b, boolean addSpecial) {
        int n = a.size + (b == null ? 0 : b.size) + (addSpecial ? (b == null ? 2 : 4) : 0);
        int[] ids = new int[n], starts = new int[n], ends = new int[n], type = new int[n], attention = new int[n];
        int[] special = new int[n], seq = new int[n];
        String[] tokens = new String[n];
        int[] k = {0};
        java.util.function.IntConsumer addSpecialToken = id -> {
            ids[k[0]] = id;
            tokens[k[0]] = idToToken(id);
            special[k[0]] = 1;
            seq[k[0]] = -1;
            attention[k[0]++] = 1;
        };
        java.util.function.BiConsumer<TokenSeq, Integer> addSeq = (s, seqId) -> {
            for (int i = 0; i < s.size; i++, k[0]++) {
                ids[k[0]] = s.ids[i];
                tokens[k[0]] = s.tokens[i];
                starts[k[0]] = s.starts[i];
                ends[k[0]] = s.ends[i];
                attention[k[0]] = 1;
                seq[k[0]] = seqId;
            }
        };
        if (addSpecial) addSpecialToken.accept(clsId);
        addSeq.accept(a, 0);
        if (addSpecial) addSpecialToken.accept(sepId);
        if (b != null) {
            if (addSpecial) addSpecialToken.accept(sepId);
            addSeq.accept(b, 1);
            if (addSpecial) addSpecialToken.accept(sepId);
        }
        return new Encoding(ids, tokens, starts, ends, type, attention, special, seq, List.of());
    }

    /** Steps 1-4: added tokens, pre-tokenization, BPE and offset trimming for one text. */
    TokenSeq tokenize(String text) {
        TokenSeq out = new TokenSeq();
        for (AddedTokenSplitter.Segment seg : splitter.split(text)) {
            if (seg.token() != null) {
                String raw = text.substring(seg.start(), seg.end());
                addTrimmed(out, seg.token().id(), raw, seg.start(), seg.end(), countLeadingSpaces(raw), countTrailingSpaces(raw));
            } else {
                PreTokenizer.split(text, seg.start(), seg.end(), (s, e) -> encodeWord(text, s, e, out));
            }
        }
        return out;
    }

    private void encodeWord(String text, int start, int end, TokenSeq out) {
        String word = text.substring(start, end);
        int[] result = bpe.cached(word);
        if (result == null) {
            byte[] utf8 = utf8(text, start, end);
            result = bpe.encodeWord(word, utf8, 0, utf8.length);
        }
        int count = result[0];
        // Walk characters while consuming each token's bytes: a token gets the characters its
        // bytes belong to (a character split across tokens belongs to each of them).
        int charPos = start, bytesUsedInChar = 0;
        for (int t = 0; t < count; t++) {
            int id = result[1 + t];
            int remaining = result[1 + count + t];
            int tokenStart = charPos, tokenEnd = charPos;
            while (remaining > 0) {
                int cp = text.codePointAt(charPos);
                int charWidth = Character.charCount(cp);
                if (charWidth == 2 && charPos + 1 >= end) charWidth = 1;
                int available = utf8Length(text, charPos, end) - bytesUsedInChar;
                tokenEnd = charPos + charWidth;
                if (remaining >= available) {
                    remaining -= available;
                    charPos += charWidth;
                    bytesUsedInChar = 0;
                } else {
                    bytesUsedInChar += remaining;
                    remaining = 0;
                }
            }
            if (id == BpeModel.NO_TOKEN) continue; // a byte with no token and no <unk>: its characters are consumed, nothing is emitted
            addTrimmed(out, id, idToToken[id], tokenStart, tokenEnd, leadingSpaces[id], trailingSpaces[id]);
        }
    }

    /** Hugging Face's trim_offsets: leading/trailing spaces of a token are not part of its offsets. */
    private static void addTrimmed(TokenSeq out, int id, String token, int start, int end, int leading, int trailing) {
        if (leading > 0) start = Math.min(start + leading, end);
        if (trailing > 0 && end >= trailing) end = Math.max(end - trailing, start);
        out.add(id, token, start, end);
    }

    private static boolean isSpaceChar(char c) {
        return c == '\u0120' || PreTokenizer.isWhiteSpace(c);
    }

    private static int countLeadingSpaces(String s) {
        int i = 0;
        while (i < s.length() && isSpaceChar(s.charAt(i))) i++;
        return i;
    }

    private static int countTrailingSpaces(String s) {
        int i = 0;
        while (i < s.length() && isSpaceChar(s.charAt(s.length() - 1 - i))) i++;
        return i;
    }

    /** UTF-8 length of the code point at i; a lone surrogate becomes U+FFFD (3 bytes). */
    private static int utf8Length(String s, int i, int end) {
        char c = s.charAt(i);
        if (c < 0x80) return 1;
        if (c < 0x800) return 2;
        if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(s.charAt(i + 1))) return 4;
        return 3;
    }

    /** UTF-8 bytes of s[from, to), lone surrogates replaced by U+FFFD. */
    static byte[] utf8(String s, int from, int to) {
        byte[] out = new byte[(to - from) * 3];
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[n++] = (byte) c;
            } else if (c < 0x800) {
                out[n++] = (byte) (0xC0 | (c >> 6));
                out[n++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out[n++] = (byte) (0xF0 | (cp >> 18));
                out[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                out[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                out[n++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                if (Character.isSurrogate(c)) c = '\uFFFD';
                out[n++] = (byte) (0xE0 | (c >> 12));
                out[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[n++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * Turns ids back into text, as Hugging Face's ByteLevel decoder does (invalid UTF-8 becomes U+FFFD).
     *
     * @param ids token ids
     * @param skipSpecialTokens leave out {@code <s>}, {@code </s>}, {@code <pad>} and the other special tokens
     * @return the text
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            String token = idToToken(id);
            if (token == null || (skipSpecialTokens && isSpecial(id))) continue;
            byte[] tokenBytes = new byte[token.length()];
            boolean allByteChars = true;
            for (int i = 0; i < token.length() && allByteChars; i++) {
                int b = ByteLevel.byteOf(token.charAt(i));
                if (b < 0) allByteChars = false;
                else tokenBytes[i] = (byte) b;
            }
            if (!allByteChars) tokenBytes = token.getBytes(StandardCharsets.UTF_8);
            bytes.writeBytes(tokenBytes);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
