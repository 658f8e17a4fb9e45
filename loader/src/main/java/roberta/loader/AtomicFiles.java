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
 * <li>anything else that exists (/dev/null, a FIFO, a terminal) is written in place, never
 *     renamed over, which would turn a device into a regular file;</li>
 * <li>/dev/stdout and /dev/stderr (and /dev/fd/1, /proc/self/fd/2, ...) are the inherited
 *     descriptor itself, so the shell's {@code >}, {@code >>} and pipes mean what they say;</li>
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
                } catch (IOException | RuntimeException ignored) {
                    // exiting anyway: the next temporary still gets its turn
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
                try {
                    Files.move(temp, abs, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    Files.move(old, abs, StandardCopyOption.ATOMIC_MOVE); // the previous folder goes back
                    throw e;
                }
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

    /** Deletes a file or folder tree; links are deleted, never followed; entries already gone are fine. */
    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        } catch (UncheckedIOException e) { // Files.walk's way of saying an entry vanished or could not be read
            throw e.getCause();
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
            String why = "Illegal seek".equals(e.getMessage()) || String.valueOf(e.getMessage()).endsWith(": Illegal seek")
                    ? "needs a file it can seek in (this format writes its header first), not a pipe: give a file name" : e.getMessage();
            String msg = why != null && why.contains(": cannot write: ") ? why : target + ": cannot write: " + why;
            throw new UncheckedIOException(msg, e);
        }
    }

    /**
     * Fails now, naming the path and why, when target could not be written: called before long
     * work, so that it is not lost at the end to a folder that refuses the file. Creates and
     * deletes the temporary sibling the write itself would make; a device, FIFO or standard stream
     * is not opened (a FIFO would wait for its reader), and a missing folder only needs its first
     * existing ancestor to be a writable folder (the write creates the rest).
     */
    public static void checkWritable(Path target) {
        try {
            Path dest = destination(target);
            if (standardStream(dest) > 0 || (Files.exists(dest) && inPlace(dest))) return;
            Path dir = firstExistingFolder(dest.getParent());
            if (!dir.equals(dest.getParent())) {
                if (!Files.isWritable(dir)) throw new IOException("cannot create a folder in " + dir + ": permission denied");
                return;
            }
            try (Output probe = Output.open(dest)) {
                // closed without a commit: the temporary is deleted, the target untouched
            }
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot write: " + reason(e), e);
        }
    }

    /**
     * As {@link #checkWritable}, for a folder written by {@link #writeFolder}: a hidden folder made
     * and deleted in the first existing ancestor of the target (writeFolder makes the rest).
     */
    public static void checkWritableFolder(Path target) {
        try {
            Path dir = firstExistingFolder(target.toAbsolutePath().getParent());
            Path probe = dir.resolve(".roberta-probe-" + ProcessHandle.current().pid() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
            Files.createDirectory(probe);
            Files.delete(probe);
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot write: " + reason(e), e);
        }
    }

    /** folder, or its nearest ancestor that exists (the writes create the rest), which must be a folder. */
    private static Path firstExistingFolder(Path folder) throws IOException {
        Path dir = folder;
        while (dir != null && !Files.exists(dir)) dir = dir.getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new IOException((dir == null ? folder : dir) + " is not a folder");
        return dir;
    }

    /** What went wrong, in words: an access error's message is only the path it was refused. */
    static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) return f.getReason();
        return e.getMessage();
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
    public static Path destination(Path target) throws IOException {
        Path p = target.toAbsolutePath();
        if (Files.exists(p)) {
            if (Files.isDirectory(p)) throw new IOException("is a folder");
            return inPlace(p) || standardStream(p) >= 0 ? p : p.toRealPath();
        }
        for (int hops = 0; Files.isSymbolicLink(p); hops++) { // dangling: follow by hand
            if (hops > 40) throw new IOException("too many levels of symbolic links");
            p = p.resolveSibling(Files.readSymbolicLink(p)).normalize();
        }
        return p;
    }

    /** Whether an existing path is written where it is instead of replaced: devices, FIFOs, sockets. */
    private static boolean inPlace(Path p) {
        return !Files.isRegularFile(p);
    }

    /** 1 or 2 when the path names this process's stdout or stderr (/dev/stdout, /dev/fd/2, /proc/self/fd/1), else -1. */
    static int standardStream(Path p) {
        String s = p.toAbsolutePath().normalize().toString();
        if (s.equals("/dev/stdout") || s.equals("/dev/fd/1") || s.equals("/proc/self/fd/1")) return 1;
        if (s.equals("/dev/stderr") || s.equals("/dev/fd/2") || s.equals("/proc/self/fd/2")) return 2;
        return -1;
    }

    /** An output being written: {@link #commit} publishes it, {@link #close} without commit discards it. */
    public static final class Output implements AutoCloseable {
        private final Path destination;
        private final Path temp; // null when writing in place (a device or FIFO)
        final FileChannel channel;
        /** stdout or stderr: flushed, never closed (the process goes on printing there). */
        private final boolean borrowed;
        private OutputStream stream;
        private boolean done;

        private Output(Path destination, Path temp, FileChannel channel, boolean borrowed) {
            this.destination = destination;
            this.temp = temp;
            this.channel = channel;
            this.borrowed = borrowed;
        }

        private Output(Path destination, Path temp, FileChannel channel) {
            this(destination, temp, channel, false);
        }

        public static Output open(Path target) throws IOException {
            Path dest = destination(target);
            Path parent = dest.getParent();
            int fd = standardStream(dest);
            if (fd > 0) { // the inherited descriptor, as the shell set it up (a file, >> log, a pipe)
                var stream = new java.io.FileOutputStream(fd == 1 ? java.io.FileDescriptor.out : java.io.FileDescriptor.err);
                return new Output(dest, null, stream.getChannel(), true);
            }
            if (Files.exists(dest) && inPlace(dest)) // a device or FIFO: written where it is
                return new Output(dest, null, FileChannel.open(dest, StandardOpenOption.WRITE));
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
                    try {
                        out.write(b, off, len);
                    } catch (IOException e) {
                        throw failed(e);
                    }
                }

                @Override
                public void flush() throws IOException {
                    try {
                        out.flush();
                    } catch (IOException e) {
                        throw failed(e);
                    }
                }

                @Override
                public void close() throws IOException {
                    flush();
                }
            };
            return stream;
        }

        /** A write error that names the file and says what became of the old one (a full disk, say). */
        private IOException failed(IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(destination.toString())) return e;
            String kept = temp == null ? "" : Files.exists(destination) ? "; the previous file is untouched" : "; nothing was written there";
            return new IOException(destination + ": cannot write: " + e.getMessage() + kept, e);
        }

        /** Makes the output visible: flushed to disk, then renamed over the target. */
        public void commit() throws IOException {
            try {
                if (stream != null) stream.flush();
                if (temp == null) {
                    if (!borrowed) channel.close();
                } else {
                    DiskFullForTests.wrote(channel.size());
                    channel.force(false);
                    channel.close();
                    Files.move(temp, destination, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    PENDING.remove(temp);
                }
            } catch (IOException e) {
                throw failed(e);
            }
            done = true;
        }

        @Override
        public void close() throws IOException {
            if (done) return;
            done = true;
            try {
                if (!borrowed) channel.close();
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
