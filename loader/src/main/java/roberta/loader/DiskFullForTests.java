package roberta.loader;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Test-only fault injection: with {@code -Droberta.test.diskFullAfter=N} every atomic write
 * fails with "No space left on device" once this process has written more than N bytes
 * through {@link AtomicFiles}, as a full disk would. Off (one comparison) otherwise.
 */
final class DiskFullForTests {
    private static final long LIMIT = Long.getLong("roberta.test.diskFullAfter", -1L);
    private static final AtomicLong WRITTEN = new AtomicLong();

    private DiskFullForTests() {}

    static void wrote(long bytes) throws IOException {
        if (LIMIT >= 0 && WRITTEN.addAndGet(bytes) > LIMIT) throw new IOException("No space left on device");
    }
}
