package roberta.engine.train;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The lines of a text input, each read with a bound on its length: BufferedReader.readLine
 * keeps reading until it finds a newline, so /dev/zero or one enormous line grows to an
 * OutOfMemoryError. Here a line longer than {@link #maxLineBytes()} (16 MiB, or
 * {@code -Droberta.maxLineBytes=N}) is an error instead.
 *
 * <p>Lines end at '\n' (a '\r' before it is dropped, so CRLF files read the same); a final
 * newline ends the last line rather than starting an empty one; a UTF-8 byte order mark at
 * the start is skipped. A NUL byte (a binary file) and bytes that are not UTF-8 are errors, as
 * is a gzip stream that is corrupt or cut short. Every problem with the input is an
 * IllegalArgumentException "FILE:LINE: what is wrong", one line.
 */
public final class LineReader implements Closeable {
    public static final int DEFAULT_MAX_LINE_BYTES = 16 << 20;

    private final InputStream in;
    private final String name;
    private final boolean gzip;
    private final int maxLineBytes = maxLineBytes();
    private final byte[] buf = new byte[1 << 16];
    private int pos, end;
    private byte[] line = new byte[1024];
    private int len, number;
    private boolean eof;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

    private LineReader(InputStream in, String name, boolean gzip) {
        this.in = in;
        this.name = name;
        this.gzip = gzip;
    }

    /** The longest line accepted, in bytes: -Droberta.maxLineBytes or 16 MiB. */
    public static int maxLineBytes() {
        String p = System.getProperty("roberta.maxLineBytes");
        if (p == null) return DEFAULT_MAX_LINE_BYTES;
        try {
            int n = Integer.parseInt(p.strip());
            if (n > 0) return n;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("-Droberta.maxLineBytes=" + p + ": expected a positive number of bytes (at most " + Integer.MAX_VALUE + ")");
    }

    /** Lines of a file, gunzipped when its name ends in .gz; a missing or unreadable file is a one-line error. */
    public static LineReader open(Path file) {
        String name = file.toString();
        if (Files.isDirectory(file)) throw new IllegalArgumentException(name + ": is a folder, not a file");
        InputStream raw;
        try {
            raw = Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(name + ": no such file");
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException(name + ": cannot read (permission denied)");
        } catch (IOException e) {
            throw new IllegalArgumentException(name + ": cannot open: " + e.getMessage());
        }
        return of(raw, name, name.endsWith(".gz"));
    }

    /** Lines of a stream (stdin, a test's bytes); name is used in messages. */
    public static LineReader of(InputStream raw, String name, boolean gzip) {
        if (!gzip) return new LineReader(raw, name, false);
        try {
            return new LineReader(new GZIPInputStream(raw, 1 << 16), name, true); // reads the gzip header now
        } catch (IOException e) {
            closeQuietly(raw);
            throw new IllegalArgumentException(name + ": not a gzip file" + (e instanceof EOFException ? " (empty or cut short)" : " (" + e.getMessage() + ")"));
        }
    }

    /** The number of the line last returned by {@link #next()} (1-based). */
    public int line() {
        return number;
    }

    public String name() {
        return name;
    }

    /** The next line without its terminator, or null at the end of the input. */
    public String next() {
        if (eof) return null;
        len = 0;
        boolean any = false;
        while (true) {
            if (pos == end && !fill()) {
                eof = true;
                if (!any) return null;
                break;
            }
            any = true;
            int i = pos;
            while (i < end && buf[i] != '\n' && buf[i] != 0) i++;
            append(i - pos);
            if (i < end) {
                if (buf[i] == 0) throw error(number + 1, "a NUL byte at byte " + (len + 1) + " (binary data, not text)");
                pos = i + 1;
                break;
            }
            pos = end;
        }
        number++;
        if (len > 0 && line[len - 1] == '\r') len--;
        int from = 0;
        if (number == 1 && len >= 3 && (line[0] & 0xff) == 0xEF && (line[1] & 0xff) == 0xBB && (line[2] & 0xff) == 0xBF) from = 3; // byte order mark
        ByteBuffer bytes = ByteBuffer.wrap(line, from, len - from);
        try {
            CharBuffer chars = utf8.decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            // decode leaves the buffer at the first bad byte
            throw error(number, "not valid UTF-8 at byte " + (bytes.position() + 1));
        }
    }

    /** Copies buf[pos, pos + n) onto the line, refusing to grow it past the limit. */
    private void append(int n) {
        if ((long) len + n > maxLineBytes)
            throw error(number + 1, "line longer than " + maxLineBytes + " bytes (no newlines? ROBERTA_JAVA_OPTS=-Droberta.maxLineBytes=N raises the limit)");
        if (len + n > line.length) line = java.util.Arrays.copyOf(line, (int) Math.min(maxLineBytes, Math.max((long) line.length * 2, len + n)));
        System.arraycopy(buf, pos, line, len, n);
        len += n;
    }

    private boolean fill() {
        int n;
        try {
            n = in.read(buf);
        } catch (EOFException e) {
            throw error(number + 1, "the gzip stream ends early (file cut short?)");
        } catch (ZipException e) {
            throw error(number + 1, "corrupt gzip data (" + e.getMessage() + ")");
        } catch (IOException e) {
            if (gzip) throw error(number + 1, "cannot read the gzip stream (" + e.getMessage() + ")");
            throw new UncheckedIOException(name + ": cannot read: " + e.getMessage(), e);
        }
        if (n <= 0) return false;
        pos = 0;
        end = n;
        return true;
    }

    /**
     * Input text made safe to put in a one-line message: control characters (a '\r' or '\n'
     * from a JSON escape or a CSV header) written as escapes, and cut after max characters.
     */
    public static String printable(String s, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n') sb.append("\\n");
            else if (c == '\r') sb.append("\\r");
            else if (c == '\t') sb.append("\\t");
            else if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') sb.append(String.format("\\u%04x", (int) c));
            else sb.append(c);
            if (sb.length() > max) {
                sb.setLength(max);
                return sb + "...";
            }
        }
        return sb.toString();
    }

    private IllegalArgumentException error(int at, String what) {
        return new IllegalArgumentException(name + ":" + at + ": " + what);
    }

    @Override
    public void close() {
        closeQuietly(in);
    }

    private static void closeQuietly(InputStream s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing was written; reading is what matters
        }
    }
}
