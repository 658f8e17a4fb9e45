package roberta.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * For commands whose --output folder is written whole and renamed into place (train-tokenizer,
 * convert): an existing folder is replaced, so it may hold only files the command writes.
 * Without this, "--output ~" would replace a home folder.
 */
final class ReplacedFolder {
    private ReplacedFolder() {}

    /** Inputs inside the folder are refused earlier, with every command's ({@link OptionChecks}). */
    static void check(String command, Path output, Set<String> written) {
        Path out = output.toAbsolutePath().normalize();
        if (!Files.isDirectory(out)) return;
        try (var entries = Files.list(out)) {
            List<String> foreign = entries.map(p -> p.getFileName().toString()).filter(n -> !written.contains(n)).sorted().toList();
            if (!foreign.isEmpty())
                throw new IllegalArgumentException(output + " holds files " + command + " does not write (" + String.join(", ", foreign.subList(0, Math.min(3, foreign.size())))
                        + (foreign.size() > 3 ? ", ..." : "") + "), and the folder is replaced whole; choose a new or empty --output");
        } catch (IOException e) {
            throw new UncheckedIOException(output + ": cannot list: " + e.getMessage(), e);
        }
    }
}
