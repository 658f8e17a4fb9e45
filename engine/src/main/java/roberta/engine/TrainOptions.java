package roberta.engine;

import roberta.engine.train.Task;

/**
 * Fine-tuning settings. warmup is a fraction of all steps (0.06) or, when >= 1, a step
 * count. llrd is the layer-wise learning-rate decay (1 = off): the top layer gets lr, each
 * layer below llrd times the one above, the embeddings the lowest. gradualUnfreeze starts
 * with only the head training and unfreezes one more layer per epoch from the top.
 */
public record TrainOptions(Task task, int epochs, float lr, int batchSize, float warmup, float weightDecay, long seed,
                           int maxLength, float llrd, boolean gradualUnfreeze, int gradAccum, float clipNorm,
                           String freeze, String trainOnly, boolean cacheFeatures) {
    public TrainOptions {
        if (epochs < 1) throw new IllegalArgumentException("epochs must be >= 1");
        if (!(lr > 0)) throw new IllegalArgumentException("learning rate must be > 0");
        if (batchSize < 1 || gradAccum < 1) throw new IllegalArgumentException("batch size and accumulation must be >= 1");
        if (llrd <= 0 || llrd > 1) throw new IllegalArgumentException("--llrd must be in (0, 1]");
        if (warmup < 0) throw new IllegalArgumentException("warmup must be >= 0");
    }

    public static TrainOptions defaults(Task task) {
        return new TrainOptions(task, 3, 2e-5f, 16, 0.06f, 0.01f, 42, 128, 1f, false, 1, 1f, null, null, true);
    }

    public TrainOptions withEpochs(int e) {
        return new TrainOptions(task, e, lr, batchSize, warmup, weightDecay, seed, maxLength, llrd, gradualUnfreeze, gradAccum, clipNorm, freeze, trainOnly, cacheFeatures);
    }

    public TrainOptions withFreezing(String f, String only) {
        return new TrainOptions(task, epochs, lr, batchSize, warmup, weightDecay, seed, maxLength, llrd, gradualUnfreeze, gradAccum, clipNorm, f, only, cacheFeatures);
    }

    public TrainOptions withLr(float newLr) {
        return new TrainOptions(task, epochs, newLr, batchSize, warmup, weightDecay, seed, maxLength, llrd, gradualUnfreeze, gradAccum, clipNorm, freeze, trainOnly, cacheFeatures);
    }

    public TrainOptions withMaxLength(int m) {
        return new TrainOptions(task, epochs, lr, batchSize, warmup, weightDecay, seed, m, llrd, gradualUnfreeze, gradAccum, clipNorm, freeze, trainOnly, cacheFeatures);
    }

    public TrainOptions withBatchSize(int b) {
        return new TrainOptions(task, epochs, lr, b, warmup, weightDecay, seed, maxLength, llrd, gradualUnfreeze, gradAccum, clipNorm, freeze, trainOnly, cacheFeatures);
    }

    public TrainOptions withTask(Task t) {
        if (t == null) throw new IllegalArgumentException("the task is null");
        return new TrainOptions(t, epochs, lr, batchSize, warmup, weightDecay, seed, maxLength, llrd, gradualUnfreeze, gradAccum, clipNorm, freeze, trainOnly, cacheFeatures);
    }

    public TrainOptions withSeed(long s) {
        return new TrainOptions(task, epochs, lr, batchSize, warmup, weightDecay, s, maxLength, llrd, gradualUnfreeze, gradAccum, clipNorm, freeze, trainOnly, cacheFeatures);
    }
}
