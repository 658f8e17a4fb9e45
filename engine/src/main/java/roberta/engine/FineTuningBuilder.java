package roberta.engine;

import java.io.IOException;
import java.nio.file.Path;
import roberta.engine.train.Task;
import roberta.kernels.Backend;
import roberta.kernels.Devices;

/**
 * A fine-tuning run set up one option at a time, from {@link FineTuning#of(Path)}. Every option
 * has the command line's default ({@code ./roberta finetune}): sequence classification, 3 epochs,
 * learning rate 2e-5, batches of 16, warmup 6% of the steps, weight decay 0.01, gradient clip 1,
 * seed 42, 128 tokens, the whole model trained, features cached when the encoder is frozen, the
 * device auto, nothing reported. Only {@link #train(Path)} and {@link #output(Path)} must be set.
 */
public final class FineTuningBuilder {
    private final Path model;
    private Path train, eval, output, adapter;
    private TrainOptions options = TrainOptions.defaults(Task.SEQ_CLS);
    private FineTuning.RandomInit randomInit;
    private boolean resume, overwrite;
    private int keepCheckpoints;
    private Backend device;
    private Listener listener = Listener.NONE;

    FineTuningBuilder(Path model) {
        if (model == null) throw new IllegalArgumentException("the model folder is null");
        this.model = model;
    }

    /**
     * What to train for.
     *
     * @param task sequence classification (the default), token classification or masked LM
     * @return this builder
     */
    public FineTuningBuilder task(Task task) {
        options = options.withTask(task);
        return this;
    }

    /**
     * The training data.
     *
     * @param jsonLines JSON lines ({@code {"text": ..., "label": ...}}; plain text for masked LM)
     * @return this builder
     */
    public FineTuningBuilder train(Path jsonLines) {
        this.train = jsonLines;
        return this;
    }

    /**
     * Data scored after each epoch (none by default).
     *
     * @param jsonLines JSON lines as for {@link #train(Path)}
     * @return this builder
     */
    public FineTuningBuilder eval(Path jsonLines) {
        this.eval = jsonLines;
        return this;
    }

    /**
     * Where checkpoints, metrics.jsonl and the final model go.
     *
     * @param folder a new or empty folder, or an earlier run's with {@link #resume()} or {@link #overwrite()}
     * @return this builder
     */
    public FineTuningBuilder output(Path folder) {
        this.output = folder;
        return this;
    }

    /**
     * Parameters left as they are, as {@code --freeze} takes them.
     *
     * @param spec none, embeddings, encoder, layers:A-B, head, or name globs, comma-separated
     * @return this builder
     */
    public FineTuningBuilder freeze(String spec) {
        options = options.withFreezing(spec, options.trainOnly());
        return this;
    }

    /**
     * The only parameters trained, as {@code --train-only} takes them.
     *
     * @param spec such as {@code head}: the encoder frozen, its features computed once (feature extraction)
     * @return this builder
     */
    public FineTuningBuilder trainOnly(String spec) {
        options = options.withFreezing(options.freeze(), spec);
        return this;
    }

    /**
     * Trains a LoRA adapter and the head, the encoder frozen, as {@code --lora} does; the run's
     * result is then OUTPUT/adapter, a peft folder ({@link Roberta#load(Path, Path)} reads it).
     *
     * @param config the adapter's rank, alpha, dropout and targets ({@link LoraConfig#parse(String)} reads --lora's spec)
     * @return this builder
     */
    public FineTuningBuilder lora(LoraConfig config) {
        options = options.withLora(config);
        return this;
    }

    /**
     * Trains an existing LoRA adapter further (ours or one peft saved), with its own rank, alpha,
     * dropout and targets; its head replaces the model's.
     *
     * @param folder a peft LoRA folder (adapter_config.json, adapter_model.safetensors)
     * @return this builder
     */
    public FineTuningBuilder adapter(Path folder) {
        this.adapter = folder;
        return this;
    }

    /**
     * Passes over the training data.
     *
     * @param epochs passes over the training data (default 3)
     * @return this builder
     */
    public FineTuningBuilder epochs(int epochs) {
        options = options.withEpochs(epochs);
        return this;
    }

    /**
     * The peak learning rate.
     *
     * @param lr the peak learning rate (default 2e-5; a head alone trains well near 1e-3)
     * @return this builder
     */
    public FineTuningBuilder lr(float lr) {
        options = options.withLr(lr);
        return this;
    }

    /**
     * Sequences per batch.
     *
     * @param batchSize sequences per batch (default 16)
     * @return this builder
     */
    public FineTuningBuilder batchSize(int batchSize) {
        options = options.withBatchSize(batchSize);
        return this;
    }

    /**
     * Tokens per sequence.
     *
     * @param tokens tokens per sequence, longer ones truncated (default 128; 0: the model's limit)
     * @return this builder
     */
    public FineTuningBuilder maxLength(int tokens) {
        options = options.withMaxLength(tokens);
        return this;
    }

    /**
     * The seed of everything random.
     *
     * @param seed seeds shuffling, dropout and the new head's weights (default 42)
     * @return this builder
     */
    public FineTuningBuilder seed(long seed) {
        options = options.withSeed(seed);
        return this;
    }

    /**
     * All the settings at once, replacing those set so far.
     *
     * @param options the settings as the command line's flags give them
     * @return this builder
     */
    public FineTuningBuilder options(TrainOptions options) {
        if (options == null) throw new IllegalArgumentException("the options are null");
        this.options = options;
        return this;
    }

    /** {@return the training settings so far (the command line's defaults until changed)} */
    public TrainOptions options() {
        return options;
    }

    /**
     * Starts from random weights of this shape; the model folder gives the tokenizer and config.
     *
     * @param sizes the shape (a null size: the folder's config.json value)
     * @return this builder
     */
    public FineTuningBuilder randomInit(FineTuning.RandomInit sizes) {
        this.randomInit = sizes;
        return this;
    }

    /**
     * Continues from the last checkpoint in the output folder (the same data and options, checked).
     *
     * @return this builder
     */
    public FineTuningBuilder resume() {
        this.resume = true;
        return this;
    }

    /**
     * Replaces an earlier run in the output folder.
     *
     * @return this builder
     */
    public FineTuningBuilder overwrite() {
        this.overwrite = true;
        return this;
    }

    /**
     * How many checkpoints to keep.
     *
     * @param newest checkpoints kept after each epoch (default 0: all)
     * @return this builder
     */
    public FineTuningBuilder keepCheckpoints(int newest) {
        this.keepCheckpoints = newest;
        return this;
    }

    /**
     * What runs the model.
     *
     * @param backend what runs the model (default: {@link Devices} auto, the GPU when one works, else the CPU)
     * @return this builder
     */
    public FineTuningBuilder device(Backend backend) {
        this.device = backend;
        return this;
    }

    /**
     * Where the run reports.
     *
     * @param listener where progress, each epoch's metrics, messages and warnings go (default: nowhere)
     * @return this builder
     */
    public FineTuningBuilder listener(Listener listener) {
        this.listener = listener == null ? Listener.NONE : listener;
        return this;
    }

    /**
     * Reads and checks the data, trains, and saves the model in OUTPUT/model.
     *
     * @return the final metrics and where the model is
     * @throws IOException when a file cannot be read or written
     * @throws IllegalArgumentException when an option or the data is wrong, before anything is written
     */
    public FineTuning.Outcome run() throws IOException {
        if (train == null) throw new IllegalArgumentException("fine-tuning needs training data: call train(path)");
        if (output == null) throw new IllegalArgumentException("fine-tuning needs an output folder: call output(path)");
        Backend be = device != null ? device : Devices.open("auto", null, listener);
        return FineTuning.run(new FineTuning.Run(model, train, eval, output, options, randomInit, resume, overwrite, keepCheckpoints, adapter), be, listener);
    }
}
