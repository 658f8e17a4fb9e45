package roberta.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** The reference cases encoded by Hugging Face's Rust tokenizers (copied from shared/fixtures/tokenizer). */
final class Fixtures {
    static final ObjectMapper JSON = new ObjectMapper();

    static Path dir() {
        try {
            return Path.of(Fixtures.class.getResource("/tokenizer/vocab.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<JsonNode> cases(String name) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (var in = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Fixtures.class.getResourceAsStream("/tokenizer/" + name)), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) if (!line.isBlank()) out.add(JSON.readTree(line));
        }
        return out;
    }

    /** Code-point offset to UTF-16 index. */
    static int utf16(String s, int codePoints) {
        return s.offsetByCodePoints(0, codePoints);
    }
}
