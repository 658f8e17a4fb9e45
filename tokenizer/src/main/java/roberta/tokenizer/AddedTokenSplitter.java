package roberta.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens in raw text, leftmost-longest as Hugging Face's Aho-Corasick pass does,
 * and applies lstrip/rstrip/single_word. Text between matches goes on to BPE.
 */
final class AddedTokenSplitter {
    /** A piece of the input: token is null for plain text, else the added token matched there. */
    record Segment(int start, int end, AddedToken token) {}

    /** Added tokens by their first character, longest content first. */
    private final Map<Character, List<AddedToken>> byFirstChar = new HashMap<>();

    AddedTokenSplitter(List<AddedToken> tokens) {
        for (AddedToken t : tokens) byFirstChar.computeIfAbsent(t.content().charAt(0), k -> new ArrayList<>()).add(t);
        for (List<AddedToken> list : byFirstChar.values())
            list.sort(Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed());
    }

    List<Segment> split(String text) {
        List<Segment> out = new ArrayList<>();
        if (byFirstChar.isEmpty()) {
            if (!text.isEmpty()) out.add(new Segment(0, text.length(), null));
            return out;
        }
        int plainStart = 0; // end of the previous match
        int i = 0;
        int n = text.length();
        while (i < n) {
            AddedToken match = longestAt(text, i);
            if (match == null || (match.singleWord() && !isWholeWord(text, i, i + match.content().length()))) {
                i++;
                continue;
            }
            int start = i, stop = i + match.content().length();
            if (match.lstrip()) {
                while (start > plainStart && PreTokenizer.isWhiteSpace(text.charAt(start - 1))) start--;
            }
            if (match.rstrip()) {
                while (stop < n && PreTokenizer.isWhiteSpace(text.charAt(stop))) stop++;
            }
            if (plainStart < start) out.add(new Segment(plainStart, start, null));
            out.add(new Segment(start, stop, match));
            plainStart = stop;
            i = stop;
        }
        if (plainStart < n) out.add(new Segment(plainStart, n, null));
        return out;
    }

    private AddedToken longestAt(String text, int i) {
        List<AddedToken> candidates = byFirstChar.get(text.charAt(i));
        if (candidates == null) return null;
        for (AddedToken t : candidates) if (text.startsWith(t.content(), i)) return t;
        return null;
    }

    private static boolean isWholeWord(String text, int start, int end) {
        boolean before = start == 0 || !isWordChar(text.codePointBefore(start));
        boolean after = end == text.length() || !isWordChar(text.codePointAt(end));
        return before && after;
    }

    private static boolean isWordChar(int cp) {
        return Character.isLetterOrDigit(cp) || cp == '_';
    }
}
