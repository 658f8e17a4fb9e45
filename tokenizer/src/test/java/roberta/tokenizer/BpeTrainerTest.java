package roberta.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The trainer against Hugging Face's: bpe-trainer/ holds a corpus, what {@code tokenizers}'
 * BpeTrainer learned from it under three settings, and how that tokenizer encodes test
 * sentences (made by scripts/fixtures/make_bpe_trainer_fixture.py).
 */
class BpeTrainerTest {
    private static Path dir() {
        try {
            return Path.of(BpeTrainerTest.class.getResource("/bpe-trainer/settings.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BpeTrainer.Result train(String setting) throws Exception {
        JsonNode s = Fixtures.JSON.readTree(dir().resolve("settings.json").toFile()).get(setting);
        List<String> specials = new ArrayList<>();
        s.get("special_tokens").forEach(t -> specials.add(t.asText()));
        WordCounts counts = new WordCounts();
        counts.addFile(dir().resolve("corpus.txt"), n -> {});
        return new BpeTrainer(s.get("vocab_size").asInt(), s.get("min_frequency").asLong(), specials).train(counts, n -> {});
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1000", "minfreq", "specials"})
    void learnsHuggingFacesVocabularyAndMergesInOrder(String setting) throws Exception {
        BpeTrainer.Result ours = train(setting);
        Map<String, Integer> theirs = new LinkedHashMap<>();
        Fixtures.JSON.readTree(dir().resolve(setting + "/vocab.json").toFile()).fields()
                .forEachRemaining(e -> theirs.put(e.getKey(), e.getValue().asInt()));
        assertEquals(theirs, ours.vocab(), setting + ": vocab.json");
        List<String> theirMerges = Files.readAllLines(dir().resolve(setting + "/merges.txt"), StandardCharsets.UTF_8);
        assertEquals("#version: 0.2", theirMerges.get(0));
        List<String> ourMerges = new ArrayList<>();
        for (String[] m : ours.merges()) ourMerges.add(m[0] + " " + m[1]);
        assertEquals(theirMerges.subList(1, theirMerges.size()), ourMerges, setting + ": merges.txt, in rank order");
    }

    @Test
    void stopsAtTheMinimumFrequencyBeforeTheVocabularyIsFull() throws Exception {
        BpeTrainer.Result r = train("minfreq");
        assertTrue(r.vocab().size() < 100_000, "the vocabulary stopped short: " + r.vocab().size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1000", "specials"})
    void aWrittenFolderEncodesAsHuggingFacesTrainedTokenizer(String setting, @TempDir Path out) throws Exception {
        TokenizerFolderWriter.write(train(setting), 128, out);
        for (String f : List.of("vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"))
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        // tokenizer.json and the vocab.json + merges.txt pair each load, and agree with Hugging Face
        RobertaTokenizer fromJson = RobertaTokenizer.fromTokenizerJson(out.resolve("tokenizer.json"));
        RobertaTokenizer fromPair = RobertaTokenizer.fromVocabAndMerges(out.resolve("vocab.json"), out.resolve("merges.txt"));
        int checked = 0;
        for (String line : Files.readAllLines(dir().resolve("cases.jsonl"), StandardCharsets.UTF_8)) {
            JsonNode c = Fixtures.JSON.readTree(line);
            if (!c.get("setting").asText().equals(setting)) continue;
            String text = c.get("text").asText(), pair = c.has("text_pair") ? c.get("text_pair").asText() : null;
            int[] expected = Fixtures.JSON.treeToValue(c.get("ids"), int[].class);
            assertArrayEquals(expected, fromJson.encode(text, pair).ids(), setting + " tokenizer.json: " + text);
            if (setting.equals("v1000")) assertArrayEquals(expected, fromPair.encode(text, pair).ids(), "vocab.json + merges.txt: " + text);
            checked++;
        }
        assertEquals(9, checked);
    }

    @Test
    void wordsAreCountedPerLineWithTheLineEndingKept() throws Exception {
        WordCounts counts = new WordCounts();
        counts.addStream(new ByteArrayInputStream("a b\n\nb a\r\n".getBytes(StandardCharsets.UTF_8)), "mem", n -> {});
        Map<String, Long> seen = new HashMap<>();
        counts.map().forEach((k, v) -> seen.put(k, v[0]));
        // "a", "Ġb", "Ċ" | "Ċ" | "b", "Ġa", "čĊ"
        assertEquals(Map.of("a", 1L, "\u0120b", 1L, "\u010A", 2L, "b", 1L, "\u0120a", 1L, "\u010D\u010A", 1L), seen);
        assertEquals(7, counts.total());
    }

    @Test
    void malformedUtf8IsRefusedWithTheLine() {
        WordCounts counts = new WordCounts();
        byte[] bad = {'o', 'k', '\n', 'b', (byte) 0xC3, '(', '\n'};
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class,
                () -> counts.addStream(new ByteArrayInputStream(bad), "corpus.txt", n -> {}));
        assertEquals("corpus.txt:2: not valid UTF-8", e.getMessage());
    }

    @Test
    void mergingCountsTheNeighboursThatChange() {
        // "a a a b" merging (a, a): "aa a b"; the pairs around the merge move, overlapping ones do not merge
        int[] word = {1, 1, 1, 2};
        BpeTrainer.IntList changes = new BpeTrainer.IntList();
        int len = BpeTrainer.merge(word, word.length, 1, 1, 9, changes);
        assertEquals(3, len);
        assertArrayEquals(new int[] {9, 1, 2}, java.util.Arrays.copyOf(word, len));
        assertArrayEquals(new int[] {1, 1, -1, 9, 1, 1}, java.util.Arrays.copyOf(changes.data, changes.size));
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new BpeTrainer(0, 2, BpeTrainer.ROBERTA_SPECIAL_TOKENS));
        assertThrows(IllegalArgumentException.class, () -> new BpeTrainer(1000, -1, BpeTrainer.ROBERTA_SPECIAL_TOKENS));
        assertThrows(IllegalArgumentException.class, () -> new BpeTrainer(1000, 2, List.of("<s>", "<s>")));
    }
}
