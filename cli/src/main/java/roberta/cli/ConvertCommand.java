package roberta.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import roberta.engine.ModelFolder;
import roberta.engine.RobertaModel;
import roberta.loader.DType;

@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Rewrite a model folder with its weights stored as F32, F16 (half the size) or BF16, config.json",
                "and the tokenizer files beside them: a Hugging Face folder that transformers and this engine load."})
final class ConvertCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--dtype", required = true, description = "f32, f16 or bf16")
    String dtype;

    @Option(names = "--output", required = true, description = "Folder to write (replaced whole when it exists)")
    Path output;

    @Override
    public Integer call() {
        DType d = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "f32", "float32" -> DType.F32;
            case "f16", "float16" -> DType.F16;
            case "bf16", "bfloat16" -> DType.BF16;
            default -> throw new IllegalArgumentException("--dtype: f32, f16 or bf16, got '" + dtype + "'");
        };
        java.util.Set<String> written = new java.util.HashSet<>(ModelFolder.TOKENIZER_FILES);
        written.addAll(java.util.List.of("model.safetensors", "config.json"));
        ReplacedFolder.check("convert", output, written);
        RobertaModel m = RobertaModel.load(model.model, model.prepare(), null, null, 0);
        ModelFolder.save(m, model.tokenizer != null ? model.tokenizer : model.model, output, d);
        System.err.printf("%s: %d tensors as %s%n", output, m.params().size(), d);
        return 0;
    }
}
