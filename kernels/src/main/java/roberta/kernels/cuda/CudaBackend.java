package roberta.kernels.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import roberta.kernels.Backend;
import roberta.kernels.HalfFormat;
import roberta.kernels.IntTensor;
import roberta.kernels.Tensor;

/**
 * The {@link Backend} on a GPU, through a {@link DeviceApi}: tensors are float32 row-major
 * device allocations ({@link CudaTensor}), integers int32 ones ({@link CudaIntTensor}, which
 * also keeps a host copy for shapes), products are cuBLAS calls, everything else the kernels
 * of {@code src/main/cuda} (declared in {@link HostKernels#KERNELS}). Tested on
 * {@link HostKernels#device()} (the same kernel source built for the CPU) against the contract
 * every backend passes.
 *
 * <p><b>Products.</b> cuBLAS is column-major; a row-major [r, c] matrix with row stride ld is
 * the column-major [c, r] one with the same ld, so the row-major C[m, n] = op(A) op(B) is
 * issued as the column-major C^T = op(B)^T op(A)^T: {@link #gemm} swaps the operands and m
 * with n and keeps each operand's transpose flag. E.g. linear's out = x w^T becomes
 * {@code sgemm(transA = true, transB = false, m = out, n = rows, k = in, A = w, lda = in, B = x, ldb = in, C = out, ldc = out)}.
 *
 * <p><b>Weights.</b> A GPU GEMM reads the plain [out, in] layout, so {@link #packedWeight}
 * is an upload and {@link #packForInference} does nothing. A half-precision weight
 * ({@link #packedHalfWeight}) stays 16-bit on the device (2 bytes a value); each product
 * widens it into a float scratch first ({@code widen_half_f32}), because cublasGemmEx
 * supports only Atype == Btype and the activations are float.
 *
 * <p><b>Attention</b> is issued per sequence (shapes from the host copy of seqStart and
 * seqLen): the scores of all heads in one strided-batched GEMM (the heads of q and k are
 * column blocks d apart of the row-major [n, H] matrices: ld = H, stride d; the probabilities
 * [heads, len, len] are contiguous), a row softmax kernel, attention dropout with the CPU's
 * counter indexing (the index of the entry in the whole probs buffer), and per head the
 * context product (the heads' outputs interleave in ctx's columns, which a strided batch may
 * not write). Without probs (inference) the probabilities live in a scratch per sequence.
 *
 * <p><b>Memory.</b> Released allocations go to a free list keyed by size and are reused
 * ({@link #trimPool} frees them); {@link #close} frees everything this backend allocated.
 * Sums read back (sums of squares, losses) accumulate in double on the device, one partial per
 * block, and one more block ({@code sum_f64}) adds the partials, so the host reads back ONE
 * double: a training step's traffic to the host is its loss and its gradient norm, 16 bytes,
 * not one partial per block of every gradient (about 5,000 doubles a step for roberta-base).
 */
public final class CudaBackend implements Backend {
    private static final int THREADS = 256;
    /** At most this many blocks for a grid-stride kernel (they loop over the rest). */
    private static final int MAX_BLOCKS = 4096;
    /** Blocks of a reduction that writes one partial each. */
    private static final int MAX_PARTIALS = 64;

    private final DeviceApi device;
    private final Map<Long, ArrayDeque<Long>> pool = new HashMap<>();
    /** Every allocation this backend made and has not freed, with its size (pooled ones too). */
    private final Map<Long, Long> owned = new HashMap<>();
    private final Set<Long> pooled = new HashSet<>();
    private boolean closed;

    public CudaBackend(DeviceApi device) {
        this.device = device;
    }

    public DeviceApi device() {
        return device;
    }

    @Override
    public String name() {
        return "cuda (" + device.getClass().getSimpleName() + (device.tf32() ? ", TF32" : "") + ")";
    }

    @Override
    public void synchronize() {
        device.synchronize();
    }

    /** Frees every allocation this backend made (tensors not released too: they are unusable afterwards). Does not close the device. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        for (long p : owned.keySet()) device.free(p);
        owned.clear();
        pooled.clear();
        pool.clear();
    }

    // ------------------------------------------------------------------ memory

    private synchronized long alloc(long bytes) {
        if (closed) throw new IllegalStateException("backend closed");
        ArrayDeque<Long> free = pool.get(bytes);
        Long p = free == null ? null : free.pollFirst();
        if (p != null) {
            pooled.remove(p);
            return p;
        }
        long ptr = device.malloc(bytes);
        owned.put(ptr, bytes);
        return ptr;
    }

    private synchronized void recycle(long ptr) {
        if (ptr == 0 || closed) return;
        Long bytes = owned.get(ptr);
        if (bytes == null) throw new IllegalStateException("not an allocation of this backend: 0x" + Long.toHexString(ptr));
        if (!pooled.add(ptr)) throw new IllegalStateException("released twice: 0x" + Long.toHexString(ptr));
        pool.computeIfAbsent(bytes, k -> new ArrayDeque<>()).addFirst(ptr);
    }

    /** Frees the released allocations kept for reuse. */
    public synchronized void trimPool() {
        for (ArrayDeque<Long> free : pool.values()) for (long p : free) {
            device.free(p);
            owned.remove(p);
        }
        pool.clear();
        pooled.clear();
    }

    private static int size(int[] shape) {
        long n = 1;
        for (int x : shape) n *= x;
        return Math.toIntExact(n);
    }

    @Override
    public Tensor empty(int... shape) {
        long bytes = 4L * size(shape);
        return new CudaTensor(alloc(bytes), bytes, shape);
    }

    @Override
    public Tensor zeros(int... shape) {
        CudaTensor t = (CudaTensor) empty(shape);
        device.memset(t.ptr, 0, t.bytes);
        return t;
    }

    @Override
    public void release(Tensor t) {
        if (t == null) return;
        CudaTensor c = (CudaTensor) t;
        if (c.released) throw new IllegalStateException("tensor released twice: " + t);
        c.released = true;
        recycle(c.isHalf() ? c.halfPtr : c.ptr);
    }

    @Override
    public Tensor fromHost(float[] data, int... shape) {
        if (data.length != size(shape)) throw new IllegalArgumentException(data.length + " values for shape " + java.util.Arrays.toString(shape));
        CudaTensor t = (CudaTensor) empty(shape);
        device.copyToDevice(data, 0, t.ptr, 0, data.length);
        return t;
    }

    @Override
    public Tensor adopt(float[] data, int... shape) {
        return fromHost(data, shape); // the host array cannot become device memory: a copy
    }

    @Override
    public void packForInference(Tensor weight) {
        // a GPU GEMM reads the plain [out, in] layout: nothing to pack
    }

    @Override
    public Tensor packedWeight(float[] values, int out, int in) {
        return fromHost(java.util.Arrays.copyOf(values, out * in), out, in);
    }

    @Override
    public Tensor packedHalfWeight(short[] bits, HalfFormat format, int out, int in) {
        int n = Math.multiplyExact(out, in);
        // whole 32-bit words, as widen_half_f32 declares its input (the emulator checks words)
        long bytes = 4L * ((n + 1) / 2);
        long p = alloc(bytes);
        device.copyToDevice(bits, 0, p, 0, n);
        return new CudaTensor(p, bytes, format, new int[] {out, in});
    }

    @Override
    public float[] toHost(Tensor t) {
        CudaTensor c = (CudaTensor) t;
        float[] out = new float[t.size()];
        if (c.isHalf()) {
            short[] bits = new short[t.size()];
            device.copyToHost(c.halfPtr, 0, bits, 0, bits.length);
            for (int i = 0; i < bits.length; i++)
                out[i] = c.format == HalfFormat.BF16 ? Float.intBitsToFloat(bits[i] << 16) : Float.float16ToFloat(bits[i]);
        } else {
            device.copyToHost(c.ptr, 0, out, 0, out.length);
        }
        return out;
    }

    @Override
    public IntTensor ints(int[] values) {
        int[] host = values.clone();
        long p = alloc(4L * host.length);
        device.copyToDevice(host, 0, p, 0, host.length);
        return new CudaIntTensor(p, host);
    }

    @Override
    public void release(IntTensor t) {
        if (t == null) return;
        CudaIntTensor c = (CudaIntTensor) t;
        if (c.released) throw new IllegalStateException("integers released twice: " + t);
        c.released = true;
        recycle(c.ptr);
    }

    @Override
    public long residentBytes(Tensor t) {
        CudaTensor c = (CudaTensor) t;
        return c.isHalf() ? 2L * t.size() : 4L * t.size();
    }

    @Override
    public void copyFromHost(Tensor t, float[] data) {
        device.copyToDevice(data, 0, f(t), 0, t.size());
        t.touch();
    }

    @Override
    public void fill(Tensor t, float value) {
        int n = t.size(); // fill_f32 is one thread per element, not grid-stride: a grid that covers n, uncapped
        if (n > 0) device.launch("fill_f32", Dim3.of((n + THREADS - 1) / THREADS), Dim3.of(THREADS), 0, p(t), n, value);
        t.touch();
    }

    // ------------------------------------------------------------------ helpers

    /** The float pointer of a tensor; a half-only weight has none (products widen it themselves). */
    private static long f(Tensor t) {
        CudaTensor c = (CudaTensor) t;
        if (c.isHalf()) throw new IllegalArgumentException(t + " is a half-precision weight: only linear reads it");
        return c.ptr;
    }

    private static Ptr p(Tensor t) {
        return new Ptr(f(t));
    }

    private static Ptr p(IntTensor t) {
        return new Ptr(((CudaIntTensor) t).ptr);
    }

    private static int[] host(IntTensor t) {
        return ((CudaIntTensor) t).host;
    }

    private static Ptr at(long base, long floats) {
        return new Ptr(base + 4L * floats);
    }

    /** A 1-D grid for a grid-stride kernel over n items (n > 0). */
    private static Dim3 grid(long n) {
        return Dim3.of((int) Math.max(1, Math.min(MAX_BLOCKS, (n + THREADS - 1) / THREADS)));
    }

    /** A block for a one-block-per-row kernel over rows of cols: a power of two, 32 to 256. */
    private static Dim3 rowBlock(int cols) {
        int t = 32;
        while (t < cols && t < THREADS) t <<= 1;
        return Dim3.of(t);
    }

    private static int partialBlocks(long n) {
        return (int) Math.max(1, Math.min(MAX_PARTIALS, (n + 8L * THREADS - 1) / (8L * THREADS)));
    }

    private void launch1d(String kernel, long n, Object... args) {
        if (n > 0) device.launch(kernel, grid(n), Dim3.of(THREADS), 0, args);
    }

    /** The sum of count doubles in a device buffer: added on the device by one block, one double read back. */
    private double sumDoubles(long ptr, int count) {
        long total = alloc(8);
        try {
            device.launch("sum_f64", Dim3.of(1), Dim3.of(THREADS), 0, new Ptr(total), 2, new Ptr(ptr), 2 * count);
            int[] words = new int[2];
            device.copyToHost(total, 0, words, 0, 2);
            return Double.longBitsToDouble((long) words[1] << 32 | (words[0] & 0xffffffffL)); // little-endian, as NVIDIA GPUs
        } finally {
            recycle(total);
        }
    }

    /**
     * Row-major C[m, n] = alpha op(A)[m, k] op(B)[k, n] + beta C for batch matrices, A, B and C
     * with row strides lda, ldb, ldc and batch strides in elements, as the column-major
     * C^T = op(B)^T op(A)^T (see the class comment).
     */
    private void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long strideA,
                      long b, int ldb, long strideB, float beta, long c, int ldc, long strideC, int batch) {
        device.sgemmStridedBatched(transB, transA, n, m, k, alpha, b, ldb, strideB, a, lda, strideA, beta, c, ldc, strideC, batch);
    }

    private void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda,
                      long b, int ldb, float beta, long c, int ldc) {
        device.sgemm(transB, transA, n, m, k, alpha, b, ldb, a, lda, beta, c, ldc);
    }

    // ------------------------------------------------------------------ linear

    @Override
    public void linear(Tensor out, Tensor x, Tensor w, Tensor b) {
        int n = x.rows(), in = x.cols(), outDim = w.dim(0);
        if (w.dim(1) != in) throw new IllegalArgumentException("linear: x " + x + " does not fit weight " + w);
        CudaTensor cw = (CudaTensor) w;
        long wp = cw.ptr, scratch = 0;
        if (cw.isHalf()) {
            int count = w.size();
            scratch = alloc(4L * count);
            launch1d("widen_half_f32", count, new Ptr(scratch), new Ptr(cw.halfPtr), count, (count + 1) / 2, cw.format == HalfFormat.BF16 ? 1 : 0);
            wp = scratch;
        }
        try {
            gemm(false, true, n, outDim, in, 1f, f(x), in, wp, in, 0f, f(out), outDim);
        } finally {
            if (scratch != 0) recycle(scratch);
        }
        if (b != null) launch1d("bias_add_f32", (long) n * outDim, p(out), p(b), n, outDim);
        out.touch();
    }

    @Override
    public void linearBackward(Tensor dx, Tensor dw, Tensor db, Tensor dout, Tensor x, Tensor w, boolean accumulateDx) {
        int n = x.rows(), in = x.cols(), outDim = w.dim(0);
        if (dx != null) gemm(false, false, n, in, outDim, 1f, f(dout), outDim, f(w), in, accumulateDx ? 1f : 0f, f(dx), in);
        if (dw != null) gemm(true, false, outDim, in, n, 1f, f(dout), outDim, f(x), in, 1f, f(dw), in);
        if (db != null) launch1d("column_sum_f32", outDim, p(db), p(dout), n, outDim);
    }

    // ------------------------------------------------------------------ embeddings, rows

    @Override
    public void embedding(Tensor out, Tensor table, IntTensor ids, boolean accumulate) {
        int n = ids.size(), h = table.cols();
        launch1d("embedding_f32", (long) n * h, p(out), p(table), p(ids), n, h, table.rows(), accumulate ? 1 : 0);
    }

    @Override
    public void embeddingBackward(Tensor dtable, Tensor dout, IntTensor ids, int paddingIdx) {
        int n = ids.size(), h = dtable.cols();
        launch1d("embedding_backward_f32", (long) n * h, p(dtable), p(dout), p(ids), n, h, dtable.rows(), paddingIdx);
    }

    @Override
    public void gatherRows(Tensor out, Tensor x, IntTensor rows) {
        int n = rows.size(), h = x.cols();
        launch1d("gather_rows_f32", (long) n * h, p(out), p(x), p(rows), n, h, x.rows());
    }

    @Override
    public void gatherRowsBackward(Tensor dx, Tensor dout, IntTensor rows) {
        int n = rows.size(), h = dx.cols();
        launch1d("gather_rows_backward_f32", (long) n * h, p(dx), p(dout), p(rows), n, h, dx.rows());
    }

    // ------------------------------------------------------------------ element-wise

    @Override
    public void add(Tensor out, Tensor a, Tensor b) {
        launch1d("add_f32", out.size(), p(out), p(a), p(b), out.size());
    }

    @Override
    public void accumulate(Tensor acc, Tensor x) {
        launch1d("accumulate_f32", acc.size(), p(acc), p(x), acc.size());
    }

    @Override
    public void scale(Tensor t, float s) {
        launch1d("scale_f32", t.size(), p(t), t.size(), s);
        t.touch();
    }

    @Override
    public double sumOfSquares(Tensor t) {
        return sumOfSquares(List.of(t));
    }

    /** One partial per block of every tensor into one buffer of doubles, one read back. */
    @Override
    public double sumOfSquares(List<Tensor> tensors) {
        int total = 0;
        for (Tensor t : tensors) total += t.size() == 0 ? 0 : partialBlocks(t.size());
        if (total == 0) return 0;
        long partials = alloc(8L * total);
        try {
            int first = 0;
            for (Tensor t : tensors) {
                int n = t.size();
                if (n == 0) continue;
                int blocks = partialBlocks(n);
                device.launch("sum_squares_f32", Dim3.of(blocks), Dim3.of(THREADS), 0, new Ptr(partials), 2 * total, first, p(t), n);
                first += blocks;
            }
            return sumDoubles(partials, total);
        } finally {
            recycle(partials);
        }
    }

    // ------------------------------------------------------------------ LayerNorm, activations, dropout

    @Override
    public void layerNorm(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor gamma, Tensor beta, float eps) {
        int rows = x.rows(), cols = x.cols();
        if (rows == 0) return;
        device.launch("layernorm_f32", Dim3.of(rows), rowBlock(cols), 0, p(out), mean == null ? new Ptr(0) : p(mean),
            rstd == null ? new Ptr(0) : p(rstd), p(x), p(gamma), p(beta), rows, cols, eps);
    }

    @Override
    public void layerNormBackward(Tensor dx, Tensor dgamma, Tensor dbeta, Tensor dout, Tensor x, Tensor mean, Tensor rstd, Tensor gamma,
                                  boolean accumulateDx) {
        int rows = x.rows(), cols = x.cols();
        if (rows == 0) return;
        if (dx != null)
            device.launch("layernorm_backward_dx_f32", Dim3.of(rows), rowBlock(cols), 0, p(dx), p(dout), p(x), p(mean), p(rstd), p(gamma), rows, cols,
                accumulateDx ? 1 : 0);
        if (dgamma != null || dbeta != null)
            launch1d("layernorm_backward_params_f32", cols, dgamma == null ? new Ptr(0) : p(dgamma), dbeta == null ? new Ptr(0) : p(dbeta),
                p(dout), p(x), p(mean), p(rstd), rows, cols);
    }

    @Override
    public void gelu(Tensor out, Tensor x) {
        launch1d("gelu_f32", x.size(), p(out), p(x), x.size());
    }

    @Override
    public void geluBackward(Tensor dx, Tensor dout, Tensor x, boolean accumulate) {
        launch1d("gelu_backward_f32", x.size(), p(dx), p(dout), p(x), x.size(), accumulate ? 1 : 0);
    }

    @Override
    public void tanh(Tensor out, Tensor x) {
        launch1d("tanh_f32", x.size(), p(out), p(x), x.size());
    }

    @Override
    public void tanhBackward(Tensor dx, Tensor dout, Tensor out) {
        launch1d("tanh_backward_f32", out.size(), p(dx), p(dout), p(out), out.size());
    }

    @Override
    public void dropout(Tensor out, Tensor mask, Tensor x, float p, long seed) {
        launch1d("dropout_f32", x.size(), p(out), p(mask), p(x), x.size(), p, (int) seed, (int) (seed >>> 32));
    }

    @Override
    public void dropoutBackward(Tensor dx, Tensor dout, Tensor mask, boolean accumulate) {
        launch1d("dropout_backward_f32", dx.size(), p(dx), p(dout), p(mask), dx.size(), accumulate ? 1 : 0);
    }

    // ------------------------------------------------------------------ attention

    private static int maxLen(int[] seqLen) {
        int m = 0;
        for (int l : seqLen) m = Math.max(m, l);
        return m;
    }

    @Override
    public void attention(Tensor ctx, Tensor probs, Tensor probsDropped, Tensor q, Tensor k, Tensor v,
                          IntTensor seqStartT, IntTensor seqLenT, int heads, float dropoutP, long seed) {
        if (probs == null && dropoutP > 0) throw new IllegalArgumentException("attention dropout needs the probabilities materialised");
        int[] seqStart = host(seqStartT), seqLen = host(seqLenT);
        int hidden = q.cols(), d = hidden / heads;
        float scale = (float) (1.0 / Math.sqrt(d));
        int[] pOff = Backend.attentionProbOffsets(seqLen, heads);
        int longest = maxLen(seqLen);
        long scratch = probs == null && longest > 0 ? alloc(4L * heads * longest * longest) : 0;
        try {
            for (int s = 0; s < seqLen.length; s++) {
                int len = seqLen[s];
                if (len == 0) continue;
                int block = heads * len * len;
                long rowOff = (long) seqStart[s] * hidden;
                long pp = probs == null ? scratch : f(probs) + 4L * pOff[s];
                // scores[h][len, len] = q_sh k_sh^T, all heads at once (head h's columns start h * d)
                gemm(false, true, len, len, d, 1f, f(q) + 4 * rowOff, hidden, d, f(k) + 4 * rowOff, hidden, d,
                    0f, pp, len, (long) len * len, heads);
                device.launch("softmax_rows_f32", Dim3.of(heads * len), rowBlock(len), 0, new Ptr(pp), heads * len, len, scale);
                long used = pp;
                if (dropoutP > 0) {
                    used = f(probsDropped) + 4L * pOff[s];
                    launch1d("dropout_offset_f32", block, new Ptr(used), new Ptr(pp), block, dropoutP, (int) seed, (int) (seed >>> 32), pOff[s]);
                }
                for (int h = 0; h < heads; h++) // ctx_sh[len, d] = probs_h v_sh
                    gemm(false, false, len, d, len, 1f, used + 4L * h * len * len, len, f(v) + 4 * (rowOff + (long) h * d), hidden,
                        0f, f(ctx) + 4 * (rowOff + (long) h * d), hidden);
            }
        } finally {
            if (scratch != 0) recycle(scratch);
        }
    }

    @Override
    public void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dctx, Tensor q, Tensor k, Tensor v,
                                  Tensor probs, Tensor probsDropped, IntTensor seqStartT, IntTensor seqLenT, int heads, float dropoutP) {
        int[] seqStart = host(seqStartT), seqLen = host(seqLenT);
        int hidden = q.cols(), d = hidden / heads;
        float scale = (float) (1.0 / Math.sqrt(d));
        int[] pOff = Backend.attentionProbOffsets(seqLen, heads);
        int longest = maxLen(seqLen);
        boolean needDp = dq != null || dk != null;
        long dp = needDp && longest > 0 ? alloc(4L * heads * longest * longest) : 0;
        try {
            for (int s = 0; s < seqLen.length; s++) {
                int len = seqLen[s];
                if (len == 0) continue;
                int block = heads * len * len;
                long rowOff = (long) seqStart[s] * hidden;
                long pp = f(probs) + 4L * pOff[s];
                long used = dropoutP > 0 ? f(probsDropped) + 4L * pOff[s] : pp;
                if (dv != null) for (int h = 0; h < heads; h++) // dv_sh += used_h^T dctx_sh
                    gemm(true, false, len, d, len, 1f, used + 4L * h * len * len, len, f(dctx) + 4 * (rowOff + (long) h * d), hidden,
                        1f, f(dv) + 4 * (rowOff + (long) h * d), hidden);
                if (!needDp) continue;
                // d(used)[h] = dctx_sh v_sh^T, all heads at once
                gemm(false, true, len, len, d, 1f, f(dctx) + 4 * rowOff, hidden, d, f(v) + 4 * rowOff, hidden, d,
                    0f, dp, len, (long) len * len, heads);
                if (dropoutP > 0)
                    launch1d("attention_dropout_backward_f32", block, new Ptr(dp), new Ptr(used), block, 1f / (1f - dropoutP));
                device.launch("softmax_backward_rows_f32", Dim3.of(heads * len), rowBlock(len), 0, new Ptr(dp), new Ptr(pp), heads * len, len, scale);
                for (int h = 0; h < heads; h++) {
                    long ds = dp + 4L * h * len * len, col = rowOff + (long) h * d;
                    if (dq != null) gemm(false, false, len, d, len, 1f, ds, len, f(k) + 4 * col, hidden, 1f, f(dq) + 4 * col, hidden);
                    if (dk != null) gemm(true, false, len, d, len, 1f, ds, len, f(q) + 4 * col, hidden, 1f, f(dk) + 4 * col, hidden);
                }
            }
        } finally {
            if (dp != 0) recycle(dp);
        }
    }

    // ------------------------------------------------------------------ losses

    @Override
    public double crossEntropy(Tensor dlogits, Tensor logits, IntTensor labels, int ignoreIndex) {
        int rows = logits.rows(), cols = logits.cols();
        int count = 0;
        for (int l : host(labels)) if (l != ignoreIndex) count++;
        if (count == 0) {
            if (dlogits != null && dlogits.size() > 0) device.memset(f(dlogits), 0, 4L * rows * cols);
            return 0;
        }
        long rowLoss = alloc(8L * rows);
        try {
            device.launch("cross_entropy_f32", Dim3.of(rows), rowBlock(cols), 0, new Ptr(rowLoss), 2 * rows,
                dlogits == null ? new Ptr(0) : p(dlogits), p(logits), p(labels), rows, cols, ignoreIndex, count);
            return sumDoubles(rowLoss, rows) / count;
        } finally {
            recycle(rowLoss);
        }
    }

    @Override
    public double mse(Tensor dpred, Tensor pred, float[] targets) {
        return pointwiseLoss("mse_f32", dpred, pred, targets);
    }

    @Override
    public double bceWithLogits(Tensor dlogits, Tensor logits, float[] targets) {
        return pointwiseLoss("bce_with_logits_f32", dlogits, logits, targets);
    }

    /** A mean loss over n elements against host targets: upload them, one partial per block, one read back. */
    private double pointwiseLoss(String kernel, Tensor grad, Tensor input, float[] targets) {
        int n = input.size();
        if (n == 0) return Double.NaN; // 0 / 0, as the CPU
        long target = alloc(4L * n);
        int blocks = partialBlocks(n);
        long partials = alloc(8L * blocks);
        try {
            device.copyToDevice(targets, 0, target, 0, n);
            device.launch(kernel, Dim3.of(blocks), Dim3.of(THREADS), 0, new Ptr(partials), 2 * blocks,
                grad == null ? new Ptr(0) : p(grad), p(input), new Ptr(target), n);
            return sumDoubles(partials, blocks) / n;
        } finally {
            recycle(partials);
            recycle(target);
        }
    }

    // ------------------------------------------------------------------ optimizer

    @Override
    public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps, float weightDecay, int t,
                      float gradScale, boolean clearGrad) {
        float bc1 = (float) (1 - Math.pow(beta1, t)), bc2 = (float) (1 - Math.pow(beta2, t));
        launch1d("adamw_f32", param.size(), p(param), p(grad), p(m), p(v), param.size(), lr, beta1, beta2, eps, weightDecay, bc1, bc2,
                 gradScale, clearGrad ? 1 : 0);
        param.touch();
        if (clearGrad) grad.touch();
    }
}
