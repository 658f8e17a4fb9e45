package roberta.loader;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a safetensors file the way Hugging Face does: tensors sorted by name, header padded
 * with spaces to a multiple of 8 bytes, data little-endian and contiguous. The file is written
 * to a temporary sibling and renamed, so a crash never leaves a half-written checkpoint.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Entry(DType dtype, long[] shape, Object data) {}

    private final Map<String, Entry> entries = new TreeMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public SafetensorsWriter addFloats(String name, float[] data, long... shape) {
        return add(name, DType.F32, shape, data, data.length);
    }

    /** Float data stored as F16 or BF16 (rounded to nearest even) or F32. */
    public SafetensorsWriter addFloats(String name, DType dtype, float[] data, long... shape) {
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) throw new IllegalArgumentException("cannot store floats as " + dtype);
        return add(name, dtype, shape, data, data.length);
    }

    public SafetensorsWriter addLongs(String name, long[] data, long... shape) {
        return add(name, DType.I64, shape, data, data.length);
    }

    private SafetensorsWriter add(String name, DType dtype, long[] shape, Object data, long length) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        if (n != length) throw new IllegalArgumentException("tensor '" + name + "': shape " + java.util.Arrays.toString(shape) + " needs " + n + " values, got " + length);
        if (name.equals("__metadata__")) throw new IllegalArgumentException("'__metadata__' is reserved");
        if (entries.put(name, new Entry(dtype, shape.clone(), data)) != null) throw new IllegalArgumentException("tensor '" + name + "' added twice");
        return this;
    }

    public void write(Path target) {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            Entry t = e.getValue();
            long bytes = Math.multiplyExact(length(t.data), (long) t.dtype.size);
            ObjectNode node = header.putObject(e.getKey());
            node.put("dtype", t.dtype.name());
            var shape = node.putArray("shape");
            for (long d : t.shape) shape.add(d);
            node.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        AtomicFiles.write(target, ch -> {
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded).put(json);
            while (head.hasRemaining()) head.put((byte) ' ');
            head.flip();
            writeFully(ch, head);
            ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (Entry t : entries.values()) writeData(ch, buf, t);
        });
    }

    private static long length(Object data) {
        return data instanceof float[] f ? f.length : ((long[]) data).length;
    }

    private static void writeData(FileChannel ch, ByteBuffer buf, Entry t) throws IOException {
        if (t.data instanceof float[] f) {
            for (float v : f) {
                if (buf.remaining() < 4) flush(ch, buf);
                switch (t.dtype) {
                    case F32 -> buf.putFloat(v);
                    case F16 -> buf.putShort(Float.floatToFloat16(v));
                    case BF16 -> buf.putShort(DTypeConversions.floatToBf16(v));
                    default -> throw new IllegalStateException();
                }
            }
        } else {
            for (long v : (long[]) t.data) {
                if (buf.remaining() < 8) flush(ch, buf);
                buf.putLong(v);
            }
        }
        flush(ch, buf);
    }

    private static void flush(FileChannel ch, ByteBuffer buf) throws IOException {
        buf.flip();
        writeFully(ch, buf);
        buf.clear();
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }
}
