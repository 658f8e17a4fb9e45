package roberta.loader;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file mapped into memory (FFM, any size). Layout: 8-byte little-endian header
 * length N, N bytes of JSON header, then the data; each tensor's data_offsets are relative to
 * the data start. The header is checked as strictly as the reference implementation before
 * anything is read or allocated from it. Tensors are zero-copy slices of the mapping; close
 * the file to unmap.
 */
public final class SafetensorsFile implements AutoCloseable {
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ObjectMapper STRICT_JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, MemorySegment data, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path path) {
        // opening a FIFO blocks until someone writes to it, and a device has no end: only plain files are mapped
        if (Files.exists(path) && !Files.isRegularFile(path)) throw bad(path, "is not a regular file");
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            Header h = parseHeader(path, file);
            return new SafetensorsFile(path, arena, file.asSlice(h.dataStart), h.tensors, h.metadata);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new SafetensorsException(path + ": no such file");
        } catch (IOException e) {
            arena.close();
            String why = e instanceof java.nio.channels.ClosedByInterruptException ? "the loading thread was interrupted" : e.getMessage();
            throw new SafetensorsException(path + ": cannot read: " + why, e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private record Header(long dataStart, Map<String, TensorInfo> tensors, Map<String, String> metadata) {}

    private static SafetensorsException bad(Path path, String what) {
        return new SafetensorsException(path + ": " + what);
    }

    private static Header parseHeader(Path path, MemorySegment file) {
        long size = file.byteSize();
        if (size < 8) throw bad(path, "file is " + size + " bytes, too short for the 8-byte header length");
        long n = file.get(I64_LE, 0);
        if (n < 0 || n > MAX_HEADER_BYTES) throw bad(path, "header length exceeds the 100 MB limit (not a safetensors file?)"); // no file bytes in messages, not even as a number
        if (8 + n > size) throw bad(path, "header length runs past the end of the " + size + "-byte file");
        byte[] headerBytes = file.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
        String headerText;
        try {
            headerText = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(headerBytes)).toString();
        } catch (CharacterCodingException e) {
            throw bad(path, "header is not valid UTF-8");
        }
        JsonNode root;
        try {
            root = STRICT_JSON.readTree(headerText);
        } catch (IOException e) {
            String msg = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? roberta.tokenizer.JsonErrors.describe(j) : e.getMessage();
            // the parser's message quotes the text it choked on (maybe not a safetensors file at all): only a duplicate name is kept
            long at = e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null ? j.getLocation().getCharOffset() : -1;
            throw bad(path, "header is not valid JSON" + (msg != null && msg.startsWith("Duplicate field") ? ": " + msg : at >= 0 ? " (at character " + at + ")" : ""));
        }
        if (root == null || !root.isObject()) throw bad(path, "header is not a JSON object");
        long dataSize = size - 8 - n;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorInfo> list = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = root.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) throw bad(path, "__metadata__ is not an object");
                v.fields().forEachRemaining(m -> {
                    if (!m.getValue().isTextual()) throw bad(path, "__metadata__ value for '" + m.getKey() + "' is not a string");
                    metadata.put(m.getKey(), m.getValue().asText());
                });
                continue;
            }
            list.add(parseEntry(path, name, v));
        }
        // Data must be covered exactly: sorted by offset, each tensor starts where the last ended.
        List<TensorInfo> sorted = new ArrayList<>(list);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expected = 0;
        String previous = null;
        for (TensorInfo t : sorted) {
            if (t.begin() < expected)
                throw bad(path, "tensor '" + t.name() + "' [" + t.begin() + ", " + t.end() + ") overlaps '" + previous + "' which ends at " + expected);
            if (t.begin() > expected)
                throw bad(path, "tensor '" + t.name() + "' starts at " + t.begin() + ", leaving a gap after byte " + expected);
            expected = t.end();
            previous = t.name();
        }
        if (expected > dataSize) throw bad(path, "tensor '" + previous + "' ends at byte " + expected + ", past the " + dataSize + " bytes of data");
        if (expected < dataSize) throw bad(path, "tensors cover " + expected + " bytes but the file holds " + dataSize + " bytes of data");
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (TensorInfo t : list) tensors.put(t.name(), t);
        return new Header(8 + n, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static TensorInfo parseEntry(Path path, String name, JsonNode v) {
        String where = "tensor '" + name + "': ";
        if (!v.isObject()) throw bad(path, where + "entry is not an object");
        JsonNode dt = v.get("dtype"), shapeNode = v.get("shape"), offsets = v.get("data_offsets");
        if (dt == null || !dt.isTextual()) throw bad(path, where + "missing dtype");
        DType dtype = DType.parse(dt.asText());
        if (dtype == null) throw bad(path, where + "unknown dtype '" + dt.asText() + "'");
        if (shapeNode == null || !shapeNode.isArray()) throw bad(path, where + "missing shape");
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong()) throw bad(path, where + "shape " + shapeNode + " is not a list of integers");
            shape[i] = d.asLong();
            if (shape[i] < 0) throw bad(path, where + "negative dimension in shape " + shapeNode);
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException e) {
                throw bad(path, where + "shape " + shapeNode + " overflows");
            }
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(elements, dtype.size);
        } catch (ArithmeticException e) {
            throw bad(path, where + "shape " + shapeNode + " times " + dtype.size + " bytes overflows");
        }
        if (offsets == null || !offsets.isArray() || offsets.size() != 2 || !offsets.get(0).canConvertToLong()
                || !offsets.get(1).canConvertToLong() || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber())
            throw bad(path, where + "data_offsets must be two integers");
        long begin = offsets.get(0).asLong(), end = offsets.get(1).asLong();
        if (begin < 0 || end < begin) throw bad(path, where + "invalid data_offsets [" + begin + ", " + end + "]");
        if (end - begin != bytes)
            throw bad(path, where + "shape " + shapeNode + " of " + dtype + " needs " + bytes + " bytes but data_offsets span " + (end - begin));
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    public Path path() {
        return path;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) throw bad(path, "no tensor named '" + name + "'");
        return t;
    }

    /** The raw little-endian bytes of a tensor, a zero-copy view of the mapping. */
    public MemorySegment segment(String name) {
        TensorInfo t = info(name);
        return data.asSlice(t.begin(), t.byteSize());
    }

    /** A float tensor as float32 (F16 and BF16 widened exactly, F64 rounded). */
    public float[] floats(String name) {
        TensorInfo t = info(name);
        if (!t.dtype().isFloat()) throw bad(path, "tensor '" + name + "' is " + t.dtype() + ", not a float type");
        MemorySegment seg = segment(name);
        float[] out = DTypeConversions.toFloats(seg, t.dtype(), arrayLength(t));
        if (seg.isMapped()) seg.unload(); // copied out: let its pages leave this process's resident set
        return out;
    }

    /** A float tensor widened into dst (which must hold its element count): no allocation. */
    public void floatsInto(String name, float[] dst) {
        TensorInfo t = info(name);
        if (!t.dtype().isFloat()) throw bad(path, "tensor '" + name + "' is " + t.dtype() + ", not a float type");
        if (dst.length < t.elementCount()) throw new IllegalArgumentException("buffer of " + dst.length + " floats for " + t);
        MemorySegment seg = segment(name);
        DTypeConversions.toFloats(seg, t.dtype(), (int) t.elementCount(), dst);
        if (seg.isMapped()) seg.unload(); // copied out: let its pages leave this process's resident set
    }

    /**
     * Refuses a weight that is NaN or infinite (a diverged run, a corrupted file), which would make
     * every output NaN with nothing naming it: whoever reads a model's weights calls this, naming the
     * tensor. One branch-free pass (C2 vectorizes it: about 0.45 ns a value, 55 ms for roberta-base).
     *
     * @param name the tensor, as stored
     * @param values its values
     * @param n how many of them
     */
    public void requireFinite(String name, float[] values, int n) {
        int bad = 0;
        // the exponent's bits all ones (NaN or infinity) carries into bit 31
        for (int i = 0; i < n; i++) bad |= ((Float.floatToRawIntBits(values[i]) & 0x7f800000) + 0x00800000) >>> 31;
        if (bad != 0) throw notFinite(name);
    }

    /** A model weight as float32, as {@link #floats}, refused if not finite ({@link #requireFinite}). */
    public float[] finiteFloats(String name) {
        float[] v = floats(name);
        requireFinite(name, v, v.length);
        return v;
    }

    /** As {@link #requireFinite}, for an F16 or BF16 tensor's raw bits. */
    public void requireFiniteHalf(String name, short[] bits) {
        TensorInfo t = info(name);
        int exponent = t.dtype() == DType.F16 ? 0x7c00 : 0x7f80, n = (int) t.elementCount(), bad = 0;
        for (int i = 0; i < n; i++) bad |= (bits[i] & exponent) == exponent ? 1 : 0;
        if (bad != 0) throw notFinite(name);
    }

    private SafetensorsException notFinite(String name) {
        return new SafetensorsException(path + ": tensor '" + name + "' holds NaN or infinite values (a diverged or corrupted checkpoint)");
    }

    /** An F16 or BF16 tensor's raw bits copied into dst (which must hold its element count), not widened. */
    public void halfBitsInto(String name, short[] dst) {
        TensorInfo t = info(name);
        if (t.dtype() != DType.F16 && t.dtype() != DType.BF16) throw bad(path, "tensor '" + name + "' is " + t.dtype() + ", not F16 or BF16");
        if (dst.length < t.elementCount()) throw new IllegalArgumentException("buffer of " + dst.length + " shorts for " + t);
        MemorySegment seg = segment(name);
        MemorySegment.copy(seg, ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, dst, 0, (int) t.elementCount());
        if (seg.isMapped()) seg.unload(); // copied out: let its pages leave this process's resident set
    }

    /** An integer or boolean tensor as longs. */
    public long[] longs(String name) {
        TensorInfo t = info(name);
        if (t.dtype().isFloat()) throw bad(path, "tensor '" + name + "' is " + t.dtype() + ", not an integer type");
        return DTypeConversions.toLongs(segment(name), t.dtype(), arrayLength(t));
    }

    /** The element count of a tensor read into a Java array, which holds at most 2^31 - 9. */
    private int arrayLength(TensorInfo t) {
        long n = t.elementCount();
        if (n > RobertaConfig.MAX_ARRAY) throw bad(path, "tensor '" + t.name() + "' has " + n + " elements, more than a Java array holds");
        return (int) n;
    }

    @Override
    public void close() {
        arena.close();
    }
}
