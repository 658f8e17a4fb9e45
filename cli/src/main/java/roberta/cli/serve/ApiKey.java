package roberta.cli.serve;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The {@code Authorization: Bearer KEY} check. Both keys are hashed first so that
 * MessageDigest.isEqual compares equal-length digests: the time taken says nothing about the
 * key's content or its length. The scheme is case-insensitive (RFC 7235), and the header's bytes
 * are read as UTF-8, as clients send a non-ASCII key (the JDK server hands them over as Latin-1).
 */
final class ApiKey {
    private final byte[] expected;

    ApiKey(String key) {
        this.expected = sha256(key);
    }

    boolean accepts(String authorizationHeader) {
        String h = authorizationHeader == null ? "" : new String(authorizationHeader.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8).strip();
        boolean bearer = h.length() > 7 && h.regionMatches(true, 0, "Bearer ", 0, 7);
        byte[] given = sha256(bearer ? h.substring(7).strip() : "");
        return MessageDigest.isEqual(expected, given) & bearer;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
