package roberta.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Untrusted tokenizer files (regressions found by TokenizerFuzzTest, and the folder's link rule). */
class TokenizerFilesTest {
    @TempDir
    Path dir;

    private Path tokenizerJson(String vocab, String added) throws Exception {
        Path p = dir.resolve("tokenizer.json");
        Files.writeString(p, "{\"added_tokens\": [" + added + "], \"model\": {\"type\": \"BPE\", \"vocab\": {" + vocab + "}, \"merges\": [\"a b\"]}}");
        return p;
    }

    private static void assertOneLine(RuntimeException e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void aHugeIdIsRefusedBeforeAnythingIsSizedFromIt() throws Exception {
        // this once allocated 1.5 G array slots (6 GB) for a vocabulary of four tokens
        Path p = tokenizerJson("\"a\": 0, \"b\": 1, \"ab\": 2, \"<s>\": 1500000000", "");
        long before = allocatedBytes();
        var e = assertThrows(TokenizerFormatException.class, () -> RobertaTokenizer.fromTokenizerJson(p));
        assertTrue(allocatedBytes() - before < 64 << 20, "allocated " + (allocatedBytes() - before) + " bytes");
        assertEquals(p + ": token '<s>' has id 1500000000, but ids must be below 4 (the vocabulary's entries plus added tokens)", e.getMessage());
    }

    @Test
    void hugeIdsInVocabJsonAndAddedTokensAreRefused() throws Exception {
        Path vocab = dir.resolve("vocab.json"), merges = dir.resolve("merges.txt");
        Files.writeString(vocab, "{\"a\": 0, \"b\": 1, \"ab\": 2, \"<mask>\": 2000000000}");
        Files.writeString(merges, "a b\n");
        assertOneLine(assertThrows(TokenizerFormatException.class, () -> RobertaTokenizer.load(dir)), vocab + ": token '<mask>' has id 2000000000");
        Files.writeString(vocab, "{\"a\": 0, \"b\": 1, \"ab\": 18446744073709551618}"); // 2^64 + 2, not id 2
        assertOneLine(assertThrows(TokenizerFormatException.class, () -> RobertaTokenizer.load(dir)), vocab + ": token 'ab' has id 18446744073709551618, not a non-negative integer");
        Files.delete(vocab);
        Path p = tokenizerJson("\"a\": 0, \"b\": 1, \"ab\": 2", "{\"id\": 1500000000, \"content\": \"<s>\"}");
        assertOneLine(assertThrows(TokenizerFormatException.class, () -> RobertaTokenizer.load(dir)), p + ": added token '<s>' has id 1500000000, but ids must be below 4");
    }

    @Test
    void negativeOrOversizedAddedTokenIdsAreRefused() throws Exception {
        // -1 once escaped as ArrayIndexOutOfBoundsException; 2^40 was silently truncated to an int
        for (String id : new String[] {"-1", "1099511627776", "1.5", "\"3\""}) {
            Path p = tokenizerJson("\"a\": 0, \"b\": 1, \"ab\": 2", "{\"id\": " + id + ", \"content\": \"<s>\"}");
            var e = assertThrows(TokenizerFormatException.class, () -> RobertaTokenizer.fromTokenizerJson(p));
            assertOneLine(e, p + ": added_tokens[0] needs a non-negative integer id");
        }
    }

    @Test
    void idsWithGapsBelowTheTokenCountLoad() throws Exception {
        Path p = tokenizerJson("\"a\": 0, \"b\": 1, \"ab\": 3", "{\"id\": 2, \"content\": \"<s>\", \"special\": true}");
        RobertaTokenizer t = RobertaTokenizer.fromTokenizerJson(p);
        assertEquals(4, t.vocabSize());
        assertArrayEquals(new int[] {3, 0}, t.encode("aba", null, new EncodeOptions(false, 0, null, 0)).ids());
    }

    @Test
    void anAddedTokenInTheVocabularyUnderAHigherIdLoads() throws Exception {
        // fuzz seed 424242 case 3941: the id array was sized by vocabulary ids only, so id 3 indexed past it
        Path p = tokenizerJson("\"a\": 0, \"b\": 1, \"ab\": 2", "{\"id\": 3, \"content\": \"ab\", \"special\": true}");
        RobertaTokenizer t = RobertaTokenizer.fromTokenizerJson(p);
        assertEquals(4, t.vocabSize());
        assertEquals("ab", t.idToToken(3));
        assertTrue(t.isSpecial(3));
    }

    @Test
    void bytesWithNoTokenBecomeUnkOrAreDropped() throws Exception {
        // no <unk>: once the fallback id 3 indexed past a three-token vocabulary
        Path p = tokenizerJson("\"a\": 0, \"b\": 1, \"ab\": 2", "");
        RobertaTokenizer dropped = RobertaTokenizer.fromTokenizerJson(p);
        Encoding e = dropped.encode("ab c", null, new EncodeOptions(false, 0, null, 0));
        assertArrayEquals(new int[] {2}, e.ids());
        assertEquals(2, e.offsetEnds()[0]);
        Path q = tokenizerJson("\"a\": 0, \"b\": 1, \"ab\": 2, \"<unk>\": 3", "");
        assertArrayEquals(new int[] {2, 3, 3}, RobertaTokenizer.fromTokenizerJson(q).encode("ab c", null, new EncodeOptions(false, 0, null, 0)).ids());
    }

    @Test
    void controlCharactersInTokensStayOnOneLine() throws Exception {
        Path p = tokenizerJson("\"a\\nb\": 9", "");
        assertOneLine(assertThrows(TokenizerFormatException.class, () -> RobertaTokenizer.fromTokenizerJson(p)), "token 'a\\u000ab' has id 9");
        Files.writeString(p, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a\\u0001b c d\"]}}");
        assertOneLine(assertThrows(TokenizerFormatException.class, () -> RobertaTokenizer.fromTokenizerJson(p)), "model.merges[0]", "\\u0001");
        Files.writeString(p, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a\\u0001 b\"]}}");
        assertOneLine(assertThrows(TokenizerFormatException.class, () -> RobertaTokenizer.fromTokenizerJson(p)), "uses token 'a\\u0001'");
    }

    @Test
    void invalidJsonAndHugeFilesGiveOneLineErrors() throws Exception {
        Path p = dir.resolve("tokenizer.json");
        Files.writeString(p, "{\"model\": {\"vocab\": {\"a\": ");
        assertOneLine(assertThrows(TokenizerFormatException.class, () -> RobertaTokenizer.fromTokenizerJson(p)), p + ": invalid JSON: Unexpected end-of-input");
        Files.writeString(p, "[1]");
        assertOneLine(assertThrows(TokenizerFormatException.class, () -> RobertaTokenizer.fromTokenizerJson(p)), p + ": not a JSON object");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(ModelFiles.MAX_TOKENIZER_BYTES + 1); // sparse: refused by its size, never read
        }
        assertOneLine(assertThrows(TokenizerFormatException.class, () -> RobertaTokenizer.fromTokenizerJson(p)), p + ": is 268435457 bytes, over the 256 MB");
    }

    @Test
    void aPipeIsRefusedNotRead() throws Exception {
        // opening a named pipe for reading blocks until a writer comes: it must be refused, not read
        Path p = dir.resolve("tokenizer.json");
        assertEquals(0, new ProcessBuilder("mkfifo", p.toString()).inheritIO().start().waitFor());
        var e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(TokenizerFormatException.class, () -> RobertaTokenizer.fromTokenizerJson(p)));
        assertEquals(p + ": is not a regular file", e.getMessage());
    }

    @Test
    void tokenizerFilesLinkingOutsideTheFolderAreRefused() throws Exception {
        Path model = Files.createDirectories(dir.resolve("model")), elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Files.copy(Fixtures.dir().resolve("vocab.json"), elsewhere.resolve("vocab.json"));
        Files.copy(Fixtures.dir().resolve("merges.txt"), model.resolve("merges.txt"));
        Files.createSymbolicLink(model.resolve("vocab.json"), elsewhere.resolve("vocab.json"));
        var e = assertThrows(TokenizerFormatException.class, () -> RobertaTokenizer.load(model));
        assertOneLine(e, model.resolve("vocab.json") + ": is a link to " + elsewhere.toRealPath().resolve("vocab.json"), "outside the model folder");
        // a link that stays inside the folder is followed
        Files.delete(model.resolve("vocab.json"));
        Files.createDirectories(model.resolve("tok"));
        Files.copy(Fixtures.dir().resolve("vocab.json"), model.resolve("tok/vocab.json"));
        Files.createSymbolicLink(model.resolve("vocab.json"), Path.of("tok/vocab.json"));
        assertEquals(RobertaTokenizer.load(Fixtures.dir()).encode("hello world").ids().length, RobertaTokenizer.load(model).encode("hello world").ids().length);
        // tokenizer.json is checked the same way
        Files.createSymbolicLink(model.resolve("tokenizer.json"), elsewhere.resolve("vocab.json")); // refused before it is read
        assertOneLine(assertThrows(TokenizerFormatException.class, () -> RobertaTokenizer.load(model)), model.resolve("tokenizer.json") + ": is a link to");
    }
}
