package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * finetune under faults: a run killed (SIGKILL) anywhere resumes to the same bytes as an unbroken
 * run; a full disk keeps the last good checkpoint; two runs cannot share an output folder; a
 * resume refuses another run's checkpoint; nothing outside the model folder is copied in.
 */
class ReliabilityTest {
    static final int EPOCHS = 3;
    @TempDir
    static Path shared;
    static Path train;
    /** An unbroken run with the same seed. */
    static Path reference;

    static List<String> args(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("finetune", "--model", CliTest.MLM.toString(), "--random-init", "--hidden", "16", "--layers", "1",
                "--heads", "2", "--intermediate", "32", "--task", "seq-cls", "--train", train.toString(), "--epochs", String.valueOf(EPOCHS),
                "--lr", "1e-2", "--batch-size", "8", "--max-length", "32", "--seed", "7", "--output", out.toString()));
        a.addAll(List.of(extra));
        return a;
    }

    static CliTest.Run run(Path out, String... extra) {
        return CliTest.run(args(out, extra).toArray(String[]::new));
    }

    @BeforeAll
    static void referenceRun() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            sb.append("{\"text\": \"cheap pills buy now offer ").append(i).append("\", \"label\": \"spam\"}\n");
            sb.append("{\"text\": \"meeting notes for the project ").append(i).append("\", \"label\": \"ham\"}\n");
        }
        train = shared.resolve("train.jsonl");
        Files.writeString(train, sb.toString());
        reference = shared.resolve("reference");
        CliTest.Run r = run(reference);
        assertEquals(0, r.code(), r.err());
    }

    // ------------------------------------------------------------------ a child JVM to kill

    /**
     * finetune in its own JVM, with test-only system properties; its stderr is collected line by line.
     * C1 only (TieredStopAtLevel=1): half the CPU for a run this short, and the resumed bytes still
     * have to equal the reference run's, computed in this JVM.
     */
    static final class Child implements AutoCloseable {
        final Process process;
        final List<String> err = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch paused = new CountDownLatch(1);
        final Thread reader;

        Child(List<String> args, String... properties) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx1g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-Droberta.quiet=true"));
            for (String p : properties) cmd.add("-D" + p);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "roberta.cli.Main"));
            cmd.addAll(args);
            process = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        err.add(line);
                        if (line.startsWith("roberta.test.paused ")) paused.countDown();
                    }
                } catch (IOException ignored) {
                    // the process was killed
                }
            });
            reader.setDaemon(true);
            reader.start();
        }

        void awaitPause(String point) throws InterruptedException {
            boolean reached = false;
            for (int i = 0; i < 1200 && !reached; i++) reached = paused.await(100, TimeUnit.MILLISECONDS) || !process.isAlive() && paused.getCount() == 0;
            assertTrue(reached, "child never reached " + point + "; stderr: " + String.join(" | ", err));
        }

        int exit() throws InterruptedException {
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), "child did not finish");
            reader.join(5000);
            return process.exitValue();
        }

        void kill() throws InterruptedException {
            process.destroyForcibly(); // SIGKILL: no shutdown hooks, no finally blocks
            process.waitFor(30, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) kill();
        }
    }

    static Path model(Path out) {
        return out.resolve("model").resolve("model.safetensors");
    }

    static List<JsonNode> metrics(Path out) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String l : Files.readAllLines(out.resolve("metrics.jsonl"))) lines.add(JsonLines.JSON.readTree(l));
        return lines;
    }

    /** One metrics line per epoch, in order, with the reference run's losses. */
    static void assertMetricsLikeReference(Path out) throws IOException {
        List<JsonNode> got = metrics(out), want = metrics(reference);
        assertEquals(EPOCHS, got.size(), "one metrics line per epoch: " + got);
        for (int e = 0; e < EPOCHS; e++) {
            assertEquals(e + 1, got.get(e).get("epoch").asInt(), got.toString());
            assertEquals(want.get(e).get("train_loss").asDouble(), got.get(e).get("train_loss").asDouble(), "epoch " + (e + 1) + " loss");
        }
    }

    /** Our hidden temporary names anywhere under out. */
    static List<Path> leftovers(Path out) throws IOException {
        try (Stream<Path> walk = Files.walk(out)) {
            return walk.filter(p -> p.getFileName().toString().matches("\\..*\\.tmp(-\\d+)?|\\.model\\.(tmp|old)-\\d+|\\.epoch-\\d+\\.tmp(-\\d+)?")).toList();
        }
    }

    // ------------------------------------------------------------------ 1, 5, 7: kill and resume

    @ParameterizedTest
    @ValueSource(strings = {"batch:2:3", "checkpoint-write:2", "checkpoint-done:2", "model-save"})
    void killedRunResumesToTheBytesOfAnUnbrokenRun(String point, @TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        try (Child child = new Child(args(out), "roberta.test.pauseAt=" + point)) {
            child.awaitPause(point);
            child.kill();
        }
        assertFalse(Files.exists(model(out)), "killed before the final model");
        if (point.startsWith("checkpoint-write")) {
            try (var list = Files.list(out.resolve("checkpoints"))) {
                assertTrue(list.anyMatch(p -> p.getFileName().toString().startsWith(".epoch-2.tmp") && Files.isDirectory(p)), "killed mid-write");
            }
        }
        if (point.equals("model-save")) assertFalse(leftovers(out).isEmpty(), "killed mid-save");

        CliTest.Run resumed = run(out, "--resume");
        assertEquals(0, resumed.code(), resumed.err());
        assertArrayEquals(Files.readAllBytes(model(reference)), Files.readAllBytes(model(out)), "resumed model differs from the unbroken run");
        assertMetricsLikeReference(out);
        JsonNode printed = JsonLines.JSON.readTree(resumed.out());
        assertEquals(EPOCHS, printed.path("epoch").asInt(), "prints the last epoch's metrics: " + resumed.out());
        assertEquals(List.of(), leftovers(out), "stale temporary folders are cleaned");
    }

    @Test
    void resumeAfterRemovingTheLastCheckpointDropsItsMetricsLine(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        assertEquals(0, run(out).code());
        try (Stream<Path> files = Files.walk(out.resolve("checkpoints/epoch-" + EPOCHS))) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
        CliTest.Run resumed = run(out, "--resume");
        assertEquals(0, resumed.code(), resumed.err());
        assertMetricsLikeReference(out);
        assertArrayEquals(Files.readAllBytes(model(reference)), Files.readAllBytes(model(out)));
    }

    // ------------------------------------------------------------------ 2: full disk

    @Test
    void fullDiskDuringACheckpointKeepsThePreviousOneAndSaysSo(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        long checkpointBytes;
        try (Stream<Path> files = Files.walk(reference.resolve("checkpoints/epoch-1"))) {
            checkpointBytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        int code;
        List<String> err;
        try (Child child = new Child(args(out), "roberta.test.diskFullAfter=" + checkpointBytes * 14 / 10)) {
            code = child.exit();
            err = child.err;
        }
        assertEquals(1, code, String.join("\n", err));
        List<String> errors = err.stream().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(1, errors.size(), String.join("\n", err));
        String msg = errors.get(0);
        assertTrue(msg.contains("No space left on device"), msg);
        assertTrue(msg.contains(out.resolve("checkpoints/epoch-1").toString()), "names the last good checkpoint: " + msg);
        Path good = out.resolve("checkpoints/epoch-1");
        for (String f : List.of("model.safetensors", "optimizer.safetensors", "tokenizer.json"))
            assertArrayEquals(Files.readAllBytes(reference.resolve("checkpoints/epoch-1").resolve(f)), Files.readAllBytes(good.resolve(f)), f);
        assertEquals(1, JsonLines.JSON.readTree(Files.readString(good.resolve("trainer_state.json"))).get("epoch").asInt());
        assertFalse(Files.exists(out.resolve("checkpoints/epoch-2")));
        assertEquals(List.of(), leftovers(out), "no half-written files left");
        assertEquals(1, metrics(out).size(), "no metrics line for the epoch that was not saved");

        CliTest.Run resumed = run(out, "--resume");
        assertEquals(0, resumed.code(), resumed.err());
        assertArrayEquals(Files.readAllBytes(model(reference)), Files.readAllBytes(model(out)));
        assertMetricsLikeReference(out);
    }

    // ------------------------------------------------------------------ 3: one run per output folder

    @Test
    void aSecondRunIntoAnOutputInUseIsRefusedNamingTheHolder(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        try (Child first = new Child(args(out), "roberta.test.pauseAt=batch:1:2")) {
            first.awaitPause("batch:1:2");
            String pid = "pid " + first.process.pid();
            CliTest.assertOneLineError(run(out), out.toString(), "in use", pid);
            CliTest.assertOneLineError(run(out, "--resume"), out.toString(), "in use", pid);
            assertFalse(Files.exists(out.resolve("checkpoints")), "the refused runs wrote nothing");
            assertFalse(Files.exists(out.resolve("metrics.jsonl")), "the refused runs wrote nothing");
        }
        // the kill freed the lock: the run can be resumed (from nothing: it had no checkpoint yet)
        CliTest.Run resumed = run(out, "--resume");
        assertEquals(0, resumed.code(), resumed.err());
        assertArrayEquals(Files.readAllBytes(model(reference)), Files.readAllBytes(model(out)));
    }

    // ------------------------------------------------------------------ 4: a run only resumes itself

    static List<String> with(List<String> args, String flag, String value) {
        List<String> a = new ArrayList<>(args);
        a.set(a.indexOf(flag) + 1, value);
        return a;
    }

    static CliTest.Run run(List<String> args) {
        return CliTest.run(args.toArray(String[]::new));
    }

    @Test
    void freshRunsRefuseAnEarlierRunAndResumeRefusesAnotherRunsCheckpoint(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        assertEquals(0, run(out).code());
        byte[] first = Files.readAllBytes(model(out));

        // a new run (two epochs, another seed) into the same folder would leave epoch-3 of the first behind
        List<String> other = with(with(args(out), "--seed", "8"), "--epochs", "2");
        CliTest.assertOneLineError(run(other), out.toString(), "already holds a finetune run", "--resume", "--overwrite");
        assertArrayEquals(first, Files.readAllBytes(model(out)), "the refused run changed nothing");

        // resuming with other options, or other data, names what differs
        CliTest.assertOneLineError(run(with(args(out, "--resume"), "--lr", "2e-2")), "cannot resume", "checkpoints/epoch-3", "--lr 0.01 there, 0.02 now");
        Path otherData = dir.resolve("other.jsonl");
        Files.writeString(otherData, Files.readString(train).replace("cheap", "costly"));
        CliTest.assertOneLineError(run(with(args(out, "--resume"), "--train", otherData.toString())), "cannot resume", "--train ", " there, ");
        CliTest.assertOneLineError(run(with(args(out, "--resume"), "--epochs", "5")), "--epochs 3 there, 5 now", "--model " + out.resolve("model"));

        // resuming the finished run says so and keeps its model
        CliTest.Run again = run(out, "--resume");
        assertEquals(0, again.code(), again.err());
        assertTrue(again.err().contains("already finished"), again.err());
        assertEquals(EPOCHS, JsonLines.JSON.readTree(again.out()).path("epoch").asInt(), "prints the final metrics: " + again.out());
        assertArrayEquals(first, Files.readAllBytes(model(out)));

        // --overwrite deletes only what finetune wrote, and nothing at all when the folder holds anything else
        Files.writeString(out.resolve("notes.txt"), "mine");
        List<String> overwrite = new ArrayList<>(other);
        overwrite.add("--overwrite");
        CliTest.assertOneLineError(run(overwrite), "notes.txt");
        assertArrayEquals(first, Files.readAllBytes(model(out)));
        assertTrue(Files.isDirectory(out.resolve("checkpoints/epoch-3")));
        Files.delete(out.resolve("notes.txt"));
        CliTest.Run replaced = run(overwrite);
        assertEquals(0, replaced.code(), replaced.err());
        assertFalse(Files.exists(out.resolve("checkpoints/epoch-3")), "nothing of the first run is left");
        assertEquals(2, metrics(out).size());
        byte[] second = Files.readAllBytes(model(out));
        List<String> resumeSecond = new ArrayList<>(other);
        resumeSecond.add("--resume");
        CliTest.Run done = run(resumeSecond);
        assertEquals(0, done.code(), done.err());
        assertTrue(done.err().contains("already finished"), done.err());
        assertArrayEquals(second, Files.readAllBytes(model(out)), "resume never takes the first run's epoch-3");
    }

    @Test
    void aFreshRunWritesNothingIntoAFolderOfOtherFiles(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("mine");
        Files.createDirectories(out);
        Files.writeString(out.resolve("thesis.tex"), "precious");
        CliTest.assertOneLineError(run(out), out.toString(), "thesis.tex");
        CliTest.assertOneLineError(run(out, "--overwrite"), out.toString(), "thesis.tex");
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of(out.resolve("thesis.tex")), files.toList(), "nothing written, nothing deleted");
        }
    }

    // ------------------------------------------------------------------ 6: no file outside the model folder leaks out

    @Test
    void onlyTheModelFoldersOwnFilesAreCopiedIntoTheOutput(@TempDir Path dir) throws Exception {
        // the Hugging Face cache layout, whose links are followed: snapshots/REV/FILE -> ../../blobs/FILE
        Path repo = dir.resolve("models--tiny"), blobs = repo.resolve("blobs"), snapshot = repo.resolve("snapshots/0123abc");
        Files.createDirectories(blobs);
        Files.createDirectories(snapshot);
        for (String f : List.of("config.json", "tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json")) {
            Files.copy(CliTest.MLM.resolve(f), blobs.resolve(f));
            Files.createSymbolicLink(snapshot.resolve(f), Path.of("../../blobs").resolve(f));
        }
        Path secret = dir.resolve("secret.json");
        Files.writeString(secret, "{\"api_key\": \"SECRET-8731\"}");
        Files.createSymbolicLink(snapshot.resolve("special_tokens_map.json"), secret);
        Path out = dir.resolve("run");
        CliTest.Run r = run(with(with(args(out), "--model", snapshot.toString()), "--epochs", "1"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("warning: " + snapshot.resolve("special_tokens_map.json")), r.err());
        for (Path m : List.of(out.resolve("model"), out.resolve("checkpoints/epoch-1"))) {
            assertArrayEquals(Files.readAllBytes(CliTest.MLM.resolve("tokenizer.json")), Files.readAllBytes(m.resolve("tokenizer.json")), "cache links are followed");
            assertTrue(Files.isRegularFile(m.resolve("tokenizer.json"), LinkOption.NOFOLLOW_LINKS));
            assertFalse(Files.exists(m.resolve("special_tokens_map.json"), LinkOption.NOFOLLOW_LINKS), "a link out of the folder is not copied");
        }
        try (Stream<Path> files = Files.walk(out)) {
            for (Path p : files.filter(Files::isRegularFile).toList())
                assertFalse(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1).contains("SECRET-8731"), p + " holds the secret");
        }
    }

    @Test
    void loadErrorsNeverQuoteTheBytesOfTheFile(@TempDir Path dir) throws Exception {
        Path m = dir.resolve("model");
        Files.createDirectories(m);
        for (String f : List.of("config.json", "tokenizer.json", "vocab.json", "merges.txt")) Files.copy(CliTest.MLM.resolve(f), m.resolve(f));
        Path secret = dir.resolve("passwd");
        Files.createSymbolicLink(m.resolve("model.safetensors"), secret);
        List<String> fromPretrained = new ArrayList<>(args(dir.resolve("run")));
        fromPretrained.remove("--random-init");
        fromPretrained = with(fromPretrained, "--model", m.toString());

        // a text file: its first 8 bytes read as the header length
        byte[] text = "root:x:0:0:root:/root:/bin/bash\n".getBytes(StandardCharsets.US_ASCII);
        Files.write(secret, text);
        CliTest.Run r = run(fromPretrained);
        CliTest.assertOneLineError(r, "model.safetensors");
        long asLength = java.nio.ByteBuffer.wrap(text, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertFalse(r.err().contains(Long.toUnsignedString(asLength)) || r.err().contains(Long.toString(asLength)), r.err());
        assertFalse(r.err().contains("root:"), r.err());

        // a plausible header length followed by text that is not JSON
        byte[] body = "password=hunter2 and more".getBytes(StandardCharsets.US_ASCII);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + body.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(body.length).put(body);
        Files.write(secret, b.array());
        r = run(fromPretrained);
        CliTest.assertOneLineError(r, "model.safetensors", "outside the model folder"); // a link leading out is refused first
        assertFalse(r.err().contains("password") || r.err().contains("hunter2"), r.err());
        Files.delete(m.resolve("model.safetensors")); // the same bytes as the folder's own file: parsed, and still not quoted
        Files.write(m.resolve("model.safetensors"), b.array());
        r = run(fromPretrained);
        CliTest.assertOneLineError(r, "model.safetensors", "not valid JSON");
        assertFalse(r.err().contains("password") || r.err().contains("hunter2"), r.err());

        // the same for config.json
        Files.delete(m.resolve("config.json"));
        Files.createSymbolicLink(m.resolve("config.json"), secret);
        Files.writeString(secret, "password=hunter2\n");
        r = run(fromPretrained);
        CliTest.assertOneLineError(r, "config.json");
        assertFalse(r.err().contains("password") || r.err().contains("hunter2"), r.err());
    }
}
