package roberta.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import roberta.loader.AtomicFiles;

/**
 * A streamed output file ("-" is stdout): {@link AtomicFiles.Output} (temporary sibling renamed
 * into place on commit; symlinks followed, devices written in place) behind a stream.
 */
final class AtomicOutput implements AutoCloseable {
    private final AtomicFiles.Output file; // null for stdout
    private final OutputStream out;

    AtomicOutput(String name) {
        if (name.equals("-")) {
            file = null;
            out = new FilterOutputStream(System.out) {
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
            try {
                file = AtomicFiles.Output.open(Path.of(name));
            } catch (IOException e) {
                throw new UncheckedIOException(name + ": cannot create: " + e.getMessage(), e);
            }
            out = file.stream();
        }
    }

    OutputStream stream() {
        return out;
    }

    /** Finishes the file: flush, close and rename over the target. */
    void commit() throws IOException {
        out.flush();
        if (file != null) file.commit();
    }

    @Override
    public void close() throws IOException {
        if (file != null) file.close();
        else out.flush();
    }
}
