package roberta.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static roberta.kernels.cuda.DeviceArrays.download;
import static roberta.kernels.cuda.DeviceArrays.upload;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import roberta.kernels.CpuBackend;
import roberta.kernels.Tensor;

/**
 * The .cu kernels, built for the host by g++ through the shim, launched through the emulator
 * (DeviceApi copies, launch by name) against the CPU kernels they mirror.
 */
class HostKernelsTest {
    private static final CpuBackend CPU = CpuBackend.INSTANCE;
    private static final int[] SIZES = {1, 7, 1000, 4099};
    private final EmulatedDevice dev = HostKernels.device();
    private final Random rnd = new Random(42);

    @AfterEach
    void close() {
        assertEquals(0, dev.liveAllocations(), "every test frees what it allocates");
        dev.close();
    }

    private float[] randoms(int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * scale);
        return a;
    }

    private float[] cpu(Tensor t) {
        float[] a = CPU.toHost(t);
        CPU.release(t);
        return a;
    }

    /** Grids of 1 block, of too few blocks (grid-stride loops) and of enough blocks. */
    private static int[][] launches(int n) {
        return new int[][] {{1, 32}, {3, 64}, {(n + 127) / 128, 128}};
    }

    private static void close(float[] expected, float[] actual, double rel, double abs, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            double tol = abs + rel * Math.abs(expected[i]);
            if (!(Math.abs(expected[i] - actual[i]) <= tol))
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", CPU has " + expected[i]);
        }
    }

    @Test
    void fillAddScaleMatchCpuBackendExactly() {
        for (int n : SIZES) {
            for (int[] g : launches(n)) {
                String at = "n = " + n + ", grid " + g[0] + " x " + g[1];
                float[] a = randoms(n, 3), b = randoms(n, 3);
                long pa = upload(dev, a), pb = upload(dev, b), po = dev.malloc(4L * n);

                dev.launch("add_f32", Dim3.of(g[0]), Dim3.of(g[1]), 0, new Ptr(po), new Ptr(pa), new Ptr(pb), n);
                Tensor ta = CPU.fromHost(a, n), tb = CPU.fromHost(b, n), to = CPU.zeros(n);
                CPU.add(to, ta, tb);
                assertArrayEquals(cpu(to), download(dev, po, n), at);

                dev.launch("scale_f32", Dim3.of(g[0]), Dim3.of(g[1]), 0, new Ptr(pa), n, -0.37f);
                CPU.scale(ta, -0.37f);
                assertArrayEquals(cpu(ta), download(dev, pa, n), at);

                int blocks = (n + g[1] - 1) / g[1]; // fill is one thread per element: enough blocks
                dev.launch("fill_f32", Dim3.of(blocks), Dim3.of(g[1]), 0, new Ptr(pb), n, 2.5f);
                CPU.fill(tb, 2.5f);
                assertArrayEquals(cpu(tb), download(dev, pb, n), at);
                dev.free(pa);
                dev.free(pb);
                dev.free(po);
            }
        }
    }

    @Test
    void fillLeavesWhatATooSmallGridDoesNotReach() {
        long p = dev.malloc(4 * 12);
        dev.memset(p, 0, 4 * 12);
        dev.launch("fill_f32", Dim3.of(2), Dim3.of(4), 0, new Ptr(p).plus(4), 11, 1f); // threads 0..7 of 11
        assertArrayEquals(new float[] {0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, download(dev, p, 12));
        dev.free(p);
    }

    @Test
    void geluForwardAndBackwardMatchActivations() {
        for (int n : SIZES) {
            for (int[] g : launches(n)) {
                String at = "n = " + n + ", grid " + g[0] + " x " + g[1];
                float[] x = randoms(n, 2.5f), dout = randoms(n, 1), dx0 = randoms(n, 1);
                if (n >= 7) { x[0] = 0f; x[1] = -6f; x[2] = 6f; x[3] = -30f; } // erf's tails
                long px = upload(dev, x), pdo = upload(dev, dout), pdx = upload(dev, dx0), po = dev.malloc(4L * n);

                dev.launch("gelu_f32", Dim3.of(g[0]), Dim3.of(g[1]), 0, new Ptr(po), new Ptr(px), n);
                Tensor tx = CPU.fromHost(x, n), to = CPU.zeros(n);
                CPU.gelu(to, tx);
                close(cpu(to), download(dev, po, n), 2e-6, 1e-6, "gelu " + at);

                dev.launch("gelu_backward_f32", Dim3.of(g[0]), Dim3.of(g[1]), 0, new Ptr(pdx), new Ptr(pdo), new Ptr(px), n, 1);
                Tensor tdx = CPU.fromHost(dx0.clone(), n), tdo = CPU.fromHost(dout, n);
                CPU.geluBackward(tdx, tdo, tx, true);
                close(cpu(tdx), download(dev, pdx, n), 2e-6, 1e-6, "gelu backward (adds into dx) " + at);
                dev.launch("gelu_backward_f32", Dim3.of(g[0]), Dim3.of(g[1]), 0, new Ptr(pdx), new Ptr(pdo), new Ptr(px), n, 0);
                CPU.geluBackward(tdx, tdo, tx, false);
                close(cpu(tdx), download(dev, pdx, n), 2e-6, 1e-6, "gelu backward (overwrites dx) " + at);
                CPU.release(tdx);
                CPU.release(tx);
                CPU.release(tdo);
                for (long p : new long[] {px, pdo, pdx, po}) dev.free(p);
            }
        }
    }

    /** sum_f64, the last step of every read-back sum: one block of any size adds n doubles; a math.fsum-exact total within double rounding. */
    @Test
    void sumF64AddsEveryDoubleInOneBlock() {
        for (int n : new int[] {1, 7, 255, 256, 257, 4099}) {
            for (int threads : new int[] {32, 100, 256}) {
                double[] x = new double[n];
                java.math.BigDecimal exact = java.math.BigDecimal.ZERO;
                for (int i = 0; i < n; i++) {
                    x[i] = rnd.nextGaussian() * Math.pow(2, rnd.nextInt(20) - 10);
                    exact = exact.add(new java.math.BigDecimal(x[i]));
                }
                int[] words = new int[2 * n];
                for (int i = 0; i < n; i++) {
                    long b = Double.doubleToRawLongBits(x[i]);
                    words[2 * i] = (int) b;            // little-endian: low word first
                    words[2 * i + 1] = (int) (b >>> 32);
                }
                long px = dev.malloc(8L * n), out = dev.malloc(8);
                dev.copyToDevice(words, 0, px, 0, words.length);
                dev.launch("sum_f64", Dim3.of(1), Dim3.of(threads), 0, new Ptr(out), 2, new Ptr(px), 2 * n);
                int[] got = new int[2];
                dev.copyToHost(out, 0, got, 0, 2);
                double total = Double.longBitsToDouble((long) got[1] << 32 | (got[0] & 0xffffffffL));
                double absSum = 0;
                for (double v : x) absSum += Math.abs(v);
                // n additions in double: each off by at most half an ulp of a partial sum
                assertEquals(exact.doubleValue(), total, n * Math.ulp(absSum), "n = " + n + ", " + threads + " threads");
                dev.free(px);
                dev.free(out);
            }
        }
    }

    @Test
    void accumulateMatchesCpuBackendExactly() {
        for (int n : SIZES) {
            for (int[] g : launches(n)) {
                String at = "n = " + n + ", grid " + g[0] + " x " + g[1];
                float[] acc = randoms(n, 3), x = randoms(n, 3);
                long pa = upload(dev, acc), px = upload(dev, x);
                dev.launch("accumulate_f32", Dim3.of(g[0]), Dim3.of(g[1]), 0, new Ptr(pa), new Ptr(px), n);
                Tensor ta = CPU.fromHost(acc, n), tx = CPU.fromHost(x, n);
                CPU.accumulate(ta, tx);
                assertArrayEquals(cpu(ta), download(dev, pa, n), at);
                // acc may be x: x += x
                dev.launch("accumulate_f32", Dim3.of(g[0]), Dim3.of(g[1]), 0, new Ptr(px), new Ptr(px), n);
                CPU.accumulate(tx, tx);
                assertArrayEquals(cpu(tx), download(dev, px, n), "x += x, " + at);
                dev.free(pa);
                dev.free(px);
            }
        }
    }

    @Test
    void tanhForwardAndBackwardMatchActivations() {
        for (int n : SIZES) {
            for (int[] g : launches(n)) {
                String at = "n = " + n + ", grid " + g[0] + " x " + g[1];
                float[] x = randoms(n, 2.5f), dout = randoms(n, 1), dx0 = randoms(n, 1);
                if (n >= 7) { x[0] = 0f; x[1] = -20f; x[2] = 20f; x[3] = 1e-7f; } // saturation and the origin
                long px = upload(dev, x), pdo = upload(dev, dout), pdx = upload(dev, dx0), po = dev.malloc(4L * n);

                dev.launch("tanh_f32", Dim3.of(g[0]), Dim3.of(g[1]), 0, new Ptr(po), new Ptr(px), n);
                Tensor tx = CPU.fromHost(x, n), to = CPU.zeros(n);
                CPU.tanh(to, tx);
                float[] out = CPU.toHost(to);
                close(out, download(dev, po, n), 2e-6, 1e-7, "tanh " + at);

                // backward from the CPU's forward output, so only the backward formula is compared
                dev.copyToDevice(out, 0, po, 0, n);
                dev.launch("tanh_backward_f32", Dim3.of(g[0]), Dim3.of(g[1]), 0, new Ptr(pdx), new Ptr(pdo), new Ptr(po), n);
                Tensor tdx = CPU.fromHost(dx0.clone(), n), tdo = CPU.fromHost(dout, n);
                CPU.tanhBackward(tdx, tdo, to);
                // a rounding apart at most: g++ may fuse the multiply-add (aarch64 does by default), the JVM does not
                close(cpu(tdx), download(dev, pdx, n), 1e-6, 1e-7, "tanh backward (adds into dx) " + at);
                CPU.release(to);
                CPU.release(tx);
                CPU.release(tdo);
                for (long p : new long[] {px, pdo, pdx, po}) dev.free(p);
            }
        }
    }

    @Test
    void dropoutMasksAreBitIdenticalToCpuBackendForTheSameSeed() {
        // seeds with the top bit set and with both halves non-zero: the 64-bit seed crosses as two unsigned ints
        long[] seeds = {0L, 1L, 0xDEADBEEF_CAFEF00DL, -1L, 0x8000_0000_0000_0001L};
        float[] ps = {0.1f, 0.5f, 0.9f};
        for (int n : SIZES) {
            for (int[] g : launches(n)) {
                for (long seed : seeds) {
                    float p = ps[Math.floorMod((int) seed + n, ps.length)];
                    String at = "n = " + n + ", grid " + g[0] + " x " + g[1] + ", p = " + p + ", seed " + Long.toHexString(seed);
                    float[] x = randoms(n, 2), dout = randoms(n, 1), dx0 = randoms(n, 1);
                    long px = upload(dev, x), pdo = upload(dev, dout), pdx = upload(dev, dx0), po = dev.malloc(4L * n), pm = dev.malloc(4L * n);
                    dev.launch("dropout_f32", Dim3.of(g[0]), Dim3.of(g[1]), 0, new Ptr(po), new Ptr(pm), new Ptr(px), n, p,
                        (int) seed, (int) (seed >>> 32));
                    Tensor tx = CPU.fromHost(x, n), to = CPU.zeros(n), tm = CPU.zeros(n);
                    CPU.dropout(to, tm, tx, p, seed);
                    float[] mask = CPU.toHost(tm);
                    assertArrayEquals(mask, download(dev, pm, n), "mask " + at);
                    assertArrayEquals(cpu(to), download(dev, po, n), "out " + at);

                    dev.launch("dropout_backward_f32", Dim3.of(g[0]), Dim3.of(g[1]), 0, new Ptr(pdx), new Ptr(pdo), new Ptr(pm), n, 1);
                    Tensor tdx = CPU.fromHost(dx0.clone(), n), tdo = CPU.fromHost(dout, n);
                    CPU.dropoutBackward(tdx, tdo, tm, true);
                    // a rounding apart at most: g++ may fuse the multiply-add (aarch64 does by default), the JVM does not
                    close(cpu(tdx), download(dev, pdx, n), 1e-6, 1e-7, "dropout backward (adds into dx) " + at);
                    for (Tensor t : new Tensor[] {tx, tm, tdo}) CPU.release(t);
                    for (long q : new long[] {px, pdo, pdx, po, pm}) dev.free(q);
                }
            }
        }
        // in place (out = x), and the mask really drops about p of the elements
        int n = 4099;
        float[] x = randoms(n, 1);
        long px = upload(dev, x), pm = dev.malloc(4L * n);
        dev.launch("dropout_f32", Dim3.of(5), Dim3.of(128), 0, new Ptr(px), new Ptr(pm), new Ptr(px), n, 0.25f, 12345, 0);
        Tensor tx = CPU.fromHost(x, n), tm = CPU.zeros(n);
        CPU.dropout(tx, tm, tx, 0.25f, 12345L);
        assertArrayEquals(cpu(tx), download(dev, px, n), "in place");
        int dropped = 0;
        for (float m : cpu(tm)) if (m == 0f) dropped++;
        assertTrue(dropped > n / 5 && dropped < n * 3 / 10, dropped + " of " + n + " dropped at p = 0.25");
        dev.free(px);
        dev.free(pm);
    }

    @Test
    void adamwMatchesCpuBackendOverSeveralStepsWithHostBiasCorrections() {
        float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, wd = 0.01f;
        for (int n : SIZES) {
            for (int[] g : launches(n)) {
                String at = "n = " + n + ", grid " + g[0] + " x " + g[1];
                float[] p0 = randoms(n, 1);
                long pp = upload(dev, p0), pg = dev.malloc(4L * n), pm = upload(dev, new float[n]), pv = upload(dev, new float[n]);
                Tensor tp = CPU.fromHost(p0, n), tm = CPU.zeros(n), tv = CPU.zeros(n);
                for (int t = 1; t <= 3; t++) { // step 1's large bias correction, then later ones
                    float[] grad = randoms(n, t == 2 ? 1e-3f : 1f);
                    if (n >= 7) grad[0] = 0f; // m, v and the step stay 0: only the decay moves it
                    dev.copyToDevice(grad, 0, pg, 0, n);
                    float bc1 = (float) (1 - Math.pow(beta1, t)), bc2 = (float) (1 - Math.pow(beta2, t));
                    float scale = t == 3 ? 0.37f : 1f; // the last step clipped, its gradient cleared
                    boolean clear = t == 3;
                    dev.launch("adamw_f32", Dim3.of(g[0]), Dim3.of(g[1]), 0, new Ptr(pp), new Ptr(pg), new Ptr(pm), new Ptr(pv),
                        n, lr, beta1, beta2, eps, wd, bc1, bc2, scale, clear ? 1 : 0);
                    Tensor tg = CPU.fromHost(grad, n);
                    CPU.adamw(tp, tg, tm, tv, lr, beta1, beta2, eps, wd, t, scale, clear);
                    assertArrayEquals(CPU.toHost(tg), download(dev, pg, n), "grad after step " + t + ", " + at);
                    CPU.release(tg);
                    close(CPU.toHost(tm), download(dev, pm, n), 1e-6, 1e-12, "m, step " + t + ", " + at);
                    close(CPU.toHost(tv), download(dev, pv, n), 1e-6, 1e-15, "v, step " + t + ", " + at);
                    close(CPU.toHost(tp), download(dev, pp, n), 1e-6, 1e-9, "param, step " + t + ", " + at);
                }
                for (Tensor t : new Tensor[] {tp, tm, tv}) CPU.release(t);
                for (long q : new long[] {pp, pg, pm, pv}) dev.free(q);
            }
        }
    }

    @Test
    void embeddingForwardAndBackwardMatchCpuBackendWithRepeatedIdsAndPadding() {
        // {n, h, vocab}: one id of one column; ids repeating a lot (vocab 3, 11); a row wider than a block
        int[][] cases = {{1, 1, 1}, {7, 5, 3}, {1000, 7, 50}, {300, 64, 11}, {5, 300, 1000}};
        for (int[] c : cases) {
            int n = c[0], h = c[1], vocab = c[2], padding = vocab > 1 ? 1 : -1;
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) ids[i] = rnd.nextInt(vocab);
            if (n >= 7) { ids[0] = padding; ids[1] = vocab - 1; ids[2] = 0; ids[3] = vocab - 1; }
            float[] table = randoms(vocab * h, 1), out0 = randoms(n * h, 1), dout = randoms(n * h, 1), dtable0 = randoms(vocab * h, 1);
            Tensor tt = CPU.fromHost(table, vocab, h), tdo = CPU.fromHost(dout, n, h);
            var tids = CPU.ints(ids);
            long pt = upload(dev, table), pids = upload(dev, ids), pdo = upload(dev, dout);
            for (int[] g : launches(n * h)) {
                String at = n + " ids, h = " + h + ", vocab " + vocab + ", grid " + g[0] + " x " + g[1];
                for (int acc = 0; acc <= 1; acc++) {
                    long po = upload(dev, out0);
                    dev.launch("embedding_f32", Dim3.of(g[0]), Dim3.of(g[1]), 0, new Ptr(po), new Ptr(pt), new Ptr(pids), n, h, vocab, acc);
                    Tensor to = CPU.fromHost(out0.clone(), n, h);
                    CPU.embedding(to, tt, tids, acc != 0);
                    assertArrayEquals(cpu(to), download(dev, po, n * h), (acc != 0 ? "accumulate " : "copy ") + at);
                    dev.free(po);
                }
                long pdt = upload(dev, dtable0);
                dev.launch("embedding_backward_f32", Dim3.of(g[0]), Dim3.of(g[1]), 0, new Ptr(pdt), new Ptr(pdo), new Ptr(pids),
                    n, h, vocab, padding);
                Tensor tdt = CPU.fromHost(dtable0.clone(), vocab, h);
                CPU.embeddingBackward(tdt, tdo, tids, padding);
                float[] expected = cpu(tdt), actual = download(dev, pdt, vocab * h);
                // repeated ids: the atomic adds' order differs from the CPU's, so rounding only
                close(expected, actual, 1e-5, 2e-5, "embedding backward " + at);
                if (padding >= 0)
                    for (int j = 0; j < h; j++)
                        assertEquals(dtable0[padding * h + j], actual[padding * h + j], "the padding row is untouched, " + at);
                dev.free(pdt);
            }
            CPU.release(tt);
            CPU.release(tdo);
            CPU.release(tids);
            for (long q : new long[] {pt, pids, pdo}) dev.free(q);
        }
    }

    @Test
    void embeddingSkipsIdsOutsideTheTableInsteadOfReadingPastIt() {
        int h = 3, vocab = 2;
        long pt = upload(dev, new float[] {1, 2, 3, 4, 5, 6}), pids = upload(dev, new int[] {1, -1, 2, 0});
        long po = upload(dev, new float[12]);
        dev.memset(po, 0, 48);
        dev.launch("embedding_f32", Dim3.of(1), Dim3.of(32), 0, new Ptr(po), new Ptr(pt), new Ptr(pids), 4, h, vocab, 0);
        assertArrayEquals(new float[] {4, 5, 6, 0, 0, 0, 0, 0, 0, 1, 2, 3}, download(dev, po, 12));
        long pdo = upload(dev, new float[] {1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4});
        dev.launch("embedding_backward_f32", Dim3.of(1), Dim3.of(32), 0, new Ptr(pt), new Ptr(pdo), new Ptr(pids), 4, h, vocab, -1);
        assertArrayEquals(new float[] {5, 6, 7, 5, 6, 7}, download(dev, pt, 6));
        for (long q : new long[] {pt, pids, po, pdo}) dev.free(q);
    }

    @Test
    void hostAtomicAddIsAtomicAcrossConcurrentLaunches() throws Exception {
        // two Java threads' launches add into the same table row at once: without a real atomic, adds are lost
        int n = 20000, h = 1, vocab = 1;
        int[] ids = new int[n];
        float[] ones = new float[n];
        java.util.Arrays.fill(ones, 1f);
        long pids = upload(dev, ids), pdo = upload(dev, ones), pdt = dev.malloc(4);
        dev.memset(pdt, 0, 4);
        int reps = 20;
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(2)) {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < 2; t++)
                done.add(pool.submit(() -> {
                    for (int r = 0; r < reps; r++)
                        dev.launch("embedding_backward_f32", Dim3.of(40), Dim3.of(128), 0, new Ptr(pdt), new Ptr(pdo), new Ptr(pids),
                            n, h, vocab, -1);
                    return null;
                }));
            for (var f : done) f.get();
        }
        assertEquals(2f * reps * n, download(dev, pdt, 1)[0], "every add landed (sums of 1s are exact below 2^24)");
        for (long q : new long[] {pids, pdo, pdt}) dev.free(q);
    }

    @Test
    void layerNormMatchesLayerNormKernelWithABlockWideReduction() {
        // {rows, cols, threads per block}: a block of 256 threads meeting at the barrier over rows
        // of 769; blocks smaller and larger than a row, not a power of two, a single thread
        int[][] cases = {{5, 769, 256}, {3, 769, 100}, {4, 7, 32}, {2, 1, 1}, {1, 1000, 1024}, {9, 64, 64}};
        for (int[] c : cases) {
            int rows = c[0], cols = c[1], threads = c[2];
            String at = rows + " x " + cols + ", " + threads + " threads";
            float[] x = randoms(rows * cols, 2), gamma = randoms(cols, 1), beta = randoms(cols, 1);
            for (int i = 0; i < cols; i++) x[i] += 100f; // a row far from 0: the two-pass variance
            long px = upload(dev, x), pg = upload(dev, gamma), pb = upload(dev, beta), po = dev.malloc(4L * rows * cols);
            long pm = dev.malloc(4L * rows), pr = dev.malloc(4L * rows);
            // one block more than rows: it must do nothing
            dev.launch("layernorm_f32", Dim3.of(rows + 1), Dim3.of(threads), 0, new Ptr(po), new Ptr(pm), new Ptr(pr),
                new Ptr(px), new Ptr(pg), new Ptr(pb), rows, cols, 1e-5f);

            Tensor tx = CPU.fromHost(x, rows, cols), tg = CPU.fromHost(gamma, cols), tb = CPU.fromHost(beta, cols);
            Tensor to = CPU.zeros(rows, cols), tm = CPU.zeros(rows), tr = CPU.zeros(rows);
            CPU.layerNorm(to, tm, tr, tx, tg, tb, 1e-5f);
            close(cpu(tm), download(dev, pm, rows), 1e-6, 1e-6, "mean " + at);
            close(cpu(tr), download(dev, pr, rows), 2e-5, 0, "rstd " + at);
            close(cpu(to), download(dev, po, rows * cols), 1e-4, 2e-5, "out " + at);

            // mean and rstd may be null
            dev.memset(po, 0, 4L * rows * cols);
            dev.launch("layernorm_f32", Dim3.of(rows), Dim3.of(threads), 0, new Ptr(po), new Ptr(0), new Ptr(0),
                new Ptr(px), new Ptr(pg), new Ptr(pb), rows, cols, 1e-5f);
            CPU.layerNorm(to, null, null, tx, tg, tb, 1e-5f);
            close(cpu(to), download(dev, po, rows * cols), 1e-4, 2e-5, "out without mean/rstd " + at);
            for (Tensor t : new Tensor[] {tx, tg, tb}) CPU.release(t);
            for (long p : new long[] {px, pg, pb, po, pm, pr}) dev.free(p);
        }
    }

    @Test
    void layerNormBackwardMatchesLayerNormKernelInBothParts() {
        // {rows, cols, threads per block (dx), blocks (params)}: as the forward's cases; the params kernel
        // with a grid smaller than cols (grid-stride) and with one thread per column
        int[][] cases = {{5, 769, 256, 2}, {3, 769, 100, 7}, {4, 7, 32, 1}, {2, 1, 1, 1}, {1, 1000, 1024, 8}, {33, 64, 64, 1}};
        for (int[] c : cases) {
            int rows = c[0], cols = c[1], threads = c[2], blocks = c[3];
            String at = rows + " x " + cols + ", " + threads + " threads";
            float[] x = randoms(rows * cols, 2), gamma = randoms(cols, 1), beta = randoms(cols, 1), dout = randoms(rows * cols, 1);
            for (int i = 0; i < cols; i++) x[i] += 100f;
            float[] dx0 = randoms(rows * cols, 1), dg0 = randoms(cols, 1), db0 = randoms(cols, 1);
            Tensor tx = CPU.fromHost(x, rows, cols), tg = CPU.fromHost(gamma, cols), tb = CPU.fromHost(beta, cols);
            Tensor to = CPU.zeros(rows, cols), tm = CPU.zeros(rows), tr = CPU.zeros(rows), tdo = CPU.fromHost(dout, rows, cols);
            CPU.layerNorm(to, tm, tr, tx, tg, tb, 1e-5f);
            long px = upload(dev, x), pg = upload(dev, gamma), pdo = upload(dev, dout), pm = upload(dev, CPU.toHost(tm)), pr = upload(dev, CPU.toHost(tr));
            long pdx = upload(dev, dx0), pdg = upload(dev, dg0), pdb = upload(dev, db0);
            dev.launch("layernorm_backward_dx_f32", Dim3.of(rows + 1), Dim3.of(threads), 0, new Ptr(pdx), new Ptr(pdo), new Ptr(px),
                new Ptr(pm), new Ptr(pr), new Ptr(pg), rows, cols, 1);
            dev.launch("layernorm_backward_params_f32", Dim3.of(blocks), Dim3.of(Math.min(threads, 128)), 0, new Ptr(pdg), new Ptr(pdb),
                new Ptr(pdo), new Ptr(px), new Ptr(pm), new Ptr(pr), rows, cols);
            Tensor tdx = CPU.fromHost(dx0.clone(), rows, cols), tdg = CPU.fromHost(dg0.clone(), cols), tdb = CPU.fromHost(db0.clone(), cols);
            CPU.layerNormBackward(tdx, tdg, tdb, tdo, tx, tm, tr, tg, true);
            close(CPU.toHost(tdx), download(dev, pdx, rows * cols), 1e-4, 2e-5, "dx (adds) " + at);
            close(CPU.toHost(tdg), download(dev, pdg, cols), 1e-5, 1e-6, "dgamma (adds) " + at);
            close(CPU.toHost(tdb), download(dev, pdb, cols), 1e-6, 1e-6, "dbeta (adds) " + at);

            // dgamma or dbeta may be null: the other is still added
            dev.launch("layernorm_backward_params_f32", Dim3.of(blocks), Dim3.of(32), 0, new Ptr(0), new Ptr(pdb),
                new Ptr(pdo), new Ptr(px), new Ptr(pm), new Ptr(pr), rows, cols);
            dev.launch("layernorm_backward_params_f32", Dim3.of(blocks), Dim3.of(32), 0, new Ptr(pdg), new Ptr(0),
                new Ptr(pdo), new Ptr(px), new Ptr(pm), new Ptr(pr), rows, cols);
            CPU.layerNormBackward(null, tdg, tdb, tdo, tx, tm, tr, tg, true);
            // dx overwritten (accumulate 0): what was there is never read
            dev.launch("layernorm_backward_dx_f32", Dim3.of(rows + 1), Dim3.of(threads), 0, new Ptr(pdx), new Ptr(pdo), new Ptr(px),
                new Ptr(pm), new Ptr(pr), new Ptr(pg), rows, cols, 0);
            CPU.layerNormBackward(tdx, null, null, tdo, tx, tm, tr, tg, false);
            close(CPU.toHost(tdx), download(dev, pdx, rows * cols), 1e-4, 2e-5, "dx (overwrites) " + at);
            close(CPU.toHost(tdg), download(dev, pdg, cols), 1e-5, 1e-6, "dgamma, second pass " + at);
            close(CPU.toHost(tdb), download(dev, pdb, cols), 1e-6, 1e-6, "dbeta, second pass " + at);
            for (Tensor t : new Tensor[] {tx, tg, tb, to, tm, tr, tdo, tdx, tdg, tdb}) CPU.release(t);
            for (long p : new long[] {px, pg, pdo, pm, pr, pdx, pdg, pdb}) dev.free(p);
        }
    }

    @Test
    void badPointersAreTheEmulatorsFaultsNotACrash() {
        long p = dev.malloc(4 * 10);
        Ptr ok = new Ptr(p);
        DeviceFault outside = assertThrows(DeviceFault.class,
            () -> dev.launch("scale_f32", Dim3.of(1), Dim3.of(32), 0, new Ptr(0x1234_0000L), 10, 2f));
        assertTrue(outside.getMessage().contains("not in any allocation"), outside.getMessage());
        DeviceFault past = assertThrows(DeviceFault.class,
            () -> dev.launch("add_f32", Dim3.of(1), Dim3.of(32), 0, ok, ok, ok.plus(4), 10));
        assertTrue(past.getMessage().contains("out of bounds") && past.getMessage().contains("add_f32: b"), past.getMessage());
        assertThrows(DeviceFault.class, () -> dev.launch("fill_f32", Dim3.of(1), Dim3.of(32), 0, ok.plus(2), 1, 0f));
        assertThrows(DeviceFault.class, // null is accepted only where the kernel checks for it
            () -> dev.launch("gelu_f32", Dim3.of(1), Dim3.of(32), 0, new Ptr(0), ok, 10));
        long freed = dev.malloc(40);
        dev.free(freed);
        DeviceFault stale = assertThrows(DeviceFault.class,
            () -> dev.launch("fill_f32", Dim3.of(1), Dim3.of(32), 0, new Ptr(freed), 10, 0f));
        assertTrue(stale.getMessage().contains("use after free"), stale.getMessage());
        IllegalArgumentException args = assertThrows(IllegalArgumentException.class,
            () -> dev.launch("add_f32", Dim3.of(1), Dim3.of(32), 0, ok, ok, 10));
        assertTrue(args.getMessage().contains("add_f32(float* out, float* a, float* b, int n)"), args.getMessage());
        // the device still works: nothing was written by the refused launches
        dev.launch("fill_f32", Dim3.of(1), Dim3.of(32), 0, ok, 10, 3f);
        assertArrayEquals(new float[] {3, 3, 3, 3, 3, 3, 3, 3, 3, 3}, download(dev, p, 10));
        dev.free(p);
    }

    @Test
    void launchesFromTwoThreadsEachHaveTheirOwnSharedMemory() throws Exception {
        int rows = 3, cols = 769;
        float[][] xs = {randoms(rows * cols, 1), randoms(rows * cols, 5)};
        float[] ones = new float[cols], zeros = new float[cols];
        java.util.Arrays.fill(ones, 1f);
        long pg = upload(dev, ones), pb = upload(dev, zeros);
        long[] px = {upload(dev, xs[0]), upload(dev, xs[1])}, pm = {dev.malloc(4 * rows), dev.malloc(4 * rows)};
        long[] po = {dev.malloc(4L * rows * cols), dev.malloc(4L * rows * cols)};
        float[][] expected = new float[2][];
        for (int t = 0; t < 2; t++) {
            dev.launch("layernorm_f32", Dim3.of(rows), Dim3.of(256), 0, new Ptr(po[t]), new Ptr(pm[t]), new Ptr(0),
                new Ptr(px[t]), new Ptr(pg), new Ptr(pb), rows, cols, 1e-5f);
            expected[t] = download(dev, pm[t], rows);
        }
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(2)) {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int me = t;
                done.add(pool.submit(() -> {
                    for (int rep = 0; rep < 10; rep++) {
                        dev.launch("layernorm_f32", Dim3.of(rows), Dim3.of(256), 0, new Ptr(po[me]), new Ptr(pm[me]), new Ptr(0),
                            new Ptr(px[me]), new Ptr(pg), new Ptr(pb), rows, cols, 1e-5f);
                        assertArrayEquals(expected[me], download(dev, pm[me], rows), "thread " + me + ", launch " + rep);
                    }
                    return null;
                }));
            }
            for (var f : done) f.get();
        }
        for (long p : new long[] {pg, pb, px[0], px[1], pm[0], pm[1], po[0], po[1]}) dev.free(p);
    }

    @Test
    void aMissingCompilerIsAOneLineError() {
        System.setProperty("roberta.hostcuda.cxx", "/nonexistent/bin/g++");
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, HostKernels::compiler);
            assertTrue(e.getMessage().contains("need a C++20 compiler") && !e.getMessage().contains("\n"), e.getMessage());
        } finally {
            System.clearProperty("roberta.hostcuda.cxx");
        }
    }

    @Test
    void aBarrierInAKernelDeclaredWithoutOneFailsTheLaunch() {
        HostKernels.Kernel ln = HostKernels.KERNELS.stream().filter(k -> k.name().equals("layernorm_f32")).findFirst().orElseThrow();
        HostKernels.load().register(dev, new HostKernels.Kernel(ln.name(), ln.file(), false, ln.params()));
        long x = dev.malloc(4 * 8), g = dev.malloc(4 * 8), o = dev.malloc(4 * 8);
        dev.memset(x, 0, 32);
        dev.memset(g, 0, 32);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> dev.launch("layernorm_f32", Dim3.of(1), Dim3.of(8), 0,
            new Ptr(o), new Ptr(0), new Ptr(0), new Ptr(x), new Ptr(g), new Ptr(g), 1, 8, 1e-5f));
        // its block reduction reaches a warp shuffle before its first __syncthreads: either says the declaration is wrong
        assertTrue(e.getMessage().contains("declares it without barriers"), e.getMessage());
        for (long p : new long[] {x, g, o}) dev.free(p);
    }
}
