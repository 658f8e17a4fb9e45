package roberta.engine;

import roberta.engine.train.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import roberta.engine.train.Example;
import roberta.engine.train.Task;
import roberta.engine.train.TaskData;
import roberta.kernels.Backend;
import roberta.loader.RobertaConfig;
import roberta.tokenizer.RobertaTokenizer;

/**
 * A whole fine-tuning run as {@code ./roberta finetune} does it, for the Java API too: the data
 * read and checked before anything is written (labels, problem type, lengths), the output
 * folder locked, a fresh run refused over an earlier one (or cleared with overwrite), a resume
 * checked against the run that wrote the checkpoint, the model made (pretrained, random or from
 * the checkpoint), trained, and saved.
 *
 * <pre>{@code
 * FineTuning.Outcome done = FineTuning.of(Path.of("roberta-base"))
 *         .task(Task.SEQ_CLS).train(Path.of("train.jsonl")).eval(Path.of("dev.jsonl")).output(Path.of("out"))
 *         .trainOnly("head").lr(1e-3f).epochs(3)
 *         .run();
 * Roberta tuned = Roberta.load(done.model());
 * }</pre>
 *
 * {@link #run(Run, Backend, Listener)} takes the same settings as one record.
 */
public final class FineTuning {
    private FineTuning() {}

    /**
     * A fine-tuning run of the model in a folder, with the command line's defaults.
     *
     * @param model a Hugging Face model folder: its tokenizer, its config and (unless random init is asked for) its weights
     * @return a builder; set at least train and output, then call {@link FineTuningBuilder#run()}
     */
    public static FineTuningBuilder of(Path model) {
        return new FineTuningBuilder(model);
    }

    /**
     * Sizes for a model initialised at random (null: the --model folder's config.json value).
     *
     * @param hidden the hidden size
     * @param layers encoder layers
     * @param heads attention heads
     * @param intermediate the feed-forward size
     */
    public record RandomInit(Integer hidden, Integer layers, Integer heads, Integer intermediate) {}

    /**
     * What to run. model gives the tokenizer and config (and the weights unless randomInit is
     * set); eval may be null; options.maxLength() is clipped to what the model's positions allow.
     *
     * @param model the model folder
     * @param train the training data
     * @param eval data scored after each epoch, or null
     * @param output where checkpoints, metrics and the model go
     * @param options the settings
     * @param randomInit random weights of this shape, or null for the folder's weights
     * @param resume continue from the last checkpoint in output
     * @param overwrite replace an earlier run in output
     * @param keepCheckpoints keep the newest N checkpoints (0: all)
     * @param adapter a LoRA adapter folder (ours or peft's) to train further, or null; its settings are the run's --lora
     */
    public record Run(Path model, Path train, Path eval, Path output, TrainOptions options, RandomInit randomInit,
                      boolean resume, boolean overwrite, int keepCheckpoints, Path adapter) {
        /** Refuses resume with overwrite, and a negative keepCheckpoints. */
        public Run {
            if (resume && overwrite) throw new IllegalArgumentException("--resume continues the run in --output and --overwrite replaces it: choose one");
            if (keepCheckpoints < 0) throw new IllegalArgumentException("--keep-checkpoints must be 0 (all) or more, got " + keepCheckpoints);
            if (adapter != null && options != null && options.lora() != null)
                throw new IllegalArgumentException("--adapter continues training an adapter with its own settings and --lora starts a new one: choose one");
        }

        /**
         * A run that trains no existing adapter.
         *
         * @param model the model folder
         * @param train the training data
         * @param eval data scored after each epoch, or null
         * @param output where checkpoints, metrics and the model go
         * @param options the settings
         * @param randomInit random weights of this shape, or null for the folder's weights
         * @param resume continue from the last checkpoint in output
         * @param overwrite replace an earlier run in output
         * @param keepCheckpoints keep the newest N checkpoints (0: all)
         */
        public Run(Path model, Path train, Path eval, Path output, TrainOptions options, RandomInit randomInit, boolean resume, boolean overwrite,
                   int keepCheckpoints) {
            this(model, train, eval, output, options, randomInit, resume, overwrite, keepCheckpoints, null);
        }

        /**
         * A run that keeps every checkpoint.
         *
         * @param model the model folder
         * @param train the training data
         * @param eval data scored after each epoch, or null
         * @param output where checkpoints, metrics and the model go
         * @param options the settings
         * @param randomInit random weights of this shape, or null for the folder's weights
         * @param resume continue from the last checkpoint in output
         * @param overwrite replace an earlier run in output
         */
        public Run(Path model, Path train, Path eval, Path output, TrainOptions options, RandomInit randomInit, boolean resume, boolean overwrite) {
            this(model, train, eval, output, options, randomInit, resume, overwrite, 0, null);
        }
    }

    /**
     * How a run ended.
     *
     * @param metrics the last epoch's metrics (train_loss and, with eval data, the evaluation's scores)
     * @param steps optimizer steps taken in all epochs
     * @param seconds how long this call trained (0 when alreadyFinished)
     * @param alreadyFinished a resume found the run complete, so nothing was trained
     * @param model the folder the trained model was saved to (OUTPUT/model; a LoRA run's adapter, OUTPUT/adapter), which {@link Roberta#load(Path)} reads
     */
    public record Outcome(Map<String, Object> metrics, int steps, double seconds, boolean alreadyFinished, Path model) {}

    /**
     * Runs fine-tuning, reporting nothing.
     *
     * @param run what to run
     * @param be what runs the model
     * @return the final metrics and where the model is
     * @throws IOException when a file cannot be read or written
     */
    public static Outcome run(Run run, Backend be) throws IOException {
        return run(run, be, Listener.NONE);
    }

    /**
     * Runs fine-tuning.
     *
     * @param run what to run
     * @param be what runs the model
     * @param listener where progress, each epoch's metrics, messages and warnings go
     * @return the final metrics and where the model is
     * @throws IOException when a file cannot be read or written
     */
    public static Outcome run(Run run, Backend be, Listener listener) throws IOException {
        if (listener == null) listener = Listener.NONE;
        // an adapter trained further keeps its own rank, alpha, dropout and targets
        TrainOptions requested = run.adapter() == null ? run.options() : run.options().withLora(AdapterFolder.read(run.adapter()).config());
        Task t = requested.task();
        RobertaTokenizer tok = RobertaTokenizer.load(run.model());
        Path configFile = run.model().resolve("config.json");
        RobertaConfig base = run.randomInit() != null && !Files.exists(configFile)
                ? shapeForTokenizer(tok, requested.maxLength()) : RobertaConfig.load(configFile);
        int limit = base.maxPositionEmbeddings() - base.padTokenId() - 1;
        // 0 asks for the model's limit, as embed's --max-length does
        TrainOptions options = requested.withMaxLength(requested.maxLength() == 0 ? limit : Math.min(requested.maxLength(), limit));
        Data data = Data.read(run, t, base, tok, options.maxLength());
        for (String notice : new String[] {TaskData.truncationNotice(data.train, t, options.maxLength(), run.train()),
                TaskData.truncationNotice(data.eval, t, options.maxLength(), run.eval())})
            if (notice != null) listener.warning(notice);
        if (options.lora() == null) // a mistyped --freeze glob is said before anything is loaded (the names follow from the config and the head)
            Freezing.checkGlobs(Freezing.parse(options.freeze(), options.trainOnly()),
                    roberta.loader.RobertaParameters.shapes(base.withHead(t.head.architecture, data.labels, data.problemType(t)), t.head).keySet());
        RunFingerprint fingerprint = fingerprint(run, options, base);
        Path output = realFolder(run.output());
        refuseInputsInside(output, run);
        if (!run.resume()) OutputFolder.checkNoForeignEntries(output); // before anything is written there
        try (OutputFolder folder = OutputFolder.lock(output)) {
            Path resumeFrom = run.resume() ? Checkpoints.latest(output) : null;
            int startEpoch = 0;
            if (resumeFrom == null) {
                if (run.resume()) listener.message("resume: no checkpoint in " + output + ", starting fresh");
                refuseEarlierRun(run, output, folder);
            } else {
                checkSameRun(run, resumeFrom, fingerprint);
                Checkpoints.State done = Checkpoints.state(resumeFrom);
                if (done.epoch() >= options.epochs() && Files.isDirectory(output.resolve(Trainer.finalFolder(options)))) {
                    listener.message("finetune: " + output + " already finished its " + options.epochs() + " epochs (" + resumeFrom + "); nothing to do");
                    return new Outcome(done.metrics(), done.step(), 0, true, output.resolve(Trainer.finalFolder(options)));
                }
                startEpoch = done.epoch();
            }
            folder.cleanStale();
            RobertaModel m = model(run, be, t, data, base, resumeFrom, options.seed(), listener);
            Trainer trainer = new Trainer(m, tok, run.model(), options, output);
            trainer.fingerprint(fingerprint);
            trainer.listener(listener);
            trainer.keepCheckpoints(run.keepCheckpoints());
            checkDiskSpace(output, m, options.epochs() - startEpoch, run.keepCheckpoints());
            if (resumeFrom != null) {
                trainer.resume(resumeFrom);
                listener.message("resuming from " + resumeFrom);
            }
            Trainer.Result r = trainer.train(data.train, data.eval, data.labels);
            return new Outcome(r.metrics(), r.steps(), r.seconds(), false, output.resolve(Trainer.finalFolder(options)));
        }
    }

    /**
     * The output folder as it really is: a symlink to a folder is followed once, here, so every
     * check below (an earlier run, the user's files, the lock) sees the folder that is written.
     */
    private static Path realFolder(Path output) throws IOException {
        Path abs = output.toAbsolutePath();
        if (Files.exists(abs)) return abs.toRealPath();
        if (Files.isSymbolicLink(abs)) throw new IllegalArgumentException(output + ": is a link to " + Files.readSymbolicLink(abs) + ", which does not exist");
        return abs.normalize();
    }

    /**
     * Refuses a run whose checkpoints cannot fit: each holds the weights (4 bytes a value) and the
     * AdamW moments of the trainable ones (8), so 100,000,000 epochs of a small model would
     * otherwise fill the disk one checkpoint at a time.
     */
    private static void checkDiskSpace(Path output, RobertaModel m, int epochsLeft, int keep) throws IOException {
        long weights = 0, trainable = 0;
        for (Param p : m.allParams().values()) {
            weights += p.value.size();
            if (p.trainable) trainable += p.value.size();
        }
        long perCheckpoint = 4 * weights + 8 * trainable + (4L << 20); // + tokenizer files
        long count = (keep > 0 ? Math.min(keep, epochsLeft) + 1 : epochsLeft) + 1L; // + one being written, + the final model
        long needed = perCheckpoint * count, free = Files.getFileStore(output).getUsableSpace();
        if (needed > free)
            throw new IllegalArgumentException(output + ": " + count + " checkpoints and the model need about " + (needed >> 20) + " MB, but "
                    + (free >> 20) + " MB are free there; keep only the newest with --keep-checkpoints N, or train fewer --epochs");
    }

    /** The data and the model must not lie in the output folder, which a run writes and --overwrite clears. */
    private static void refuseInputsInside(Path output, Run run) throws IOException {
        Path[][] inputs = {{run.train(), Path.of("--train")}, {run.eval(), Path.of("--eval")}, {run.model(), Path.of("--model")}, {run.adapter(), Path.of("--adapter")}};
        for (Path[] in : inputs) {
            if (in[0] == null || !Files.exists(in[0])) continue;
            if (in[0].toRealPath().startsWith(output))
                throw new IllegalArgumentException(run.output() + ": the " + in[1] + " " + in[0] + " is inside it and could be overwritten or deleted; choose another --output");
        }
    }

    /** The examples, labels and problem type, all checked before training starts. */
    private record Data(List<Example> train, List<Example> eval, Map<Integer, String> labels, Problem problem) {
        static Data read(Run run, Task t, RobertaConfig base, RobertaTokenizer tok, int maxTokens) throws IOException {
            // a classification file is parsed once: problem type, label set and examples come from that pass
            TaskData.Lines lines = t == Task.MLM ? null : TaskData.Lines.read(run.train());
            Problem problem = t == Task.SEQ_CLS ? TaskData.problemOf(lines) : Problem.SINGLE_LABEL;
            Problem headSolves = Objective.problem(base);
            if (t == Task.SEQ_CLS && run.randomInit() == null && t.head.architecture.equals(base.architecture()) && headSolves != problem)
                // its head would be kept, with outputs for another problem (3 classes against one number: the loss read past its targets)
                throw new IllegalArgumentException(run.train() + ": " + problem.problemType() + " labels, but " + run.model() + "'s classifier is "
                        + headSolves.problemType() + " with " + base.numLabels() + " output" + (base.numLabels() == 1 ? "" : "s")
                        + "; start from a model without a classification head, or give labels of its kind");
            Map<Integer, String> labels = lines == null ? null : TaskData.labelsFor(lines, t, base);
            List<Example> train = lines == null ? TaskData.load(run.train(), t, tok, labels, problem, maxTokens)
                    : TaskData.load(lines, t, tok, labels, problem, maxTokens);
            List<Example> eval = run.eval() == null ? List.of() : TaskData.load(run.eval(), t, tok, labels, problem, maxTokens);
            if (problem == Problem.SINGLE_LABEL) TaskData.requireTwoClasses(labels, t, run.train());
            // the model's embeddings are base's (a --random-init one too: sized from base, which is shaped to the tokenizer when there is no config)
            TaskData.checkSpecialTokens(tok, t == Task.MLM, run.model(), base.vocabSize());
            TaskData.checkVocabulary(train, run.train(), base.vocabSize());
            TaskData.checkVocabulary(eval, run.eval(), base.vocabSize());
            return new Data(train, eval, labels, problem);
        }

        String problemType(Task t) {
            return t == Task.SEQ_CLS ? problem.problemType() : null;
        }
    }

    private static RobertaModel model(Run run, Backend be, Task t, Data data, RobertaConfig base, Path resumeFrom, long seed, Listener listener) {
        if (run.options().lora() != null || run.adapter() != null) return loraModel(run, be, t, data, resumeFrom, seed, listener);
        if (resumeFrom != null) return RobertaModel.load(resumeFrom, be, t.head, data.labels, data.problemType(t), seed);
        if (run.randomInit() != null) return RobertaModel.random(randomConfig(run.randomInit(), base, t, data), t.head, be, seed);
        RobertaModel m = RobertaModel.load(run.model(), be, t.head, data.labels, data.problemType(t), seed);
        for (String w : m.warnings()) listener.warning(w);
        return m;
    }

    /**
     * A LoRA run's model: the base (--model) with the task's head, and an adapter: new (A random, B
     * zeros), the --adapter folder's, or, on resume, the checkpoint's (adapter and head).
     */
    private static RobertaModel loraModel(Run run, Backend be, Task t, Data data, Path resumeFrom, long seed, Listener listener) {
        if (run.randomInit() != null) throw new IllegalArgumentException("--lora adapts a pretrained model; leave out --random-init");
        RobertaModel m = RobertaModel.load(run.model(), be, t.head, data.labels, data.problemType(t), seed);
        if (resumeFrom != null || run.adapter() != null) {
            // the checkpoint's adapter and head, or the one to train further (its head replaces the new one)
            AdapterFolder.attach(AdapterFolder.read(resumeFrom != null ? resumeFrom : run.adapter()), m);
        } else {
            for (String w : m.warnings()) listener.warning(w);
            m.attach(LoraAdapter.random(run.options().lora(), m, seed));
        }
        return m;
    }

    /**
     * Pretraining from scratch with a folder that holds only a tokenizer (what train-tokenizer
     * writes): roberta-base's shape unless the --hidden/--layers/--heads/--intermediate flags
     * say otherwise, the tokenizer's vocabulary, and positions for --max-length tokens (512 when 0).
     */
    static RobertaConfig shapeForTokenizer(RobertaTokenizer tok, int maxLength) {
        // RoBERTa numbers positions from padding_idx + 1: config.json's pad_token_id is 1
        if (tok.padId() != 1 || tok.clsId() != 0 || tok.sepId() != 2)
            throw new IllegalArgumentException("--random-init without a config.json needs RoBERTa's special ids (<s> 0, <pad> 1, </s> 2); "
                    + "this tokenizer has " + tok.clsId() + ", " + tok.padId() + ", " + tok.sepId() + ": add a config.json to the folder");
        return RobertaConfig.of(tok.vocabSize(), 768, 12, 12, 3072, (maxLength == 0 ? 512 : maxLength) + 2);
    }

    private static RobertaConfig randomConfig(RandomInit r, RobertaConfig c, Task t, Data data) {
        RobertaConfig sized = RobertaConfig.of(c.vocabSize(), r.hidden() != null ? r.hidden() : c.hiddenSize(),
                r.layers() != null ? r.layers() : c.numHiddenLayers(), r.heads() != null ? r.heads() : c.numAttentionHeads(),
                r.intermediate() != null ? r.intermediate() : c.intermediateSize(), c.maxPositionEmbeddings());
        return sized.withHead(t.head.architecture, data.labels, data.problemType(t));
    }

    /** A fresh run goes into an empty folder, or clears an earlier run's entries when asked to. */
    private static void refuseEarlierRun(Run run, Path output, OutputFolder folder) throws IOException {
        OutputFolder.checkNoForeignEntries(output);
        List<String> earlier = OutputFolder.runEntries(output);
        if (!earlier.isEmpty() && !run.overwrite()) {
            String what = String.join(", ", earlier.subList(0, Math.min(3, earlier.size()))) + (earlier.size() > 3 ? ", ..." : "");
            throw new IllegalArgumentException(run.resume()
                    ? output + " holds finetune output (" + what + ") but no checkpoint to resume from; start again with --overwrite instead of --resume, or choose another --output"
                    : output + " already holds a finetune run (" + what + "); continue it with --resume, replace it with --overwrite, or choose another --output");
        }
        if (run.overwrite()) folder.clearRun();
    }

    /**
     * This run: the options that change the weights, the data files and the model it starts from
     * (config, tokenizer and, unless random, the weights), each by size and SHA-256.
     */
    private static RunFingerprint fingerprint(Run run, TrainOptions options, RobertaConfig c) throws IOException {
        Path model = run.model();
        List<Path> modelFiles = new ArrayList<>();
        modelFiles.add(model.resolve("config.json"));
        for (String f : ModelFolder.TOKENIZER_FILES) modelFiles.add(model.resolve(f));
        RandomInit r = run.randomInit();
        if (r == null && Files.isDirectory(model)) {
            try (var list = Files.list(model)) {
                list.filter(p -> p.getFileName().toString().endsWith(".safetensors") || p.getFileName().toString().equals("model.safetensors.index.json"))
                        .sorted().forEach(modelFiles::add);
            }
        }
        String init = r == null ? "no" : "hidden " + (r.hidden() != null ? r.hidden() : c.hiddenSize()) + ", layers " + (r.layers() != null ? r.layers() : c.numHiddenLayers())
                + ", heads " + (r.heads() != null ? r.heads() : c.numAttentionHeads()) + ", intermediate " + (r.intermediate() != null ? r.intermediate() : c.intermediateSize());
        RunFingerprint fp = RunFingerprint.of(options).with("--random-init", init).withFiles("--model", modelFiles)
                .withFile("--train", run.train()).withFile("--eval", run.eval());
        // only when set, so that checkpoints of runs without one still match
        return run.adapter() == null ? fp : fp.withFiles("--adapter", List.of(run.adapter().resolve(AdapterFolder.CONFIG), run.adapter().resolve(AdapterFolder.WEIGHTS)));
    }

    /** Refuses a checkpoint that another run wrote, naming what differs. */
    private static void checkSameRun(Run run, Path checkpoint, RunFingerprint now) {
        RunFingerprint there = RunFingerprint.read(checkpoint);
        if (there == null)
            throw new IllegalArgumentException("cannot resume from " + checkpoint + ": it records no run fingerprint (an older version wrote it), so it cannot be checked"
                    + " against this run; start again with --overwrite or choose another --output");
        List<String> diff = now.differences(there);
        if (diff.isEmpty()) return;
        boolean epochsOnly = diff.size() == 1 && diff.get(0).startsWith("--epochs ");
        throw new IllegalArgumentException("cannot resume from " + checkpoint + ": it belongs to a different run (" + String.join("; ", diff) + "); "
                + (epochsOnly ? "the learning-rate schedule depends on --epochs: to train further, start a new run with --model " + run.output().resolve("model")
                : "resume with the same data and options, or start a new run with --overwrite or another --output"));
    }
}
