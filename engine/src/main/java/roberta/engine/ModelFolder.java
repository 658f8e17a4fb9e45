package roberta.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import roberta.loader.AtomicFiles;
import roberta.loader.HeadType;
import roberta.loader.SafetensorsWriter;

/**
 * Saves a model as a Hugging Face folder that transformers loads: model.safetensors with
 * transformers' names (the encoder under "roberta." when a head is present; the tied MLM
 * decoder not stored twice), config.json, and the tokenizer files copied beside them. The
 * folder is built under a temporary name and renamed into place, so it is whole or absent.
 */
public final class ModelFolder {
    static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json");

    private ModelFolder() {}

    /** The name transformers uses for a parameter of this model. */
    public static String storedName(RobertaModel model, String name) {
        boolean prefixed = model.head() != HeadType.NONE && !Freezing.isHead(name);
        return prefixed ? "roberta." + name : name;
    }

    public static void save(RobertaModel model, Path tokenizerDir, Path target) {
        Path abs = target.toAbsolutePath();
        Path temp = abs.resolveSibling("." + abs.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            deleteTree(temp);
            Files.createDirectories(temp);
            writeInto(model, tokenizerDir, temp);
            PausePoints.reach("model-save");
            if (Files.exists(abs)) {
                Path old = abs.resolveSibling("." + abs.getFileName() + ".old-" + ProcessHandle.current().pid());
                Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
                Files.move(temp, abs, StandardCopyOption.ATOMIC_MOVE);
                deleteTree(old);
            } else {
                Files.move(temp, abs, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot save model: " + e.getMessage(), e);
        } finally {
            try {
                deleteTree(temp);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    /** Writes the model files into an existing folder (each file atomically). */
    public static void writeInto(RobertaModel model, Path tokenizerDir, Path dir) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        for (Param p : model.params().values())
            w.addFloats(storedName(model, p.name()), model.backend().toHost(p.value()), toLong(p.value().shape()));
        w.write(dir.resolve("model.safetensors"));
        AtomicFiles.writeString(dir.resolve("config.json"), model.config().toJsonString());
        if (tokenizerDir != null) {
            for (String f : TOKENIZER_FILES) {
                Path src = tokenizerDir.resolve(f);
                if (Files.isRegularFile(src) && !src.toAbsolutePath().equals(dir.resolve(f).toAbsolutePath()))
                    Files.copy(src, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    static long[] toLong(int[] s) {
        long[] r = new long[s.length];
        for (int i = 0; i < s.length; i++) r[i] = s[i];
        return r;
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}
