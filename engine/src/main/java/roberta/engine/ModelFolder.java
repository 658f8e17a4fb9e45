package roberta.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import roberta.kernels.Notices;
import roberta.loader.AtomicFiles;
import roberta.loader.DType;
import roberta.loader.HeadType;
import roberta.loader.RobertaConfig;
import roberta.loader.RobertaParameters;
import roberta.loader.SafetensorsWriter;

/**
 * Saves a model as a Hugging Face folder that transformers loads: model.safetensors with
 * transformers' names (the encoder under "roberta." when a head is present; the tied MLM
 * decoder not stored twice), config.json, and the tokenizer files copied beside them. The
 * folder is built under a temporary name and renamed into place, so it is whole or absent.
 */
public final class ModelFolder {
    public static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json");

    private ModelFolder() {}

    /** The name transformers uses for a parameter of this model. */
    public static String storedName(RobertaModel model, String name) {
        return RobertaParameters.storedName(name, model.head());
    }

    public static void save(RobertaModel model, Path tokenizerDir, Path target) {
        save(model, tokenizerDir, target, DType.F32);
    }

    /** As {@link #save(RobertaModel, Path, Path)}, storing the weights as F32, F16 or BF16. */
    public static void save(RobertaModel model, Path tokenizerDir, Path target, DType dtype) {
        save(model, tokenizerDir, target, dtype, Notices.NONE);
    }

    /** As {@link #save(RobertaModel, Path, Path, DType)}; a tokenizer file that is not copied is a warning to notices. */
    public static void save(RobertaModel model, Path tokenizerDir, Path target, DType dtype, Notices notices) {
        try {
            AtomicFiles.writeFolder(target, dir -> {
                writeInto(model, tokenizerDir, dir, dtype, notices);
                PausePoints.reach("model-save");
            });
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot save model: " + e.getMessage(), e);
        }
    }

    /** Writes the model files into a new folder (both callers build it under a temporary name and rename it whole). */
    public static void writeInto(RobertaModel model, Path tokenizerDir, Path dir) throws IOException {
        writeInto(model, tokenizerDir, dir, DType.F32);
    }

    /** As {@link #writeInto(RobertaModel, Path, Path, DType, Notices)}, reporting nothing. */
    public static void writeInto(RobertaModel model, Path tokenizerDir, Path dir, DType dtype) throws IOException {
        writeInto(model, tokenizerDir, dir, dtype, Notices.NONE);
    }

    /** F16 holds at most 65504 in magnitude: a weight beyond it is refused, never stored as infinity. */
    public static void writeInto(RobertaModel model, Path tokenizerDir, Path dir, DType dtype, Notices notices) throws IOException {
        writeInto(model, tokenizerDir, dir, dtype, notices, false);
    }

    /**
     * As {@link #writeInto(RobertaModel, Path, Path, DType, Notices)}; encoderOnly writes the
     * encoder alone as a RobertaModel (a sentence-transformers folder's weights: no head for
     * transformers to load as unexpected tensors).
     */
    static void writeInto(RobertaModel model, Path tokenizerDir, Path dir, DType dtype, Notices notices, boolean encoderOnly) throws IOException {
        HeadType head = encoderOnly ? HeadType.NONE : model.head();
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        for (Param p : model.params().values()) {
            if (encoderOnly && (p.name().startsWith("lm_head.") || p.name().startsWith("classifier."))) continue; // a pooler is the encoder's
            float[] values = model.backend().toHost(p.value());
            if (dtype == DType.F16)
                for (float v : values)
                    if (!(Math.abs(v) <= 65504f))
                        throw new IllegalArgumentException(p.name() + ": value " + v + " does not fit in F16 (largest 65504); store F32 or BF16");
            long[] shape = toLong(p.value().shape());
            w.addFloats(RobertaParameters.storedName(p.name(), head), dtype, values, shape);
            // an untied decoder (transformers 5) adds lm_head.decoder.bias, not lm_head.bias: stored under both names
            if (p.name().equals("lm_head.bias") && !encoderOnly && model.params().containsKey(RobertaParameters.TIED_DECODER))
                w.addFloats("lm_head.decoder.bias", dtype, values, shape);
        }
        w.write(dir.resolve("model.safetensors"));
        String torchDtype = switch (dtype) { case F16 -> "float16"; case BF16 -> "bfloat16"; default -> "float32"; };
        RobertaConfig c = encoderOnly ? model.config().withHead(HeadType.NONE.architecture, null, null) : model.config();
        String config = c.withTorchDtype(torchDtype).toJsonString();
        AtomicFiles.writeString(dir.resolve("config.json"), config);
        if (tokenizerDir != null) {
            for (String f : TOKENIZER_FILES) {
                Path src = tokenizerDir.resolve(f);
                if (!Files.exists(src, LinkOption.NOFOLLOW_LINKS) || src.toAbsolutePath().equals(dir.resolve(f).toAbsolutePath())) continue;
                Path from = copyable(tokenizerDir, src, notices);
                if (from == null) continue;
                // NOFOLLOW_LINKS: a file swapped for a link after the check fails to open instead of being followed
                try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                     FileChannel out = FileChannel.open(dir.resolve(f), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                             StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                    long size = in.size();
                    for (long pos = 0; pos < size; ) {
                        long n = in.transferTo(pos, size - pos, out);
                        if (n <= 0) throw new IOException(from + ": file shrank while being copied");
                        pos += n;
                    }
                }
            }
        }
    }

    private static final Set<Path> WARNED = ConcurrentHashMap.newKeySet();

    /**
     * The file to copy for a tokenizer file of the model folder, or null (with a warning, once)
     * when it must not be copied: only regular files are, never what a link points to outside the
     * folder (a special_tokens_map.json linked to a secret would land in every checkpoint). The one
     * kind of link followed is the Hugging Face cache's, snapshots/REV/FILE to blobs/HASH of the
     * same model's cache folder.
     */
    private static Path copyable(Path folder, Path src, Notices notices) throws IOException {
        if (Files.isRegularFile(src, LinkOption.NOFOLLOW_LINKS)) return src;
        String why = "is not a regular file";
        if (Files.isSymbolicLink(src)) {
            why = "is a link to a file outside the model folder";
            if (Files.isRegularFile(src)) {
                Path real = src.toRealPath(), realFolder = folder.toRealPath();
                Path snapshots = realFolder.getParent();
                boolean hfCache = snapshots != null && snapshots.getFileName() != null && snapshots.getFileName().toString().equals("snapshots")
                        && snapshots.getParent() != null && real.getParent() != null && real.getParent().equals(snapshots.getParent().resolve("blobs"));
                if (real.startsWith(realFolder) || hfCache) return real;
            }
        }
        // once per file and JVM, and only counted as said when someone listens
        if (notices != Notices.NONE && WARNED.add(src.toAbsolutePath())) notices.warning(src + " " + why + "; not copied into the output");
        return null;
    }

    static long[] toLong(int[] s) {
        long[] r = new long[s.length];
        for (int i = 0; i < s.length; i++) r[i] = s[i];
        return r;
    }

    /** Deletes a file or folder tree; links are deleted, never followed. */
    static void deleteTree(Path p) throws IOException {
        AtomicFiles.deleteTree(p);
    }
}
