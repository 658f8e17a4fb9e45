package roberta.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import roberta.engine.FineTuning;
import roberta.engine.LoraConfig;
import roberta.engine.TrainOptions;
import roberta.engine.train.Task;
import roberta.kernels.Backend;

@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = {"Adapt a model to a task: full fine-tuning, feature extraction (--train-only head) or anything between (--freeze).",
                "Writes OUTPUT/checkpoints/epoch-N (Hugging Face folders), OUTPUT/metrics.jsonl and the final OUTPUT/model",
                "(with --lora: peft adapter folders, and the final OUTPUT/adapter)."})
final class FinetuneCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Pretrained model folder (its tokenizer is used; with --random-init only its tokenizer and config)")
    Path model;

    @Option(names = "--train", required = true, description = "Training data (JSON lines; plain text for mlm)")
    Path train;

    @Option(names = "--eval", description = "Evaluation data, scored after each epoch")
    Path eval;

    @Option(names = "--task", required = true, description = "seq-cls, token-cls or mlm")
    String task;

    @Option(names = "--output", required = true, description = "Output folder")
    Path output;

    @Option(names = "--freeze", description = "Frozen parameters: none, embeddings, encoder, layers:A-B, head, or name globs, comma-separated")
    String freeze;

    @Option(names = "--train-only", description = "Train only these (e.g. head: pure feature extraction)")
    String trainOnly;

    @Option(names = "--lora", arity = "0..1", fallbackValue = "", paramLabel = "SPEC",
            description = {"Train a LoRA adapter (and the head) with the encoder frozen; writes OUTPUT/adapter (a peft folder) instead of OUTPUT/model.",
                    "SPEC: r=8,alpha=16,dropout=0.1,targets=query,value[,rslora] (these are the defaults); targets: query, key, value, dense, "
                            + "attention.output.dense, intermediate.dense, output.dense or all-linear"})
    String lora;

    @Option(names = "--adapter", description = "Train this LoRA adapter further (ours or peft's; its r, alpha, dropout and targets), instead of a new one from --lora")
    Path adapter;

    @Option(names = "--epochs", defaultValue = "3", description = "Passes over the training data. Default: ${DEFAULT-VALUE}") int epochs;
    @Option(names = "--lr", defaultValue = "2e-5", description = "Peak learning rate (AdamW, linear warm-up and decay). Default: ${DEFAULT-VALUE}") float lr;
    @Option(names = "--batch-size", defaultValue = "16", description = "Examples per step (times --grad-accum). Default: ${DEFAULT-VALUE}") int batchSize;
    @Option(names = "--grad-accum", defaultValue = "1", description = "Batches per optimizer step") int gradAccum;
    @Option(names = "--warmup", defaultValue = "0.06", description = "Warmup: fraction of steps, or steps if >= 1") float warmup;
    @Option(names = "--weight-decay", defaultValue = "0.01", description = "AdamW weight decay (not on biases and LayerNorm). Default: ${DEFAULT-VALUE}") float weightDecay;
    @Option(names = "--clip", defaultValue = "1.0", description = "Gradient norm clip (0: off)") float clip;
    @Option(names = "--seed", defaultValue = "42", description = "Seed of initialisation, shuffling, masking and dropout. Default: ${DEFAULT-VALUE}") long seed;
    @Option(names = "--max-length", defaultValue = "128", description = "Truncate examples to N tokens (0: the model's limit). Default: ${DEFAULT-VALUE}") int maxLength;
    @Option(names = "--llrd", defaultValue = "1.0", description = "Layer-wise learning-rate decay (e.g. 0.9; 1: off)") float llrd;
    @Option(names = "--gradual-unfreeze", description = "Start with the head only; unfreeze one more layer per epoch from the top") boolean gradualUnfreeze;
    @Option(names = "--no-feature-cache", description = "Recompute the frozen encoder every step instead of caching its features") boolean noCache;
    @Option(names = "--resume", description = "Continue from the last checkpoint in --output (same data and options; checked)") boolean resume;
    @Option(names = "--overwrite", description = "Start afresh in an --output that holds an earlier run, deleting what finetune wrote there (refused if it holds other files)") boolean overwrite;
    @Option(names = "--threads", description = "Kernel threads") Integer threads;
    @Option(names = "--keep-checkpoints", defaultValue = "0", description = "Keep only the newest N checkpoints (0: all). Default: ${DEFAULT-VALUE}") int keepCheckpoints;
    @Mixin DeviceOptions deviceOptions;

    @Option(names = "--random-init", description = "Start from random weights (the --model folder gives tokenizer and config)") boolean randomInit;
    @Option(names = "--hidden", description = "With --random-init: hidden size") Integer hidden;
    @Option(names = "--layers", description = "With --random-init: layers") Integer layers;
    @Option(names = "--heads", description = "With --random-init: attention heads") Integer heads;
    @Option(names = "--intermediate", description = "With --random-init: feed-forward size") Integer intermediate;

    /** The training settings the flags give. */
    TrainOptions options() {
        return new TrainOptions(Task.parse(task), epochs, lr, batchSize, warmup, weightDecay, seed, maxLength, llrd, gradualUnfreeze,
                gradAccum, clip, freeze, trainOnly, !noCache, lora == null ? null : LoraConfig.parse(lora));
    }

    @Override
    public Integer call() throws Exception {
        if (resume && overwrite) throw new IllegalArgumentException("--resume continues the run in --output and --overwrite replaces it: choose one");
        Backend be = deviceOptions.open(threads);
        TrainOptions options = options();
        FineTuning.RandomInit init = randomInit ? new FineTuning.RandomInit(hidden, layers, heads, intermediate) : null;
        FineTuning.Outcome done = FineTuning.run(new FineTuning.Run(model, train, eval, output, options, init, resume, overwrite, keepCheckpoints, adapter), be, StderrListener.INSTANCE);
        if (!done.alreadyFinished())
            System.err.printf("finetune: %d steps in %.1f s; %s saved to %s%n", done.steps(), done.seconds(), lora == null && adapter == null ? "model" : "adapter", done.model());
        System.out.println(JsonLines.JSON.writeValueAsString(done.metrics()));
        return 0;
    }
}
