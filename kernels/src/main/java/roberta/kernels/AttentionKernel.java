package roberta.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Multi-head self-attention over packed sequences: for each (sequence, head) pair,
 * scores = q k^T / sqrt(d), probs = softmax(scores), ctx = dropout(probs) v. Pairs run in
 * parallel, each thread claiming the next pair (a pair costs len^2, and embed's batches are
 * sorted by length, so equal shares of pairs would be unequal work); each one's GEMMs run on
 * its own thread. Padding never exists here: a sequence
 * of len tokens attends over exactly those len tokens.
 */
final class AttentionKernel {
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[1][0]);

    private AttentionKernel() {}

    /**
     * probs null: nobody reads the probabilities (inference), so a pair's scores never exist as a
     * whole: see {@link #inferencePair}. Otherwise each pair's [len, len] probabilities are written
     * where the backward pass will read them.
     */
    static void forward(float[] ctx, float[] probsOrNull, float[] probsDropped, float[] q, float[] k, float[] v,
                        int[] seqStart, int[] seqLen, int heads, int hidden, float dropoutP, long seed) {
        if (probsOrNull == null && dropoutP > 0) throw new IllegalArgumentException("attention dropout needs the probabilities materialised");
        int d = hidden / heads;
        float scale = (float) (1.0 / Math.sqrt(d));
        int[] pOff = Backend.attentionProbOffsets(seqLen, heads);
        int pairs = seqLen.length * heads;
        Parallel.forChunks(pairs, 1, (from, to) -> {
            for (int pair = from; pair < to; pair++) {
                int s = pair / heads, h = pair % heads, len = seqLen[s];
                if (len == 0) continue;
                int rowOff = seqStart[s] * hidden + h * d;
                if (probsOrNull == null) {
                    inferencePair(ctx, q, k, v, rowOff, len, d, hidden, scale);
                    continue;
                }
                float[] probs = probsOrNull;
                int po = pOff[s] + h * len * len;
                // scores[len, len] = q_sh · k_sh^T
                Gemm.sgemm(false, true, len, len, d, q, rowOff, hidden, k, rowOff, hidden, probs, po, len, false);
                softmaxRows(probs, po, len, len, scale);
                float[] used = probs;
                if (dropoutP > 0) { // the counter is the index into all the probabilities, as the GPU's
                    Elementwise.dropoutRange(probsDropped, null, probs, po, po + len * len, dropoutP, 1f / (1f - dropoutP), seed);
                    used = probsDropped;
                }
                // ctx_sh[len, d] = probs · v_sh
                Gemm.sgemm(false, false, len, d, len, used, po, len, v, rowOff, hidden, ctx, rowOff, hidden, false);
            }
        });
    }

    /** Floats of scores per block of query rows in {@link #inferencePair} (128 KB, with k^T's and v's packs within L2). */
    static final int SCORE_BLOCK = 1 << 15;

    /**
     * One (sequence, head) pair for inference, a block of query rows at a time: scores[rows, len]
     * = q_rows · k^T, softmax in place, ctx_rows = probs · v, with k^T and v packed once for the
     * pair. At 512 tokens a pair's whole [len, len] scores are 1 MB, which the softmax's three
     * passes and p·v then read from L3; a block stays in L2. Each output is the same dot product
     * in the same order as over the whole matrix, so the values are the same to the bit.
     */
    private static void inferencePair(float[] ctx, float[] q, float[] k, float[] v, int rowOff, int len, int d, int hidden, float scale) {
        PairScratch sc = PAIR_SCRATCH.get();
        Gemm.PackedB keys = Gemm.packBScratch(sc.keys, true, d, len, k, rowOff, hidden);     // op(B) = k_sh^T [d, len]
        Gemm.PackedB values = Gemm.packBScratch(sc.values, false, len, d, v, rowOff, hidden); // op(B) = v_sh [len, d]
        int block = Math.max(Gemm.MR, SCORE_BLOCK / len / Gemm.MR * Gemm.MR);
        if (sc.scores.length < Math.min(block, len) * len) sc.scores = new float[Math.min(block, len) * len];
        float[] scores = sc.scores;
        for (int r0 = 0; r0 < len; r0 += block) {
            int rows = Math.min(block, len - r0), off = rowOff + r0 * hidden;
            Gemm.sgemm(false, rows, q, off, hidden, keys, scores, 0, len, false);
            softmaxRows(scores, 0, rows, len, scale);
            Gemm.sgemm(false, rows, scores, 0, len, values, ctx, off, hidden, false);
        }
    }

    /** A kernel thread's packs and score block for {@link #inferencePair}, reused across pairs and calls. */
    private static final class PairScratch {
        final float[][] keys = {new float[0]}, values = {new float[0]};
        float[] scores = new float[0];
    }

    private static final ThreadLocal<PairScratch> PAIR_SCRATCH = ThreadLocal.withInitial(PairScratch::new);

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /**
     * Softmax of scale * row for each of rows rows of len floats from a[off], in place,
     * max-subtracted; vector exp with a scalar tail. Each pass runs over all the rows before the
     * next: within a pass no row waits for the one before, so the core overlaps a row's reduction
     * with the next row's loads, where a row's three passes in turn each waited on the last (the
     * same operations, the same bits; 1.3x at 128 tokens, 1.4x at 64, 1.2x at 512).
     */
    static void softmaxRows(float[] a, int off, int rows, int len, float scale) {
        if (Gemm.SCALAR) {
            for (int r = 0; r < rows; r++) softmaxRowScalar(a, off + r * len, len, scale);
            return;
        }
        int bound = S.loopBound(len);
        RowScratch perRow = ROW_SCRATCH.get().fit(rows);
        float[] maxes = perRow.maxes;
        double[] sums = perRow.sums;
        for (int r = 0, o = off; r < rows; r++, o += len) maxes[r] = rowMax(a, o, len, bound);
        for (int r = 0, o = off; r < rows; r++, o += len) sums[r] = rowExpSum(a, o, len, bound, maxes[r], scale);
        for (int r = 0, o = off; r < rows; r++, o += len) rowScale(a, o, len, bound, (float) (1.0 / sums[r]));
    }

    /** The maximum of a[o, o + len), in four independent chains (a lanewise MAX is several dependent instructions, which one chain waits on in turn); exact in any order. */
    private static float rowMax(float[] a, int o, int len, int bound) {
        int j = 0;
        FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY), m1 = m0, m2 = m0, m3 = m0;
        for (int bound4 = len - 4 * S.length(); j <= bound4; j += 4 * S.length()) {
            m0 = m0.max(FloatVector.fromArray(S, a, o + j));
            m1 = m1.max(FloatVector.fromArray(S, a, o + j + S.length()));
            m2 = m2.max(FloatVector.fromArray(S, a, o + j + 2 * S.length()));
            m3 = m3.max(FloatVector.fromArray(S, a, o + j + 3 * S.length()));
        }
        for (; j < bound; j += S.length()) m0 = m0.max(FloatVector.fromArray(S, a, o + j));
        float max = VectorMath.max(m0.max(m1).max(m2.max(m3)));
        for (; j < len; j++) max = Math.max(max, a[o + j]);
        return max;
    }

    /** a[i] = exp((a[i] - max) * scale) over the row, in place; their sum (lanes pairwise in double, then the scalar tail). */
    private static double rowExpSum(float[] a, int o, int len, int bound, float max, float scale) {
        FloatVector vsum = FloatVector.zero(S);
        int j = 0;
        for (; j < bound; j += S.length()) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(S, a, o + j).sub(max).mul(scale));
            e.intoArray(a, o + j);
            vsum = vsum.add(e);
        }
        double sum = VectorMath.sum(vsum);
        for (; j < len; j++) {
            float e = (float) Math.exp((a[o + j] - max) * scale);
            a[o + j] = e;
            sum += e;
        }
        return sum;
    }

    /** a[i] *= inv over the row. */
    private static void rowScale(float[] a, int o, int len, int bound, float inv) {
        int j = 0;
        for (; j < bound; j += S.length()) FloatVector.fromArray(S, a, o + j).mul(inv).intoArray(a, o + j);
        for (; j < len; j++) a[o + j] *= inv;
    }

    /** A kernel thread's per-row maxima and sums for {@link #softmaxRows}, grown to the most rows asked for. */
    private static final class RowScratch {
        float[] maxes = new float[0];
        double[] sums = new double[0];

        RowScratch fit(int rows) {
            if (maxes.length < rows) {
                maxes = new float[rows];
                sums = new double[rows];
            }
            return this;
        }
    }

    private static final ThreadLocal<RowScratch> ROW_SCRATCH = ThreadLocal.withInitial(RowScratch::new);

    /** The scalar reference of {@link #softmaxRows}, one row. */
    static void softmaxRowScalar(float[] a, int off, int len, float scale) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < len; j++) max = Math.max(max, a[off + j]);
        double sum = 0;
        for (int j = 0; j < len; j++) {
            float e = (float) Math.exp((a[off + j] - max) * scale);
            a[off + j] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int j = 0; j < len; j++) a[off + j] *= inv;
    }

    /**
     * Softmax's backward for rows rows of len values, in place: ds = p * (dp - sum_j dp * p) *
     * scale per row, dp from dp[dpOff], p from p[pOff]. The row's dot product in float vector
     * lanes (the GPU sums in float too), then summed across lanes in double; a scalar tail.
     */
    static void softmaxBackwardRows(float[] dp, int dpOff, float[] p, int pOff, int rows, int len, float scale) {
        if (Gemm.SCALAR) {
            for (int r = 0; r < rows; r++) softmaxBackwardRowScalar(dp, dpOff + r * len, p, pOff + r * len, len, scale);
            return;
        }
        int bound = S.loopBound(len);
        for (int r = 0; r < rows; r++) {
            int d = dpOff + r * len, o = pOff + r * len, j = 0;
            FloatVector acc = FloatVector.zero(S);
            for (; j < bound; j += S.length()) acc = FloatVector.fromArray(S, dp, d + j).fma(FloatVector.fromArray(S, p, o + j), acc);
            double dot = VectorMath.sum(acc);
            for (; j < len; j++) dot += dp[d + j] * p[o + j];
            float dotF = (float) dot;
            for (j = 0; j < bound; j += S.length()) {
                FloatVector pv = FloatVector.fromArray(S, p, o + j);
                pv.mul(FloatVector.fromArray(S, dp, d + j).sub(dotF)).mul(scale).intoArray(dp, d + j);
            }
            for (; j < len; j++) dp[d + j] = p[o + j] * (dp[d + j] - dotF) * scale;
        }
    }

    /**
     * Attention dropout's backward, in place: dp[i] = dropped[off + i] == 0 ? 0 : dp[i] * keep
     * for i in [0, n) (a dropped probability is exactly 0; a kept one can be 0 only where the
     * softmax underflowed, whose gradient is 0 anyway). Branch-free in vector lanes: a tenth of
     * the elements are dropped at random, which a branch mispredicts.
     */
    static void droppedBackward(float[] dp, float[] dropped, int off, int n, float keep) {
        int i = 0;
        if (!Gemm.SCALAR)
            for (int bound = S.loopBound(n); i < bound; i += S.length())
                FloatVector.fromArray(S, dp, i).mul(keep)
                    .blend(0f, FloatVector.fromArray(S, dropped, off + i).compare(VectorOperators.EQ, 0f))
                    .intoArray(dp, i);
        for (; i < n; i++) dp[i] = dropped[off + i] == 0f ? 0f : dp[i] * keep;
    }

    /** The scalar reference of {@link #softmaxBackwardRows}, one row: the dot product in double. */
    static void softmaxBackwardRowScalar(float[] dp, int dpOff, float[] p, int pOff, int len, float scale) {
        double dot = 0;
        for (int j = 0; j < len; j++) dot += dp[dpOff + j] * p[pOff + j];
        for (int j = 0; j < len; j++) dp[dpOff + j] = p[pOff + j] * (dp[dpOff + j] - (float) dot) * scale;
    }

    static void backward(float[] dq, float[] dk, float[] dv, float[] dctx, float[] q, float[] k, float[] v,
                         float[] probs, float[] probsDropped, int[] seqStart, int[] seqLen, int heads, int hidden, float dropoutP) {
        int d = hidden / heads;
        float scale = (float) (1.0 / Math.sqrt(d));
        int[] pOff = Backend.attentionProbOffsets(seqLen, heads);
        int pairs = seqLen.length * heads;
        Parallel.forChunks(pairs, 1, (from, to) -> {
            float[][] holder = SCRATCH.get();
            for (int pair = from; pair < to; pair++) {
                int s = pair / heads, h = pair % heads, len = seqLen[s];
                if (len == 0) continue;
                if (holder[0].length < len * len) holder[0] = new float[len * len];
                float[] dp = holder[0];
                int rowOff = seqStart[s] * hidden + h * d;
                int po = pOff[s] + h * len * len;
                float[] used = dropoutP > 0 ? probsDropped : probs;
                // dv += used^T · dctx ; d(used) = dctx · v^T
                if (dv != null) Gemm.sgemm(true, false, len, d, len, used, po, len, dctx, rowOff, hidden, dv, rowOff, hidden, true);
                if (dq == null && dk == null) continue;
                Gemm.sgemm(false, true, len, len, d, dctx, rowOff, hidden, v, rowOff, hidden, dp, 0, len, false);
                if (dropoutP > 0) droppedBackward(dp, probsDropped, po, len * len, 1f / (1f - dropoutP));
                softmaxBackwardRows(dp, 0, probs, po, len, len, scale);
                // dq += ds · k ; dk += ds^T · q
                if (dq != null) Gemm.sgemm(false, false, len, d, len, dp, 0, len, k, rowOff, hidden, dq, rowOff, hidden, true);
                if (dk != null) Gemm.sgemm(true, false, len, d, len, dp, 0, len, q, rowOff, hidden, dk, rowOff, hidden, true);
            }
        });
    }
}
