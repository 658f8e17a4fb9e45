package roberta.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import roberta.engine.compare.CompareReport;
import roberta.engine.compare.Comparison;
import roberta.engine.compare.Overrides;
import roberta.engine.compare.Strategy;
import roberta.engine.train.Task;
import roberta.kernels.Backend;

@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Freeze or tune? Runs each way of adapting the model to the task and scores them side by side:",
                "heads on frozen features (frozen-cls, frozen-mean, frozen-mix), the top K layers (top-K), LoRA adapters (lora), full fine-tuning (full).",
                "Writes OUTPUT/results.jsonl (one line per strategy), OUTPUT/report.md and OUTPUT/report.svg, and prints the table.",
                "Run again with the same OUTPUT to resume: finished strategies are not re-run."})
final class CompareCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Pretrained model folder (with its tokenizer)") Path model;
    @Option(names = "--task", required = true, description = "seq-cls or token-cls") String task;
    @Option(names = "--train", required = true, description = "Training data (JSON lines)") Path train;
    @Option(names = "--eval", required = true, description = "Data every strategy is scored on (JSON lines)") Path eval;
    @Option(names = "--test", description = "Further held-out data, scored once at the end of each strategy") Path test;
    @Option(names = "--output", required = true, description = "Output folder (an earlier compare's to resume it)") Path output;
    @Option(names = "--strategies", defaultValue = Strategy.DEFAULT, description = "Comma-separated, in order. Default: ${DEFAULT-VALUE}") String strategies;
    @Option(names = "--epochs", description = "Epochs: N for all, or by strategy or family (frozen, partial, lora, full), e.g. frozen=10,full=3. Default: 10 for frozen, 3 otherwise") String epochs;
    @Option(names = "--lr", description = "Peak learning rate: one for all, or by strategy or family, e.g. frozen=1e-3,top-2=1e-4,lora=5e-4,full=2e-5 (those are the defaults)") String lr;
    @Option(names = "--lora", defaultValue = Comparison.DEFAULT_LORA, description = "The lora strategy's adapters, as finetune --lora. Default: ${DEFAULT-VALUE}") String lora;
    @Option(names = "--llrd", defaultValue = "1.0", description = "Layer-wise learning-rate decay of full fine-tuning (1: off). Default: ${DEFAULT-VALUE}") float llrd;
    @Option(names = "--batch-size", defaultValue = "16", description = "Examples per training batch, every strategy. Default: ${DEFAULT-VALUE}") int batchSize;
    @Option(names = "--max-length", defaultValue = "128", description = "Truncate examples to N tokens. Default: ${DEFAULT-VALUE}") int maxLength;
    @Option(names = "--seed", defaultValue = "42", description = "Seed of initialisation, shuffling and dropout. Default: ${DEFAULT-VALUE}") long seed;
    @Option(names = "--overwrite", description = "Re-run strategies whose recorded settings differ from these (else refused)") boolean overwrite;
    @Option(names = "--threads", description = "Kernel threads") Integer threads;
    @Mixin DeviceOptions deviceOptions;

    @Override
    public Integer call() throws Exception {
        Task t = Task.parse(task);
        Comparison.Run run = new Comparison.Run(model, t, train, eval, test, Strategy.parseList(strategies),
                Overrides.parse(epochs, "--epochs", Integer::valueOf), Overrides.parse(lr, "--lr", Float::valueOf),
                batchSize, maxLength, seed, lora, llrd, output, overwrite);
        Backend be = deviceOptions.open(threads);
        List<Map<String, Object>> results = Comparison.run(run, be, StderrListener.INSTANCE);
        System.out.print(CompareReport.markdown(t, results));
        System.err.println("compare: " + output.resolve("report.md") + ", " + output.resolve("report.svg") + ", " + output.resolve("results.jsonl"));
        return 0;
    }
}
