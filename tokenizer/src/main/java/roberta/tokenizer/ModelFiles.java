package roberta.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Files of an untrusted model folder, for the tokenizer and the loader alike. A file named by
 * the folder (a shard in the index) must be a plain name, and no file we read may lead outside
 * the folder through a symbolic link, except that a Hugging Face cache snapshot
 * (.../models--org--name/snapshots/REV) may link into that repository's blobs/ folder, which
 * is how the hub cache stores every file.
 */
public final class ModelFiles {
    /** Real tokenizer files are tens of MB at most (XLM-R's tokenizer.json is 17 MB); memory grows with the file. */
    public static final long MAX_TOKENIZER_BYTES = 256L << 20;
    /** config.json and index files are kilobytes; a larger one is not what it claims to be. */
    public static final long MAX_JSON_BYTES = 64L << 20;

    private ModelFiles() {}

    /** The file called name in dir, refused (via error) if the name is not a plain file name. */
    public static Path named(Path dir, String name, Function<String, RuntimeException> error) {
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.startsWith(".") || name.length() > 255
                || name.chars().anyMatch(c -> c == '/' || c == '\\' || c == ':' || c < 0x20))
            throw error.apply("'" + quote(name) + "' is not a plain file name in the model folder");
        try {
            return dir.resolve(name);
        } catch (java.nio.file.InvalidPathException e) { // e.g. characters the file system's encoding cannot spell
            throw error.apply("'" + quote(name) + "' is not a valid file name here: " + e.getReason());
        }
    }

    /** Throws (via error) if file exists and is, or goes through, a link leading outside dir. */
    public static void checkInside(Path dir, Path file, Function<String, RuntimeException> error) {
        if (!Files.exists(file)) return; // the reader reports a missing file in its own words
        try {
            Path real = file.toRealPath(), root = dir.toRealPath();
            if (real.startsWith(root)) return;
            Path snapshots = root.getParent(), repo = snapshots == null ? null : snapshots.getParent();
            if (repo != null && snapshots.getFileName().toString().equals("snapshots") && repo.getFileName().toString().startsWith("models--")
                    && real.startsWith(repo.resolve("blobs")))
                return;
            throw error.apply("is a link to " + real + ", outside the model folder (links may only point inside it, or into a Hugging Face cache's blobs/)");
        } catch (IOException e) {
            throw error.apply("cannot resolve: " + e.getMessage());
        }
    }

    /** A small text file, strictly UTF-8, refused (via error) if larger than max bytes. */
    public static String readUtf8(Path file, long max, Function<String, RuntimeException> error) {
        // a FIFO or device would block or never end: only plain files are read
        if (Files.exists(file) && !Files.isRegularFile(file)) throw error.apply("is not a regular file");
        try {
            long size = Files.size(file);
            if (size > max) throw error.apply("is " + size + " bytes, over the " + (max >> 20) + " MB a file of this kind may have");
            byte[] bytes = Files.readAllBytes(file);
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (NoSuchFileException e) {
            throw error.apply("no such file");
        } catch (CharacterCodingException e) {
            throw error.apply("is not valid UTF-8");
        } catch (IOException e) {
            throw error.apply("cannot read: " + e.getMessage());
        }
    }

    /** s with control characters escaped: a message must stay on one line. */
    public static String oneLine(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F || c == '\u2028' || c == '\u2029' || c == '\u0085') b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }

    /** A name or value from the input, for a message: one line, at most 80 characters. */
    public static String quote(String s) {
        String one = oneLine(s);
        return one.length() <= 80 ? one : one.substring(0, 77) + "...";
    }
}
