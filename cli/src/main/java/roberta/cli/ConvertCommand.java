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
import roberta.engine.EmbedOptions;
import roberta.engine.ModelFolder;
import roberta.engine.Pooling;
import roberta.engine.Roberta;
import roberta.engine.RobertaModel;
import roberta.engine.SentencePipeline;
import roberta.engine.SentenceTransformerFolder;
import roberta.loader.DType;

@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Rewrite a model folder with its weights stored as F32, F16 (half the size) or BF16, config.json",
                "and the tokenizer files beside them: a Hugging Face folder that transformers and this engine load.",
                "With --format sentence-transformers, a folder that sentence-transformers loads as it is (legacy format, read by every version)."})
final class ConvertCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--dtype", defaultValue = "f32", description = "f32, f16 or bf16. Default: ${DEFAULT-VALUE}")
    String dtype;

    @Option(names = "--format", defaultValue = "hf", description = "hf (a Hugging Face model folder) or sentence-transformers. Default: ${DEFAULT-VALUE}")
    String format;

    @Option(names = "--pooling", description = "With --format sentence-transformers: cls, mean, max, mean-sqrt-len, weighted-mean or last-token. Default: the input folder's own modules, else mean")
    String pooling;

    @Option(names = "--normalize", description = "With --format sentence-transformers: add a Normalize module (unit vectors, for cosine similarity)")
    boolean normalize;

    @Option(names = "--max-seq-length", description = "With --format sentence-transformers: tokens per input it truncates to. Default: the input's own, else the model's limit")
    Integer maxSeqLength;

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
        boolean st = switch (format.toLowerCase(Locale.ROOT)) {
            case "hf" -> false;
            case "sentence-transformers", "st" -> true;
            default -> throw new IllegalArgumentException("--format: hf or sentence-transformers, got '" + format + "'");
        };
        if (!st && (pooling != null || normalize || maxSeqLength != null))
            throw new IllegalArgumentException("--pooling, --normalize and --max-seq-length are for --format sentence-transformers");
        Set<String> written = new HashSet<>(ModelFolder.TOKENIZER_FILES);
        written.addAll(List.of("model.safetensors", "config.json"));
        if (st) {
            written.addAll(List.of("modules.json", "sentence_bert_config.json", "1_Pooling"));
            for (int i = 2; i < 10; i++) written.addAll(List.of(i + "_Dense", i + "_Normalize"));
        }
        ReplacedFolder.check("convert", output, written);
        Roberta roberta = model.load();
        RobertaModel m = roberta.model();
        Path tokenizerDir = model.tokenizer != null ? model.tokenizer
                : roberta.sentenceTransformerConfig() != null ? roberta.sentenceTransformerConfig().transformerDir() : model.model;
        if (st) {
            EmbedOptions options = EmbedOptions.DEFAULT.withPooling(pooling == null ? null : Pooling.parse(pooling));
            if (normalize) options = options.normalized();
            SentencePipeline pipeline = roberta.pipeline(options);
            var from = roberta.sentenceTransformerConfig();
            int length = maxSeqLength != null ? maxSeqLength : from != null && from.maxSeqLength() > 0 ? Math.min(from.maxSeqLength(), roberta.maxTokens()) : roberta.maxTokens();
            if (length < 3 || length > roberta.maxTokens())
                throw new IllegalArgumentException("--max-seq-length must be between 3 and the model's " + roberta.maxTokens() + " tokens, got " + length);
            SentenceTransformerFolder.save(m, tokenizerDir, output, d, pipeline, length, from != null && from.doLowerCase(), StderrListener.INSTANCE);
            System.err.printf("%s: sentence-transformers folder, %s pooling, %d values per text, %d tokens at most%n", output,
                    String.join("+", pipeline.modes().stream().map(Pooling::cliName).toList()), pipeline.width(m.config().hiddenSize()), length);
        } else {
            m.requireTrainedHead(model.model, "convert"); // else the random head would be saved as if trained
            ModelFolder.save(m, tokenizerDir, output, d, StderrListener.INSTANCE);
            System.err.printf("%s: %d tensors as %s%n", output, m.params().size(), d);
        }
        return 0;
    }
}
