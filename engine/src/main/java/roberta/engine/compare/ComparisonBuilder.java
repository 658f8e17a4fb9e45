package roberta.engine.compare;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import roberta.engine.Listener;
import roberta.engine.train.Task;
import roberta.kernels.Backend;
import roberta.kernels.Devices;

/**
 * A comparison set up one option at a time, from {@link Comparison#of(Path)}, with the command
 * line's defaults ({@code ./roberta compare}): sequence classification, every strategy, the
 * per-strategy epochs and learning rates of {@link Comparison}, batches of 16, 128 tokens, seed
 * 42, {@link Comparison#DEFAULT_LORA}, no layer-wise decay, the device auto, nothing reported.
 * {@link #train(Path)}, {@link #eval(Path)} and {@link #output(Path)} must be set.
 */
public final class ComparisonBuilder {
    private final Path model;
    private Task task = Task.SEQ_CLS;
    private Path train, eval, test, output;
    private List<Strategy> strategies = Strategy.parseList(Strategy.DEFAULT);
    private Overrides<Integer> epochs = Overrides.none();
    private Overrides<Float> lr = Overrides.none();
    private int batchSize = 16, maxLength = 128;
    private long seed = 42;
    private String lora = Comparison.DEFAULT_LORA;
    private float llrd = 1f;
    private boolean overwrite;
    private Backend device;
    private Listener listener = Listener.NONE;

    ComparisonBuilder(Path model) {
        if (model == null) throw new IllegalArgumentException("the model folder is null");
        this.model = model;
    }

    /**
     * What the task is.
     *
     * @param t seq-cls (the default) or token-cls
     * @return this builder
     */
    public ComparisonBuilder task(Task t) { task = t; return this; }

    /**
     * The training data.
     *
     * @param jsonLines training data
     * @return this builder
     */
    public ComparisonBuilder train(Path jsonLines) { train = jsonLines; return this; }

    /**
     * The data every strategy is scored on.
     *
     * @param jsonLines the data every strategy is scored on
     * @return this builder
     */
    public ComparisonBuilder eval(Path jsonLines) { eval = jsonLines; return this; }

    /**
     * Further held-out data.
     *
     * @param jsonLines further held-out data, scored once per strategy (none by default)
     * @return this builder
     */
    public ComparisonBuilder test(Path jsonLines) { test = jsonLines; return this; }

    /**
     * Where the comparison's files go.
     *
     * @param folder where results.jsonl, the report and each strategy's files go (an earlier comparison's resumes it)
     * @return this builder
     */
    public ComparisonBuilder output(Path folder) { output = folder; return this; }

    /**
     * The strategies to run, in order.
     *
     * @param spec comma-separated strategies, as {@code --strategies} takes them
     * @return this builder
     */
    public ComparisonBuilder strategies(String spec) { strategies = Strategy.parseList(spec); return this; }

    /**
     * Epochs per strategy.
     *
     * @param spec "N" or "frozen=10,full=3", as {@code --epochs} takes it
     * @return this builder
     */
    public ComparisonBuilder epochs(String spec) { epochs = Overrides.parse(spec, "epochs", Integer::valueOf); return this; }

    /**
     * Peak learning rates per strategy.
     *
     * @param spec "2e-5" or "frozen=1e-3,full=2e-5", as {@code --lr} takes it
     * @return this builder
     */
    public ComparisonBuilder lr(String spec) { lr = Overrides.parse(spec, "lr", Float::valueOf); return this; }

    /**
     * The LoRA adapters of the lora strategy.
     *
     * @param spec the lora strategy's adapters, as {@code finetune --lora} takes them
     * @return this builder
     */
    public ComparisonBuilder lora(String spec) { lora = spec; return this; }

    /**
     * Layer-wise learning-rate decay of full fine-tuning.
     *
     * @param decay layer-wise learning-rate decay of full fine-tuning (1: off)
     * @return this builder
     */
    public ComparisonBuilder llrd(float decay) { llrd = decay; return this; }

    /**
     * Sequences per batch.
     *
     * @param n sequences per batch
     * @return this builder
     */
    public ComparisonBuilder batchSize(int n) { batchSize = n; return this; }

    /**
     * Tokens per sequence.
     *
     * @param tokens tokens per sequence (0: the model's limit)
     * @return this builder
     */
    public ComparisonBuilder maxLength(int tokens) { maxLength = tokens; return this; }

    /**
     * The seed, the same for every strategy.
     *
     * @param s seeds shuffling, dropout and new weights
     * @return this builder
     */
    public ComparisonBuilder seed(long s) { seed = s; return this; }

    /**
     * Re-runs strategies whose recorded settings differ (else they are refused).
     *
     * @return this builder
     */
    public ComparisonBuilder overwrite() { overwrite = true; return this; }

    /**
     * What runs the model.
     *
     * @param backend what runs the model (default: {@link Devices} auto)
     * @return this builder
     */
    public ComparisonBuilder device(Backend backend) { device = backend; return this; }

    /**
     * Where progress goes.
     *
     * @param l where progress, messages and warnings go (default: nowhere)
     * @return this builder
     */
    public ComparisonBuilder listener(Listener l) { listener = l == null ? Listener.NONE : l; return this; }

    /**
     * {@return the comparison these options describe, checked}
     */
    public Comparison.Run build() {
        if (train == null || output == null) throw new IllegalArgumentException("a comparison needs train(...) and output(...)");
        return new Comparison.Run(model, task, train, eval, test, strategies, epochs, lr, batchSize, maxLength, seed, lora, llrd, output, overwrite);
    }

    /**
     * Runs every strategy not done yet.
     *
     * @return every strategy's result (the fields of a results.jsonl line), in the order asked
     * @throws IOException when a file cannot be read or written
     */
    public List<Map<String, Object>> run() throws IOException {
        Comparison.Run r = build();
        return Comparison.run(r, device != null ? device : Devices.open("auto", null, listener), listener);
    }
}
