package roberta.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * The encoder run over many token sequences for their hidden states: sorted by length into
 * batches (so each batch packs similar lengths), one inference graph per batch, the chosen
 * layers copied out per sequence. What feature extraction, the feature cache and the Java
 * API's states() are built on.
 */
public final class HiddenStates {
    private HiddenStates() {}

    /**
     * Runs the encoder over token sequences, sorted by length into batches of batchSize, and
     * hands each sequence's selected states [len, width] to sink (in any order).
     */
    static void run(RobertaModel model, List<int[]> sequences, int batchSize, LayerSelection layers, Sink sink, IntConsumer progress) {
        run(model, sequences, batchSize, layers, false, sink, progress);
    }

    /**
     * As above; with firstTokenOnly (only the last layer selected), each sequence's {@code <s>}
     * state alone [1, width] (len 1), with the last layer run on those rows only (see
     * {@link RobertaModel#encode(Graph, PackedBatch, boolean, boolean, int[])}): what CLS pooling
     * and a sequence-classification feature head read.
     */
    static void run(RobertaModel model, List<int[]> sequences, int batchSize, LayerSelection layers, boolean firstTokenOnly, Sink sink,
                    IntConsumer progress) {
        if (firstTokenOnly && layers.needsAll(model.config().numHiddenLayers()))
            throw new IllegalArgumentException("only the last layer's <s> states can be computed alone, not layers " + layers.spec());
        Integer[] order = new Integer[sequences.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> sequences.get(i).length).reversed());
        int h = model.config().hiddenSize(), numLayers = model.config().numHiddenLayers();
        int width = layers.width(h);
        for (int b0 = 0; b0 < order.length; b0 += batchSize) {
            int b1 = Math.min(order.length, b0 + batchSize);
            List<int[]> batchSeqs = new ArrayList<>();
            for (int i = b0; i < b1; i++) batchSeqs.add(sequences.get(order[i]));
            PackedBatch batch = PackedBatch.of(batchSeqs, null, model.config().padTokenId(), model.config().maxPositionEmbeddings());
            List<float[]> selected = new ArrayList<>();
            try (Graph g = Graph.inference(model.backend())) {
                RobertaModel.EncoderOutput out = model.encode(g, batch, layers.needsAll(numLayers), false, firstTokenOnly ? batch.firstTokenRows() : null);
                for (int idx : layers.layers()) {
                    Var v = layers.needsAll(numLayers) ? out.hiddenStates().get(idx) : out.last();
                    selected.add(model.backend().toHost(v.value()));
                }
            }
            for (int s = 0; s < batchSeqs.size(); s++) {
                // with firstTokenOnly the states hold one row a sequence, in batch order
                int len = firstTokenOnly ? 1 : batch.seqLen[s], start = firstTokenOnly ? s : batch.seqStart[s];
                float[] states = new float[len * width];
                for (int t = 0; t < len; t++) {
                    for (int li = 0; li < selected.size(); li++) {
                        float[] src = selected.get(li);
                        if (layers.average()) {
                            for (int c = 0; c < h; c++) states[t * width + c] += src[(start + t) * h + c] / selected.size();
                        } else {
                            System.arraycopy(src, (start + t) * h, states, t * width + li * h, h);
                        }
                    }
                }
                sink.accept(order[b0 + s], states, len);
            }
            if (progress != null) progress.accept(b1 - b0);
        }
    }

    /** Receives one sequence's states [len, width]. */
    @FunctionalInterface
    public interface Sink {
        void accept(int index, float[] states, int len);
    }
}
