package roberta.engine;

import roberta.kernels.Backend;
import roberta.kernels.IntTensor;
import roberta.kernels.Tensor;

/**
 * The operations the model is written in. Each computes its forward with the backend and,
 * when a tape is present and an input needs a gradient, records its backward beside it (on
 * the {@link Tape}); the memory they make belongs to the graph's {@link Scope}.
 * Without a tape (inference) nothing is recorded. Dropout is active only in training mode;
 * its random numbers come from (seed, call counter), so a run is reproducible.
 */
public final class Graph implements AutoCloseable {
    final Backend be;
    final Tape tape;
    final boolean training;
    private final long seed;
    private long calls;
    /** The memory this graph's operations made (released on close). */
    private final Scope scope;

    Graph(Backend be, Tape tape, boolean training, long seed) {
        this.be = be;
        this.tape = tape;
        this.training = training;
        this.seed = seed;
        this.scope = new Scope(be);
    }

    /** A tensor for an operation's output (overwritten entirely), returned to the backend on close. */
    private Tensor alloc(int... shape) {
        return scope.empty(shape);
    }

    /**
     * The gradient of v, created as zeros on first use (owned by this graph); parameters keep
     * theirs across steps. Null when v needs no gradient.
     */
    Tensor gradient(Var v) {
        return grad(v);
    }

    private Tensor grad(Var v) {
        if (v == null || !v.needsGrad()) return null;
        if (v instanceof Param) return v.gradFor(be);
        if (v.grad == null) v.grad = scope.zeros(v.value.shape());
        return v.grad;
    }

    /** Host values as a graph input that needs no gradient (cached features), released with the graph. */
    Var constant(float[] values, int... shape) {
        return new Var(scope.own(be.fromHost(values, shape)), false);
    }

    private void capture(Tensor... ts) {
        scope.capture(ts);
    }

    /** Floats the recorded backward steps hold (activations kept for the backward pass). */
    long capturedFloats() {
        return scope.capturedFloats();
    }

    /** A position in the allocation list, for {@link #releaseSince}. */
    int mark() {
        return scope.mark();
    }

    /** See {@link Scope#releaseSince}: a layer's scratch goes back unless a backward step needs it. */
    void releaseSince(int mark, java.util.Collection<Var> keep) {
        scope.releaseSince(mark, keep);
    }

    /** The backend's copy of host integers, uploaded the first time this graph uses that array. */
    IntTensor ints(int[] host) {
        return scope.ints(host);
    }

    /** Gives every intermediate tensor back to the backend: copy out what you need first. */
    @Override
    public void close() {
        scope.close();
    }

    /** Inference: no tape, no dropout. */
    static Graph inference(Backend be) {
        return new Graph(be, null, false, 0);
    }

    private boolean recording(Var... inputs) {
        if (tape == null) return false;
        for (Var v : inputs) if (v != null && v.needsGrad()) return true;
        return false;
    }

    private Var out(Tensor t, boolean recording) {
        return new Var(t, recording);
    }

    private long nextSeed() {
        return seed * 0x9E3779B97F4A7C15L + (++calls) * 0xD1B54A32D192ED03L;
    }

    /** x[n, in] · w[out, in]^T + b */
    Var linear(Var x, Param w, Param b) {
        boolean rec = recording(x, w, b);
        Var y = out(alloc(x.value.rows(), w.value.dim(0)), rec);
        be.linear(y.value, x.value, w.value, b == null ? null : b.value);
        if (rec) capture(x.value);
        if (rec) tape.record(() -> {
            if (y.grad == null) return;
            boolean fresh = freshGradient(x); // the first contribution to x's gradient writes it: no zero fill
            be.linearBackward(fresh ? x.grad : grad(x), grad(w), b == null ? null : grad(b), y.grad, x.value, w.value, !fresh);
        });
        return y;
    }

    /**
     * When v (an activation, not a parameter) needs a gradient and has none yet: gives it an
     * uninitialised one and returns true, so the caller overwrites it instead of adding into
     * zeros. Otherwise false (then {@link #grad} gives the tensor to add into, or null).
     */
    private boolean freshGradient(Var v) {
        if (v == null || !v.needsGrad() || v instanceof Param || v.grad != null) return false;
        v.grad = alloc(v.value.shape());
        return true;
    }

    /**
     * gelu(x · w^T + b). Recording, the two ops as usual; in inference the GELU overwrites the
     * product, which nothing else sees, so the [n, out] buffer (the feed-forward's widest) exists once.
     */
    Var linearGelu(Var x, Param w, Param b) {
        Var y = linear(x, w, b);
        if (y.needsGrad()) return gelu(y);
        be.gelu(y.value, y.value);
        return y;
    }

    /** word[ids] + position[positionIds] + tokenType[0]: RoBERTa's three embeddings summed. */
    Var embeddings(Param word, Param position, Param tokenType, int[] ids, int[] positionIds, int[] typeIds, int padId) {
        boolean rec = recording(word, position, tokenType);
        Var y = out(alloc(ids.length, word.value.cols()), rec);
        IntTensor dIds = ints(ids), dPositions = ints(positionIds), dTypes = ints(typeIds);
        be.embedding(y.value, word.value, dIds, false);
        be.embedding(y.value, position.value, dPositions, true);
        be.embedding(y.value, tokenType.value, dTypes, true);
        if (rec) tape.record(() -> {
            if (y.grad == null) return;
            // word and position tables have padding_idx = pad: that row gets no gradient
            if (word.needsGrad()) be.embeddingBackward(grad(word), y.grad, dIds, padId);
            if (position.needsGrad()) be.embeddingBackward(grad(position), y.grad, dPositions, padId);
            if (tokenType.needsGrad()) be.embeddingBackward(grad(tokenType), y.grad, dTypes, -1);
        });
        return y;
    }

    Var add(Var a, Var b) {
        boolean rec = recording(a, b);
        Var y = out(alloc(a.value.shape()), rec);
        be.add(y.value, a.value, b.value);
        if (rec) tape.record(() -> {
            if (y.grad == null) return;
            if (a.needsGrad()) be.accumulate(grad(a), y.grad);
            if (b.needsGrad()) be.accumulate(grad(b), y.grad);
        });
        return y;
    }

    /**
     * a + s·b, where a and b are fresh outputs used nowhere else (a LoRA branch added to its base
     * linear): b is scaled in place, and in inference the sum overwrites a. Backward: da += dy,
     * db = s·dy (b's gradient starts at zero, being used only here).
     */
    Var addScaled(Var a, Var b, float s) {
        be.scale(b.value, s);
        if (!recording(a, b)) {
            be.add(a.value, a.value, b.value);
            return a;
        }
        Var y = out(alloc(a.value.shape()), true);
        be.add(y.value, a.value, b.value);
        tape.record(() -> {
            if (y.grad == null) return;
            if (a.needsGrad()) be.accumulate(grad(a), y.grad);
            if (b.needsGrad()) {
                Tensor db = grad(b);
                be.accumulate(db, y.grad);
                be.scale(db, s);
            }
        });
        return y;
    }

    /**
     * sublayer + x, the residual connection. sublayer must be a fresh output used nowhere else:
     * in inference the sum overwrites it instead of taking another buffer.
     */
    Var residual(Var sublayer, Var x) {
        if (recording(sublayer, x)) return add(sublayer, x);
        be.add(sublayer.value, sublayer.value, x.value);
        return sublayer;
    }

    Var layerNorm(Var x, Param gamma, Param beta, float eps) {
        boolean rec = recording(x, gamma, beta);
        int rows = x.value.rows();
        Var y = out(alloc(x.value.shape()), rec);
        Tensor mean = rec ? alloc(rows) : null, rstd = rec ? alloc(rows) : null;
        be.layerNorm(y.value, mean, rstd, x.value, gamma.value, beta.value, eps);
        if (rec) capture(x.value, mean, rstd);
        if (rec) tape.record(() -> {
            if (y.grad == null) return;
            boolean fresh = freshGradient(x);
            be.layerNormBackward(fresh ? x.grad : grad(x), grad(gamma), grad(beta), y.grad, x.value, mean, rstd, gamma.value, !fresh);
        });
        return y;
    }

    Var gelu(Var x) {
        boolean rec = recording(x);
        Var y = out(alloc(x.value.shape()), rec);
        be.gelu(y.value, x.value);
        if (rec) capture(x.value);
        if (rec) tape.record(() -> {
            if (y.grad == null) return;
            boolean fresh = freshGradient(x);
            be.geluBackward(fresh ? x.grad : grad(x), y.grad, x.value, !fresh);
        });
        return y;
    }

    Var tanh(Var x) {
        boolean rec = recording(x);
        Var y = out(alloc(x.value.shape()), rec);
        be.tanh(y.value, x.value);
        if (rec) capture(y.value);
        if (rec) tape.record(() -> {
            if (y.grad != null) be.tanhBackward(grad(x), y.grad, y.value);
        });
        return y;
    }

    Var dropout(Var x, float p) {
        if (!training || p <= 0) return x;
        boolean rec = recording(x);
        Var y = out(alloc(x.value.shape()), rec);
        Tensor mask = alloc(x.value.shape());
        be.dropout(y.value, mask, x.value, p, nextSeed());
        if (rec) capture(mask);
        if (rec) tape.record(() -> {
            if (y.grad == null) return;
            boolean fresh = freshGradient(x);
            be.dropoutBackward(fresh ? x.grad : grad(x), y.grad, mask, !fresh);
        });
        return y;
    }

    /** Rows of x, e.g. the {@code <s>} token of each sequence. */
    Var gatherRows(Var x, int[] rows) {
        boolean rec = recording(x);
        Var y = out(alloc(rows.length, x.value.cols()), rec);
        IntTensor dRows = ints(rows);
        be.gatherRows(y.value, x.value, dRows);
        if (rec) tape.record(() -> {
            if (y.grad != null) be.gatherRowsBackward(grad(x), y.grad, dRows);
        });
        return y;
    }

    /** Attention context and its probabilities ([heads, len, len] per sequence, packed; null unless kept). */
    record Attention(Var context, Tensor probs) {}

    /**
     * softmax(q·kᵀ/√d)·v per sequence and head. The probabilities are materialised only when
     * something reads them: the backward pass, dropout, or keepProbs (output_attentions).
     */
    Attention attention(Var q, Var k, Var v, PackedBatch batch, int heads, float dropoutP, boolean keepProbs) {
        boolean rec = recording(q, k, v);
        float p = training ? dropoutP : 0f;
        boolean materialise = rec || keepProbs || p > 0;
        int probsSize = Backend.attentionProbsSize(batch.seqLen, heads);
        Tensor probs = materialise ? alloc(probsSize) : null;
        Tensor dropped = p > 0 ? alloc(probsSize) : probs;
        Var ctx = out(alloc(q.value.shape()), rec);
        IntTensor starts = ints(batch.seqStart), lengths = ints(batch.seqLen);
        be.attention(ctx.value, probs, dropped, q.value, k.value, v.value, starts, lengths, heads, p, nextSeed());
        if (rec) capture(q.value, k.value, v.value, probs, dropped);
        if (rec) tape.record(() -> {
            if (ctx.grad == null) return;
            be.attentionBackward(grad(q), grad(k), grad(v), ctx.grad, q.value, k.value, v.value,
                    probs, dropped, starts, lengths, heads, p);
        });
        return new Attention(ctx, probs);
    }
}
