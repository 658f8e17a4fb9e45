package roberta.loader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Writes NumPy .npy files (format 1.0, little-endian float32 or int64, C order), atomically. */
public final class Npy {
    private Npy() {}

    public static void writeFloats(Path target, float[] data, int... shape) {
        write(target, "<f4", shape, data.length, 4, (buf, i) -> buf.putFloat(data[i]));
    }

    public static void writeLongs(Path target, long[] data, int... shape) {
        write(target, "<i8", shape, data.length, 8, (buf, i) -> buf.putLong(data[i]));
    }

    private interface Put {
        void put(ByteBuffer buf, int index);
    }

    private static void write(Path target, String descr, int[] shape, int n, int size, Put put) {
        long count = 1;
        for (int d : shape) count *= d;
        if (count != n) throw new IllegalArgumentException("shape " + java.util.Arrays.toString(shape) + " does not hold " + n + " values");
        StringBuilder sh = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) sh.append(shape[i]).append(shape.length == 1 || i < shape.length - 1 ? "," : "").append(i < shape.length - 1 ? " " : "");
        sh.append(")");
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + sh + ", }";
        // magic (6) + version (2) + header length (2) + dict + padding + \n, a multiple of 64
        int unpadded = 10 + dict.length() + 1;
        int total = (unpadded + 63) / 64 * 64;
        String header = dict + " ".repeat(total - unpadded) + "\n";
        AtomicFiles.write(target, ch -> {
            ByteBuffer head = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
            head.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
            head.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII)).flip();
            while (head.hasRemaining()) ch.write(head);
            ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                if (buf.remaining() < size) {
                    buf.flip();
                    while (buf.hasRemaining()) ch.write(buf);
                    buf.clear();
                }
                put.put(buf, i);
            }
            buf.flip();
            while (buf.hasRemaining()) ch.write(buf);
        });
    }
}
