package roberta.kernels;

/** Losses fused with their gradient, as PyTorch defines them (mean reduction). */
final class Losses {
    private Losses() {}

    static double crossEntropy(float[] dlogits, float[] logits, int rows, int cols, int[] labels, int ignoreIndex) {
        int count = 0;
        for (int r = 0; r < rows; r++) {
            if (labels[r] != ignoreIndex) count++; // labels are in [0, cols): callers validate

        }
        if (dlogits != null) java.util.Arrays.fill(dlogits, 0, rows * cols, 0f);
        if (count == 0) return 0;
        double total = 0;
        for (int r = 0; r < rows; r++) {
            if (labels[r] == ignoreIndex) continue;
            int o = r * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) max = Math.max(max, logits[o + c]);
            double sum = 0;
            for (int c = 0; c < cols; c++) sum += Math.exp(logits[o + c] - max);
            double logZ = max + Math.log(sum);
            total += logZ - logits[o + labels[r]];
            if (dlogits != null) {
                for (int c = 0; c < cols; c++) dlogits[o + c] = (float) (Math.exp(logits[o + c] - logZ) / count);
                dlogits[o + labels[r]] -= 1f / count;
            }
        }
        return total / count;
    }

    static double mse(float[] dpred, float[] pred, float[] target, int n) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            double diff = pred[i] - target[i];
            total += diff * diff;
            if (dpred != null) dpred[i] = (float) (2 * diff / n);
        }
        return total / n;
    }

    static double bceWithLogits(float[] dlogits, float[] logits, float[] target, int n) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            double x = logits[i], y = target[i];
            // max(x,0) - x*y + log(1 + exp(-|x|)): stable for any x
            total += Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
            if (dlogits != null) dlogits[i] = (float) ((1 / (1 + Math.exp(-x)) - y) / n);
        }
        return total / n;
    }
}
