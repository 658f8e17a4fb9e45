package roberta.tokenizer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Parse errors say what is wrong without Jackson's internals (redacted source, feature flags). */
class JsonErrorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String describe(String text) {
        return JsonErrors.describe(assertThrows(JsonProcessingException.class, () -> JSON.readTree(text)));
    }

    @Test
    void messagesKeepTheWhatAndDropTheParsersInternals() {
        String[][] cases = {{"{\"text\": \"hi\"", "end-of-input"}, {"{\"x\": NaN}", "'NaN'"}, {"{\"text\": broken}", "'broken'"}, {"[1, 2", "end-of-input"}};
        for (String[] c : cases) {
            String m = describe(c[0]);
            assertTrue(m.contains(c[1]), c[0] + " -> " + m);
            for (String internal : new String[] {"Source", "REDACTED", "JsonReadFeature", "StreamReadFeature", "enable `"})
                assertFalse(m.contains(internal), c[0] + " -> " + m);
        }
        // a second value after the body (what serve refuses)
        JsonProcessingException trailing = assertThrows(JsonProcessingException.class, () -> JSON.reader()
                .with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree("{\"a\": 1} {}"));
        String m = JsonErrors.describe(trailing);
        assertTrue(m.startsWith("Trailing token"), m);
        assertFalse(m.contains("`") || m.contains("com.fasterxml") || m.contains("()"), m);
        // the parser's limits: nesting past 1000 and a 1001-digit number
        for (String[] c : new String[][] {{"[".repeat(1100) + "]".repeat(1100), "nesting depth"}, {"[" + "9".repeat(1001) + "]", "Number value length"}}) {
            String limit = describe(c[0]);
            assertTrue(limit.contains(c[1]) && limit.contains("1000"), limit);
            assertFalse(limit.contains("`") || limit.contains("StreamReadConstraints") || limit.contains("()"), limit);
        }
    }
}
