package roberta.kernels;

/**
 * Everything the model does to numbers, behind one interface: memory (tensors) and the
 * operations, each forward kernel with its backward beside it. The engine calls only this,
 * so the CPU (Vector API) and a GPU implementation are interchangeable.
 *
 * <p>Conventions: activations are [tokens, features] with the tokens of all sequences
 * packed one after another (no padding); weights use Hugging Face's layout (a Linear's
 * weight is [out, in]). Backward kernels ADD into gradient tensors (so shared weights and
 * residual branches accumulate) and skip a gradient passed as null. Inputs are valid when
 * they arrive (token ids inside the table, labels inside the classes): callers check them on
 * the host first, because a device kernel cannot report a bad index, only misbehave.
 */
public interface Backend extends AutoCloseable {
    String name();

    // ---- life of a device
    /**
     * Waits until every operation issued so far has finished. Operations may run
     * asynchronously (a GPU stream); reading values back ({@link #toHost}, a loss) waits by
     * itself, so this is for timing and for handing tensors between threads. CPU: nothing to wait for.
     */
    default void synchronize() {}

    /** Frees what the backend holds (device memory, streams, handles). CPU: nothing. */
    @Override
    default void close() {}

    // ---- memory
    Tensor zeros(int... shape);

    /** A tensor whose contents are unspecified, for outputs an operation overwrites entirely. */
    Tensor empty(int... shape);

    /** Hands a tensor back for reuse; the caller must not touch it again. */
    void release(Tensor t);

    Tensor fromHost(float[] data, int... shape);

    /** Like fromHost, but the backend may keep the array itself: the caller must not touch it again. */
    Tensor adopt(float[] data, int... shape);

    /**
     * Keeps a linear layer's weight [out, in] only in the form the forward pass reads, which
     * halves the memory of an inference-only model. Its values stay readable through
     * {@link #toHost}; it must not be trained afterwards.
     */
    void packForInference(Tensor weight);

    /**
     * A linear weight [out, in] made straight into the inference form from values the caller
     * keeps (a scratch buffer it may reuse at once): loading never holds two copies.
     */
    Tensor packedWeight(float[] values, int out, int in);

    /**
     * As {@link #packedWeight}, from half-precision bits that stay half in memory and are
     * widened exactly as the products read them.
     */
    Tensor packedHalfWeight(short[] bits, HalfFormat format, int out, int in);

    float[] toHost(Tensor t);

    /** Integers uploaded once (a batch's ids, positions, sequence layout, labels), read by the kernels that take an {@link IntTensor}. */
    IntTensor ints(int[] values);

    /** Hands integers back; the caller must not use them again. */
    void release(IntTensor t);

    /** Bytes of memory the tensor's values take in this backend (a half-precision weight: 2 per value). */
    long residentBytes(Tensor t);

    /** Overwrites a tensor's values from the host. */
    void copyFromHost(Tensor t, float[] data);

    void fill(Tensor t, float value);

    // ---- linear layer: out[n, out] = x[n, in] · w[out, in]^T + b[out]
    void linear(Tensor out, Tensor x, Tensor w, Tensor b);

    /**
     * dx (+)= dout · w, dw += doutᵀ · x, db += column sums of dout; any of the three may be null.
     * With accumulateDx false dx is overwritten (its old contents never read): a fresh
     * activation gradient needs no zero fill first.
     */
    void linearBackward(Tensor dx, Tensor dw, Tensor db, Tensor dout, Tensor x, Tensor w, boolean accumulateDx);

    // ---- embeddings: out[i] = table[ids[i]] (+= when accumulate)
    void embedding(Tensor out, Tensor table, IntTensor ids, boolean accumulate);

    /** dtable[ids[i]] += dout[i], except for rows equal to paddingIdx (as nn.Embedding's padding_idx; -1 for none). */
    void embeddingBackward(Tensor dtable, Tensor dout, IntTensor ids, int paddingIdx);

    // ---- element-wise
    void add(Tensor out, Tensor a, Tensor b);

    /** acc += x */
    void accumulate(Tensor acc, Tensor x);

    void scale(Tensor t, float s);

    double sumOfSquares(Tensor t);

    /**
     * The sum of squares over many tensors at once (gradient clipping's global norm): one
     * result to read back, not one per tensor, which on a GPU is one synchronisation per step.
     */
    default double sumOfSquares(java.util.List<Tensor> tensors) {
        double sum = 0;
        for (Tensor t : tensors) sum += sumOfSquares(t);
        return sum;
    }

    // ---- LayerNorm over the last dimension; saves mean and rstd ([rows]) for the backward
    void layerNorm(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor gamma, Tensor beta, float eps);

    /** dx (+)= the input's gradient (overwritten without accumulateDx), dgamma += and dbeta += theirs; any may be null. */
    void layerNormBackward(Tensor dx, Tensor dgamma, Tensor dbeta, Tensor dout, Tensor x, Tensor mean, Tensor rstd, Tensor gamma,
                           boolean accumulateDx);

    // ---- activations
    void gelu(Tensor out, Tensor x);

    /** dx (+)= dout * GELU'(x); with accumulate false dx is overwritten (a fresh gradient: no zero fill). */
    void geluBackward(Tensor dx, Tensor dout, Tensor x, boolean accumulate);

    void tanh(Tensor out, Tensor x);

    void tanhBackward(Tensor dx, Tensor dout, Tensor out);

    // ---- dropout: keep with probability 1-p and scale by 1/(1-p); mask saved for the backward
    void dropout(Tensor out, Tensor mask, Tensor x, float p, long seed);

    /** dx (+)= dout * mask (overwritten without accumulate). */
    void dropoutBackward(Tensor dx, Tensor dout, Tensor mask, boolean accumulate);

    // ---- rows: out[i] = x[rows[i]]
    void gatherRows(Tensor out, Tensor x, IntTensor rows);

    void gatherRowsBackward(Tensor dx, Tensor dout, IntTensor rows);

    // ---- multi-head self-attention over packed sequences
    /**
     * ctx[n, H] = softmax(q k^T / sqrt(d)) v per sequence and head, d = H / heads. probs
     * holds each sequence's [heads, len, len] block, one after another (size
     * {@link #attentionProbsSize}); probsDropped is the same after dropout (may be probs
     * itself when p = 0). probs and probsDropped may both be null when nothing will read them
     * (inference without attentions asked for, p = 0): the backend then keeps each head's
     * probabilities only as long as it needs them (or never forms them: a fused kernel).
     */
    void attention(Tensor ctx, Tensor probs, Tensor probsDropped, Tensor q, Tensor k, Tensor v,
                   IntTensor seqStart, IntTensor seqLen, int heads, float dropoutP, long seed);

    void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dctx, Tensor q, Tensor k, Tensor v,
                           Tensor probs, Tensor probsDropped, IntTensor seqStart, IntTensor seqLen, int heads, float dropoutP);

    /** Where each sequence's [heads, len, len] block starts in the probabilities buffer. */
    static int[] attentionProbOffsets(int[] seqLen, int heads) {
        int[] off = new int[seqLen.length];
        int o = 0;
        for (int s = 0; s < seqLen.length; s++) {
            off[s] = o;
            o += heads * seqLen[s] * seqLen[s];
        }
        return off;
    }

    static int attentionProbsSize(int[] seqLen, int heads) {
        long n = 0;
        for (int len : seqLen) n += (long) heads * len * len;
        return Math.toIntExact(n);
    }

    // ---- losses: return the mean loss and write its gradient w.r.t. the input into dlogits (may be null)
    /** Softmax cross-entropy over rows; rows whose label is ignoreIndex count for nothing. */
    double crossEntropy(Tensor dlogits, Tensor logits, IntTensor labels, int ignoreIndex);

    /** Mean squared error against targets [rows, cols]. */
    double mse(Tensor dpred, Tensor pred, float[] targets);

    /** Binary cross-entropy with logits against 0/1 targets [rows, cols]. */
    double bceWithLogits(Tensor dlogits, Tensor logits, float[] targets);

    // ---- optimizer
    /**
     * One AdamW step (decoupled weight decay) with bias correction at step t (1-based), on the
     * gradient times gradScale (gradient clipping's factor: 1 for none); with clearGrad the
     * gradient is zeroed as it is read, ready for the next step. Both fold what would be two
     * more passes over every gradient into the one the optimizer makes anyway.
     */
    void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps, float weightDecay, int t,
               float gradScale, boolean clearGrad);
}
