package roberta.cli.serve;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The {@code Authorization: Bearer KEY} check. Both sides are hashed first so that
 * MessageDigest.isEqual compares equal-length digests: the time taken says nothing about the
 * key's content or its length.
 */
final class ApiKey {
    private final byte[] expected;

    ApiKey(String key) {
        this.expected = sha256("Bearer " + key);
    }

    boolean accepts(String authorizationHeader) {
        byte[] given = sha256(authorizationHeader == null ? "" : authorizationHeader.strip());
        return MessageDigest.isEqual(expected, given);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
