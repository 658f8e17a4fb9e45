package roberta.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a written output must never do to what the user had: devices, links, modes, leftovers. */
class AtomicFilesTest {
    @Test
    void aSymlinkStaysALinkAndItsTargetGetsTheContent(@TempDir Path dir) throws Exception {
        Path real = dir.resolve("real.txt"), link = dir.resolve("link.txt");
        Files.writeString(real, "old");
        Files.createSymbolicLink(link, real);
        AtomicFiles.writeString(link, "new");
        assertTrue(Files.isSymbolicLink(link), "the link was not replaced by a file");
        assertEquals("new", Files.readString(real));
    }

    @Test
    void aDanglingSymlinkCreatesItsTarget(@TempDir Path dir) throws Exception {
        Path real = dir.resolve("made.txt"), link = dir.resolve("link.txt");
        Files.createSymbolicLink(link, real.getFileName());
        AtomicFiles.writeString(link, "made");
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("made", Files.readString(real));
    }

    @Test
    void aFifoIsWrittenInPlaceNotRenamedOver(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("pipe");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
            try {
                return Files.readString(fifo);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        AtomicFiles.writeString(fifo, "through the pipe");
        assertEquals("through the pipe", reader.get(20, TimeUnit.SECONDS));
        assertFalse(Files.isRegularFile(fifo), "the FIFO is still a FIFO");
    }

    @Test
    void aRegularFileUnderDevShmIsReplacedNotAppendedTo() throws Exception {
        Path shm = Path.of("/dev/shm");
        assertTrue(Files.isDirectory(shm) && Files.isWritable(shm), "/dev/shm: this project runs on Linux");
        Path f = Files.createTempFile(shm, "roberta-atomic-", ".txt");
        try {
            AtomicFiles.writeString(f, "first");
            AtomicFiles.writeString(f, "second");
            assertEquals("second", Files.readString(f));
        } finally {
            Files.deleteIfExists(f);
        }
    }

    @Test
    void devNullStaysADevice() {
        AtomicFiles.writeString(Path.of("/dev/null"), "discarded");
        assertFalse(Files.isRegularFile(Path.of("/dev/null")), "/dev/null is still a device");
    }

    @Test
    void aReplacedFileKeepsItsModeAndANewOneGetsTheUmasks(@TempDir Path dir) throws Exception {
        Path existing = dir.resolve("existing.txt");
        Files.writeString(existing, "old");
        Files.setPosixFilePermissions(existing, PosixFilePermissions.fromString("rw-r-----"));
        AtomicFiles.writeString(existing, "new");
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(existing)));

        Path plain = Files.createFile(dir.resolve("plain.txt")); // what the umask gives a new file here
        Path fresh = dir.resolve("fresh.txt");
        AtomicFiles.writeString(fresh, "new");
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(fresh), "not the 0600 of a temp file");
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporary(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("out.bin");
        Files.writeString(target, "precious");
        assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(target, ch -> {
            ch.write(java.nio.ByteBuffer.wrap("half".getBytes(StandardCharsets.UTF_8)));
            throw new IOException("No space left on device");
        }));
        assertEquals("precious", Files.readString(target));
        try (var list = Files.list(dir)) {
            assertEquals(1, list.count(), "no temporary left beside it");
        }
    }

    @Test
    void aFolderIsRefused(@TempDir Path dir) {
        var e = assertThrows(UncheckedIOException.class, () -> AtomicFiles.writeString(dir, "x"));
        assertTrue(e.getMessage().contains("is a folder"), e.getMessage());
    }

    /** A child JVM holding a half-written output is stopped (SIGTERM, as Ctrl-C): its temporary goes. */
    @Test
    void anInterruptedWriteLeavesNoTemporary(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("out.bin");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), HalfWrittenOutput.class.getName(), target.toString())
                .redirectErrorStream(true).start();
        var out = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("writing", out.readLine());
        try (var list = Files.list(dir)) {
            assertEquals(1, list.filter(p -> p.getFileName().toString().endsWith(".tmp")).count(), "the child has a temporary open");
        }
        child.destroy(); // SIGTERM: shutdown hooks run, as on Ctrl-C
        assertTrue(child.waitFor(20, TimeUnit.SECONDS));
        try (var list = Files.list(dir)) {
            assertEquals(0, list.count(), "no temporary and no partial output left");
        }
    }

    /** The child of {@link #anInterruptedWriteLeavesNoTemporary}: opens an output, writes half, waits. */
    public static final class HalfWrittenOutput {
        public static void main(String[] args) throws Exception {
            AtomicFiles.Output out = AtomicFiles.Output.open(Path.of(args[0]));
            out.stream().write(new byte[1000]);
            out.stream().flush();
            System.out.println("writing");
            System.out.flush();
            Thread.sleep(60_000);
        }
    }
}
