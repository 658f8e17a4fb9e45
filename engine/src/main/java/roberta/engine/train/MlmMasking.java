package roberta.engine.train;

import java.util.SplittableRandom;
import roberta.engine.Targets;

/**
 * BERT/RoBERTa masking for masked-LM training: 15% of the non-special tokens are chosen; of
 * those 80% become {@code <mask>}, 10% a random token, 10% stay. Labels hold the original id
 * at chosen positions and -100 elsewhere. Seeded: the same seed masks the same way.
 */
public final class MlmMasking {
    private MlmMasking() {}

    /** Masks ids in place of a copy; returns {maskedIds, labels}. */
    public static int[][] mask(int[] ids, int maskId, int vocab, int clsId, int sepId, int padId, SplittableRandom rng) {
        int[] masked = ids.clone(), labels = new int[ids.length];
        java.util.Arrays.fill(labels, Targets.IGNORE);
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id == clsId || id == sepId || id == padId) continue;
            if (rng.nextDouble() >= 0.15) continue;
            labels[i] = id;
            double r = rng.nextDouble();
            if (r < 0.8) masked[i] = maskId;
            else if (r < 0.9) masked[i] = rng.nextInt(vocab);
        }
        return new int[][] {masked, labels};
    }
}
