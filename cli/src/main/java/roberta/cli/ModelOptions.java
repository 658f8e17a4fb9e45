package roberta.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import roberta.engine.Roberta;
import roberta.kernels.Parallel;
import roberta.tokenizer.RobertaTokenizer;

/** Options every model command shares. */
final class ModelOptions {
    @Option(names = "--model", required = true, description = "Hugging Face model folder (config.json, model.safetensors, tokenizer files)")
    Path model;

    @Option(names = "--tokenizer", description = "Folder with the tokenizer files, when the model folder has none")
    Path tokenizer;

    @Option(names = "--threads", description = "Kernel threads (default: all cores)")
    Integer threads;

    Roberta load() {
        prepare();
        Roberta r = Roberta.load(model);
        return tokenizer == null ? r : Roberta.of(r.model(), RobertaTokenizer.load(tokenizer));
    }

    /** Sets the kernel threads and checks the folder, before anything is loaded. */
    void prepare() {
        if (threads != null) Parallel.setThreads(threads);
        if (!Files.isDirectory(model)) throw new IllegalArgumentException(model + ": model folder not found");
    }

    /** The tokenizer: from --tokenizer if given, else from the model folder. */
    RobertaTokenizer loadTokenizer() {
        return RobertaTokenizer.load(tokenizer != null ? tokenizer : model);
    }
}
