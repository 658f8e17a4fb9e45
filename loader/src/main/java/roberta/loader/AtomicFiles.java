package roberta.loader;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Every file the engine writes goes through here, so a reader sees the old file or the whole
 * new one, never half, and nothing the user had is lost:
 * <ul>
 * <li>a regular file (or a new one) is written to a hidden temporary sibling and renamed over
 *     the target once complete; the temporary is deleted on failure and on Ctrl-C;</li>
 * <li>a symlink is followed: the file it points to is replaced the same way, the link stays;</li>
 * <li>anything else that exists (/dev/null, /dev/stdout, a FIFO) is written in place, never
 *     renamed over, which would turn a device into a regular file;</li>
 * <li>the new file gets the old one's permissions, or the umask's (0666 masked), not 0600.</li>
 * </ul>
 */
public final class AtomicFiles {
    /** Writes the content of a file through a channel. */
    @FunctionalInterface
    public interface Body {
        void write(FileChannel channel) throws IOException;
    }

    /** Writes the content of a folder into the (new, empty) folder it is given. */
    @FunctionalInterface
    public interface FolderBody {
        void write(Path dir) throws IOException;
    }

    /** Temporaries (files and folders) not yet renamed or deleted; a shutdown hook removes them (Ctrl-C, SIGTERM). */
    private static final Set<Path> PENDING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Path p : PENDING) {
                try {
                    deleteTree(p);
                } catch (IOException ignored) {
                    // exiting anyway
                }
            }
        }, "atomic-files-cleanup"));
    }

    /**
     * A folder written whole or not at all: built under a hidden sibling
     * ({@code .NAME.tmp-PID}), then renamed into place; an existing folder is moved aside
     * ({@code .NAME.old-PID}) just before and deleted after. On failure the temporary is
     * removed and the existing folder is untouched.
     */
    public static void writeFolder(Path target, FolderBody body) throws IOException {
        Path abs = target.toAbsolutePath();
        String pid = Long.toString(ProcessHandle.current().pid());
        Path temp = abs.resolveSibling("." + abs.getFileName() + ".tmp-" + pid);
        Files.createDirectories(abs.getParent());
        deleteTree(temp);
        PENDING.add(temp);
        try {
            Files.createDirectories(temp);
            body.write(temp);
            if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
                Path old = abs.resolveSibling("." + abs.getFileName() + ".old-" + pid);
                deleteTree(old);
                Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
                Files.move(temp, abs, StandardCopyOption.ATOMIC_MOVE);
                deleteTree(old);
            } else {
                Files.move(temp, abs, StandardCopyOption.ATOMIC_MOVE);
            }
        } finally {
            try {
                deleteTree(temp);
            } catch (IOException ignored) {
                // the original outcome matters more
            }
            PENDING.remove(temp);
        }
    }

    /** Deletes a file or folder tree; links are deleted, never followed. */
    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }

    private AtomicFiles() {}

    public static void write(Path target, Body body) {
        try {
            Path parent = target.toAbsolutePath().getParent();
            if (!Files.exists(parent, LinkOption.NOFOLLOW_LINKS)) Files.createDirectories(parent); // the engine writes into folders it makes
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot create its folder: " + e.getMessage(), e);
        }
        try (Output out = Output.open(target)) {
            body.write(out.channel);
            out.commit();
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot write: " + e.getMessage(), e);
        }
    }

    public static void writeString(Path target, String content) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        write(target, ch -> {
            var buf = java.nio.ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) ch.write(buf);
        });
    }

    /**
     * Where the bytes for {@code target} really go: the end of its chain of symlinks (a dangling
     * link's target is created). Throws if that is a folder.
     */
    static Path destination(Path target) throws IOException {
        Path p = target.toAbsolutePath();
        if (Files.exists(p)) {
            if (Files.isDirectory(p)) throw new IOException("is a folder");
            return inPlace(p) ? p : p.toRealPath();
        }
        for (int hops = 0; Files.isSymbolicLink(p); hops++) { // dangling: follow by hand
            if (hops > 40) throw new IOException("too many levels of symbolic links");
            p = p.resolveSibling(Files.readSymbolicLink(p)).normalize();
        }
        return p;
    }

    /**
     * Whether an existing path is written where it is instead of replaced: devices, FIFOs and
     * sockets, and anything under /dev or /proc (/dev/stdout may be a shell's {@code >> log},
     * which a rename would truncate).
     */
    private static boolean inPlace(Path p) {
        return !Files.isRegularFile(p) || p.startsWith("/dev/") || p.startsWith("/proc/");
    }

    /** An output being written: {@link #commit} publishes it, {@link #close} without commit discards it. */
    public static final class Output implements AutoCloseable {
        private final Path destination;
        private final Path temp; // null when writing in place (a device or FIFO)
        final FileChannel channel;
        private OutputStream stream;
        private boolean done;

        private Output(Path destination, Path temp, FileChannel channel) {
            this.destination = destination;
            this.temp = temp;
            this.channel = channel;
        }

        public static Output open(Path target) throws IOException {
            Path dest = destination(target);
            Path parent = dest.getParent();
            if (Files.exists(dest) && inPlace(dest)) // a device, FIFO or /dev/stdout: written where it is
                return new Output(dest, null, FileChannel.open(dest, StandardOpenOption.WRITE, StandardOpenOption.APPEND));
            if (!Files.isDirectory(parent)) throw new IOException("folder " + parent + " does not exist");
            while (true) {
                Path temp = parent.resolve("." + dest.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
                try {
                    // CREATE_NEW without explicit permissions: the OS applies the umask to 0666
                    FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    PENDING.add(temp);
                    copyPermissions(dest, temp);
                    return new Output(dest, temp, ch);
                } catch (FileAlreadyExistsException e) {
                    // another name
                }
            }
        }

        public FileChannel channel() {
            return channel;
        }

        /** The buffered stream over the channel (one per output); closing it does not commit. */
        public OutputStream stream() {
            if (stream == null) stream = new FilterOutputStream(new java.io.BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16)) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    flush();
                }
            };
            return stream;
        }

        /** Makes the output visible: flushed to disk, then renamed over the target. */
        public void commit() throws IOException {
            if (stream != null) stream.flush();
            if (temp == null) {
                channel.close();
            } else {
                DiskFullForTests.wrote(channel.size());
                channel.force(false);
                channel.close();
                Files.move(temp, destination, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                PENDING.remove(temp);
            }
            done = true;
        }

        @Override
        public void close() throws IOException {
            if (done) return;
            done = true;
            try {
                channel.close();
            } finally {
                if (temp != null) {
                    Files.deleteIfExists(temp);
                    PENDING.remove(temp);
                }
            }
        }
    }

    /** A replaced file keeps its mode; a new one keeps what the umask gave it. */
    private static void copyPermissions(Path from, Path to) throws IOException {
        if (!Files.isRegularFile(from)) return;
        PosixFileAttributeView view = Files.getFileAttributeView(to, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (view != null) view.setPermissions(Files.getPosixFilePermissions(from));
    }
}
