package roberta.engine;

import roberta.loader.RobertaParameters;

/**
 * The learning rate of a step and a parameter: linear warmup to the peak, then linear decay
 * to zero (the shape of transformers' get_linear_schedule_with_warmup, except that the first
 * warmup step already moves: (step + 1) / (warmup + 1), not 0), times the layer-wise decay factor
 * (llrd^depth: the head and the top layer get the peak, each layer below llrd times the one
 * above, the embeddings the lowest).
 */
final class LearningRates {
    private LearningRates() {}

    /** The schedule's multiplier of the peak rate at a step (0-based) of total, warmup steps first. */
    static float schedule(int step, int warmup, int total) {
        if (step < warmup) return (step + 1f) / (warmup + 1f);
        return Math.max(0f, (float) (total - step) / Math.max(1, total - warmup));
    }

    /** llrd^depth for a parameter of a model with this many layers. */
    static float layerFactor(float llrd, String name, int layers) {
        return llrd == 1f ? 1f : (float) Math.pow(llrd, depth(name, layers));
    }

    /** How many layers below the top a parameter sits: head 0, top layer 0, embeddings L. */
    static int depth(String name, int layers) {
        if (RobertaParameters.isHead(name)) return 0;
        int l = RobertaParameters.layerOf(name);
        return l >= 0 ? layers - 1 - l : layers;
    }
}
