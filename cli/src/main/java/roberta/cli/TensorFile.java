package roberta.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import roberta.loader.DType;

/**
 * A safetensors file whose layout is fixed before its data exists: the header (names, shapes,
 * offsets) is written first, then each tensor's rows are written at their place as they are
 * computed. So forward keeps one batch in memory, not the whole input's activations, and
 * writes the same file the in-memory writer would (names sorted, header padded to 8 bytes).
 * Sizes are longs: a file may hold far more than 2^31 values.
 */
final class TensorFile {
    /** One tensor: its type, shape and byte range in the data section. */
    record Tensor(DType dtype, long[] shape, long offset, long bytes) {
        /** Values per index of the first dimension. */
        long rowValues() {
            long n = 1;
            for (int i = 1; i < shape.length; i++) n = Math.multiplyExact(n, shape[i]);
            return n;
        }
    }

    private final Map<String, Tensor> tensors = new TreeMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private FileChannel channel;
    private long dataStart;

    TensorFile metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    TensorFile add(String name, DType dtype, long... shape) {
        if (channel != null) throw new IllegalStateException("tensors are added before start");
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        if (tensors.put(name, new Tensor(dtype, shape.clone(), 0, Math.multiplyExact(n, (long) dtype.size))) != null)
            throw new IllegalArgumentException("tensor '" + name + "' added twice");
        return this;
    }

    /** Fixes the offsets and writes the header; the data section follows it. */
    void start(FileChannel ch) throws IOException {
        ObjectNode header = JsonLines.JSON.createObjectNode();
        if (!metadata.isEmpty()) metadata.forEach(header.putObject("__metadata__")::put);
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            e.setValue(new Tensor(t.dtype, t.shape, offset, t.bytes));
            ObjectNode node = header.putObject(e.getKey()).put("dtype", t.dtype.name());
            var shape = node.putArray("shape");
            for (long d : t.shape) shape.add(d);
            node.putArray("data_offsets").add(offset).add(offset + t.bytes);
            offset += t.bytes;
        }
        byte[] json = JsonLines.JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        long at = 0;
        while (head.hasRemaining()) at += ch.write(head, at);
        channel = ch;
        dataStart = 8 + padded;
        // the whole length now: a short file would be a reader's error, not zeros
        if (offset > 0) ch.write(ByteBuffer.allocate(1), dataStart + offset - 1);
    }

    /** Writes values starting at index firstRow of the tensor's first dimension. */
    void putFloats(String name, long firstRow, float[] values) throws IOException {
        Tensor t = tensor(name, firstRow, values.length, DType.F32);
        long at = dataStart + t.offset + firstRow * t.rowValues() * 4;
        for (int i = 0; i < values.length; ) {
            buf.clear();
            while (i < values.length && buf.remaining() >= 4) buf.putFloat(values[i++]);
            at = flush(at);
        }
    }

    void putLongs(String name, long firstRow, long[] values) throws IOException {
        Tensor t = tensor(name, firstRow, values.length, DType.I64);
        long at = dataStart + t.offset + firstRow * t.rowValues() * 8;
        for (int i = 0; i < values.length; ) {
            buf.clear();
            while (i < values.length && buf.remaining() >= 8) buf.putLong(values[i++]);
            at = flush(at);
        }
    }

    private Tensor tensor(String name, long firstRow, int count, DType dtype) {
        Tensor t = tensors.get(name);
        if (t == null || t.dtype != dtype) throw new IllegalArgumentException("no " + dtype + " tensor '" + name + "'");
        if (count % t.rowValues() != 0 || firstRow + count / t.rowValues() > t.shape[0])
            throw new IllegalArgumentException("tensor '" + name + "': " + count + " values at row " + firstRow + " do not fit " + java.util.Arrays.toString(t.shape));
        return t;
    }

    private long flush(long at) throws IOException {
        buf.flip();
        while (buf.hasRemaining()) at += channel.write(buf, at);
        return at;
    }
}
