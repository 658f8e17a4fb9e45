package roberta.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Hugging Face's truncation: cut one or both sequences so that, with special tokens, the
 * encoding fits maxLength; what is cut off becomes overflowing windows of the same size,
 * each repeating the last {@code stride} tokens of the window before.
 */
final class Truncation {
    interface Assembler {
        Encoding assemble(TokenSeq first, TokenSeq second, boolean addSpecial);
    }

    private Truncation() {}

    static Encoding apply(TokenSeq first, TokenSeq second, EncodeOptions options, Assembler assembler) {
        boolean special = options.addSpecialTokens();
        int added = special ? (second == null ? 2 : 4) : 0;
        int total = first.size + (second == null ? 0 : second.size);
        if (options.maxLength() == 0 || total + added <= options.maxLength())
            return assembler.assemble(first, second, special);
        int budget = options.maxLength() - added;
        if (budget <= 0)
            throw new IllegalArgumentException("max length " + options.maxLength() + " leaves no room for tokens after the " + added + " special tokens");
        int firstLen = first.size, secondLen = second == null ? 0 : second.size;
        switch (options.truncation()) {
            case LONGEST_FIRST -> {
                if (second == null) {
                    firstLen = budget;
                } else {
                    // Hugging Face's rule: the shorter keeps what it has if it fits in half,
                    // the longer gets the rest; if both are long, they share evenly.
                    int n1 = first.size, n2 = second.size;
                    boolean swap = n1 > n2;
                    if (swap) { int t = n1; n1 = n2; n2 = t; }
                    n2 = n1 > budget ? n1 : Math.max(n1, budget - n1);
                    if (n1 + n2 > budget) {
                        n1 = budget / 2;
                        n2 = n1 + budget % 2;
                    }
                    if (swap) { int t = n1; n1 = n2; n2 = t; }
                    firstLen = Math.min(first.size, n1);
                    secondLen = Math.min(second.size, n2);
                }
            }
            case ONLY_FIRST -> {
                firstLen = budget - secondLen;
                if (firstLen <= 0)
                    throw new IllegalArgumentException("only_first truncation: the second sequence alone (" + secondLen + " tokens) leaves no room in max length " + options.maxLength());
            }
            case ONLY_SECOND -> {
                if (second == null) throw new IllegalArgumentException("only_second truncation needs a text pair");
                secondLen = budget - firstLen;
                if (secondLen <= 0)
                    throw new IllegalArgumentException("only_second truncation: the first sequence alone (" + firstLen + " tokens) leaves no room in max length " + options.maxLength());
            }
        }
        TokenSeq keptFirst = first.slice(0, Math.min(firstLen, first.size));
        TokenSeq keptSecond = second == null ? null : second.slice(0, Math.min(secondLen, second.size));
        List<Encoding> overflowing = new ArrayList<>();
        if (firstLen < first.size) {
            for (TokenSeq w : windows(first, firstLen, options.stride())) overflowing.add(assembler.assemble(w, keptSecond, special));
        }
        if (second != null && secondLen < second.size) {
            for (TokenSeq w : windows(second, secondLen, options.stride())) overflowing.add(assembler.assemble(keptFirst, w, special));
        }
        Encoding main = assembler.assemble(keptFirst, keptSecond, special);
        return new Encoding(main.ids(), main.tokens(), main.offsetStarts(), main.offsetEnds(), main.typeIds(),
                main.attentionMask(), main.specialTokensMask(), main.sequenceIds(), List.copyOf(overflowing));
    }

    /** The windows after the first: [step, step + size), [2 step, ...), ..., step = size - stride. */
    private static List<TokenSeq> windows(TokenSeq seq, int size, int stride) {
        if (stride >= size)
            throw new IllegalArgumentException("stride " + stride + " must be smaller than the " + size + " tokens each window keeps");
        int step = size - stride;
        List<TokenSeq> out = new ArrayList<>();
        for (int start = step; ; start += step) {
            int stop = Math.min(start + size, seq.size);
            out.add(seq.slice(start, stop));
            if (stop == seq.size) break;
        }
        return out;
    }
}
