package roberta.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import roberta.engine.train.Example;
import roberta.engine.train.Task;

/**
 * Every layer's features of a frozen encoder, computed once (eval mode, no dropout), for heads
 * trained on them: the question "freeze or tune?" starts here. A row holds layers x H floats,
 * layer 0 being the embeddings' output (as transformers' hidden_states[0]) and layer L the last.
 * For sequence classification there are two rows per example: the {@code <s>} token's states of
 * the last layer alone [H] (what a classification head reads), and the mean over the sequence's
 * tokens of every layer (as sentence-transformers' mean pooling: every token, the special ones
 * included); for token classification one row per labelled token.
 *
 * @param layers layers per row (num_hidden_layers + 1)
 * @param hidden H
 * @param cls per example, the {@code <s>} token's last-layer states [H] (sequence classification; else empty)
 * @param mean per example, the mean over its tokens [layers * H] (sequence classification; else empty)
 * @param tokens per labelled token, its states [layers * H] (token classification; else empty)
 * @param labels per row: the class (of the example, or of the token)
 * @param sequenceOf per row: the example it came from
 * @param seconds how long the encoder took
 */
public record LayerFeatures(int layers, int hidden, List<float[]> cls, List<float[]> mean, List<float[]> tokens,
                            int[] labels, int[] sequenceOf, double seconds) {

    /** Layers in each row of a pooling: 1 for "cls" (the last layer only), all of them otherwise. */
    public int layersIn(String pooling) {
        return pooling.equals("cls") ? 1 : layers;
    }

    /** Rows for a pooling: "cls" or "mean" (sequence classification), "token" (token classification). */
    public List<float[]> rows(String pooling) {
        return switch (pooling) {
            case "cls" -> cls;
            case "mean" -> mean;
            case "token" -> tokens;
            default -> throw new IllegalArgumentException("unknown feature pooling " + pooling);
        };
    }

    /** Examples scored per second of encoder time. */
    public double secondsPerExample(int examples) {
        return examples == 0 ? 0 : seconds / examples;
    }

    /** As {@link #of(RobertaModel, List, Task, int, IntConsumer)}, with a progress bar named what (sequences done). */
    public static LayerFeatures of(RobertaModel model, List<Example> examples, Task task, int batchSize, Listener listener, String what) {
        try (ProgressReport bar = new ProgressReport(listener, what, examples.size(), "seq")) {
            return of(model, examples, task, batchSize, bar::advance);
        }
    }

    /** Runs the model's encoder over the examples and keeps every layer's features. */
    public static LayerFeatures of(RobertaModel model, List<Example> examples, Task task, int batchSize, IntConsumer progress) {
        if (task != Task.SEQ_CLS && task != Task.TOKEN_CLS) throw new IllegalArgumentException("layer features are for seq-cls and token-cls, not " + task);
        int h = model.config().hiddenSize(), layers = model.config().numHiddenLayers() + 1;
        LayerSelection all = LayerSelection.parse("all", layers - 1);
        int n = examples.size();
        float[][] cls = new float[n][], mean = new float[n][];
        List<List<float[]>> tokenRows = new ArrayList<>();
        List<List<Integer>> tokenLabels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            tokenRows.add(null);
            tokenLabels.add(null);
        }
        long t0 = System.nanoTime();
        // states arrive as [len, layers * H]: token t, layer l at t * layers * H + l * H
        HiddenStates.run(model, examples.stream().map(Example::ids).toList(), batchSize, all, (i, states, len) -> {
            int w = layers * h;
            if (task == Task.SEQ_CLS) {
                cls[i] = java.util.Arrays.copyOfRange(states, (layers - 1) * h, w);
                float[] m = new float[w];
                for (int t = 0; t < len; t++) for (int c = 0; c < w; c++) m[c] += states[t * w + c];
                for (int c = 0; c < w; c++) m[c] /= len;
                mean[i] = m;
            } else {
                int[] tl = examples.get(i).tokenLabels();
                List<float[]> rows = new ArrayList<>();
                List<Integer> ls = new ArrayList<>();
                for (int t = 0; t < len && t < tl.length; t++) {
                    if (tl[t] == Example.IGNORE) continue;
                    rows.add(java.util.Arrays.copyOfRange(states, t * w, (t + 1) * w));
                    ls.add(tl[t]);
                }
                tokenRows.set(i, rows);
                tokenLabels.set(i, ls);
            }
        }, progress);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (task == Task.SEQ_CLS) {
            int[] labels = new int[n], seq = new int[n];
            for (int i = 0; i < n; i++) {
                if (examples.get(i).values() != null)
                    throw new IllegalArgumentException("line " + examples.get(i).line() + ": heads on frozen features here classify one label per example; this example has values (regression or multi-label)");
                labels[i] = examples.get(i).label();
                seq[i] = i;
            }
            return new LayerFeatures(layers, h, List.of(cls), List.of(mean), List.of(), labels, seq, seconds);
        }
        List<float[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>(), seq = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.addAll(tokenRows.get(i));
            labels.addAll(tokenLabels.get(i));
            for (int k = 0; k < tokenRows.get(i).size(); k++) seq.add(i);
        }
        return new LayerFeatures(layers, h, List.of(), List.of(), rows, labels.stream().mapToInt(x -> x).toArray(),
                seq.stream().mapToInt(x -> x).toArray(), seconds);
    }
}
