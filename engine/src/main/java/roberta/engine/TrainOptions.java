package roberta.engine;

import roberta.engine.train.Task;

/**
 * Fine-tuning settings. warmup is a fraction of all steps (0.06) or, when >= 1, a step
 * count. llrd is the layer-wise learning-rate decay (1 = off): the top layer gets lr, each
 * layer below llrd times the one above, the embeddings the lowest. gradualUnfreeze starts
 * with only the head training and unfreezes one more layer per epoch from the top.
 * {@link FineTuning#of(java.nio.file.Path)} sets them one at a time.
 *
 * @param task what to train for
 * @param epochs passes over the data
 * @param lr the peak learning rate
 * @param batchSize sequences per batch
 * @param warmup a fraction of all steps, or a step count when at least 1
 * @param weightDecay AdamW's decoupled decay (none on biases and LayerNorm weights)
 * @param seed seeds shuffling, dropout and new weights
 * @param maxLength tokens per sequence (0: the model's limit)
 * @param llrd layer-wise learning-rate decay (1: off)
 * @param gradualUnfreeze start with the head alone, one more layer each epoch
 * @param gradAccum batches per optimizer step
 * @param clipNorm the gradient norm clip (0: off)
 * @param freeze parameters left as they are (null: none)
 * @param trainOnly the only parameters trained (null: all not frozen)
 * @param cacheFeatures with the encoder frozen, compute its features once
 * @param lora train a LoRA adapter and the head, the encoder frozen (null: no adapter)
 */
public record TrainOptions(Task task, int epochs, float lr, int batchSize, float warmup, float weightDecay, long seed,
                           int maxLength, float llrd, boolean gradualUnfreeze, int gradAccum, float clipNorm,
                           String freeze, String trainOnly, boolean cacheFeatures, LoraConfig lora) {
    /** Checks the values. */
    public TrainOptions {
        if (epochs < 1) throw new IllegalArgumentException("epochs must be >= 1");
        if (!(lr > 0)) throw new IllegalArgumentException("learning rate must be > 0");
        if (batchSize < 1 || gradAccum < 1) throw new IllegalArgumentException("batch size and accumulation must be >= 1");
        if (llrd <= 0 || llrd > 1) throw new IllegalArgumentException("--llrd must be in (0, 1]");
        if (warmup < 0) throw new IllegalArgumentException("warmup must be >= 0");
        if (lora != null && (freeze != null || trainOnly != null))
            throw new IllegalArgumentException("--lora trains the adapter and the head with the encoder frozen; leave out --freeze and --train-only");
        if (lora != null && gradualUnfreeze) throw new IllegalArgumentException("--lora freezes the encoder; it cannot be unfrozen gradually");
        if (lora != null && task == Task.MLM) throw new IllegalArgumentException("--lora trains sequence or token classification (peft's SEQ_CLS, TOKEN_CLS), not mlm");
    }

    /**
     * Options without a LoRA adapter.
     *
     * @param task what to train for
     * @param epochs passes over the data
     * @param lr the peak learning rate
     * @param batchSize sequences per batch
     * @param warmup a fraction of all steps, or a step count when at least 1
     * @param weightDecay AdamW's decoupled decay (none on biases and LayerNorm weights)
     * @param seed seeds shuffling, dropout and new weights
     * @param maxLength tokens per sequence (0: the model's limit)
     * @param llrd layer-wise learning-rate decay (1: off)
     * @param gradualUnfreeze start with the head alone, one more layer each epoch
     * @param gradAccum batches per optimizer step
     * @param clipNorm the gradient norm clip (0: off)
     * @param freeze parameters left as they are (null: none)
     * @param trainOnly the only parameters trained (null: all not frozen)
     * @param cacheFeatures with the encoder frozen, compute its features once
     */
    public TrainOptions(Task task, int epochs, float lr, int batchSize, float warmup, float weightDecay, long seed,
                        int maxLength, float llrd, boolean gradualUnfreeze, int gradAccum, float clipNorm,
                        String freeze, String trainOnly, boolean cacheFeatures) {
        this(task, epochs, lr, batchSize, warmup, weightDecay, seed, maxLength, llrd, gradualUnfreeze, gradAccum, clipNorm, freeze, trainOnly, cacheFeatures, null);
    }

    /**
     * The command line's defaults: 3 epochs, lr 2e-5, batches of 16, warmup 0.06, weight decay 0.01,
     * seed 42, 128 tokens, no layer decay, clip 1, features cached.
     *
     * @param task what to train for
     * @return the options
     */
    public static TrainOptions defaults(Task task) {
        return new TrainOptions(task, 3, 2e-5f, 16, 0.06f, 0.01f, 42, 128, 1f, false, 1, 1f, null, null, true);
    }

    /**
     * These options with another epoch count.
     *
     * @param e passes over the data
     * @return the options
     */
    public TrainOptions withEpochs(int e) {
        return new TrainOptions(task, e, lr, batchSize, warmup, weightDecay, seed, maxLength, llrd, gradualUnfreeze, gradAccum, clipNorm, freeze, trainOnly, cacheFeatures, lora);
    }

    /**
     * These options with other frozen parameters.
     *
     * @param f parameters left as they are (null: none)
     * @param only the only parameters trained (null: all not frozen)
     * @return the options
     */
    public TrainOptions withFreezing(String f, String only) {
        return new TrainOptions(task, epochs, lr, batchSize, warmup, weightDecay, seed, maxLength, llrd, gradualUnfreeze, gradAccum, clipNorm, f, only, cacheFeatures, lora);
    }

    /**
     * These options with another learning rate.
     *
     * @param newLr the peak learning rate
     * @return the options
     */
    public TrainOptions withLr(float newLr) {
        return new TrainOptions(task, epochs, newLr, batchSize, warmup, weightDecay, seed, maxLength, llrd, gradualUnfreeze, gradAccum, clipNorm, freeze, trainOnly, cacheFeatures, lora);
    }

    /**
     * These options with another sequence length.
     *
     * @param m tokens per sequence (0: the model's limit)
     * @return the options
     */
    public TrainOptions withMaxLength(int m) {
        return new TrainOptions(task, epochs, lr, batchSize, warmup, weightDecay, seed, m, llrd, gradualUnfreeze, gradAccum, clipNorm, freeze, trainOnly, cacheFeatures, lora);
    }

    /**
     * These options with another batch size.
     *
     * @param b sequences per batch
     * @return the options
     */
    public TrainOptions withBatchSize(int b) {
        return new TrainOptions(task, epochs, lr, b, warmup, weightDecay, seed, maxLength, llrd, gradualUnfreeze, gradAccum, clipNorm, freeze, trainOnly, cacheFeatures, lora);
    }

    /**
     * These options for another task.
     *
     * @param t what to train for
     * @return the options
     */
    public TrainOptions withTask(Task t) {
        if (t == null) throw new IllegalArgumentException("the task is null");
        return new TrainOptions(t, epochs, lr, batchSize, warmup, weightDecay, seed, maxLength, llrd, gradualUnfreeze, gradAccum, clipNorm, freeze, trainOnly, cacheFeatures, lora);
    }

    /**
     * These options with another layer-wise learning-rate decay.
     *
     * @param d the decay (1: off)
     * @return the options
     */
    public TrainOptions withLlrd(float d) {
        return new TrainOptions(task, epochs, lr, batchSize, warmup, weightDecay, seed, maxLength, d, gradualUnfreeze, gradAccum, clipNorm, freeze, trainOnly, cacheFeatures, lora);
    }

    /**
     * These options with another seed.
     *
     * @param s the seed
     * @return the options
     */
    public TrainOptions withSeed(long s) {
        return new TrainOptions(task, epochs, lr, batchSize, warmup, weightDecay, s, maxLength, llrd, gradualUnfreeze, gradAccum, clipNorm, freeze, trainOnly, cacheFeatures, lora);
    }

    /**
     * These options with a LoRA adapter trained (the encoder frozen, the head trained whole).
     *
     * @param l the adapter's settings (null: none)
     * @return the options
     */
    public TrainOptions withLora(LoraConfig l) {
        return new TrainOptions(task, epochs, lr, batchSize, warmup, weightDecay, seed, maxLength, llrd, gradualUnfreeze, gradAccum, clipNorm, freeze, trainOnly, cacheFeatures, l);
    }
}
