package roberta.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BadInputTest {
    static RobertaTokenizer tok;

    @BeforeAll
    static void load() {
        tok = RobertaTokenizer.load(Fixtures.dir());
    }

    @Test
    void emptyStringGivesOnlySpecialTokens() {
        assertArrayEquals(new int[] {tok.clsId(), tok.sepId()}, tok.encode("").ids());
        assertEquals(0, tok.encode("", null, new EncodeOptions(false, 0, null, 0)).length());
    }

    @Test
    void loneSurrogatesEncodeAsReplacementCharacter() {
        Encoding lone = tok.encode("a\uD800b\uDC00");
        Encoding replaced = tok.encode("a\uFFFDb\uFFFD");
        assertArrayEquals(replaced.ids(), lone.ids());
        for (int i = 0; i < lone.length(); i++) assertTrue(lone.offsetEnds()[i] <= 4);
    }

    @Test
    void nulAndControlCharactersEncodeAndDecodeBack() {
        String text = "\u0000\u0001\u0007\u001b[0m\u007f\r\n\t";
        assertEquals(text, tok.decode(tok.encode(text).ids(), true));
    }

    @Test
    void tenMegabyteStringsEncode() {
        // one 10 MB "word" (no spaces: a single pre-token goes through BPE whole)
        String word = "ab".repeat(5_000_000);
        Encoding e = tok.encode(word, null, new EncodeOptions(false, 0, null, 0));
        assertEquals(word, tok.decode(e.ids(), true));
        assertEquals(word.length(), e.offsetEnds()[e.length() - 1]);
        // 10 MB of ordinary text
        String prose = "The whale swam on, 42 times! ".repeat(10_000_000 / 29);
        Encoding p = tok.encode(prose);
        assertEquals(prose, tok.decode(p.ids(), true));
    }

    @Test
    void offsetsAlwaysIndexTheInput() {
        String text = "Émile 😀 said: <mask> isn't\u00A0here\u3000ok  ";
        Encoding e = tok.encode(text);
        for (int i = 0; i < e.length(); i++) {
            if (e.sequenceIds()[i] < 0) continue;
            String piece = text.substring(e.offsetStarts()[i], e.offsetEnds()[i]); // throws if out of range
            assertEquals(piece.strip(), piece.strip());
        }
    }

    @Test
    void strideMakesOverlappingWindows() {
        String text = "one two three four five six seven eight nine ten eleven twelve";
        int all = tok.encode(text, null, new EncodeOptions(false, 0, null, 0)).length();
        Encoding e = tok.encode(text, null, new EncodeOptions(true, 6, TruncationStrategy.LONGEST_FIRST, 2));
        assertEquals(6, e.length());
        int[] full = tok.encode(text, null, new EncodeOptions(false, 0, null, 0)).ids();
        // every window holds 4 content tokens; each starts 2 after the last start
        int start = 0;
        List<Encoding> windows = new java.util.ArrayList<>();
        windows.add(e);
        windows.addAll(e.overflowing());
        for (Encoding w : windows) {
            int n = w.length() - 2;
            for (int i = 0; i < n; i++) assertEquals(full[start + i], w.ids()[1 + i]);
            start += 2;
        }
        assertEquals(all, start - 2 + windows.get(windows.size() - 1).length() - 2);
    }

    @Test
    void onlySecondTruncatesThePair() {
        Encoding e = tok.encode("short one", "a much longer second text that will not fit", new EncodeOptions(true, 10, TruncationStrategy.ONLY_SECOND, 0));
        assertEquals(10, e.length());
        assertArrayEquals(tok.encode("short one").ids(), java.util.Arrays.copyOf(e.ids(), 4));
        assertThrows(IllegalArgumentException.class,
                () -> tok.encode("a first text that is far too long here", "b", new EncodeOptions(true, 8, TruncationStrategy.ONLY_SECOND, 0)));
    }

    @Test
    void paddingFillsWithPadAndZeroAttention() {
        List<Encoding> batch = tok.pad(tok.encodeBatch(List.of("hello", "hello there my friend"), null, EncodeOptions.DEFAULT), 0);
        assertEquals(batch.get(1).length(), batch.get(0).length());
        Encoding short0 = batch.get(0);
        assertEquals(tok.padId(), short0.ids()[short0.length() - 1]);
        assertEquals(0, short0.attentionMask()[short0.length() - 1]);
        assertEquals(1, short0.specialTokensMask()[short0.length() - 1]);
        assertEquals(12, tok.pad(List.of(tok.encode("hi")), 12).get(0).length());
    }

    @Test
    void malformedFilesNameTheFile(@TempDir Path dir) throws Exception {
        Path vocab = dir.resolve("vocab.json"), merges = dir.resolve("merges.txt");
        Files.writeString(vocab, "{\"a\": 0, \"b\": ");
        Files.writeString(merges, "#version: 0.2\na b\n");
        var e1 = assertThrows(TokenizerFormatException.class, () -> RobertaTokenizer.fromVocabAndMerges(vocab, merges));
        assertTrue(e1.getMessage().startsWith(vocab.toString()) && e1.getMessage().contains("invalid JSON"), e1.getMessage());

        Files.writeString(vocab, "{\"a\": 0, \"b\": \"one\"}");
        var e2 = assertThrows(TokenizerFormatException.class, () -> RobertaTokenizer.fromVocabAndMerges(vocab, merges));
        assertTrue(e2.getMessage().contains("'b'"), e2.getMessage());

        Files.writeString(vocab, "{\"a\": 0, \"b\": 1, \"ab\": 2}");
        Files.writeString(merges, "#version: 0.2\na b\nab\n");
        var e3 = assertThrows(TokenizerFormatException.class, () -> RobertaTokenizer.fromVocabAndMerges(vocab, merges));
        assertTrue(e3.getMessage().startsWith(merges + ":3:"), e3.getMessage());

        Files.writeString(merges, "a b\na c\n");
        var e4 = assertThrows(TokenizerFormatException.class, () -> RobertaTokenizer.fromVocabAndMerges(vocab, merges));
        assertTrue(e4.getMessage().contains("'c'"), e4.getMessage());

        Files.write(merges, new byte[] {(byte) 0xC3, 0x28});
        var e5 = assertThrows(TokenizerFormatException.class, () -> RobertaTokenizer.fromVocabAndMerges(vocab, merges));
        assertTrue(e5.getMessage().contains("UTF-8"), e5.getMessage());

        Path json = dir.resolve("tokenizer.json");
        Files.writeString(json, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [[\"a\"]]}}");
        var e6 = assertThrows(TokenizerFormatException.class, () -> RobertaTokenizer.fromTokenizerJson(json));
        assertTrue(e6.getMessage().contains("merges[0]"), e6.getMessage());
        var e7 = assertThrows(TokenizerFormatException.class, () -> RobertaTokenizer.load(dir.resolve("nope")));
        assertTrue(e7.getMessage().contains("nope"), e7.getMessage());
    }

    @Test
    void mergesAsPairsInTokenizerJsonWork(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("tokenizer.json");
        Files.writeString(json, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2, \"<s>\": 3, \"</s>\": 4},"
                + " \"merges\": [[\"a\", \"b\"]]}, \"added_tokens\": [{\"id\": 3, \"content\": \"<s>\", \"special\": true},"
                + " {\"id\": 4, \"content\": \"</s>\", \"special\": true}]}", StandardCharsets.UTF_8);
        RobertaTokenizer t = RobertaTokenizer.fromTokenizerJson(json);
        assertArrayEquals(new int[] {3, 2, 0, 4}, t.encode("aba").ids());
    }
}
