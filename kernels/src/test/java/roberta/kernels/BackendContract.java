package roberta.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Backend} must do, checked operation by operation, forward and backward,
 * against {@link ReferenceOps} at awkward sizes (1, primes, just past a tile or a block). A
 * backend's test extends this and supplies the backend (candle's {@code test_device!}).
 * Conventions checked too: backward kernels add into gradients and skip null ones.
 */
abstract class BackendContract {
    abstract Backend backend();

    /** (rows, in, out) for products: a single row, primes, just past the 8 x 32 tile and the 256-deep block. */
    private static final int[][] SHAPES = {{1, 1, 1}, {3, 5, 7}, {17, 33, 9}, {9, 300, 35}, {130, 48, 65}};

    private final SplittableRandom rng = new SplittableRandom(20261201);

    float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rng.nextDouble() * 2 - 1);
        return a;
    }

    Tensor tensor(float[] values, int... shape) {
        return backend().fromHost(values, shape);
    }

    /** |actual - expected| within tol relative to the largest expected value (at least 1). */
    static void assertClose(double[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double scale = 1;
        for (double e : expected) scale = Math.max(scale, Math.abs(e));
        for (int i = 0; i < expected.length; i++)
            if (!(Math.abs(actual[i] - expected[i]) <= tol * scale))
                throw new AssertionError(what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i] + " (tolerance " + tol * scale + ")");
    }

    static double[] plus(double[] a, float[] b) {
        double[] r = a.clone();
        for (int i = 0; i < r.length; i++) r[i] += b[i];
        return r;
    }

    // ------------------------------------------------------------------ memory

    @Test
    void memoryRoundTrips() {
        Backend be = backend();
        float[] v = random(37);
        Tensor t = tensor(v, 37);
        assertArrayEquals(v, be.toHost(t));
        int[] rows = {3, 1, 0};
        IntTensor uploaded = be.ints(rows);
        rows[0] = 4; // the backend holds its own copy of the integers
        assertEquals(3, uploaded.size());
        float[] table = random(5 * 2);
        Tensor picked = be.empty(3, 2);
        be.gatherRows(picked, tensor(table, 5, 2), uploaded);
        assertArrayEquals(new float[] {table[6], table[7], table[2], table[3], table[0], table[1]}, be.toHost(picked));
        be.release(uploaded);
        float[] w = random(37);
        be.copyFromHost(t, w);
        assertArrayEquals(w, be.toHost(t));
        be.fill(t, 2.5f);
        for (float x : be.toHost(t)) assertEquals(2.5f, x);
        for (float x : be.toHost(be.zeros(5, 7))) assertEquals(0f, x);
        assertEquals(35, be.empty(5, 7).size());
        assertEquals(4L * 37, be.residentBytes(t));
        be.release(t);
        be.synchronize();
    }

    // ------------------------------------------------------------------ linear

    @Test
    void linearForwardAndBackward() {
        Backend be = backend();
        for (int[] s : SHAPES) {
            int n = s[0], in = s[1], out = s[2];
            float[] x = random(n * in), w = random(out * in), b = random(out), dout = random(n * out);
            Tensor y = be.empty(n, out);
            be.linear(y, tensor(x, n, in), tensor(w, out, in), tensor(b, out));
            assertClose(ReferenceOps.linear(x, w, b, n, in, out), be.toHost(y), 1e-5, "linear " + n + "x" + in + "x" + out);
            be.linear(y, tensor(x, n, in), tensor(w, out, in), null);
            assertClose(ReferenceOps.linear(x, w, null, n, in, out), be.toHost(y), 1e-5, "linear without bias");

            double[][] ref = ReferenceOps.linearBackward(dout, x, w, n, in, out);
            float[] dx0 = random(n * in), dw0 = random(out * in), db0 = random(out);
            Tensor dx = tensor(dx0, n, in), dw = tensor(dw0, out, in), db = tensor(db0, out);
            be.linearBackward(dx, dw, db, tensor(dout, n, out), tensor(x, n, in), tensor(w, out, in), true);
            assertClose(plus(ref[0], dx0), be.toHost(dx), 1e-5, "dx adds into the gradient");
            assertClose(plus(ref[1], dw0), be.toHost(dw), 1e-5, "dw");
            assertClose(plus(ref[2], db0), be.toHost(db), 1e-5, "db");
            float[] garbage = random(n * in);
            garbage[0] = Float.NaN; // never read when overwriting (0 * NaN would leak it through a beta-0 product done as an add)
            Tensor dxFresh = tensor(garbage, n, in);
            be.linearBackward(dxFresh, null, null, tensor(dout, n, out), tensor(x, n, in), tensor(w, out, in), false);
            assertClose(ref[0], be.toHost(dxFresh), 1e-5, "dx overwritten (accumulateDx false)");
            Tensor dwOnly = be.zeros(out, in);
            be.linearBackward(null, dwOnly, null, tensor(dout, n, out), tensor(x, n, in), tensor(w, out, in), true);
            assertClose(ref[1], be.toHost(dwOnly), 1e-5, "dw alone (null gradients skipped)");
        }
    }

    @Test
    void packedWeightsGiveTheSameProducts() {
        Backend be = backend();
        for (int[] s : SHAPES) {
            int n = s[0], in = s[1], out = s[2];
            float[] x = random(n * in), w = random(out * in), b = random(out);
            double[] ref = ReferenceOps.linear(x, w, b, n, in, out);
            Tensor y = be.empty(n, out);
            float[] scratch = w.clone();
            Tensor packed = be.packedWeight(scratch, out, in);
            java.util.Arrays.fill(scratch, Float.NaN); // the caller reuses its buffer at once (loading does)
            be.linear(y, tensor(x, n, in), packed, tensor(b, out));
            assertClose(ref, be.toHost(y), 1e-5, "packed weight (its own copy, not the caller's buffer)");
            assertArrayEquals(w, be.toHost(packed), "a packed weight reads back as it was given");
            Tensor later = tensor(w, out, in);
            be.packForInference(later);
            be.linear(y, tensor(x, n, in), later, tensor(b, out));
            assertClose(ref, be.toHost(y), 1e-5, "packed for inference");
            // a weight a product used already (the backend may keep a pack of it), then changed, then
            // packed for inference: the new values count, and an unchanged one stays as it was
            float[] w2 = random(out * in);
            Tensor trained = tensor(w, out, in), kept = tensor(w, out, in);
            be.linear(y, tensor(x, n, in), trained, tensor(b, out));
            be.linear(y, tensor(x, n, in), kept, tensor(b, out));
            be.copyFromHost(trained, w2);
            be.packForInference(trained);
            be.packForInference(kept);
            be.linear(y, tensor(x, n, in), trained, tensor(b, out));
            assertClose(ReferenceOps.linear(x, w2, b, n, in, out), be.toHost(y), 1e-5, "changed after a product, then packed for inference");
            be.linear(y, tensor(x, n, in), kept, tensor(b, out));
            assertClose(ref, be.toHost(y), 1e-5, "used by a product, then packed for inference");
        }
    }

    @Test
    void halfPrecisionWeightsWidenExactly() {
        Backend be = backend();
        int n = 9, in = 300, out = 35;
        float[] x = random(n * in), w = random(out * in);
        for (HalfFormat format : HalfFormat.values()) {
            short[] bits = new short[w.length];
            float[] widened = new float[w.length];
            for (int i = 0; i < w.length; i++) {
                bits[i] = format == HalfFormat.F16 ? Float.floatToFloat16(w[i]) : (short) (Float.floatToRawIntBits(w[i]) >>> 16);
                widened[i] = format == HalfFormat.F16 ? Float.float16ToFloat(bits[i]) : Float.intBitsToFloat(bits[i] << 16);
            }
            Tensor half = be.packedHalfWeight(bits, format, out, in);
            assertArrayEquals(widened, be.toHost(half), format + " reads back widened");
            long bytes = be.residentBytes(half); // 2 a value, plus whatever padding the layout adds
            assertTrue(bytes >= 2L * w.length && bytes < 4L * w.length, format + " stays half in memory: " + bytes + " bytes");
            Tensor y = be.empty(n, out);
            be.linear(y, tensor(x, n, in), half, null);
            assertClose(ReferenceOps.linear(x, widened, null, n, in, out), be.toHost(y), 1e-5, format + " product");
        }
    }

    // ------------------------------------------------------------------ embeddings, rows, element-wise

    @Test
    void embeddingLooksUpAddsAndScattersBack() {
        Backend be = backend();
        int vocab = 11, h = 13;
        float[] table = random(vocab * h), base = random(5 * h), dout = random(5 * h);
        int[] ids = {3, 0, 10, 3, 1};
        Tensor out = tensor(base, 5, h);
        be.embedding(out, tensor(table, vocab, h), be.ints(ids), true);
        double[] expected = new double[5 * h];
        for (int i = 0; i < 5; i++) for (int j = 0; j < h; j++) expected[i * h + j] = base[i * h + j] + table[ids[i] * h + j];
        assertClose(expected, be.toHost(out), 1e-6, "embedding, accumulated");
        be.embedding(out, tensor(table, vocab, h), be.ints(ids), false);
        for (int i = 0; i < 5; i++) for (int j = 0; j < h; j++) expected[i * h + j] = table[ids[i] * h + j];
        assertClose(expected, be.toHost(out), 0, "embedding");

        Tensor dtable = be.zeros(vocab, h);
        be.embeddingBackward(dtable, tensor(dout, 5, h), be.ints(ids), 1);
        double[] dref = new double[vocab * h];
        for (int i = 0; i < 5; i++) if (ids[i] != 1) for (int j = 0; j < h; j++) dref[ids[i] * h + j] += dout[i * h + j];
        assertClose(dref, be.toHost(dtable), 1e-6, "embedding backward (repeated ids add, the padding row gets nothing)");
    }

    @Test
    void gatherRowsAndBack() {
        Backend be = backend();
        int rows = 7, h = 19;
        float[] x = random(rows * h), dout = random(3 * h);
        int[] pick = {6, 0, 6};
        Tensor out = be.empty(3, h);
        be.gatherRows(out, tensor(x, rows, h), be.ints(pick));
        double[] expected = new double[3 * h];
        for (int i = 0; i < 3; i++) for (int j = 0; j < h; j++) expected[i * h + j] = x[pick[i] * h + j];
        assertClose(expected, be.toHost(out), 0, "gatherRows");
        Tensor dx = be.zeros(rows, h);
        be.gatherRowsBackward(dx, tensor(dout, 3, h), be.ints(pick));
        double[] dref = new double[rows * h];
        for (int i = 0; i < 3; i++) for (int j = 0; j < h; j++) dref[pick[i] * h + j] += dout[i * h + j];
        assertClose(dref, be.toHost(dx), 1e-6, "gatherRows backward");
    }

    @Test
    void elementWise() {
        Backend be = backend();
        for (int n : new int[] {1, 31, 16_411, 70_001}) {
            float[] a = random(n), b = random(n);
            Tensor out = be.empty(n);
            be.add(out, tensor(a, n), tensor(b, n));
            double[] sum = new double[n];
            for (int i = 0; i < n; i++) sum[i] = (double) a[i] + b[i];
            assertClose(sum, be.toHost(out), 1e-7, "add " + n);
            Tensor acc = tensor(a, n);
            be.accumulate(acc, tensor(b, n));
            assertClose(sum, be.toHost(acc), 1e-7, "accumulate");
            be.scale(acc, -0.5f);
            for (int i = 0; i < n; i++) sum[i] *= -0.5;
            assertClose(sum, be.toHost(acc), 1e-7, "scale");
            double squares = 0;
            for (float v : a) squares += (double) v * v;
            assertEquals(squares, be.sumOfSquares(tensor(a, n)), 1e-9 * n);
            double both = squares;
            for (float v : b) both += (double) v * v;
            assertEquals(both, be.sumOfSquares(List.of(tensor(a, n), tensor(b, n))), 1e-9 * n, "one global sum for many tensors");
        }
    }

    // ------------------------------------------------------------------ LayerNorm, activations, dropout

    @Test
    void layerNormForwardAndBackward() {
        Backend be = backend();
        for (int[] s : new int[][] {{1, 1}, {3, 7}, {17, 48}, {5, 769}}) {
            int rows = s[0], cols = s[1];
            float[] x = random(rows * cols), g = random(cols), b = random(cols), dout = random(rows * cols);
            for (int i = 0; i < x.length; i++) x[i] = x[i] * 3 + 1; // an offset and a spread
            double[][] ref = ReferenceOps.layerNorm(x, g, b, rows, cols, 1e-5);
            Tensor out = be.empty(rows, cols), mean = be.empty(rows), rstd = be.empty(rows);
            be.layerNorm(out, mean, rstd, tensor(x, rows, cols), tensor(g, cols), tensor(b, cols), 1e-5f);
            assertClose(ref[0], be.toHost(out), 2e-5, "layerNorm " + rows + "x" + cols);
            assertClose(ref[1], be.toHost(mean), 1e-5, "saved mean");
            assertClose(ref[2], be.toHost(rstd), 1e-4, "saved rstd");

            double[][] dref = ReferenceOps.layerNormBackward(dout, x, g, rows, cols, 1e-5);
            float[] dg0 = random(cols);
            float[] dx0 = random(rows * cols);
            Tensor dx = tensor(dx0, rows, cols), dg = tensor(dg0, cols), db = be.zeros(cols);
            be.layerNormBackward(dx, dg, db, tensor(dout, rows, cols), tensor(x, rows, cols), mean, rstd, tensor(g, cols), true);
            assertClose(plus(dref[0], dx0), be.toHost(dx), 1e-4, "layerNorm dx (adds)");
            float[] garbage = random(rows * cols);
            garbage[0] = Float.NaN; // never read when overwriting
            Tensor fresh = tensor(garbage, rows, cols);
            be.layerNormBackward(fresh, null, null, tensor(dout, rows, cols), tensor(x, rows, cols), mean, rstd, tensor(g, cols), false);
            assertClose(dref[0], be.toHost(fresh), 1e-4, "layerNorm dx (overwrites)");
            assertClose(plus(dref[1], dg0), be.toHost(dg), 1e-4, "dgamma adds");
            assertClose(dref[2], be.toHost(db), 1e-5, "dbeta");
        }
    }

    /** Rows whose mean is exactly 0 (symmetric values) and a constant row: the variance is still the squares' mean. */
    @Test
    void layerNormOfZeroMeanAndConstantRows() {
        Backend be = backend();
        int rows = 3, cols = 6;
        float[] x = {1, -1, 2, -2, 0.5f, -0.5f, /**/ 3, -3, 0, 0, 7, -7, /**/ 4, 4, 4, 4, 4, 4};
        float[] g = {1, 1, 1, 1, 1, 1}, b = new float[cols];
        double[][] ref = ReferenceOps.layerNorm(x, g, b, rows, cols, 1e-5);
        Tensor out = be.empty(rows, cols), mean = be.empty(rows), rstd = be.empty(rows);
        be.layerNorm(out, mean, rstd, tensor(x, rows, cols), tensor(g, cols), tensor(b, cols), 1e-5f);
        assertClose(ref[0], be.toHost(out), 2e-5, "layerNorm of zero-mean and constant rows");
        assertClose(ref[2], be.toHost(rstd), 1e-4, "their saved rstd");
    }

    @Test
    void geluAndTanhForwardAndBackward() {
        Backend be = backend();
        int n = 4099;
        float[] x = random(n), dout = random(n);
        for (int i = 0; i < n; i++) x[i] *= 8; // [-8, 8]: both tails
        double[] gelu = new double[n], dgelu = new double[n], tanh = new double[n], dtanh = new double[n];
        for (int i = 0; i < n; i++) {
            gelu[i] = ReferenceOps.gelu(x[i]);
            dgelu[i] = dout[i] * ReferenceOps.geluDerivative(x[i]);
            tanh[i] = Math.tanh(x[i]);
        }
        Tensor out = be.empty(n);
        be.gelu(out, tensor(x, n));
        assertClose(gelu, be.toHost(out), 1e-6, "gelu (exact erf form)");
        float[] dx0 = random(n);
        Tensor dx = tensor(dx0, n);
        be.geluBackward(dx, tensor(dout, n), tensor(x, n), true);
        assertClose(plus(dgelu, dx0), be.toHost(dx), 1e-5, "gelu backward (adds into dx)");
        float[] garbage = random(n);
        garbage[0] = Float.NaN; // never read when overwriting
        Tensor fresh = tensor(garbage, n);
        be.geluBackward(fresh, tensor(dout, n), tensor(x, n), false);
        assertClose(dgelu, be.toHost(fresh), 1e-5, "gelu backward (overwrites dx)");

        be.tanh(out, tensor(x, n));
        assertClose(tanh, be.toHost(out), 1e-6, "tanh");
        float[] t = be.toHost(out);
        for (int i = 0; i < n; i++) dtanh[i] = dout[i] * (1 - (double) t[i] * t[i]);
        Tensor dt = be.zeros(n);
        be.tanhBackward(dt, tensor(dout, n), out);
        assertClose(dtanh, be.toHost(dt), 1e-6, "tanh backward (from its output)");
    }

    @Test
    void dropoutKeepsAndScalesBySeed() {
        Backend be = backend();
        int n = 50_000;
        float p = 0.1f;
        float[] x = random(n), dout = random(n);
        Tensor out = be.empty(n), mask = be.empty(n);
        be.dropout(out, mask, tensor(x, n), p, 7);
        float[] o = be.toHost(out), m = be.toHost(mask);
        int dropped = 0;
        for (int i = 0; i < n; i++) {
            assertTrue(m[i] == 0f || m[i] == 1f / (1f - p), "mask is 0 or 1/(1-p)");
            assertEquals(x[i] * m[i], o[i], 1e-7);
            if (m[i] == 0f) dropped++;
        }
        assertEquals(p * n, dropped, 5 * Math.sqrt(n * p * (1 - p)), "about p of the values dropped");
        Tensor again = be.empty(n), mask2 = be.empty(n);
        be.dropout(again, mask2, tensor(x, n), p, 7);
        assertArrayEquals(m, be.toHost(mask2), "same seed, same mask");
        be.dropout(again, mask2, tensor(x, n), p, 8);
        assertNotEquals(java.util.Arrays.hashCode(m), java.util.Arrays.hashCode(be.toHost(mask2)), "another seed, another mask");
        float[] dx0 = random(n);
        Tensor dx = tensor(dx0, n);
        be.dropoutBackward(dx, tensor(dout, n), mask, true);
        double[] dref = new double[n];
        for (int i = 0; i < n; i++) dref[i] = (double) dout[i] * m[i];
        assertClose(plus(dref, dx0), be.toHost(dx), 1e-6, "dropout backward (adds)");
        float[] garbage = random(n);
        garbage[0] = Float.NaN; // never read when overwriting
        Tensor fresh = tensor(garbage, n);
        be.dropoutBackward(fresh, tensor(dout, n), mask, false);
        assertClose(dref, be.toHost(fresh), 1e-7, "dropout backward (overwrites)");
    }

    // ------------------------------------------------------------------ attention

    @Test
    void attentionOverPackedSequences() {
        // head size 7: every vector loop's tail
        attentionMatchesTheReference(3, 3 * 7, new int[] {0, 1, 18}, new int[] {1, 17, 33}); // a one-token sequence, odd lengths
    }

    @Test
    void attentionAtRealHeadSizes() {
        // head size 64 (every RoBERTa) and 32, sequences of 128 and 61: the vector loops' full widths
        attentionMatchesTheReference(4, 256, new int[] {0, 128}, new int[] {128, 61});
        attentionMatchesTheReference(2, 64, new int[] {0, 40}, new int[] {40, 77});
    }

    @Test
    void attentionOverLongSequences() {
        // 300 and 517 tokens: the CPU's inference path takes a pair's query rows a block at a time
        // (104 and 56 rows of scores), the last block shorter
        attentionMatchesTheReference(2, 128, new int[] {0, 300}, new int[] {300, 517});
    }

    @Test
    void attentionDropoutLeavesANaNProbabilityNaN() {
        // as PyTorch's dropout (x * mask / keep): a dropped NaN stays NaN, on every backend alike
        Backend be = backend();
        int heads = 2, hidden = 2 * 8, len = 20, bad = 3;
        float[] q = random(len * hidden), k = random(len * hidden), v = random(len * hidden);
        for (int c = 0; c < hidden; c++) q[bad * hidden + c] = Float.NaN; // token 3's scores, every head
        int[] start = {0}, lens = {len};
        Tensor probs = be.empty(Backend.attentionProbsSize(lens, heads)), dropped = be.empty(Backend.attentionProbsSize(lens, heads));
        be.attention(be.empty(len, hidden), probs, dropped, tensor(q, len, hidden), tensor(k, len, hidden), tensor(v, len, hidden),
                be.ints(start), be.ints(lens), heads, 0.5f, 11);
        float[] d = be.toHost(dropped);
        int nan = 0, zero = 0;
        for (int h = 0; h < heads; h++)
            for (int r = 0; r < len; r++)
                for (int j = 0; j < len; j++) {
                    float x = d[(h * len + r) * len + j];
                    if (r == bad) assertTrue(Float.isNaN(x), "head " + h + " row " + bad + " column " + j + ": " + x);
                    else if (x == 0f) zero++;
                    if (Float.isNaN(x)) nan++;
                }
        assertEquals(heads * len, nan, "only the NaN row");
        assertTrue(zero > 0, "some of the other rows' entries were dropped");
    }

    private void attentionMatchesTheReference(int heads, int hidden, int[] start, int[] len) {
        Backend be = backend();
        int n = start[start.length - 1] + len[len.length - 1];
        float[] q = random(n * hidden), k = random(n * hidden), v = random(n * hidden), dctx = random(n * hidden);
        for (int i = 0; i < q.length; i++) q[i] *= 4; // peaky softmax rows
        double[][] ref = ReferenceOps.attention(q, k, v, start, len, heads, hidden);
        int probsSize = Backend.attentionProbsSize(len, heads);
        Tensor ctx = be.empty(n, hidden), probs = be.empty(probsSize);
        Tensor tq = tensor(q, n, hidden), tk = tensor(k, n, hidden), tv = tensor(v, n, hidden);
        be.attention(ctx, probs, probs, tq, tk, tv, be.ints(start), be.ints(len), heads, 0f, 0);
        assertClose(ref[0], be.toHost(ctx), 1e-5, "attention context");
        assertClose(ref[1], be.toHost(probs), 1e-5, "attention probabilities");
        Tensor unkept = be.empty(n, hidden);
        be.attention(unkept, null, null, tq, tk, tv, be.ints(start), be.ints(len), heads, 0f, 0);
        assertClose(ref[0], be.toHost(unkept), 1e-5, "attention context without materialised probabilities");

        double[][] dref = ReferenceOps.attentionBackward(dctx, q, k, v, start, len, heads, hidden);
        Tensor dq = be.zeros(n, hidden), dk = be.zeros(n, hidden), dv = be.zeros(n, hidden);
        be.attentionBackward(dq, dk, dv, tensor(dctx, n, hidden), tq, tk, tv, probs, probs, be.ints(start), be.ints(len), heads, 0f);
        assertClose(dref[0], be.toHost(dq), 1e-4, "dq");
        assertClose(dref[1], be.toHost(dk), 1e-4, "dk");
        assertClose(dref[2], be.toHost(dv), 1e-5, "dv");
    }

    // ------------------------------------------------------------------ losses and AdamW

    @Test
    void lossesAndTheirGradients() {
        Backend be = backend();
        int rows = 6, cols = 5;
        float[] logits = random(rows * cols);
        for (int i = 0; i < logits.length; i++) logits[i] *= 6;
        int[] labels = {4, -100, 0, 2, -100, 4};
        double[] dref = new double[rows * cols];
        double ref = ReferenceOps.crossEntropy(dref, logits, rows, cols, labels, -100);
        Tensor dlogits = be.empty(rows, cols);
        assertEquals(ref, be.crossEntropy(dlogits, tensor(logits, rows, cols), be.ints(labels), -100), 1e-6);
        assertClose(dref, be.toHost(dlogits), 1e-6, "cross-entropy gradient (ignored rows zero)");
        assertEquals(0, be.crossEntropy(null, tensor(logits, rows, cols), be.ints(new int[] {-100, -100, -100, -100, -100, -100}), -100), 0,
                "nothing to score: zero");

        float[] targets = random(rows * cols), bin = new float[rows * cols];
        for (int i = 0; i < bin.length; i++) bin[i] = targets[i] > 0 ? 1 : 0;
        double mse = 0, bce = 0;
        double[] dmse = new double[rows * cols], dbce = new double[rows * cols];
        int n = rows * cols;
        for (int i = 0; i < n; i++) {
            double diff = logits[i] - targets[i], sig = 1 / (1 + Math.exp(-logits[i]));
            mse += diff * diff / n;
            dmse[i] = 2 * diff / n;
            bce += -(bin[i] * Math.log(sig) + (1 - bin[i]) * Math.log(1 - sig)) / n;
            dbce[i] = (sig - bin[i]) / n;
        }
        Tensor g = be.empty(rows, cols);
        assertEquals(mse, be.mse(g, tensor(logits, rows, cols), targets), 1e-6);
        assertClose(dmse, be.toHost(g), 1e-6, "mse gradient");
        assertEquals(bce, be.bceWithLogits(g, tensor(logits, rows, cols), bin), 1e-6);
        assertClose(dbce, be.toHost(g), 1e-6, "bce gradient");
    }

    @Test
    void adamwMatchesPyTorchsStep() {
        Backend be = backend();
        int n = 20_003;
        float[] p = random(n), g = random(n), m = random(n), v = random(n);
        for (int i = 0; i < n; i++) v[i] = Math.abs(v[i]) * 0.01f;
        for (int t : new int[] {1, 50}) {
            for (int variant = 0; variant < 4; variant++) { // unclipped or clipped (the gradient times the factor), kept or cleared
                float scale = variant % 2 == 0 ? 1f : 0.37f;
                boolean clear = variant >= 2;
                float[] scaled = g.clone();
                for (int i = 0; i < n; i++) scaled[i] *= scale;
                double[][] ref = ReferenceOps.adamw(p, scaled, m, v, 1e-3, 0.9, 0.999, 1e-8, 0.01, t);
                Tensor tp = tensor(p, n), tm = tensor(m, n), tv = tensor(v, n), tg = tensor(g, n);
                be.adamw(tp, tg, tm, tv, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, t, scale, clear);
                String at = " at step " + t + ", gradient scale " + scale + (clear ? ", cleared" : "");
                assertClose(ref[0], be.toHost(tp), 1e-6, "parameter" + at);
                assertClose(ref[1], be.toHost(tm), 1e-6, "first moment" + at);
                assertClose(ref[2], be.toHost(tv), 1e-6, "second moment" + at);
                float[] after = be.toHost(tg);
                for (int i = 0; i < n; i++) assertEquals(clear ? 0f : g[i], after[i], "gradient[" + i + "] after the step" + at);
            }
        }
    }
}
