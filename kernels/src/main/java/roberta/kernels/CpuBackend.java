package roberta.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** The CPU backend: Java arrays, Vector API kernels, one fixed thread pool. */
public final class CpuBackend implements Backend {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    public static final CpuBackend INSTANCE = new CpuBackend();

    private CpuBackend() {
        this(Long.getLong("roberta.poolMegabytes", Runtime.getRuntime().maxMemory() / 2 / 1024 / 1024) * 1024 * 1024 / 4);
    }

    /** A backend whose pool holds at most {@code poolLimitFloats} (tests; everyone else shares {@link #INSTANCE}). */
    CpuBackend(long poolLimitFloats) {
        this.poolLimitFloats = poolLimitFloats;
    }

    @Override
    public String name() {
        return "cpu (" + S.vectorBitSize() + "-bit vectors, " + Parallel.threads() + " threads" + (Gemm.SCALAR ? ", scalar" : "") + ")";
    }

    static float[] d(Tensor t) {
        if (t == null) return null;
        CpuTensor c = (CpuTensor) t;
        return c.data != null ? c.data : Gemm.unpackTransposed(c.packedOnly); // rare: reading a packed-only weight
    }

    @Override
    public Tensor adopt(float[] data, int... shape) {
        return new CpuTensor(data, shape);
    }

    @Override
    public Tensor packedWeight(float[] values, int out, int in) {
        return CpuTensor.packed(Gemm.packBOnce(true, in, out, values, 0, in), out, in);
    }

    @Override
    public long residentBytes(Tensor t) {
        CpuTensor c = (CpuTensor) t;
        return c.data != null ? 4L * c.data.length : c.packedOnly.bytes();
    }

    @Override
    public Tensor packedHalfWeight(short[] bits, HalfFormat format, int out, int in) {
        return CpuTensor.packed(Gemm.PackedB.ofHalf(bits, format == HalfFormat.BF16, in, out), out, in);
    }

    @Override
    public void packForInference(Tensor weight) {
        CpuTensor c = (CpuTensor) weight;
        synchronized (c) { // as packed(): a product on another thread may be re-packing the cache
            if (c.packedOnly != null) return;
            c.packedOnly = c.packedCache != null && c.packedVersion == c.version() ? c.packedCache
                    : Gemm.packBOnce(true, c.dim(1), c.dim(0), c.data, 0, c.dim(1));
            c.data = null;
            c.packedCache = null;
        }
    }

    @Override
    public Tensor zeros(int... shape) {
        int size = size(shape);
        // exact length only: zeros also makes what lives as long as the model (parameter gradients,
        // AdamW's moments), which a longer array would keep bigger for good
        float[] data = pooled(size, size);
        if (data == null) return new CpuTensor(new float[size], shape); // the JVM zeroed it already
        Elementwise.fill(data, size, 0f);
        return CpuTensor.inPooledArray(data, shape);
    }

    /**
     * Released arrays by length, reused by {@link #empty} and {@link #zeros}: a fresh array costs
     * the JVM a zeroing pass and, after the collector gave memory back, page faults; inference
     * churns through the same few sizes every batch. An empty tensor (a graph's scratch) may get a
     * longer array than it needs (the shortest free one of at most {@link #MAX_SLACK} times its
     * size): feature extraction runs
     * its batches longest first, each a new shape, and with exact lengths only every batch
     * allocated afresh (embed on 512 passages: 10.7 GB, 27 full collections, 4 s of 37 s).
     * Held softly: some sizes never come back (masked-LM logits have as many rows as the batch
     * has masked tokens), and the collector clears softly held arrays before it would run out
     * of memory, so the pool can never be what fills the heap. One lock: every call is for an
     * array of at least a thousand floats, cheap beside the kernel that fills it.
     */
    private final java.util.TreeMap<Integer, java.util.ArrayDeque<Pooled>> pool = new java.util.TreeMap<>();
    private long pooledFloats;
    /** How much longer than a tensor's size a reused array may be. */
    static final int MAX_SLACK = 2;
    /** Pooled memory at most: -Droberta.poolMegabytes, else half the heap (a training step recycles its activations and their gradients). */
    private final long poolLimitFloats;

    /** A pooled array, which the collector may take back under memory pressure. */
    private static final class Pooled extends java.lang.ref.SoftReference<float[]> {
        final int length;

        Pooled(float[] data) {
            super(data);
            length = data.length;
        }
    }

    @Override
    public Tensor empty(int... shape) {
        int size = size(shape);
        float[] data = pooled(size, (long) size * MAX_SLACK);
        return data != null ? CpuTensor.inPooledArray(data, shape) : new CpuTensor(new float[size], shape);
    }

    private static int size(int... shape) {
        long n = 1;
        for (int x : shape) n *= x;
        return Math.toIntExact(n);
    }

    /** The shortest released array of length size to most, or null when there is none. */
    private float[] pooled(int size, long most) {
        if (size < MIN_POOLED) return null;
        synchronized (pool) {
            for (var it = pool.tailMap(size, true).entrySet().iterator(); it.hasNext(); ) {
                var entry = it.next();
                if (entry.getKey() > most) break;
                var free = entry.getValue();
                float[] data = null;
                for (Pooled p = free.pollFirst(); p != null; p = free.pollFirst()) {
                    pooledFloats -= p.length;
                    if ((data = p.get()) != null) break; // null when the collector took it
                }
                if (free.isEmpty()) it.remove();
                if (data != null) return data;
            }
            return null;
        }
    }

    /** Arrays shorter than this are left to the young generation. */
    private static final int MIN_POOLED = 1024;

    @Override
    public void release(Tensor t) {
        if (t == null) return;
        float[] data = d(t);
        if (data.length < MIN_POOLED || data.length > poolLimitFloats) return;
        synchronized (pool) {
            if (pooledFloats + data.length > poolLimitFloats) makeRoom(data.length);
            pooledFloats += data.length;
            pool.computeIfAbsent(data.length, k -> new java.util.ArrayDeque<>()).addFirst(new Pooled(data));
        }
    }

    /**
     * Drops pooled arrays, the shortest lengths first and the oldest of each length first, until
     * {@code floats} more fit under the limit: a full pool keeps taking the newest releases (the
     * sizes in use now) instead of refusing them, and arrays the collector already took stop
     * counting. Holds the pool's lock.
     */
    private void makeRoom(long floats) {
        for (var it = pool.values().iterator(); it.hasNext(); ) {
            var free = it.next();
            for (Pooled p = free.pollLast(); p != null; p = free.pollLast()) {
                pooledFloats -= p.length;
                if (pooledFloats + floats <= poolLimitFloats) {
                    if (free.isEmpty()) it.remove();
                    return;
                }
            }
            it.remove();
        }
    }

    @Override
    public Tensor fromHost(float[] data, int... shape) {
        return new CpuTensor(data.clone(), shape);
    }

    @Override
    public float[] toHost(Tensor t) {
        return java.util.Arrays.copyOf(d(t), t.size()); // the array may be longer than the tensor (the pool)
    }

    @Override
    public IntTensor ints(int[] values) {
        return new CpuIntTensor(values.clone());
    }

    @Override
    public void release(IntTensor t) {
        // garbage: integer batches are small
    }

    static int[] i(IntTensor t) {
        return ((CpuIntTensor) t).data;
    }

    @Override
    public void copyFromHost(Tensor t, float[] data) {
        System.arraycopy(data, 0, d(t), 0, t.size());
        t.touch();
    }

    @Override
    public void fill(Tensor t, float value) {
        Elementwise.fill(d(t), t.size(), value);
        t.touch();
    }

    /** The weight packed for the GEMM, re-packed only when the weight changed. */
    private static Gemm.PackedB packed(Tensor weight) {
        CpuTensor w = (CpuTensor) weight;
        if (w.packedOnly != null) return w.packedOnly;
        synchronized (w) {
            if (w.packedCache == null || w.packedVersion != w.version()) {
                // a trained weight changes every step: re-pack into the same array, no new garbage
                w.packedCache = Gemm.packB(w.packedCache, true, w.dim(1), w.dim(0), d(w), 0, w.dim(1));
                w.packedVersion = w.version();
            }
            return w.packedCache;
        }
    }

    @Override
    public void linear(Tensor out, Tensor x, Tensor w, Tensor b) {
        int n = x.rows(), in = x.cols(), outDim = w.dim(0);
        if (w.dim(1) != in) throw new IllegalArgumentException("linear: x " + x + " does not fit weight " + w);
        float[] o = d(out);
        Gemm.sgemm(false, n, d(x), 0, in, packed(w), b == null ? null : d(b), o, 0, outDim, false);
    }

    @Override
    public void linearBackward(Tensor dx, Tensor dw, Tensor db, Tensor dout, Tensor x, Tensor w, boolean accumulateDx) {
        int n = x.rows(), in = x.cols(), outDim = w.dim(0);
        if (dx != null) Gemm.sgemm(false, false, n, in, outDim, d(dout), 0, outDim, d(w), 0, in, d(dx), 0, in, accumulateDx);
        if (dw != null) Gemm.sgemm(true, false, outDim, in, n, d(dout), 0, outDim, d(x), 0, in, d(dw), 0, in, true);
        if (db != null) {
            float[] g = d(db), dO = d(dout);
            Parallel.forRange(outDim, 64, (c0, c1) -> {
                for (int r = 0; r < n; r++) for (int c = c0; c < c1; c++) g[c] += dO[r * outDim + c];
            });
        }
    }

    @Override
    public void embedding(Tensor out, Tensor table, IntTensor idTensor, boolean accumulate) {
        int[] ids = i(idTensor);
        int h = table.cols();
        float[] o = d(out), t = d(table);
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i]; // in [0, vocab): callers validate (a GPU kernel could not say so)
            if (accumulate) for (int j = 0; j < h; j++) o[i * h + j] += t[id * h + j];
            else System.arraycopy(t, id * h, o, i * h, h);
        }
    }

    @Override
    public void embeddingBackward(Tensor dtable, Tensor dout, IntTensor idTensor, int paddingIdx) {
        int[] ids = i(idTensor);
        int h = dtable.cols();
        float[] g = d(dtable), dO = d(dout);
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == paddingIdx) continue;
            for (int j = 0; j < h; j++) g[ids[i] * h + j] += dO[i * h + j];
        }
    }

    @Override
    public void add(Tensor out, Tensor a, Tensor b) {
        float[] o = d(out), x = d(a), y = d(b);
        int n = out.size();
        Parallel.forRange(n, 1 << 14, (s, e) -> {
            int i = s;
            for (; !Gemm.SCALAR && i + S.length() <= e; i += S.length())
                FloatVector.fromArray(S, x, i).add(FloatVector.fromArray(S, y, i)).intoArray(o, i);
            for (; i < e; i++) o[i] = x[i] + y[i];
        });
    }

    @Override
    public void accumulate(Tensor acc, Tensor x) {
        add(acc, acc, x);
    }

    @Override
    public void scale(Tensor t, float s) {
        Elementwise.scale(d(t), t.size(), s);
        t.touch();
    }

    @Override
    public double sumOfSquares(Tensor t) {
        return Elementwise.sumOfSquares(d(t), t.size());
    }

    @Override
    public void layerNorm(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor gamma, Tensor beta, float eps) {
        LayerNormKernel.forward(d(out), d(mean), d(rstd), d(x), d(gamma), d(beta), x.rows(), x.cols(), eps);
    }

    @Override
    public void layerNormBackward(Tensor dx, Tensor dgamma, Tensor dbeta, Tensor dout, Tensor x, Tensor mean, Tensor rstd, Tensor gamma,
                                  boolean accumulateDx) {
        LayerNormKernel.backward(d(dx), d(dgamma), d(dbeta), d(dout), d(x), d(mean), d(rstd), d(gamma), x.rows(), x.cols(), accumulateDx);
    }

    @Override
    public void gelu(Tensor out, Tensor x) {
        Activations.gelu(d(out), d(x), x.size());
    }

    @Override
    public void geluBackward(Tensor dx, Tensor dout, Tensor x, boolean accumulate) {
        Activations.geluBackward(d(dx), d(dout), d(x), x.size(), accumulate);
    }

    @Override
    public void tanh(Tensor out, Tensor x) {
        Activations.tanh(d(out), d(x), x.size());
    }

    @Override
    public void tanhBackward(Tensor dx, Tensor dout, Tensor out) {
        Activations.tanhBackward(d(dx), d(dout), d(out), out.size());
    }

    @Override
    public void dropout(Tensor out, Tensor mask, Tensor x, float p, long seed) {
        Elementwise.dropout(d(out), d(mask), d(x), x.size(), p, seed);
    }

    @Override
    public void dropoutBackward(Tensor dx, Tensor dout, Tensor mask, boolean accumulate) {
        float[] g = d(dx), dO = d(dout), m = d(mask);
        Parallel.forRange(dx.size(), 4 * Elementwise.CHUNK, (from, to) -> {
            if (accumulate) for (int i = from; i < to; i++) g[i] += dO[i] * m[i];
            else for (int i = from; i < to; i++) g[i] = dO[i] * m[i];
        });
    }

    @Override
    public void gatherRows(Tensor out, Tensor x, IntTensor rowTensor) {
        int[] rows = i(rowTensor);
        int h = x.cols();
        for (int i = 0; i < rows.length; i++) System.arraycopy(d(x), rows[i] * h, d(out), i * h, h);
    }

    @Override
    public void gatherRowsBackward(Tensor dx, Tensor dout, IntTensor rowTensor) {
        int[] rows = i(rowTensor);
        int h = dx.cols();
        float[] g = d(dx), dO = d(dout);
        for (int i = 0; i < rows.length; i++) for (int j = 0; j < h; j++) g[rows[i] * h + j] += dO[i * h + j];
    }

    @Override
    public void attention(Tensor ctx, Tensor probs, Tensor probsDropped, Tensor q, Tensor k, Tensor v,
                          IntTensor seqStart, IntTensor seqLen, int heads, float dropoutP, long seed) {
        AttentionKernel.forward(d(ctx), d(probs), d(probsDropped), d(q), d(k), d(v), i(seqStart), i(seqLen), heads, q.cols(), dropoutP, seed);
    }

    @Override
    public void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dctx, Tensor q, Tensor k, Tensor v,
                                  Tensor probs, Tensor probsDropped, IntTensor seqStart, IntTensor seqLen, int heads, float dropoutP) {
        AttentionKernel.backward(d(dq), d(dk), d(dv), d(dctx), d(q), d(k), d(v), d(probs), d(probsDropped),
                i(seqStart), i(seqLen), heads, q.cols(), dropoutP);
    }

    @Override
    public double crossEntropy(Tensor dlogits, Tensor logits, IntTensor labels, int ignoreIndex) {
        return Losses.crossEntropy(d(dlogits), d(logits), logits.rows(), logits.cols(), i(labels), ignoreIndex);
    }

    @Override
    public double mse(Tensor dpred, Tensor pred, float[] targets) {
        return Losses.mse(d(dpred), d(pred), targets, pred.size());
    }

    @Override
    public double bceWithLogits(Tensor dlogits, Tensor logits, float[] targets) {
        return Losses.bceWithLogits(d(dlogits), d(logits), targets, logits.size());
    }

    /**
     * {@link #adamw(Tensor, Tensor, Tensor, Tensor, float, float, float, float, float, int, float, boolean)}
     * on host arrays (of equal length): the same kernel for parameters that live outside any
     * backend (a feature head trained on cached features).
     */
    public static void adamw(float[] param, float[] grad, float[] m, float[] v, float lr, float beta1, float beta2, float eps, float weightDecay,
                             int t, float gradScale, boolean clearGrad) {
        if (grad.length != param.length || m.length != param.length || v.length != param.length)
            throw new IllegalArgumentException("adamw: param, grad, m and v differ in length");
        Elementwise.adamw(param, grad, m, v, param.length, lr, beta1, beta2, eps, weightDecay, t, gradScale, clearGrad);
    }

    @Override
    public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps, float weightDecay, int t,
                      float gradScale, boolean clearGrad) {
        Elementwise.adamw(d(param), d(grad), d(m), d(v), param.size(), lr, beta1, beta2, eps, weightDecay, t, gradScale, clearGrad);
        if (clearGrad) grad.touch();
        param.touch();
    }
}
