package roberta.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import roberta.engine.Roberta;
import roberta.kernels.Parallel;

/** Options every model command shares. */
final class ModelOptions {
    @Option(names = "--model", required = true, description = "Hugging Face model folder (config.json, model.safetensors, tokenizer files)")
    Path model;

    @Option(names = "--threads", description = "Kernel threads (default: all cores)")
    Integer threads;

    Roberta load() {
        if (threads != null) Parallel.setThreads(threads);
        if (!Files.isDirectory(model)) throw new IllegalArgumentException(model + ": model folder not found");
        return Roberta.load(model);
    }
}
