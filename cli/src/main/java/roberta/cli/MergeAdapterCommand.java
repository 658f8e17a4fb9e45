package roberta.cli;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import roberta.engine.AdapterFolder;
import roberta.engine.ModelFolder;
import roberta.engine.RobertaModel;
import roberta.loader.DType;

@Command(name = "merge-adapter", mixinStandardHelpOptions = true,
        description = {"Fold a LoRA adapter into its base model (W += scale·B·A, the adapter's head in place of the base's) and write",
                "a plain Hugging Face folder: config.json with the head's architecture and labels, model.safetensors, the tokenizer files."})
final class MergeAdapterCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--dtype", defaultValue = "f32", description = "f32, f16 or bf16. Default: ${DEFAULT-VALUE}")
    String dtype;

    @Option(names = "--output", required = true, description = "Folder to write (replaced whole when it exists)")
    Path output;

    @Override
    public Integer call() {
        if (model.adapter == null) throw new IllegalArgumentException("merge-adapter needs --adapter DIR (the LoRA adapter to fold into --model)");
        DType d = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "f32", "float32" -> DType.F32;
            case "f16", "float16" -> DType.F16;
            case "bf16", "bfloat16" -> DType.BF16;
            default -> throw new IllegalArgumentException("--dtype: f32, f16 or bf16, got '" + dtype + "'");
        };
        Set<String> written = new HashSet<>(ModelFolder.TOKENIZER_FILES);
        written.addAll(List.of("model.safetensors", "config.json"));
        ReplacedFolder.check("merge-adapter", output, written);
        RobertaModel m = AdapterFolder.load(model.model, model.adapter, model.prepare(), 0);
        m.requireTrainedHead(model.adapter, "merge-adapter"); // a head neither the base nor the adapter holds would be saved random
        int adapted = m.adapter().modules().size();
        m.mergeAdapter();
        ModelFolder.save(m, model.tokenizer != null ? model.tokenizer : model.model, output, d, StderrListener.INSTANCE);
        System.err.printf("%s: %s with %d adapted linears merged, %d tensors as %s%n", output, m.head().architecture, adapted, m.params().size(), d);
        return 0;
    }
}
