package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import roberta.loader.AtomicFiles;
import roberta.loader.DType;
import roberta.loader.SafetensorsFile;

/** The streamed safetensors layout: offsets past 2^31 bytes, rows written out of order, read back by the loader. */
class TensorFileTest {
    @Test
    void rowsLandAtTheirPlaceBeyondTwoGigabytes(@TempDir Path dir) {
        Path out = dir.resolve("big.safetensors");
        long rows = 600, width = 1 << 20; // 600 x 2^20 floats = 2.5 GB: byte offsets overflow an int (the file is sparse)
        float[] last = new float[(int) width], first = new float[(int) width];
        for (int i = 0; i < width; i++) {
            last[i] = i;
            first[i] = -i;
        }
        AtomicFiles.write(out, ch -> {
            TensorFile f = new TensorFile().metadata("format", "pt").add("ids", DType.I64, 2, 3).add("x", DType.F32, rows, width);
            f.start(ch);
            f.putFloats("x", rows - 1, last); // the last row first: positions, not appends
            f.putFloats("x", 0, first);
            f.putLongs("ids", 0, new long[] {1, 2, 3, 4, 5, 6});
        });
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            assertArrayEquals(new long[] {rows, width}, f.info("x").shape());
            assertArrayEquals(new long[] {1, 2, 3, 4, 5, 6}, f.longs("ids"));
            assertEquals("pt", f.metadata().get("format"));
            var seg = f.segment("x");
            var layout = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            long lastRow = (rows - 1) * width * 4;
            assertEquals(12345f, seg.get(layout, lastRow + 12345 * 4));
            assertEquals(width - 1, seg.get(layout, lastRow + (width - 1) * 4), 0f);
            assertEquals(-7f, seg.get(layout, 7 * 4));
            assertEquals(0f, seg.get(layout, width * 4 * 300)); // never written: zeros
        }
        assertEquals(8 + headerLength(out) + 6 * 8 + rows * width * 4, size(out));
    }

    static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static long headerLength(Path p) {
        try (var in = Files.newInputStream(p)) {
            byte[] b = in.readNBytes(8);
            return java.nio.ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
