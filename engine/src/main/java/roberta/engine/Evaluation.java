package roberta.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import roberta.engine.train.Example;
import roberta.engine.train.Metrics;
import roberta.engine.train.MlmMasking;
import roberta.engine.train.Task;
import roberta.tokenizer.RobertaTokenizer;

/** Metrics of a model on examples: accuracy and macro-F1; entity F1 for token tasks; Pearson/Spearman for regression; loss and perplexity for MLM. */
public final class Evaluation {
    private Evaluation() {}

    public static Map<String, Object> evaluate(RobertaModel model, RobertaTokenizer tok, Task task, List<Example> examples, Map<Integer, String> labels, int batchSize, long seed) {
        Map<String, Object> m = new LinkedHashMap<>();
        int pad = model.config().padTokenId(), maxPos = model.config().maxPositionEmbeddings();
        double lossSum = 0; // each batch's mean loss times its items: the loss is the mean over all items, whatever the batch size
        long lossItems = 0;
        long scored = 0, correct = 0; // MLM: masked positions scored, and those whose top prediction is the original token
        List<Integer> gold = new ArrayList<>(), pred = new ArrayList<>();
        List<double[]> reg = new ArrayList<>();
        List<int[]> multiGold = new ArrayList<>(), multiPred = new ArrayList<>(); // multi-label: each example's 0/1 per label
        List<String[]> goldTags = new ArrayList<>(), predTags = new ArrayList<>();
        for (int b0 = 0; b0 < examples.size(); b0 += batchSize) {
            List<Example> batch = examples.subList(b0, Math.min(examples.size(), b0 + batchSize));
            List<int[]> ids = new ArrayList<>(), mlm = null;
            if (task == Task.MLM) {
                MlmMasking.Batch masked = MlmMasking.mask(batch, tok, model.config().vocabSize(), new SplittableRandom(seed + b0));
                ids = masked.ids();
                mlm = masked.labels();
            } else {
                for (Example e : batch) ids.add(e.ids());
            }
            PackedBatch packed = PackedBatch.of(ids, null, pad, maxPos);
            float[] l;
            int c;
            try (Graph g = Graph.inference(model.backend())) {
                Var logits;
                Targets targets;
                if (task == Task.MLM) {
                    RobertaModel.MaskedLm masked = model.maskedLm(g, packed, model.encode(g, packed, false, false).last(), mlm);
                    logits = masked.logits();
                    scored += logits.value().rows();
                    targets = masked.targets();
                } else {
                    logits = model.encodeAndHead(g, packed);
                    targets = Targets.of(task, batch);
                }
                l = model.backend().toHost(logits.value());
                c = logits.value().cols();
                if (task == Task.MLM) {
                    int[] want = targets.rowLabels();
                    for (int r = 0; r < want.length; r++) if (argmax(l, r * c, c) == want[r]) correct++;
                }
                long items = Objective.lossItems(model, packed, targets);
                lossSum += Objective.lossAndSeed(g, model, packed, logits, targets) * items;
                lossItems += items;
            }
            if (task == Task.SEQ_CLS) {
                for (int s = 0; s < batch.size(); s++) {
                    Example e = batch.get(s);
                    if (e.values() != null && c == 1) reg.add(new double[] {e.values()[0], l[s]});
                    else if (e.values() != null) {
                        int[] g = new int[c], p = new int[c];
                        for (int k = 0; k < c; k++) { g[k] = e.values()[k] > 0.5f ? 1 : 0; p[k] = l[s * c + k] > 0 ? 1 : 0; }
                        multiGold.add(g);
                        multiPred.add(p);
                    }
                    else { gold.add(e.label()); pred.add(argmax(l, s * c, c)); }
                }
            } else if (task == Task.TOKEN_CLS) {
                for (int s = 0; s < batch.size(); s++) {
                    int[] tl = batch.get(s).tokenLabels();
                    List<String> gt = new ArrayList<>(), pt = new ArrayList<>();
                    for (int t = 0; t < tl.length; t++) {
                        if (tl[t] == Targets.IGNORE) continue;
                        int p = argmax(l, (packed.seqStart[s] + t) * c, c);
                        gold.add(tl[t]);
                        pred.add(p);
                        gt.add(labels.getOrDefault(tl[t], "O"));
                        pt.add(labels.getOrDefault(p, "O"));
                    }
                    goldTags.add(gt.toArray(String[]::new));
                    predTags.add(pt.toArray(String[]::new));
                }
            }
        }
        double loss = lossItems == 0 ? 0 : lossSum / lossItems;
        m.put("eval_loss", loss);
        if (task == Task.MLM) {
            m.put("eval_perplexity", Math.exp(loss));
            m.put("eval_masked_accuracy", scored == 0 ? 0.0 : (double) correct / scored);
            m.put("eval_masked_tokens", scored); // 0: nothing was scored, and the loss means nothing
        }
        if (!reg.isEmpty()) {
            double[] x = reg.stream().mapToDouble(v -> v[0]).toArray(), y = reg.stream().mapToDouble(v -> v[1]).toArray();
            m.put("eval_pearson", Metrics.pearson(x, y));
            m.put("eval_spearman", Metrics.spearman(x, y));
        } else if (!multiGold.isEmpty()) {
            double[] scores = Metrics.multiLabel(multiGold.toArray(int[][]::new), multiPred.toArray(int[][]::new));
            m.put("eval_accuracy", scores[0]); // every label of the example right
            m.put("eval_macro_f1", scores[1]);
        } else if (task != Task.MLM) { // MLM's metrics are its loss, perplexity and masked accuracy above
            putClassification(m, "eval_", gold.stream().mapToInt(i -> i).toArray(), pred.stream().mapToInt(i -> i).toArray(), labels.size(),
                    task == Task.TOKEN_CLS ? goldTags : null, predTags);
        }
        m.put("eval_examples", examples.size());
        return m;
    }

    /**
     * The classification metrics under prefix, in this order: accuracy and macro F1 (over at least
     * two classes) when there are labels, then entity F1 when tag sequences are given (token
     * classification). What fine-tuning's evaluation and compare's feature heads both report.
     */
    public static void putClassification(Map<String, Object> m, String prefix, int[] gold, int[] pred, int numLabels,
                                         List<String[]> goldTags, List<String[]> predTags) {
        if (gold.length > 0) {
            m.put(prefix + "accuracy", Metrics.accuracy(gold, pred));
            m.put(prefix + "macro_f1", Metrics.macroF1(gold, pred, Math.max(numLabels, 2)));
        }
        if (goldTags != null) m.put(prefix + "entity_f1", Metrics.entityF1(goldTags, predTags));
    }


    /**
     * The index of the largest of n values from off (the first on ties).
     *
     * @param a values
     * @param off where they start
     * @param n how many
     * @return the index, 0..n-1
     */
    public static int argmax(float[] a, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (a[off + i] > a[off + best]) best = i;
        return best;
    }
}
