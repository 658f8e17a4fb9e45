package roberta.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import roberta.engine.ModelFolder;
import roberta.engine.Objective;
import roberta.engine.OutputFolder;
import roberta.engine.RobertaModel;
import roberta.engine.RunFingerprint;
import roberta.engine.TrainOptions;
import roberta.engine.Trainer;
import roberta.engine.train.Example;
import roberta.engine.train.Task;
import roberta.engine.train.TaskData;
import roberta.kernels.Backend;
import roberta.kernels.Devices;
import roberta.loader.RobertaConfig;
import roberta.tokenizer.RobertaTokenizer;

@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = {"Adapt a model to a task: full fine-tuning, feature extraction (--train-only head) or anything between (--freeze).",
                "Writes OUTPUT/checkpoints/epoch-N (Hugging Face folders), OUTPUT/metrics.jsonl and the final OUTPUT/model."})
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

    @Option(names = "--epochs", defaultValue = "3") int epochs;
    @Option(names = "--lr", defaultValue = "2e-5") float lr;
    @Option(names = "--batch-size", defaultValue = "16") int batchSize;
    @Option(names = "--grad-accum", defaultValue = "1", description = "Batches per optimizer step") int gradAccum;
    @Option(names = "--warmup", defaultValue = "0.06", description = "Warmup: fraction of steps, or steps if >= 1") float warmup;
    @Option(names = "--weight-decay", defaultValue = "0.01") float weightDecay;
    @Option(names = "--clip", defaultValue = "1.0", description = "Gradient norm clip (0: off)") float clip;
    @Option(names = "--seed", defaultValue = "42") long seed;
    @Option(names = "--max-length", defaultValue = "128") int maxLength;
    @Option(names = "--llrd", defaultValue = "1.0", description = "Layer-wise learning-rate decay (e.g. 0.9; 1: off)") float llrd;
    @Option(names = "--gradual-unfreeze", description = "Start with the head only; unfreeze one more layer per epoch from the top") boolean gradualUnfreeze;
    @Option(names = "--no-feature-cache", description = "Recompute the frozen encoder every step instead of caching its features") boolean noCache;
    @Option(names = "--resume", description = "Continue from the last checkpoint in --output (same data and options; checked)") boolean resume;
    @Option(names = "--overwrite", description = "Start afresh in an --output that holds an earlier run, deleting what finetune wrote there (refused if it holds other files)") boolean overwrite;
    @Option(names = "--threads", description = "Kernel threads") Integer threads;
    @Option(names = "--device", defaultValue = "auto", description = "cpu or auto (the best that works here). Default: ${DEFAULT-VALUE}") String device;

    @Option(names = "--random-init", description = "Start from random weights (the --model folder gives tokenizer and config)") boolean randomInit;
    @Option(names = "--hidden", description = "With --random-init: hidden size") Integer hidden;
    @Option(names = "--layers", description = "With --random-init: layers") Integer layers;
    @Option(names = "--heads", description = "With --random-init: attention heads") Integer heads;
    @Option(names = "--intermediate", description = "With --random-init: feed-forward size") Integer intermediate;

    private RobertaConfig cachedConfig;

    @Override
    public Integer call() throws Exception {
        if (resume && overwrite) throw new IllegalArgumentException("--resume continues the run in --output and --overwrite replaces it: choose one");
        Backend be = Devices.open(device, threads);
        Task t = Task.parse(task);
        RobertaTokenizer tok = RobertaTokenizer.load(model);
        int maxTokens = Math.min(maxLength, configFor().maxPositionEmbeddings() - configFor().padTokenId() - 1);
        // labels and data are checked before any training starts
        Map<Integer, String> labels = null;
        Objective.Problem problem = Objective.Problem.SINGLE_LABEL;
        // a classification file is parsed once: problem type, label set and examples come from that pass
        TaskData.Lines trainLines = t == Task.MLM ? null : TaskData.Lines.read(train);
        if (t == Task.SEQ_CLS) {
            problem = TaskData.problemOf(trainLines);
            RobertaConfig existing = configFor();
            labels = existing.architecture() != null && existing.architecture().equals(t.head.architecture) && !existing.id2label().isEmpty()
                    ? existing.id2label() : TaskData.labelSet(trainLines, t);
        } else if (t == Task.TOKEN_CLS) {
            RobertaConfig existing = configFor();
            labels = existing.architecture() != null && existing.architecture().equals(t.head.architecture) ? existing.id2label() : TaskData.labelSet(trainLines, t);
        }
        List<Example> trainSet = trainLines == null ? TaskData.load(train, t, tok, labels, problem, maxTokens)
                : TaskData.load(trainLines, t, tok, labels, problem, maxTokens);
        trainLines = null; // the parsed JSON is garbage from here on
        List<Example> evalSet = eval == null ? List.of() : TaskData.load(eval, t, tok, labels, problem, maxTokens);
        TrainOptions options = new TrainOptions(t, epochs, lr, batchSize, warmup, weightDecay, seed, maxTokens, llrd, gradualUnfreeze,
                gradAccum, clip, freeze, trainOnly, !noCache);
        RunFingerprint fingerprint = fingerprint(options);
        if (!resume) OutputFolder.checkNoForeignEntries(output); // before anything is written there
        try (OutputFolder folder = OutputFolder.lock(output)) {
            Path resumeFrom = resume ? Trainer.latestCheckpoint(output) : null;
            if (resumeFrom == null) {
                if (resume) System.err.println("resume: no checkpoint in " + output + ", starting fresh");
                OutputFolder.checkNoForeignEntries(output);
                List<String> earlier = OutputFolder.runEntries(output);
                if (!earlier.isEmpty() && !overwrite) {
                    String what = String.join(", ", earlier.subList(0, Math.min(3, earlier.size()))) + (earlier.size() > 3 ? ", ..." : "");
                    throw new IllegalArgumentException(resume
                            ? output + " holds finetune output (" + what + ") but no checkpoint to resume from; start again with --overwrite instead of --resume, or choose another --output"
                            : output + " already holds a finetune run (" + what + "); continue it with --resume, replace it with --overwrite, or choose another --output");
                }
                if (overwrite) folder.clearRun();
            } else {
                checkSameRun(resumeFrom, fingerprint);
                Trainer.State done = Trainer.state(resumeFrom);
                if (done.epoch() >= epochs && Files.isDirectory(output.resolve("model"))) {
                    System.err.println("finetune: " + output + " already finished its " + epochs + " epochs (" + resumeFrom + "); nothing to do");
                    System.out.println(JsonLines.JSON.writeValueAsString(done.metrics()));
                    return 0;
                }
            }
            folder.cleanStale();
            RobertaModel m;
            if (resumeFrom != null) {
                m = RobertaModel.load(resumeFrom, be, t.head, labels, t == Task.SEQ_CLS ? problemType(problem) : null, seed);
            } else if (randomInit) {
                m = RobertaModel.random(randomConfig(t, labels, problem), t.head, be, seed);
            } else {
                m = RobertaModel.load(model, be, t.head, labels, t == Task.SEQ_CLS ? problemType(problem) : null, seed);
                for (String w : m.warnings()) System.err.println("warning: " + w);
            }
            Trainer trainer = new Trainer(m, tok, model, options, output);
            trainer.fingerprint(fingerprint);
            if (resumeFrom != null) {
                trainer.resume(resumeFrom);
                System.err.println("resuming from " + resumeFrom);
            }
            Trainer.Result r = trainer.train(trainSet, evalSet, labels);
            System.err.printf("finetune: %d steps in %.1f s; model saved to %s%n", r.steps(), r.seconds(), output.resolve("model"));
            System.out.println(JsonLines.JSON.writeValueAsString(r.metrics()));
            return 0;
        }
    }

    private RobertaConfig randomConfig(Task t, Map<Integer, String> labels, Objective.Problem problem) {
        RobertaConfig c = configFor();
        c = RobertaConfig.of(c.vocabSize(), hidden != null ? hidden : c.hiddenSize(), layers != null ? layers : c.numHiddenLayers(),
                heads != null ? heads : c.numAttentionHeads(), intermediate != null ? intermediate : c.intermediateSize(), c.maxPositionEmbeddings());
        return c.withHead(t.head.architecture, labels, t == Task.SEQ_CLS ? problemType(problem) : null);
    }

    /**
     * This run: the options that change the weights, the data files and the model it starts from
     * (config, tokenizer and, unless --random-init, the weights), each by size and SHA-256.
     */
    private RunFingerprint fingerprint(TrainOptions options) throws java.io.IOException {
        List<Path> modelFiles = new java.util.ArrayList<>();
        modelFiles.add(model.resolve("config.json"));
        for (String f : ModelFolder.TOKENIZER_FILES) modelFiles.add(model.resolve(f));
        if (!randomInit && Files.isDirectory(model)) {
            try (var list = Files.list(model)) {
                list.filter(p -> p.getFileName().toString().endsWith(".safetensors") || p.getFileName().toString().equals("model.safetensors.index.json"))
                        .sorted().forEach(modelFiles::add);
            }
        }
        RobertaConfig c = configFor();
        String init = !randomInit ? "no" : "hidden " + (hidden != null ? hidden : c.hiddenSize()) + ", layers " + (layers != null ? layers : c.numHiddenLayers())
                + ", heads " + (heads != null ? heads : c.numAttentionHeads()) + ", intermediate " + (intermediate != null ? intermediate : c.intermediateSize());
        return RunFingerprint.of(options).with("--random-init", init).withFiles("--model", modelFiles)
                .withFile("--train", train).withFile("--eval", eval);
    }

    /** Refuses a checkpoint that another run wrote, naming what differs. */
    private void checkSameRun(Path checkpoint, RunFingerprint now) {
        RunFingerprint there = RunFingerprint.read(checkpoint);
        if (there == null)
            throw new IllegalArgumentException("cannot resume from " + checkpoint + ": it records no run fingerprint (an older version wrote it), so it cannot be checked"
                    + " against this run; start again with --overwrite or choose another --output");
        List<String> diff = now.differences(there);
        if (diff.isEmpty()) return;
        boolean epochsOnly = diff.size() == 1 && diff.get(0).startsWith("--epochs ");
        throw new IllegalArgumentException("cannot resume from " + checkpoint + ": it belongs to a different run (" + String.join("; ", diff) + "); "
                + (epochsOnly ? "the learning-rate schedule depends on --epochs: to train further, start a new run with --model " + output.resolve("model")
                : "resume with the same data and options, or start a new run with --overwrite or another --output"));
    }

    /** config.json of --model, read once. */
    private RobertaConfig configFor() {
        if (cachedConfig == null) cachedConfig = RobertaConfig.load(model.resolve("config.json"));
        return cachedConfig;
    }

    static String problemType(Objective.Problem p) {
        return switch (p) {
            case SINGLE_LABEL -> "single_label_classification";
            case REGRESSION -> "regression";
            case MULTI_LABEL -> "multi_label_classification";
        };
    }
}
