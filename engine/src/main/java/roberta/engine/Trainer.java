package roberta.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import roberta.engine.train.Example;
import roberta.engine.train.MlmMasking;
import roberta.engine.train.Task;
import roberta.kernels.Backend;
import roberta.loader.DType;
import roberta.loader.RobertaParameters;

import roberta.tokenizer.RobertaTokenizer;

/**
 * Fine-tuning: AdamW with decoupled weight decay (none on biases and LayerNorm weights),
 * linear warmup then linear decay, gradient clipping and accumulation, dropout in train mode
 * from a seeded generator. Frozen parameters get no gradient and no optimizer state; with the
 * whole encoder frozen the features are computed once and the head trains on the cache. After
 * each epoch: evaluation, a metrics line, and an atomic checkpoint (a Hugging Face folder
 * plus optimizer and trainer state) that {@link #resume} continues from exactly.
 */
public final class Trainer {

    private final RobertaModel model;
    private final RobertaTokenizer tokenizer;
    private final Path tokenizerDir;
    private final TrainOptions o;
    private final Path outDir;
    private final Backend be;
    private final Freezing.Mask mask;
    private int startEpoch = 0;
    private int step = 0;
    private List<float[]> featureCache;
    /** Floats the last forward pass kept for its backward (activations recorded on the tape). */
    private long lastActivationFloats;
    /** The most floats any forward pass of this run kept for its backward. */
    private long peakActivationFloats;

    /** For tests: end the run after this many epochs, as an interruption would. */
    int stopAfterEpoch = -1;
    /** Identifies this run in every checkpoint, so a resume can refuse another run's. */
    private RunFingerprint fingerprint;
    /** Where progress, epoch metrics and warnings go (nothing here prints). */
    private Listener listener = Listener.NONE;
    /** The metrics of the epoch a resume continues from. */
    private Map<String, Object> resumedMetrics = Map.of();

    public Trainer(RobertaModel model, RobertaTokenizer tokenizer, Path tokenizerDir, TrainOptions options, Path outDir) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.tokenizerDir = tokenizerDir;
        this.o = options;
        this.outDir = outDir;
        this.be = model.backend();
        // with LoRA the encoder is frozen and the head trains whole (peft's modules_to_save); the adapter always trains
        if (options.lora() != null && model.adapter() == null) throw new IllegalArgumentException("--lora: the model has no adapter attached");
        this.mask = options.lora() != null ? Freezing.parse(null, "head") : Freezing.parse(options.freeze(), options.trainOnly());
        Freezing.apply(model, mask);
        if (model.allParams().values().stream().noneMatch(p -> p.trainable))
            throw new IllegalArgumentException(mask.spec() + " leaves nothing to train");
        this.fingerprint = RunFingerprint.of(options);
    }

    /** 0: keep every checkpoint; N: after each save, delete all but the newest N. */
    private int keepCheckpoints;

    public void keepCheckpoints(int n) {
        keepCheckpoints = n;
    }

    /** Sends progress bars, each epoch's metrics and warnings to listener (default: nowhere). */
    public void listener(Listener l) {
        listener = l == null ? Listener.NONE : l;
    }

    /** Replaces the fingerprint recorded in checkpoints (by default the options alone) with a fuller one. */
    public void fingerprint(RunFingerprint fp) {
        this.fingerprint = fp;
    }

    /** The result of a run: the last epoch's metrics. */
    public record Result(Map<String, Object> metrics, int steps, double seconds) {}

    // ------------------------------------------------------------------ checkpoints

    /**
     * Continues from a checkpoint written by this trainer (the model must have been loaded from it).
     * metrics.jsonl is made to match it: one line per epoch up to the checkpoint's, none after.
     */
    public void resume(Path checkpoint) throws IOException {
        Checkpoints.State state = Checkpoints.state(checkpoint);
        startEpoch = state.epoch();
        step = state.step();
        resumedMetrics = state.metrics();
        Checkpoints.repairMetrics(outDir, startEpoch);
        Checkpoints.restoreMoments(model, checkpoint);
    }

    /**
     * Writes epoch-N under a temporary name and renames it into place, so a checkpoint is whole or
     * absent. On failure (a full disk) the temporary folder is removed and the message names the
     * last good checkpoint, which nothing here touches.
     */
    private void saveCheckpoint(int epoch, Map<String, Object> metrics) throws IOException {
        Checkpoints.save(outDir, epoch + 1, model, tokenizerDir, step, o.seed(), metrics, fingerprint, listener);
    }

    // ------------------------------------------------------------------ training

    public Result train(List<Example> train, List<Example> eval, Map<Integer, String> labels) throws IOException {
        if (train.isEmpty()) throw new IllegalArgumentException("no training examples");
        Files.createDirectories(outDir);
        int batchesPerEpoch = (train.size() + o.batchSize() - 1) / o.batchSize();
        int stepsPerEpoch = (batchesPerEpoch + o.gradAccum() - 1) / o.gradAccum();
        int totalSteps = stepsPerEpoch * o.epochs();
        int warmupSteps = o.warmup() >= 1 ? (int) o.warmup() : (int) Math.ceil(o.warmup() * totalSteps);
        long t0 = System.nanoTime();
        Map<String, Object> metrics = resumedMetrics;
        for (int epoch = startEpoch; epoch < o.epochs(); epoch++) {
            if (o.gradualUnfreeze()) applyGradualUnfreeze(epoch);
            boolean cached = o.cacheFeatures() && o.task() != Task.MLM && Freezing.encoderFrozen(model);
            if (cached && featureCache == null) featureCache = computeFeatures(train);
            int[] order = shuffled(train.size(), epoch);
            double lossSum = 0;
            int lossCount = 0;
            long epochStart = System.nanoTime();
            try (ProgressReport bar = new ProgressReport(listener, "epoch " + (epoch + 1) + "/" + o.epochs(), batchesPerEpoch, "batch")) {
                int micro = 0;
                for (int b = 0; b < batchesPerEpoch; b++) {
                    if (PausePoints.armed()) PausePoints.reach("batch:" + (epoch + 1) + ":" + (b + 1));
                    List<Example> batch = new ArrayList<>();
                    List<Integer> batchIdx = new ArrayList<>();
                    for (int i = b * o.batchSize(); i < Math.min(train.size(), (b + 1) * o.batchSize()); i++) {
                        batch.add(train.get(order[i]));
                        batchIdx.add(order[i]);
                    }
                    double loss = forwardBackward(batch, batchIdx, cached, epoch, b);
                    if (!Double.isFinite(loss)) {
                        Path last = Checkpoints.latest(outDir);
                        throw new IllegalStateException("loss became " + loss + " at epoch " + (epoch + 1) + " batch " + (b + 1)
                                + "; stopped (lower --lr?). Last good checkpoint: " + (last == null ? "none yet" : last));
                    }
                    lossSum += loss;
                    lossCount++;
                    micro++;
                    if (micro == o.gradAccum() || b == batchesPerEpoch - 1) {
                        float lr = o.lr() * LearningRates.schedule(step, warmupSteps, totalSteps);
                        update(lr);
                        micro = 0;
                        step++;
                    }
                    bar.status(String.format("loss %.4f", lossSum / lossCount));
                    bar.advance(1);
                }
            }
            double secs = (System.nanoTime() - epochStart) / 1e9;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("epoch", epoch + 1);
            m.put("step", step);
            m.put("train_loss", lossSum / Math.max(1, lossCount));
            m.put("seconds", secs);
            m.put("train_sequences_per_second", train.size() / secs);
            m.put("training_memory_mb", trainingMemoryBytes() / 1e6);
            m.put("trainable_parameters", model.allParams().values().stream().filter(p -> p.trainable).mapToLong(p -> p.value.size()).sum());
            if (eval != null && !eval.isEmpty()) m.putAll(Evaluation.evaluate(model, tokenizer, o.task(), eval, labels, o.batchSize(), o.seed()));
            metrics = m;
            saveCheckpoint(epoch, m); // before the metrics line: metrics.jsonl never runs ahead of the checkpoints
            if (keepCheckpoints > 0) Checkpoints.keepNewest(outDir, epoch + 1, keepCheckpoints);
            Checkpoints.appendMetrics(outDir, m);
            listener.epoch(epoch + 1, m);
            if (epoch + 1 == stopAfterEpoch) return new Result(metrics, step, (System.nanoTime() - t0) / 1e9);
        }
        try {
            // a LoRA run's result is the adapter (peft's folder), the base model left as it is
            if (model.adapter() != null) AdapterFolder.save(model, tokenizerDir, outDir.resolve(finalFolder(o)));
            else ModelFolder.save(model, tokenizerDir, outDir.resolve(finalFolder(o)), DType.F32, listener);
        } catch (UncheckedIOException e) {
            throw new IllegalStateException(e.getMessage() + "; " + Checkpoints.lastGood(outDir), e);
        }
        return new Result(metrics, step, (System.nanoTime() - t0) / 1e9);
    }

    /** Where a run's result goes under OUTPUT: "adapter" for a LoRA run, else "model". */
    public static String finalFolder(TrainOptions o) {
        return o.lora() != null ? "adapter" : "model";
    }

    private int[] shuffled(int n, int epoch) {
        return shuffled(n, o.seed(), epoch);
    }

    /** 0..n-1 in the order of an epoch's Fisher-Yates shuffle, seeded by (seed, epoch): the fine-tuner's and the feature head's. */
    static int[] shuffled(int n, long seed, int epoch) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        SplittableRandom rng = new SplittableRandom(seed * 1_000_003L + epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** Gradual unfreezing: epoch e trains the head and the top e layers (within the freezing mask). */
    private void applyGradualUnfreeze(int epoch) {
        int layers = model.config().numHiddenLayers();
        for (Param p : model.params().values()) {
            boolean allowed = !mask.frozen().test(p.name);
            int l = RobertaParameters.layerOf(p.name);
            boolean open = RobertaParameters.isHead(p.name) || (l >= 0 && l >= layers - epoch) || (l < 0 && epoch > layers);
            p.trainable = allowed && open;
            if (!p.trainable && p.grad != null) {
                be.release(p.grad);
                p.grad = null;
            }
        }
    }

    /** Encoder states (eval mode) of every example, once: the <s> row for seq-cls, all rows for token-cls. */
    private List<float[]> computeFeatures(List<Example> examples) {
        List<float[]> cache = new ArrayList<>(java.util.Collections.nCopies(examples.size(), (float[]) null));
        LayerSelection last = LayerSelection.parse("last", model.config().numHiddenLayers());
        try (ProgressReport bar = new ProgressReport(listener, "caching features", examples.size(), "seq")) {
            // sequence classification reads only <s>: the last layer runs on those rows alone
            HiddenStates.run(model, examples.stream().map(Example::ids).toList(), 32, last, o.task() == Task.SEQ_CLS, (i, states, len) ->
                    cache.set(i, states), bar::advance);
        }
        return cache;
    }

    private double forwardBackward(List<Example> batch, List<Integer> idx, boolean cached, int epoch, int b) {
        Tape tape = new Tape();
        try (Graph g = new Graph(be, tape, true, o.seed() * 7_919L + (long) epoch * 1_000_003L + b)) {
            return forwardBackward(g, tape, batch, idx, cached, epoch, b);
        }
    }

    private double forwardBackward(Graph g, Tape tape, List<Example> batch, List<Integer> idx, boolean cached, int epoch, int b) {
        PackedBatch packed;
        Var last;
        List<int[]> ids = new ArrayList<>();
        List<int[]> mlmLabels = null;
        if (o.task() == Task.MLM) {
            MlmMasking.Batch masked = MlmMasking.mask(batch, tokenizer, model.config().vocabSize(),
                    new SplittableRandom(o.seed() * 31L + epoch * 1_000_003L + b));
            ids = masked.ids();
            mlmLabels = masked.labels();
        } else {
            for (Example e : batch) ids.add(o.task() == Task.SEQ_CLS && cached ? new int[] {tokenizer.clsId()} : e.ids());
        }
        packed = PackedBatch.of(ids, null, model.config().padTokenId(), model.config().maxPositionEmbeddings());
        if (cached) {
            int h = model.config().hiddenSize();
            float[] rows = new float[packed.tokens() * h];
            int off = 0;
            for (int i : idx) {
                float[] f = featureCache.get(i);
                System.arraycopy(f, 0, rows, off, f.length);
                off += f.length;
            }
            last = g.constant(rows, packed.tokens(), h);
        } else {
            last = model.encode(g, packed, false, false).last();
        }
        Var logits;
        Targets targets;
        if (o.task() == Task.MLM) {
            RobertaModel.MaskedLm mlm = model.maskedLm(g, packed, last, mlmLabels);
            logits = mlm.logits();
            targets = mlm.targets();
        } else {
            logits = model.head(g, packed, last);
            targets = Targets.of(o.task(), batch);
        }
        double loss = Objective.lossAndSeed(g, model, packed, logits, targets);
        lastActivationFloats = g.capturedFloats();
        peakActivationFloats = Math.max(peakActivationFloats, lastActivationFloats);
        if (logits.grad != null) {
            if (o.gradAccum() > 1) be.scale(logits.grad, 1f / o.gradAccum());
            tape.backward();
        }
        return loss;
    }

    /** Clip, then one AdamW step per trainable parameter with its layer's learning rate; gradients zeroed after. */
    private void update(float lr) {
        List<Param> trainable = model.allParams().values().stream().filter(p -> p.trainable && p.grad != null).toList();
        // the global norm in one read-back per step, not one per tensor
        double norm = Math.sqrt(be.sumOfSquares(trainable.stream().map(p -> p.grad).toList()));
        float clip = o.clipNorm() > 0 && norm > o.clipNorm() ? (float) (o.clipNorm() / (norm + 1e-6)) : 1f;
        int layers = model.config().numHiddenLayers();
        for (Param p : trainable) {
            if (p.m == null) {
                p.m = be.zeros(p.value.shape());
                p.v = be.zeros(p.value.shape());
            }
            float layerLr = lr * LearningRates.layerFactor(o.llrd(), p.name, layers);
            boolean decay = RobertaParameters.decays(p.name);
            // clipped and zeroed in the optimizer's own pass over the gradient
            be.adamw(p.value, p.grad, p.m, p.v, layerLr, 0.9f, 0.999f, 1e-8f, decay ? o.weightDecay() : 0f, step + 1, clip, true);
        }
    }

    /** Bytes held at the end of the last forward pass: weights, gradients, AdamW moments, recorded activations. */
    public Map<String, Long> memoryBytes() {
        Map<String, Long> m = new LinkedHashMap<>();
        long weights = 0, grads = 0, moments = 0;
        for (Param p : model.allParams().values()) {
            weights += be.residentBytes(p.value);
            if (p.grad != null) grads += be.residentBytes(p.grad);
            if (p.m != null) moments += be.residentBytes(p.m) + be.residentBytes(p.v);
        }
        m.put("weights", weights);
        m.put("gradients", grads);
        m.put("adam_moments", moments);
        m.put("activations", 4 * lastActivationFloats); // float32 activations
        return m;
    }

    /**
     * What training holds at its busiest, by the engine's own accounting: weights, gradients,
     * AdamW moments and the largest set of activations a step kept for its backward (the
     * JVM's own overhead and transient scratch not counted).
     */
    long trainingMemoryBytes() {
        Map<String, Long> m = memoryBytes();
        return m.get("weights") + m.get("gradients") + m.get("adam_moments") + 4 * peakActivationFloats;
    }

    /** One training step (forward, backward, AdamW) on a batch, for benchmarks. */
    public double step(List<Example> batch) {
        double loss = forwardBackward(batch, null, false, 0, step);
        update(o.lr());
        step++;
        return loss;
    }

}
