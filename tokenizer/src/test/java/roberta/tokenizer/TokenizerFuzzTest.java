package roberta.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes tokenizer files from an untrusted model folder: tokenizer.json, and vocab.json with
 * merges.txt (bytes, JSON structure, hostile ids, merge lines). Every input must load or fail
 * with a one-line TokenizerFormatException naming the file, within a deadline and without
 * allocating by the ids it claims; a tokenizer that loads must then encode and decode random
 * texts (pairs, truncation, stride) with ids inside its vocabulary and offsets inside the text.
 */
class TokenizerFuzzTest {
    private static final double CI_SECONDS = 1.25;

    @TempDir
    static Path tmp;
    static TokenizerFuzzSeeds seeds;
    static ObjectNode tokenizerJson;

    @BeforeAll
    static void seeds() throws Exception {
        seeds = new TokenizerFuzzSeeds(300);
        tokenizerJson = seeds.tokenizerJson();
        // the seeds themselves load and encode (else every case would be rejected for the same reason)
        Path ok = Files.createDirectories(tmp.resolve("seed"));
        Files.writeString(ok.resolve("tokenizer.json"), tokenizerJson.toString());
        TokenizerFuzzSeeds.encodeAndCheck(RobertaTokenizer.load(ok), "hello world <mask>", null, EncodeOptions.DEFAULT);
    }

    private static boolean ours(Throwable t) {
        return t instanceof TokenizerFormatException;
    }

    /** What to encode once loaded, drawn while preparing so the case stays reproducible. */
    private static Fuzz.Action loadAndEncode(Random rng, Path dir) {
        List<String[]> texts = new ArrayList<>();
        for (int i = 0; i < 4; i++) texts.add(new String[] {TokenizerFuzzSeeds.text(rng), rng.nextBoolean() ? null : TokenizerFuzzSeeds.text(rng)});
        EncodeOptions options = rng.nextBoolean() ? EncodeOptions.DEFAULT
                : new EncodeOptions(rng.nextBoolean(), rng.nextInt(12), TruncationStrategy.values()[rng.nextInt(3)], rng.nextInt(6));
        return () -> {
            RobertaTokenizer tok = RobertaTokenizer.load(dir);
            for (String[] t : texts) TokenizerFuzzSeeds.encodeAndCheck(tok, t[0], t[1], options);
        };
    }

    @Test
    void tokenizerJson() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("json"));
        byte[] seedBytes = tokenizerJson.toString().getBytes(StandardCharsets.UTF_8);
        Fuzz fuzz = new Fuzz("tokenizer-json", dir, TokenizerFuzzTest::ours);
        fuzz.run(CI_SECONDS, 50, rng -> {
            int r = rng.nextInt(4);
            byte[] text = r == 0 ? Mutate.bytes(rng, seedBytes, seedBytes)
                    : r == 1 ? Mutate.json(rng, tokenizerJson).getBytes(StandardCharsets.UTF_8)
                    : TokenizerFuzzSeeds.editTokenizerJson(rng, tokenizerJson.deepCopy()).getBytes(StandardCharsets.UTF_8);
            Files.write(dir.resolve("tokenizer.json"), text);
            return loadAndEncode(rng, dir);
        });
    }

    @Test
    void vocabAndMerges() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("vocab"));
        String vocab = seeds.vocabJson(), merges = seeds.mergesTxt();
        JsonNode vocabTree = TokenizerFuzzSeeds.parse(vocab);
        byte[] vocabBytes = vocab.getBytes(StandardCharsets.UTF_8), mergeBytes = merges.getBytes(StandardCharsets.UTF_8);
        Fuzz fuzz = new Fuzz("vocab-merges", dir, TokenizerFuzzTest::ours);
        fuzz.run(CI_SECONDS, 50, rng -> {
            byte[] v = vocabBytes, m = mergeBytes;
            switch (rng.nextInt(5)) {
                case 0 -> v = Mutate.bytes(rng, vocabBytes, mergeBytes);
                case 1 -> v = Mutate.json(rng, vocabTree).getBytes(StandardCharsets.UTF_8);
                case 2 -> m = Mutate.bytes(rng, mergeBytes, vocabBytes);
                default -> m = TokenizerFuzzSeeds.editMerges(rng, merges).getBytes(StandardCharsets.UTF_8);
            }
            Files.write(dir.resolve("vocab.json"), v);
            Files.write(dir.resolve("merges.txt"), m);
            return loadAndEncode(rng, dir);
        });
    }
}
