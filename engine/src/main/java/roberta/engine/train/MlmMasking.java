package roberta.engine.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import roberta.tokenizer.RobertaTokenizer;

/**
 * BERT/RoBERTa masking for masked-LM training: 15% of the non-special tokens are chosen; of
 * those 80% become {@code <mask>}, 10% a random token, 10% stay. Labels hold the original id
 * at chosen positions and -100 elsewhere. Seeded: the same seed masks the same way.
 */
public final class MlmMasking {
    private MlmMasking() {}

    /** A masked batch: the ids to run and the labels per position (-100 where nothing was chosen). */
    public record Batch(List<int[]> ids, List<int[]> labels) {}

    /** Masks every example of a batch with one generator, in order. */
    public static Batch mask(List<Example> examples, RobertaTokenizer tok, int vocab, SplittableRandom rng) {
        List<int[]> ids = new ArrayList<>(), labels = new ArrayList<>();
        for (Example e : examples) {
            int[][] ml = mask(e.ids(), tok.maskId(), vocab, tok.clsId(), tok.sepId(), tok.padId(), rng);
            ids.add(ml[0]);
            labels.add(ml[1]);
        }
        return new Batch(ids, labels);
    }

    /** Masks ids in place of a copy; returns {maskedIds, labels}. */
    public static int[][] mask(int[] ids, int maskId, int vocab, int clsId, int sepId, int padId, SplittableRandom rng) {
        int[] masked = ids.clone(), labels = new int[ids.length];
        java.util.Arrays.fill(labels, Example.IGNORE);
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
