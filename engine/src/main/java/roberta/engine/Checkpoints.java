package roberta.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import roberta.kernels.Backend;
import roberta.kernels.Notices;
import roberta.loader.DType;
import roberta.loader.AtomicFiles;
import roberta.loader.SafetensorsFile;
import roberta.loader.SafetensorsWriter;

/**
 * A run's files on disk: OUTPUT/checkpoints/epoch-N (a Hugging Face model folder, or for a LoRA
 * run the peft adapter folder, plus
 * optimizer.safetensors with the AdamW moments and trainer_state.json: epoch, step, seed,
 * metrics, the run's fingerprint) and OUTPUT/metrics.jsonl (one line per saved epoch).
 * Checkpoints are written whole or not at all; a failed save names the last good one.
 */
public final class Checkpoints {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Checkpoints() {}

    /** What trainer_state.json of a checkpoint says: epochs done, optimizer steps, that epoch's metrics. */
    public record State(int epoch, int step, Map<String, Object> metrics) {}

    /** The newest complete checkpoint under outDir, or null. */
    public static Path latest(Path outDir) throws IOException {
        Path dir = outDir.resolve("checkpoints");
        if (!Files.isDirectory(dir)) return null;
        try (var list = Files.list(dir)) {
            return list.filter(p -> p.getFileName().toString().matches("epoch-\\d{1,9}") && Files.isRegularFile(p.resolve("trainer_state.json")))
                    .max(java.util.Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().substring(6)))).orElse(null);
        }
    }

    @SuppressWarnings("unchecked")
    public static State state(Path checkpoint) throws IOException {
        Path file = checkpoint.resolve("trainer_state.json");
        com.fasterxml.jackson.databind.JsonNode state;
        try {
            state = JSON.readTree(Files.readString(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON");
        }
        if (state == null || !state.path("epoch").isInt() || !state.path("step").isInt())
            throw new IllegalArgumentException(file + ": needs whole numbers \"epoch\" and \"step\"");
        int epoch = state.get("epoch").asInt(), step = state.get("step").asInt();
        String name = checkpoint.getFileName().toString();
        // the folder's name and the state must agree: a hand-edited epoch would resume from the wrong weights
        if (name.matches("epoch-\\d{1,9}") && epoch != Integer.parseInt(name.substring(6)))
            throw new IllegalArgumentException(file + ": says epoch " + epoch + ", but it is the checkpoint of epoch " + name.substring(6));
        if (epoch < 1 || step < 0) throw new IllegalArgumentException(file + ": epoch " + epoch + " and step " + step + " cannot be a run's");
        Map<String, Object> metrics = state.has("metrics") && state.get("metrics").isObject()
                ? JSON.convertValue(state.get("metrics"), LinkedHashMap.class) : Map.of();
        return new State(epoch, step, metrics);
    }

    /** "the last good checkpoint ... is intact", for the message of a failed save. */
    static String lastGood(Path outDir) throws IOException {
        Path last = latest(outDir);
        return last == null ? "no checkpoint was saved yet" : "the last good checkpoint " + last + " is intact (continue from it with --resume)";
    }

    /**
     * Writes epoch-N whole or not at all. On failure (a full disk) nothing of it is left and the
     * message names the last good checkpoint, which nothing here touches.
     */
    static void save(Path outDir, int epoch, RobertaModel model, Path tokenizerDir, int step, long seed, Map<String, Object> metrics,
                     RunFingerprint fingerprint, Notices notices) throws IOException {
        Path target = outDir.resolve("checkpoints").resolve("epoch-" + epoch);
        try {
            AtomicFiles.writeFolder(target, dir -> {
                // a LoRA run's checkpoint holds the adapter folder (the base is the run's --model, unchanged)
                if (model.adapter() != null) AdapterFolder.writeInto(model, tokenizerDir, dir);
                else ModelFolder.writeInto(model, tokenizerDir, dir, DType.F32, notices);
                PausePoints.reach("checkpoint-write:" + epoch);
                Backend be = model.backend();
                SafetensorsWriter w = new SafetensorsWriter();
                for (Param p : model.allParams().values()) {
                    if (p.m == null) continue;
                    w.addFloats("m." + p.name, be.toHost(p.m), ModelFolder.toLong(p.value.shape()));
                    w.addFloats("v." + p.name, be.toHost(p.v), ModelFolder.toLong(p.value.shape()));
                }
                w.write(dir.resolve("optimizer.safetensors"));
                ObjectNode state = JSON.createObjectNode().put("epoch", epoch).put("step", step).put("seed", seed);
                state.set("metrics", JSON.valueToTree(metrics));
                state.set("fingerprint", fingerprint.toJson());
                AtomicFiles.writeString(dir.resolve("trainer_state.json"), state.toString());
            });
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalStateException("cannot save checkpoint " + target + ": " + e.getMessage() + "; " + lastGood(outDir), e);
        }
        PausePoints.reach("checkpoint-done:" + epoch);
    }

    /** Deletes the checkpoints older than the newest keep (epoch-1 .. epoch-(latest - keep)). */
    static void keepNewest(Path outDir, int latest, int keep) throws IOException {
        for (int e = latest - keep; e >= 1; e--) {
            Path old = outDir.resolve("checkpoints").resolve("epoch-" + e);
            if (!Files.exists(old, java.nio.file.LinkOption.NOFOLLOW_LINKS)) break; // the earlier ones went before
            AtomicFiles.deleteTree(old);
        }
    }

    /** The AdamW moments a checkpoint saved, back into the model's parameters (the model was loaded from it). */
    static void restoreMoments(RobertaModel model, Path checkpoint) {
        Backend be = model.backend();
        try (SafetensorsFile f = SafetensorsFile.open(checkpoint.resolve("optimizer.safetensors"))) {
            for (Param p : model.allParams().values()) {
                if (!f.tensors().containsKey("m." + p.name)) continue;
                p.m = be.fromHost(f.floats("m." + p.name), p.value.shape());
                p.v = be.fromHost(f.floats("v." + p.name), p.value.shape());
            }
        }
    }

    /** One line for an epoch whose checkpoint is saved (so metrics.jsonl never runs ahead of the checkpoints). */
    static void appendMetrics(Path outDir, Map<String, Object> m) throws IOException {
        byte[] line = (JSON.writeValueAsString(m) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            Files.write(outDir.resolve("metrics.jsonl"), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException(outDir.resolve("metrics.jsonl") + ": cannot append: " + e.getMessage() + "; " + lastGood(outDir), e);
        }
    }

    /**
     * Makes metrics.jsonl hold exactly one line per epoch 1..epochs: lines of later epochs (a run
     * killed after writing them, or a removed checkpoint) and unreadable ones (half written) are
     * dropped, a missing epoch is taken from its checkpoint. Rewritten atomically, only if it changes.
     */
    static void repairMetrics(Path outDir, int epochs) throws IOException {
        Path file = outDir.resolve("metrics.jsonl");
        String old = Files.isRegularFile(file) ? Files.readString(file) : "";
        TreeMap<Integer, String> byEpoch = new TreeMap<>();
        for (String line : old.split("\n")) {
            try {
                var n = JSON.readTree(line);
                int e = n != null && n.path("epoch").isInt() ? n.get("epoch").asInt() : -1;
                if (e >= 1 && e <= epochs) byEpoch.put(e, line);
            } catch (IOException unreadable) {
                // a line cut short by a crash: dropped
            }
        }
        for (int e = 1; e <= epochs; e++) {
            Path state = outDir.resolve("checkpoints").resolve("epoch-" + e);
            if (!byEpoch.containsKey(e) && Files.isRegularFile(state.resolve("trainer_state.json"))) {
                Map<String, Object> m = state(state).metrics();
                if (!m.isEmpty()) byEpoch.put(e, JSON.writeValueAsString(m));
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String line : byEpoch.values()) sb.append(line).append('\n');
        if (!sb.toString().equals(old)) AtomicFiles.writeString(file, sb.toString());
    }
}
