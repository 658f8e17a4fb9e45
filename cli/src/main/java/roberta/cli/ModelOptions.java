package roberta.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import roberta.engine.AdapterFolder;
import roberta.engine.Roberta;
import roberta.engine.RobertaModel;
import roberta.kernels.Backend;
import roberta.kernels.Devices;
import roberta.tokenizer.RobertaTokenizer;

/** Options every model command shares. */
final class ModelOptions {
    @Option(names = "--model", required = true, description = "Hugging Face model folder (config.json, model.safetensors, tokenizer files)")
    Path model;

    @Option(names = "--adapter", description = "LoRA adapter folder (peft's adapter_config.json + adapter_model.safetensors, from finetune --lora or Python): folded into the model's weights, its head replacing the model's")
    Path adapter;

    @Option(names = "--tokenizer", description = "Folder with the tokenizer files, when the model folder has none")
    Path tokenizer;

    @Option(names = "--threads", description = "Kernel threads (default: all cores)")
    Integer threads;

    @Mixin
    DeviceOptions device;

    /** The backend --device (and --tf32) name (the one place a command chooses it: {@link Devices}). */
    Backend backend() {
        return device.open(threads);
    }

    Roberta load() {
        return load(prepare());
    }

    /** Loads onto a backend {@link #prepare()} opened (serve opens it first, then loads in the background). */
    Roberta load(Backend be) {
        Roberta r = Roberta.load(model, adapter, be);
        // what the load worked around (a head initialised at random, tensors no layer uses) is said, as transformers says it;
        // with an adapter, only a head it did not supply either (the base's unused head is the adapter's to replace)
        List<String> warnings = adapter == null ? r.model().warnings() : java.util.stream.Stream.ofNullable(r.model().initialisedWarning()).toList();
        for (String w : warnings) System.err.println("warning: " + model + ": " + w);
        return tokenizer == null ? r : r.withTokenizer(RobertaTokenizer.load(tokenizer));
    }

    /** The model as training code reads it (weights not packed); an --adapter is attached unmerged, so its A and B get gradients. */
    RobertaModel loadTrainable() {
        Backend be = prepare();
        return adapter == null ? RobertaModel.load(model, be, null, null, 0) : AdapterFolder.load(model, adapter, be, 0);
    }

    /** Checks the folder and opens the backend, before anything is loaded. */
    Backend prepare() {
        if (!Files.isDirectory(model)) throw new IllegalArgumentException(model + ": model folder not found");
        if (adapter != null && !Files.isDirectory(adapter)) throw new IllegalArgumentException(adapter + ": adapter folder not found");
        return backend();
    }

    /** The tokenizer: from --tokenizer if given, else from the model folder. */
    RobertaTokenizer loadTokenizer() {
        return RobertaTokenizer.load(tokenizer != null ? tokenizer : model);
    }
}
