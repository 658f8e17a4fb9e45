package roberta.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What makes a training run the run it is: the inputs (data files by size and SHA-256, the model
 * it starts from) and every option that changes the weights. Stored in each checkpoint's
 * trainer_state.json so that a resume can refuse a checkpoint that another run wrote.
 */
public final class RunFingerprint {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, String> entries;

    private RunFingerprint(Map<String, String> entries) {
        this.entries = entries;
    }

    /** The options that change what a run computes, keyed by their finetune flag. */
    public static RunFingerprint of(TrainOptions o) {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("--task", o.task().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        e.put("--epochs", String.valueOf(o.epochs()));
        e.put("--lr", String.valueOf(o.lr()));
        e.put("--batch-size", String.valueOf(o.batchSize()));
        e.put("--grad-accum", String.valueOf(o.gradAccum()));
        e.put("--warmup", String.valueOf(o.warmup()));
        e.put("--weight-decay", String.valueOf(o.weightDecay()));
        e.put("--clip", String.valueOf(o.clipNorm()));
        e.put("--seed", String.valueOf(o.seed()));
        e.put("--max-length", String.valueOf(o.maxLength()));
        e.put("--llrd", String.valueOf(o.llrd()));
        e.put("--gradual-unfreeze", String.valueOf(o.gradualUnfreeze()));
        e.put("--freeze", String.valueOf(o.freeze()));
        e.put("--train-only", String.valueOf(o.trainOnly()));
        if (o.lora() != null) e.put("--lora", o.lora().spec()); // only when set: checkpoints from before LoRA still match
        return new RunFingerprint(e);
    }

    public RunFingerprint with(String key, String value) {
        Map<String, String> e = new LinkedHashMap<>(entries);
        e.put(key, value);
        return new RunFingerprint(e);
    }

    /** Adds a file by size and SHA-256 ("none" when null). */
    public RunFingerprint withFile(String key, Path file) {
        return with(key, file == null ? "none" : describe(List.of(file)));
    }

    /** Adds the regular files among these (following links, as the loaders do) by name, size and SHA-256 together. */
    public RunFingerprint withFiles(String key, List<Path> files) {
        return with(key, describe(files.stream().filter(Files::isRegularFile).toList()));
    }

    private static String describe(List<Path> files) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            long size = 0;
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            for (Path f : files) {
                if (files.size() > 1) sha.update((f.getFileName() + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                    while (ch.read(buf.clear()) > 0) {
                        size += buf.flip().remaining();
                        sha.update(buf);
                    }
                }
            }
            return size + " bytes, sha256 " + HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(files + ": cannot read: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        entries.forEach(n::put);
        return n;
    }

    /** The fingerprint stored in a checkpoint's trainer_state.json, or null when it has none. */
    public static RunFingerprint read(Path checkpoint) {
        try {
            JsonNode n = JSON.readTree(Files.readString(checkpoint.resolve("trainer_state.json"))).get("fingerprint");
            if (n == null || !n.isObject()) return null;
            Map<String, String> e = new LinkedHashMap<>();
            n.fields().forEachRemaining(f -> e.put(f.getKey(), f.getValue().asText()));
            return new RunFingerprint(e);
        } catch (IOException e) {
            throw new UncheckedIOException(checkpoint.resolve("trainer_state.json") + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** What differs between the run that wrote a checkpoint (there) and this one (now), for a message; empty when they match. */
    public List<String> differences(RunFingerprint there) {
        List<String> d = new ArrayList<>();
        Set<String> keys = new java.util.LinkedHashSet<>(entries.keySet());
        keys.addAll(there.entries.keySet());
        for (String k : keys) {
            String now = entries.getOrDefault(k, "unset"), then = there.entries.getOrDefault(k, "unset");
            if (!now.equals(then)) d.add(k + " " + shorten(then) + " there, " + shorten(now) + " now");
        }
        return d;
    }

    /** A SHA-256 in a message: its first 12 digits are plenty to tell two files apart. */
    private static String shorten(String v) {
        return v.replaceAll("sha256 ([0-9a-f]{12})[0-9a-f]{52}", "sha256 $1...");
    }

    public Map<String, String> entries() {
        return java.util.Collections.unmodifiableMap(entries);
    }
}
