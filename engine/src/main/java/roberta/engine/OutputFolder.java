package roberta.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A fine-tuning run's output folder, held for the run: OUTPUT/.lock is locked (an OS lock, so a
 * killed run frees it) and names the holder's pid. It also knows which entries finetune writes
 * (metrics.jsonl, model or a LoRA run's adapter, checkpoints/epoch-N) and which hidden temporary names a killed run
 * leaves (.model.tmp-PID, .model.old-PID, checkpoints/.epoch-N.tmp-PID, .metrics.jsonl.N.tmp);
 * anything else is the user's and is never deleted.
 */
public final class OutputFolder implements AutoCloseable {
    public static final String LOCK = ".lock";
    private static final Pattern STALE_TOP = Pattern.compile("\\.(model|adapter)\\.(tmp|old)-\\d+|\\.metrics\\.jsonl\\.[0-9a-f]+\\.tmp");
    private static final Pattern STALE_CHECKPOINT = Pattern.compile("\\.epoch-\\d+\\.(tmp|old)(-\\d+)?");
    private static final Pattern CHECKPOINT = Pattern.compile("epoch-\\d+");

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;

    private OutputFolder(Path dir, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
    }

    /** Creates the folder if needed and locks it, or fails naming the run that holds it. */
    public static OutputFolder lock(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new IllegalArgumentException(dir + " exists and is not a folder");
        FileChannel ch = null;
        try {
            Files.createDirectories(dir);
            ch = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // held by this same process
            }
            if (l == null) {
                String holder = holder(ch);
                throw new IllegalStateException(dir + " is in use by another finetune run" + (holder.isEmpty() ? "" : " (pid " + holder + ")")
                        + "; wait for it to end or choose another --output");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            OutputFolder f = new OutputFolder(dir, ch, l);
            ch = null;
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(dir.resolve(LOCK) + ": cannot lock the output folder: " + e.getMessage(), e);
        } finally {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // the lock error matters more
                }
            }
        }
    }

    private static String holder(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(24);
        ch.read(b, 0);
        String s = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip();
        return s.matches("\\d{1,19}") ? s : "";
    }

    @Override
    public void close() {
        try {
            channel.truncate(0); // the pid is there only while a run holds the folder
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // closing the channel frees the lock in any case
        }
    }

    /** Entries that finetune did not write (the user's): a fresh run does not start among them. */
    public static List<String> foreignEntries(Path dir) {
        List<String> foreign = new ArrayList<>();
        for (Path p : list(dir)) {
            String n = p.getFileName().toString();
            if (n.equals(LOCK) || ours(p) || STALE_TOP.matcher(n).matches()) continue;
            if (n.equals("checkpoints") && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                for (Path c : list(p)) {
                    String cn = c.getFileName().toString();
                    if (!CHECKPOINT.matcher(cn).matches() && !STALE_CHECKPOINT.matcher(cn).matches()) foreign.add("checkpoints/" + cn);
                }
                continue;
            }
            foreign.add(n);
        }
        return foreign;
    }

    /** What an earlier run left that a new run would mix with: metrics.jsonl, model, checkpoints/epoch-N. */
    public static List<String> runEntries(Path dir) {
        List<String> run = new ArrayList<>();
        for (Path p : list(dir)) {
            String n = p.getFileName().toString();
            if (ours(p)) run.add(n);
            if (n.equals("checkpoints") && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                for (Path c : list(p)) if (CHECKPOINT.matcher(c.getFileName().toString()).matches()) run.add("checkpoints/" + c.getFileName());
        }
        return run;
    }

    /** metrics.jsonl and model, when they are what finetune writes (a file, a folder; not links). */
    private static boolean ours(Path p) {
        String n = p.getFileName().toString();
        return n.equals("metrics.jsonl") && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                || (n.equals("model") || n.equals("adapter")) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
    }

    /** Deletes the temporary folders and files a killed run left (our own names only). */
    public void cleanStale() {
        for (Path p : list(dir)) if (STALE_TOP.matcher(p.getFileName().toString()).matches()) delete(p);
        for (Path p : list(dir.resolve("checkpoints"))) if (STALE_CHECKPOINT.matcher(p.getFileName().toString()).matches()) delete(p);
    }

    /** For --overwrite: deletes what an earlier run wrote; refuses, deleting nothing, if the folder holds anything else. */
    public void clearRun() {
        List<String> foreign = foreignEntries(dir);
        if (!foreign.isEmpty()) throw new IllegalArgumentException(notOurs(dir, foreign));
        cleanStale();
        delete(dir.resolve("metrics.jsonl"));
        delete(dir.resolve("model"));
        delete(dir.resolve("adapter"));
        delete(dir.resolve("checkpoints"));
    }

    static String notOurs(Path dir, List<String> foreign) {
        return dir + " holds files finetune did not write (" + String.join(", ", foreign.subList(0, Math.min(3, foreign.size())))
                + (foreign.size() > 3 ? ", ..." : "") + "); choose a new or empty --output";
    }

    /** For a fresh run, before anything is written: refuses a folder with the user's files in it. */
    public static void checkNoForeignEntries(Path dir) {
        List<String> foreign = foreignEntries(dir);
        if (!foreign.isEmpty()) throw new IllegalArgumentException(notOurs(dir, foreign));
    }

    private static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return List.of();
        try (var s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot list: " + e.getMessage(), e);
        }
    }

    private static void delete(Path p) {
        try {
            ModelFolder.deleteTree(p);
        } catch (IOException e) {
            throw new UncheckedIOException(p + ": cannot delete: " + e.getMessage(), e);
        }
    }
}
