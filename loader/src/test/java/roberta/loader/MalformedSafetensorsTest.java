package roberta.loader;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A generated set of broken files: each must be rejected with a clear message, fast, without running out of memory. */
class MalformedSafetensorsTest {
    @TempDir
    static Path dir;

    static byte[] file(String header, int dataBytes) {
        return file(header.getBytes(StandardCharsets.UTF_8), dataBytes);
    }

    static byte[] file(byte[] header, int dataBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
        out.writeBytes(header);
        out.writeBytes(new byte[dataBytes]);
        return out.toByteArray();
    }

    static Stream<Arguments> cases() {
        String ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        byte[] huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(200_000_000L).array();
        byte[] pastEnd = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array();
        byte[] negative = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-5).array();
        byte[] okFile = file(ok, 8);
        return Stream.of(
                Arguments.of("empty file", new byte[0], "too short"),
                Arguments.of("truncated length", new byte[] {1, 2, 3}, "too short"),
                Arguments.of("header over 100 MB", huge, "100 MB"),
                Arguments.of("negative header length", negative, "100 MB"),
                Arguments.of("header past end of file", pastEnd, "past the end"),
                Arguments.of("truncated data", java.util.Arrays.copyOf(okFile, okFile.length - 3), "past the 5 bytes"),
                Arguments.of("invalid UTF-8", file(new byte[] {'{', '"', (byte) 0xFF, '"', ':', '1', '}'}, 0), "UTF-8"),
                Arguments.of("invalid JSON", file("{\"a\":{\"dtype\":", 0), "not valid JSON"),
                Arguments.of("not an object", file("[1,2]", 0), "not a JSON object"),
                Arguments.of("unknown dtype", file(ok.replace("F32", "F8_E9M9"), 8), "unknown dtype"),
                Arguments.of("negative dimension", file(ok.replace("[2]", "[-2]"), 8), "negative dimension"),
                Arguments.of("overflowing shape", file(ok.replace("[2]", "[4294967296,4294967296,4]"), 8), "overflows"),
                Arguments.of("shape times size overflows", file(ok.replace("[2]", "[2305843009213693952]"), 8), "overflows"),
                Arguments.of("shape disagrees with range", file(ok.replace("[2]", "[3]"), 8), "needs 12 bytes"),
                Arguments.of("overlapping ranges", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "overlaps"),
                Arguments.of("gap between ranges", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12), "gap"),
                Arguments.of("range past the data", file(ok.replace("[0,8]", "[0,8]"), 4), "past the 4 bytes"),
                Arguments.of("data left over", file(ok, 16), "holds 16 bytes"),
                Arguments.of("duplicate names", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "Duplicate field 'a'"),
                Arguments.of("reversed offsets", file(ok.replace("[0,8]", "[8,0]"), 8), "invalid data_offsets"),
                Arguments.of("offsets not integers", file(ok.replace("[0,8]", "[0,\"8\"]"), 8), "two integers"),
                Arguments.of("control characters in a name", file(ok.replace("\"a\"", "\"a\\nb\\u0000\"").replace("F32", "F99"), 8), "'a\\u000ab\\u0000'"),
                Arguments.of("metadata not strings", file("{\"__metadata__\":{\"k\":1}}", 0), "__metadata__"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rejectedWithAClearMessage(String what, byte[] content, String expected) throws Exception {
        Path p = dir.resolve(what.replace(' ', '_') + ".safetensors");
        Files.write(p, content);
        var e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p).close()));
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(expected), what + ": " + e.getMessage());
    }

    @Test
    void aHeaderClaimingTerabytesAllocatesNothing() throws Exception {
        // 2^40 F32 elements with matching offsets: refused from the header alone, nothing sized from the claim
        Path p = dir.resolve("terabytes.safetensors");
        Files.write(p, file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1099511627776],\"data_offsets\":[0,4398046511104]}}", 16));
        var bean = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = bean.getCurrentThreadAllocatedBytes();
        var e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p).close());
        long allocated = bean.getCurrentThreadAllocatedBytes() - before;
        assertTrue(e.getMessage().contains("ends at byte 4398046511104, past the 16 bytes of data"), e.getMessage());
        assertTrue(allocated < 16 << 20, "allocated " + allocated + " bytes");
    }

    @Test
    void randomBitFlipsInTheHeaderAreRejectedOrHarmless() throws Exception {
        byte[] original = Files.readAllBytes(TestData.models().resolve("tiny-roberta-cls/model.safetensors"));
        long headerEnd = 8 + ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        Random rng = new Random(42);
        Path p = dir.resolve("flipped.safetensors");
        int rejected = 0;
        for (int trial = 0; trial < 300; trial++) {
            byte[] b = original.clone();
            int flips = 1 + rng.nextInt(3);
            for (int f = 0; f < flips; f++) {
                int at = rng.nextInt((int) headerEnd);
                b[at] ^= (byte) (1 << rng.nextInt(8));
            }
            Files.write(p, b);
            try {
                assertTimeoutPreemptively(Duration.ofSeconds(5), () -> SafetensorsFile.open(p).close());
            } catch (SafetensorsException e) {
                rejected++;
                assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
            }
        }
        assertTrue(rejected > 100, "most header corruptions must be caught, got " + rejected);
    }
}
