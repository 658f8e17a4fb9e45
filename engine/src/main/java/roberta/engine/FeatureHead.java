package roberta.engine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import roberta.kernels.CpuBackend;
import roberta.loader.SafetensorsWriter;

/**
 * A classification head trained on features of a frozen encoder ({@link LayerFeatures}): pure
 * feature extraction, with the encoder run once and never again. Two shapes, those of the heads
 * transformers puts on RoBERTa: {@link Shape#CLASSIFICATION} (RobertaClassificationHead:
 * dropout, dense H->H, tanh, dropout, out_proj H->C) and {@link Shape#LINEAR}
 * (RobertaForTokenClassification: dropout, linear H->C). With {@code mix} the input is the
 * scalar mix Peters et al. used, gamma · Σ_j softmax(s)_j · x_j over every layer j (AllenNLP's
 * ScalarMix: s starts at zeros, gamma at 1); without, the row's last layer. Trained with the
 * fine-tuner's recipe: AdamW (decay on the matrices only), linear warmup then decay, global norm
 * clipping, seeded dropout and shuffling. Plain Java, forward and backward side by side: the
 * head is small (H² + C·H weights) next to the encoder that made its features.
 */
public final class FeatureHead {
    /** The head's layers. */
    public enum Shape { CLASSIFICATION, LINEAR }

    /** Training settings: the fine-tuner's defaults apart from the learning rate and epochs a head wants. */
    public record Options(int epochs, float lr, int batchSize, float warmup, float weightDecay, float clipNorm, float dropout, long seed) {
        public Options {
            if (epochs < 1 || batchSize < 1) throw new IllegalArgumentException("epochs and batch size must be >= 1");
            if (!(lr > 0)) throw new IllegalArgumentException("learning rate must be > 0");
            if (dropout < 0 || dropout >= 1) throw new IllegalArgumentException("dropout must be in [0, 1)");
        }
    }

    /** A tensor with its gradient and AdamW moments; shape as safetensors stores it. */
    private static final class P {
        final String name;
        final long[] shape;
        final float[] value, grad, m, v;
        final boolean decay;

        P(String name, boolean decay, long... shape) {
            this.name = name;
            this.shape = shape;
            this.decay = decay;
            long n = 1;
            for (long d : shape) n *= d;
            value = new float[(int) n];
            grad = new float[(int) n];
            m = new float[(int) n];
            v = new float[(int) n];
        }
    }

    final Shape shape;
    final int layers, hidden, classes;
    final boolean mix;
    private final List<P> params = new ArrayList<>();
    // CLASSIFICATION: dense [H, H] + out_proj [C, H]; LINEAR: out_proj only (named classifier.weight)
    private final P dense, denseBias, out, outBias, mixScalars, mixGamma;

    /**
     * A freshly initialised head as transformers' _init_weights makes one: normal(0, 0.02)
     * matrices, zero biases.
     *
     * @param shape the head's layers
     * @param layers layers in each feature row (1: the row is one layer's states)
     * @param hidden H
     * @param classes C
     * @param mix learn a scalar mix over the row's layers (else read its last layer)
     * @param seed seeds the initial weights
     */
    public FeatureHead(Shape shape, int layers, int hidden, int classes, boolean mix, long seed) {
        if (classes < 2) throw new IllegalArgumentException("a classification head needs at least 2 classes, got " + classes);
        this.shape = shape;
        this.layers = layers;
        this.hidden = hidden;
        this.classes = classes;
        this.mix = mix && layers > 1;
        String prefix = shape == Shape.CLASSIFICATION ? "classifier.out_proj." : "classifier.";
        dense = shape == Shape.CLASSIFICATION ? add(new P("classifier.dense.weight", true, hidden, hidden)) : null;
        denseBias = shape == Shape.CLASSIFICATION ? add(new P("classifier.dense.bias", false, hidden)) : null;
        out = add(new P(prefix + "weight", true, classes, hidden));
        outBias = add(new P(prefix + "bias", false, classes));
        mixScalars = this.mix ? add(new P("scalar_mix.scalar_parameters", false, layers)) : null;
        mixGamma = this.mix ? add(new P("scalar_mix.gamma", false, 1)) : null;
        if (this.mix) mixGamma.value[0] = 1f;
        SplittableRandom rng = new SplittableRandom(seed);
        for (P p : java.util.stream.Stream.of(dense, out).filter(java.util.Objects::nonNull).toList())
            for (int i = 0; i < p.value.length; i++) p.value[i] = (float) (rng.nextGaussian() * 0.02);
    }

    private P add(P p) {
        params.add(p);
        return p;
    }

    /** Trainable values: the head's weights and biases, and the mix's layers + 1 scalars. */
    public long parameterCount() {
        return params.stream().mapToLong(p -> p.value.length).sum();
    }

    /** The mix's weights softmax(s) over layers (null without a mix): which layers the head reads. */
    public float[] layerWeights() {
        return mix ? softmax(mixScalars.value) : null;
    }

    // ------------------------------------------------------------------ forward and backward

    /** One row's activations, kept for its backward. */
    private final class Row {
        final float[] x = new float[hidden];       // the head's input: mixed or last layer
        final float[] xDrop = new float[hidden];   // after dropout
        final float[] xMask = new float[hidden];   // dropout's scale per element (0 or 1/(1-p))
        final float[] h = new float[hidden];       // tanh(dense) (CLASSIFICATION)
        final float[] hDrop = new float[hidden];
        final float[] hMask = new float[hidden];
        final float[] logits = new float[classes];
    }

    /** The input of the head from a row [layers * H]. */
    private void input(float[] row, float[] a, float[] x) {
        if (!mix) {
            System.arraycopy(row, (layers - 1) * hidden, x, 0, hidden);
            return;
        }
        // x = gamma · Σ_j a_j row_j
        java.util.Arrays.fill(x, 0f);
        for (int j = 0; j < layers; j++) {
            float w = mixGamma.value[0] * a[j];
            for (int c = 0; c < hidden; c++) x[c] += w * row[j * hidden + c];
        }
    }

    private static void dropout(float[] in, float[] out, float[] mask, float p, SplittableRandom rng) {
        for (int i = 0; i < in.length; i++) {
            mask[i] = rng == null || p == 0 ? 1f : rng.nextDouble() < p ? 0f : 1f / (1f - p);
            out[i] = in[i] * mask[i];
        }
    }

    /** y[o] = b[o] + Σ_i w[o, i] x[i] */
    private static void affine(float[] w, float[] b, float[] x, float[] y) {
        int in = x.length;
        for (int o = 0; o < y.length; o++) {
            float s = b[o];
            for (int i = 0; i < in; i++) s += w[o * in + i] * x[i];
            y[o] = s;
        }
    }

    /** Forward of one row; rng null is eval mode (no dropout). */
    private Row forward(float[] featureRow, float[] a, float p, SplittableRandom rng) {
        Row r = new Row();
        input(featureRow, a, r.x);
        dropout(r.x, r.xDrop, r.xMask, p, rng);
        if (shape == Shape.CLASSIFICATION) {
            affine(dense.value, denseBias.value, r.xDrop, r.h);
            for (int c = 0; c < hidden; c++) r.h[c] = (float) StrictMath.tanh(r.h[c]);
            dropout(r.h, r.hDrop, r.hMask, p, rng);
            affine(out.value, outBias.value, r.hDrop, r.logits);
        } else {
            affine(out.value, outBias.value, r.xDrop, r.logits);
        }
        return r;
    }

    /**
     * Backward of one row from dLogits, accumulating into the gradients. featureRow and a are
     * the forward's; the chain: out_proj, dropout, tanh, dense, dropout, mix.
     */
    private void backward(Row r, float[] dLogits, float[] featureRow, float[] a) {
        float[] in = shape == Shape.CLASSIFICATION ? r.hDrop : r.xDrop;
        float[] dIn = new float[hidden];
        for (int o = 0; o < classes; o++) {
            float g = dLogits[o];
            outBias.grad[o] += g;
            for (int i = 0; i < hidden; i++) {
                out.grad[o * hidden + i] += g * in[i];
                dIn[i] += g * out.value[o * hidden + i];
            }
        }
        float[] dx;
        if (shape == Shape.CLASSIFICATION) {
            // through dropout and tanh: dz = dhDrop · mask · (1 - h²)
            float[] dz = new float[hidden];
            for (int c = 0; c < hidden; c++) dz[c] = dIn[c] * r.hMask[c] * (1f - r.h[c] * r.h[c]);
            dx = new float[hidden];
            for (int o = 0; o < hidden; o++) {
                float g = dz[o];
                denseBias.grad[o] += g;
                if (g == 0f) continue;
                for (int i = 0; i < hidden; i++) {
                    dense.grad[o * hidden + i] += g * r.xDrop[i];
                    dx[i] += g * dense.value[o * hidden + i];
                }
            }
        } else {
            dx = dIn;
        }
        if (!mix) return;
        for (int c = 0; c < hidden; c++) dx[c] *= r.xMask[c];
        // x = gamma · Σ_j a_j row_j:  dgamma = Σ_c dx_c Σ_j a_j row_jc;  da_j = gamma Σ_c dx_c row_jc
        float gamma = mixGamma.value[0];
        float[] da = new float[layers];
        double dGamma = 0;
        for (int j = 0; j < layers; j++) {
            double s = 0;
            for (int c = 0; c < hidden; c++) s += dx[c] * featureRow[j * hidden + c];
            da[j] = (float) (gamma * s);
            dGamma += a[j] * s;
        }
        mixGamma.grad[0] += (float) dGamma;
        // softmax backward: ds_k = a_k (da_k - Σ_j a_j da_j)
        double dot = 0;
        for (int j = 0; j < layers; j++) dot += a[j] * da[j];
        for (int k = 0; k < layers; k++) mixScalars.grad[k] += (float) (a[k] * (da[k] - dot));
    }

    static float[] softmax(float[] s) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : s) max = Math.max(max, v);
        float[] e = new float[s.length];
        double sum = 0;
        for (int i = 0; i < s.length; i++) sum += e[i] = (float) Math.exp(s[i] - max);
        for (int i = 0; i < s.length; i++) e[i] /= (float) sum;
        return e;
    }

    /**
     * Mean cross-entropy of a batch of rows, gradients accumulated (scaled by 1/batch) when
     * train; rng null is eval mode.
     */
    double lossAndGradients(List<float[]> rows, int[] labels, int[] batch, float p, SplittableRandom rng, boolean train) {
        float[] a = mix ? softmax(mixScalars.value) : null;
        double loss = 0;
        for (int idx : batch) {
            Row r = forward(rows.get(idx), a, p, rng);
            float[] prob = softmax(r.logits);
            int y = labels[idx];
            loss -= Math.log(Math.max(prob[y], 1e-30f));
            if (!train) continue;
            float[] d = new float[classes];
            for (int c = 0; c < classes; c++) d[c] = (prob[c] - (c == y ? 1f : 0f)) / batch.length;
            backward(r, d, rows.get(idx), a);
        }
        return loss / batch.length;
    }

    /**
     * Trains on rows with their labels; each epoch reports its mean training loss.
     *
     * @param rows feature rows [layers * H]
     * @param labels a class per row
     * @param o the settings
     * @param epochEnd called after each epoch with (epoch, mean training loss); may be null
     */
    public void train(List<float[]> rows, int[] labels, Options o, java.util.function.ObjIntConsumer<Double> epochEnd) {
        if (rows.isEmpty()) throw new IllegalArgumentException("no training rows");
        int n = rows.size();
        int batches = (n + o.batchSize() - 1) / o.batchSize(), total = batches * o.epochs();
        int warmup = o.warmup() >= 1 ? (int) o.warmup() : (int) Math.ceil(o.warmup() * total);
        int step = 0;
        SplittableRandom dropoutRng = new SplittableRandom(o.seed() * 0x9E3779B97F4A7C15L + 1);
        for (int epoch = 0; epoch < o.epochs(); epoch++) {
            int[] order = Trainer.shuffled(n, o.seed(), epoch);
            double lossSum = 0;
            for (int b = 0; b < batches; b++) {
                int[] batch = java.util.Arrays.copyOfRange(order, b * o.batchSize(), Math.min(n, (b + 1) * o.batchSize()));
                lossSum += lossAndGradients(rows, labels, batch, o.dropout(), dropoutRng, true);
                update(o, o.lr() * LearningRates.schedule(step, warmup, total), step + 1);
                step++;
            }
            if (epochEnd != null) epochEnd.accept(lossSum / batches, epoch + 1);
        }
    }

    /** Clip by the global norm, then AdamW (as the fine-tuner's kernel: bias-corrected, decoupled decay); gradients zeroed. */
    private void update(Options o, float lr, int t) {
        double sq = 0;
        for (P p : params) for (float g : p.grad) sq += (double) g * g;
        double norm = Math.sqrt(sq);
        float clip = o.clipNorm() > 0 && norm > o.clipNorm() ? (float) (o.clipNorm() / (norm + 1e-6)) : 1f;
        for (P p : params)
            CpuBackend.adamw(p.value, p.grad, p.m, p.v, lr, 0.9f, 0.999f, 1e-8f, p.decay ? o.weightDecay() : 0f, t, clip, true);
    }

    /** Logits of every row, eval mode: [rows][C]. */
    public float[][] logits(List<float[]> rows) {
        float[] a = mix ? softmax(mixScalars.value) : null;
        float[][] out = new float[rows.size()][];
        for (int i = 0; i < rows.size(); i++) out[i] = forward(rows.get(i), a, 0f, null).logits;
        return out;
    }

    /** Mean cross-entropy over rows, eval mode. */
    public double loss(List<float[]> rows, int[] labels) {
        int[] all = new int[rows.size()];
        for (int i = 0; i < all.length; i++) all[i] = i;
        return lossAndGradients(rows, labels, all, 0f, null, false);
    }

    /** Writes the head's tensors under transformers' names (and the mix under AllenNLP's) as safetensors, atomically. */
    public void save(Path file) {
        SafetensorsWriter w = new SafetensorsWriter();
        for (P p : params) w.addFloats(p.name, p.value, p.shape);
        w.write(file);
    }

    // for tests: the parameters by name, and the gradient of a batch

    float[] value(String name) {
        return params.stream().filter(p -> p.name.equals(name)).findFirst().orElseThrow().value;
    }

    float[] grad(String name) {
        return params.stream().filter(p -> p.name.equals(name)).findFirst().orElseThrow().grad;
    }

    List<String> names() {
        return params.stream().map(p -> p.name).toList();
    }
}
