package roberta.engine.train;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Evaluation metrics, computed as scikit-learn / seqeval / SciPy define them. */
public final class Metrics {
    private Metrics() {}

    public static double accuracy(int[] gold, int[] pred) {
        int ok = 0;
        for (int i = 0; i < gold.length; i++) if (gold[i] == pred[i]) ok++;
        return gold.length == 0 ? 0 : (double) ok / gold.length;
    }

    /** Unweighted mean of per-class F1 over classes that occur in gold or predictions. */
    public static double macroF1(int[] gold, int[] pred, int classes) {
        double sum = 0;
        int counted = 0;
        for (int c = 0; c < classes; c++) {
            int tp = 0, fp = 0, fn = 0;
            for (int i = 0; i < gold.length; i++) {
                if (pred[i] == c && gold[i] == c) tp++;
                else if (pred[i] == c) fp++;
                else if (gold[i] == c) fn++;
            }
            if (tp + fp + fn == 0) continue;
            sum += 2.0 * tp / (2.0 * tp + fp + fn);
            counted++;
        }
        return counted == 0 ? 0 : sum / counted;
    }

    /**
     * Multi-label scores as scikit-learn computes them: accuracy is the share of examples whose
     * every label is right (subset accuracy, accuracy_score), macro-F1 the mean over the labels of
     * each label's F1 (f1_score average='macro'; a label neither true nor predicted anywhere counts 0).
     *
     * @param gold [examples][labels] of 0/1
     * @param pred the same shape
     * @return {accuracy, macro-F1}
     */
    public static double[] multiLabel(int[][] gold, int[][] pred) {
        if (gold.length == 0) return new double[] {0, 0};
        int k = gold[0].length, exact = 0;
        for (int i = 0; i < gold.length; i++) if (java.util.Arrays.equals(gold[i], pred[i])) exact++;
        double f1 = 0;
        for (int c = 0; c < k; c++) {
            int tp = 0, fp = 0, fn = 0;
            for (int i = 0; i < gold.length; i++) {
                if (pred[i][c] == 1 && gold[i][c] == 1) tp++;
                else if (pred[i][c] == 1) fp++;
                else if (gold[i][c] == 1) fn++;
            }
            if (tp + fp + fn > 0) f1 += 2.0 * tp / (2.0 * tp + fp + fn);
        }
        return new double[] {(double) exact / gold.length, f1 / k};
    }

    /** Entity-level (exact span and type) micro F1 over BIO-tagged sequences, as seqeval computes it. */
    public static double entityF1(List<String[]> gold, List<String[]> pred) {
        int tp = 0, goldCount = 0, predCount = 0;
        for (int s = 0; s < gold.size(); s++) {
            Set<String> g = entities(gold.get(s)), p = entities(pred.get(s));
            goldCount += g.size();
            predCount += p.size();
            for (String e : p) if (g.contains(e)) tp++;
        }
        if (tp == 0) return 0;
        double precision = (double) tp / predCount, recall = (double) tp / goldCount;
        return 2 * precision * recall / (precision + recall);
    }

    /** Spans "type:start:end" of a BIO (or IOB2) tag sequence; an I- without a matching B- starts a span too. */
    static Set<String> entities(String[] tags) {
        Set<String> out = new HashSet<>();
        String type = null;
        int start = -1;
        for (int i = 0; i <= tags.length; i++) {
            String t = i < tags.length ? tags[i] : "O";
            String prefix = t.length() > 1 && t.charAt(1) == '-' ? t.substring(0, 1) : (t.equals("O") ? "O" : "B");
            String ty = t.length() > 2 && t.charAt(1) == '-' ? t.substring(2) : t;
            boolean continues = prefix.equals("I") && ty.equals(type);
            if (type != null && !continues) {
                out.add(type + ":" + start + ":" + i);
                type = null;
            }
            if (!prefix.equals("O") && !continues) {
                type = ty;
                start = i;
            }
        }
        return out;
    }

    public static double pearson(double[] x, double[] y) {
        double mx = mean(x), my = mean(y), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? 0 : sxy / Math.sqrt(sxx * syy);
    }

    /** Pearson correlation of ranks (ties get their average rank). */
    public static double spearman(double[] x, double[] y) {
        return pearson(ranks(x), ranks(y));
    }

    static double[] ranks(double[] v) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < v.length; i++) idx[i] = i;
        java.util.Arrays.sort(idx, (a, b) -> Double.compare(v[a], v[b]));
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; ) {
            int j = i;
            while (j + 1 < v.length && v[idx[j + 1]] == v[idx[i]]) j++;
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) r[idx[k]] = rank;
            i = j + 1;
        }
        return r;
    }

    private static double mean(double[] a) {
        double s = 0;
        for (double v : a) s += v;
        return a.length == 0 ? 0 : s / a.length;
    }

    /** Rounds for logs. */
    static Map<String, Object> rounded(Map<String, Object> m) {
        m.replaceAll((k, v) -> v instanceof Double d ? Math.round(d * 1e6) / 1e6 : v);
        return m;
    }
}
