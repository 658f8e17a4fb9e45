package roberta.cli.serve;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The key as clients send it: UTF-8 bytes, which the JDK server hands over decoded as Latin-1. */
class ApiKeyTest {
    static String asTheServerReadsIt(String header) {
        return new String(header.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    @Test
    void aNonAsciiKeyMatchesWhatCurlSends() {
        ApiKey key = new ApiKey("clé-ü");
        assertTrue(key.accepts(asTheServerReadsIt("Bearer clé-ü")));
        assertTrue(key.accepts(asTheServerReadsIt("BEARER clé-ü")));
        assertFalse(key.accepts(asTheServerReadsIt("Bearer cle-u")));
        assertFalse(key.accepts(null));
        assertFalse(key.accepts(asTheServerReadsIt("clé-ü")));
    }
}
