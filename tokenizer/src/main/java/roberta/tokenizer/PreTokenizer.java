package roberta.tokenizer;

/**
 * The GPT-2 / RoBERTa pre-tokenization regex, written out by hand:
 * <pre>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</pre>
 * Alternatives are tried in that order at each position, as a backtracking regex engine
 * does. Classes follow Unicode: {@code \p{L}} letters, {@code \p{N}} numbers, {@code \s} the
 * White_Space property. Lone surrogates (possible in Java strings, never in Rust ones) count
 * as "other". Positions are UTF-16 indices.
 */
public final class PreTokenizer {
    static final byte OTHER = 0, LETTER = 1, NUMBER = 2, SPACE = 3;
    private static final byte[] ASCII = new byte[128];

    static {
        for (int c = 0; c < 128; c++) ASCII[c] = classifySlow(c);
    }

    /** Receives each pre-token as a [start, end) range of the text. */
    @FunctionalInterface
    public interface Sink {
        void accept(int start, int end);
    }

    private PreTokenizer() {}

    public static byte classOf(int cp) {
        return cp < 128 ? ASCII[cp] : classifySlow(cp);
    }

    private static byte classifySlow(int cp) {
        if (isWhiteSpace(cp)) return SPACE;
        if (Character.isLetter(cp)) return LETTER;
        int t = Character.getType(cp);
        if (t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER) return NUMBER;
        return OTHER;
    }

    /** The Unicode White_Space property, which is what {@code \s} and Rust's is_whitespace mean. */
    public static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    /** Splits text[from, to) into pre-tokens, in order. */
    public static void split(CharSequence text, int from, int to, Sink sink) {
        int i = from;
        while (i < to) {
            int end = matchAt(text, i, to);
            sink.accept(i, end);
            i = end;
        }
    }

    private static int cpAt(CharSequence s, int i, int to) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < to) {
            char d = s.charAt(i + 1);
            if (Character.isLowSurrogate(d)) return Character.toCodePoint(c, d);
        }
        return c;
    }

    private static int width(int cp) {
        return cp >= 0x10000 ? 2 : 1;
    }

    /** End of the run of characters of class cls starting at i. */
    private static int runEnd(CharSequence s, int i, int to, byte cls) {
        while (i < to) {
            int cp = cpAt(s, i, to);
            if (classOf(cp) != cls) break;
            i += width(cp);
        }
        return i;
    }

    /** End of the match of the regex at position i (i < to); always > i. */
    static int matchAt(CharSequence s, int i, int to) {
        int cp = cpAt(s, i, to);
        if (cp == '\'' && i + 1 < to) {
            char n = s.charAt(i + 1);
            if (n == 's' || n == 't' || n == 'm' || n == 'd') return i + 2;
            if (i + 2 < to) {
                char m = s.charAt(i + 2);
                if ((n == 'r' && m == 'e') || (n == 'v' && m == 'e') || (n == 'l' && m == 'l')) return i + 3;
            }
        }
        byte cls = classOf(cp);
        int start = i;
        if (cp == ' ' && i + 1 < to) {
            int next = cpAt(s, i + 1, to);
            byte nextCls = classOf(next);
            if (nextCls != SPACE) { // " ?" followed by a letter, number or other run
                return runEnd(s, i + 1, to, nextCls);
            }
        }
        if (cls != SPACE) return runEnd(s, start, to, cls);
        // \s+(?!\S) then \s+: a whitespace run, leaving its last character to prefix the
        // next word when more text follows.
        int end = runEnd(s, i, to, SPACE);
        if (end == to) return end;
        int lastWidth = 1; // every White_Space character is in the BMP
        if (end - lastWidth > i) return end - lastWidth;
        return end;
    }
}
