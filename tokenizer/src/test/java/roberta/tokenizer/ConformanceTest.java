package roberta.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every case Hugging Face's Rust tokenizers encoded must give the same ids, tokens, offsets and decoding. */
class ConformanceTest {
    static RobertaTokenizer fromJson, fromVocab;

    @BeforeAll
    static void load() {
        fromJson = RobertaTokenizer.fromTokenizerJson(Fixtures.dir().resolve("tokenizer.json"));
        fromVocab = RobertaTokenizer.fromVocabAndMerges(Fixtures.dir().resolve("vocab.json"), Fixtures.dir().resolve("merges.txt"));
    }

    @Test
    void allCasesMatchTokenizerJson() throws Exception {
        check(fromJson, Fixtures.cases("cases.jsonl.gz"), EncodeOptions.DEFAULT);
    }

    @Test
    void allCasesMatchVocabAndMerges() throws Exception {
        check(fromVocab, Fixtures.cases("cases.jsonl.gz"), EncodeOptions.DEFAULT);
    }

    @Test
    void truncatedCasesMatch() throws Exception {
        check(fromJson, Fixtures.cases("cases-truncate32.jsonl.gz"), EncodeOptions.truncateTo(32));
    }

    static void check(RobertaTokenizer tok, List<JsonNode> cases, EncodeOptions options) {
        assertEquals(true, cases.size() > 1000, "fixture should hold the full case set");
        List<String> failures = new ArrayList<>();
        for (int c = 0; c < cases.size(); c++) {
            JsonNode k = cases.get(c);
            String text = k.get("text").asText();
            String pair = k.has("pair") ? k.get("pair").asText() : null;
            Encoding e = tok.encode(text, pair, options);
            int[] ids = new int[k.get("ids").size()];
            for (int i = 0; i < ids.length; i++) ids[i] = k.get("ids").get(i).asInt();
            String where = "case " + c + " " + abbreviate(text);
            if (!java.util.Arrays.equals(ids, e.ids())) {
                failures.add(where + ": ids " + java.util.Arrays.toString(e.ids()) + " expected " + java.util.Arrays.toString(ids));
                continue;
            }
            for (int i = 0; i < ids.length; i++) {
                String expectedToken = k.get("tokens").get(i).asText();
                if (!expectedToken.equals(e.tokens()[i])) failures.add(where + ": token " + i + " '" + e.tokens()[i] + "' expected '" + expectedToken + "'");
                JsonNode off = k.get("offsets").get(i);
                boolean special = e.sequenceIds()[i] < 0;
                String source = e.sequenceIds()[i] == 1 ? pair : text;
                int start = special ? 0 : Fixtures.utf16(source, off.get(0).asInt());
                int end = special ? 0 : Fixtures.utf16(source, off.get(1).asInt());
                if (start != e.offsetStarts()[i] || end != e.offsetEnds()[i]) {
                    failures.add(where + ": offsets of token " + i + " [" + e.offsetStarts()[i] + "," + e.offsetEnds()[i] + ") expected [" + start + "," + end + ")");
                    break;
                }
            }
            String decoded = tok.decode(e.ids(), true);
            if (!decoded.equals(k.get("decoded").asText())) failures.add(where + ": decoded '" + abbreviate(decoded) + "'");
        }
        assertEquals(List.of(), failures.subList(0, Math.min(20, failures.size())), failures.size() + " failures");
    }

    static String abbreviate(String s) {
        String t = s.replace("\n", "\\n");
        return t.length() > 50 ? t.substring(0, 50) + "..." : t;
    }
}
