package roberta.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * An output file written to a temporary sibling and renamed into place on commit, so a
 * failure never leaves a half-written file or clobbers what the user had. "-" is stdout.
 */
final class AtomicOutput implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private final OutputStream out;
    private boolean committed;

    AtomicOutput(String name) {
        try {
            if (name.equals("-")) {
                target = null;
                temp = null;
                out = new java.io.FilterOutputStream(System.out) {
                    @Override
                    public void close() throws IOException {
                        flush();
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                    }
                };
            } else {
                target = Path.of(name).toAbsolutePath();
                Path parent = target.getParent();
                if (!Files.isDirectory(parent)) throw new IllegalArgumentException(name + ": folder " + parent + " does not exist");
                temp = Files.createTempFile(parent, "." + target.getFileName() + ".", ".tmp");
                out = new java.io.BufferedOutputStream(Files.newOutputStream(temp), 1 << 16);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": cannot create: " + e.getMessage(), e);
        }
    }

    OutputStream stream() {
        return out;
    }

    /** Finishes the file: flush, close and rename over the target. */
    void commit() throws IOException {
        out.close();
        if (temp != null) Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        committed = true;
    }

    @Override
    public void close() throws IOException {
        if (committed) return;
        try {
            out.close();
        } finally {
            if (temp != null) Files.deleteIfExists(temp);
        }
    }
}
