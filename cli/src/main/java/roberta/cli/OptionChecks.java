package roberta.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import roberta.loader.AtomicFiles;

/**
 * Checks every command's options before it runs, in one place: numbers in range (a batch size
 * of 0 would otherwise surface as "/ by zero" deep in the engine), and an output path that can
 * be written and is not one of the command's own inputs. A bad output path fails here, before
 * the work, not after it.
 */
final class OptionChecks {
    private static final Set<String> AT_LEAST_ONE = Set.of("--batch-size", "--top-k", "--threads", "--epochs", "--grad-accum", "--batch",
            "--seq", "--hidden", "--heads", "--intermediate", "--rounds", "--layers", "--vocab-size", "--model-max-length",
            "--max-batch-tokens", "--queue", "--max-inputs", "--max-body-bytes");
    private static final Set<String> AT_LEAST_ZERO = Set.of("--max-length", "--stride", "--warmup", "--weight-decay", "--clip", "--keep-checkpoints", "--min-frequency", "--port", "--max-wait-ms", "--grace-seconds");
    private static final Set<String> POSITIVE = Set.of("--lr", "--llrd", "--seconds", "--peak-gflops-per-core");
    /** Options that name what a command reads: its output must not be one of them. */
    private static final List<String> INPUTS = List.of("--input", "--train", "--eval", "--data", "--model", "--tokenizer", "--adapter");
    /** Commands whose --output is a folder, not a file. */
    private static final Set<String> FOLDER_OUTPUT = Set.of("finetune", "train-tokenizer", "convert", "compare", "merge-adapter");
    /** Commands whose --output is a .safetensors file: written header first, so never stdout. */
    private static final Set<String> SAFETENSORS_OUTPUT = Set.of("forward", "grad");
    private static final int MAX_THREADS = 4096;

    private OptionChecks() {}

    static void check(CommandLine.ParseResult parsed) {
        CommandLine.ParseResult p = parsed;
        while (p.hasSubcommand()) p = p.subcommand();
        var spec = p.commandSpec();
        for (OptionSpec o : spec.options()) checkNumber(o.longestName(), o.getValue());
        OptionSpec output = spec.findOption("--output");
        if (output != null && output.getValue() != null) checkOutput(spec, output.getValue().toString());
    }

    static void checkNumber(String name, Object value) {
        if (!(value instanceof Number n)) return;
        double v = n.doubleValue();
        if (!Double.isFinite(v)) throw new IllegalArgumentException(name + ": must be a finite number, got " + value);
        if (AT_LEAST_ONE.contains(name) && v < 1) throw new IllegalArgumentException(name + ": must be at least 1, got " + value);
        if (AT_LEAST_ZERO.contains(name) && v < 0) throw new IllegalArgumentException(name + ": must be 0 or more, got " + value);
        if (POSITIVE.contains(name) && v <= 0) throw new IllegalArgumentException(name + ": must be greater than 0, got " + value);
        if (name.equals("--threads") && v > MAX_THREADS) throw new IllegalArgumentException(name + ": at most " + MAX_THREADS + ", got " + value);
    }

    private static void checkOutput(CommandLine.Model.CommandSpec spec, String output) {
        boolean folder = FOLDER_OUTPUT.contains(spec.name()), safetensors = SAFETENSORS_OUTPUT.contains(spec.name());
        if (output.equals("-")) {
            if (folder) throw new IllegalArgumentException("--output -: " + spec.name() + " writes a folder; give its path");
            if (safetensors) throw new IllegalArgumentException("--output -: " + spec.name() + " writes safetensors, header first, so it needs a file, not stdout; give a name ending in .safetensors");
            return;
        }
        if (output.isBlank()) throw new IllegalArgumentException("--output is empty: give a " + (folder ? "folder" : "file name" + (safetensors ? "" : ", or - for stdout")));
        Path target = Path.of(output).toAbsolutePath();
        if (safetensors) checkSafetensorsOutput(spec.name(), output, target);
        Path written; // where the bytes really go: a symlinked output's target
        if (folder) {
            if (Files.exists(target) && !Files.isDirectory(target)) throw new IllegalArgumentException(output + ": exists and is not a folder");
            probe(() -> AtomicFiles.checkWritableFolder(target)); // train-tokenizer, convert and merge-adapter write their folder only at the end
            written = target;
        } else {
            if (Files.isDirectory(target)) throw new IllegalArgumentException(output + ": is a folder; give a file name");
            try {
                written = AtomicFiles.destination(target);
            } catch (IOException e) {
                throw new IllegalArgumentException(output + ": " + e.getMessage());
            }
            Path parent = written.getParent();
            if (!Files.isDirectory(parent)) throw new IllegalArgumentException(output + ": folder " + parent + " does not exist");
            if (!Files.isWritable(parent) && !(Files.exists(written) && !Files.isRegularFile(written)))
                throw new IllegalArgumentException(output + ": folder " + parent + " is not writable");
            // the permission bits are not the whole story (root, read-only mounts, /sys): a temporary sibling made and deleted
            probe(() -> AtomicFiles.checkWritable(target));
        }
        // the named inputs, then files given as positional parameters (train-tokenizer's FILE...)
        List<java.util.Map.Entry<String, Object>> inputs = new java.util.ArrayList<>();
        for (String name : INPUTS) {
            OptionSpec in = spec.findOption(name);
            if (in != null && in.getValue() != null) inputs.add(java.util.Map.entry(name, in.getValue()));
        }
        for (var param : spec.positionalParameters()) {
            Object v = param.getValue();
            for (Object one : v instanceof List<?> list ? list : v == null ? List.of() : List.of(v))
                if (one instanceof Path) inputs.add(java.util.Map.entry(param.paramLabel(), one));
        }
        for (var entry : inputs) {
            String name = entry.getKey();
            boolean stdin = entry.getValue().toString().equals("-");
            Path input = Path.of(stdin ? "/dev/stdin" : entry.getValue().toString()); // stdin redirected from the output file
            if (sameFile(written, input))
                throw new IllegalArgumentException(output + ": is also " + name + (stdin ? " (standard input)" : "") + "; writing it would destroy the input (choose another --output)");
            if (!folder && !stdin && Files.isDirectory(input) && Files.exists(written) && sameFile(written.getParent(), input))
                throw new IllegalArgumentException(output + ": is inside the " + name + " folder and would replace one of its files");
            if (folder && !stdin && isInside(input, target))
                throw new IllegalArgumentException(output + ": the " + name + " " + (Files.isDirectory(input) ? "folder " : "file ") + input
                        + " is inside it and could be overwritten or deleted; choose another --output");
        }
    }

    /**
     * A .safetensors output: its header is written first, once the sizes are known, so it needs a
     * file it can seek in: a name with that extension (another would name a file no reader opens as
     * what it is) or a character device such as /dev/null; not standard output, a pipe or a socket.
     */
    private static void checkSafetensorsOutput(String command, String output, Path target) {
        String path = target.normalize().toString();
        if (path.matches("/dev/(stdout|stderr|fd/[12])|/proc/self/fd/[12]"))
            throw new IllegalArgumentException(output + ": " + command + " writes safetensors, header first, so it needs a file, not standard output; give a name ending in .safetensors");
        boolean exists = Files.exists(target) && !Files.isRegularFile(target) && !Files.isDirectory(target);
        if (exists && !characterDevice(target))
            throw new IllegalArgumentException(output + ": a pipe or socket; " + command + " writes safetensors, header first, and needs a file it can seek in");
        if (!exists && !output.toLowerCase(java.util.Locale.ROOT).endsWith(".safetensors"))
            throw new IllegalArgumentException(output + ": " + command + " writes safetensors; give a name ending in .safetensors");
    }

    private static boolean characterDevice(Path p) {
        try {
            return ((Integer) Files.getAttribute(p, "unix:mode") & 0170000) == 0020000; // S_IFCHR
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** A write probe's failure as the option error it is. */
    private static void probe(Runnable check) {
        try {
            check.run();
        } catch (java.io.UncheckedIOException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether {@code inner} is {@code outer} or lies under it (symlinks resolved where they exist). */
    private static boolean isInside(Path inner, Path outer) {
        try {
            Path in = inner.toRealPath();
            Path out = Files.exists(outer) ? outer.toRealPath() : outer.toAbsolutePath().normalize();
            return in.startsWith(out);
        } catch (IOException e) {
            return false;
        }
    }
}
