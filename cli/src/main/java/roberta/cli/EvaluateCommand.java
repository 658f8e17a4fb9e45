package roberta.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import roberta.engine.Evaluation;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Score a fine-tuned model: accuracy and macro-F1; entity-level F1 for token tasks; Pearson/Spearman for regression; perplexity for MLM.")
final class EvaluateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--data", required = true, description = "Labelled data in the format finetune takes")
    Path data;

    @Option(names = "--batch-size", defaultValue = "32", description = "Examples per batch (the metrics do not depend on it). Default: ${DEFAULT-VALUE}") int batchSize;
    @Option(names = "--max-length", defaultValue = "512", description = "Truncate examples to N tokens. Default: ${DEFAULT-VALUE}") int maxLength;

    @Override
    public Integer call() throws Exception {
        LabelledRun run = LabelledRun.load(modelOptions, data, maxLength);
        var metrics = Evaluation.evaluate(run.model(), run.tokenizer(), run.task(), run.examples(), run.labels(), batchSize, 0);
        if (Long.valueOf(0).equals(metrics.get("eval_masked_tokens")))
            throw new IllegalArgumentException(data + ": no token was masked in its " + run.examples().size() + " texts (too short?), so there is no loss to report");
        System.out.println(JsonLines.JSON.writeValueAsString(metrics));
        return 0;
    }
}
