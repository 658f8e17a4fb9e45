package roberta.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import roberta.kernels.cuda.CudaBackend;
import roberta.kernels.cuda.EmulatedDevice;
import roberta.kernels.cuda.HostKernels;

/**
 * The CUDA backend held to the contract on the emulator ({@link HostKernels#device()}: the
 * project's .cu kernels built for the CPU, cuBLAS by its reference), plus what the contract
 * does not reach: leaks, attention dropout against the CPU backend, half-precision corner values.
 */
class EmulatedCudaBackendContractTest extends CudaBackendContract<EmulatedDevice> {
    @Override
    EmulatedDevice newDevice() {
        return HostKernels.device();
    }

    @Test
    void releasedTensorsGoBackToTheDevice() {
        int before = device.liveAllocations();
        List<Tensor> made = new ArrayList<>();
        int n = 17, in = 33, out = 9, heads = 3, hidden = 21;
        Tensor x = cuda.fromHost(random(n * in), n, in), w = cuda.fromHost(random(out * in), out, in), b = cuda.zeros(out);
        Tensor y = cuda.empty(n, out);
        cuda.linear(y, x, w, b);
        Tensor half = cuda.packedHalfWeight(new short[out * in], HalfFormat.BF16, out, in);
        cuda.linear(y, x, half, null);
        Tensor q = cuda.fromHost(random(n * hidden), n, hidden), ctx = cuda.empty(n, hidden);
        IntTensor start = cuda.ints(new int[] {0, 5}), len = cuda.ints(new int[] {5, 12});
        cuda.attention(ctx, null, null, q, q, q, start, len, heads, 0f, 0);
        Tensor probs = cuda.empty(Backend.attentionProbsSize(new int[] {5, 12}, heads));
        cuda.attention(ctx, probs, probs, q, q, q, start, len, heads, 0f, 0);
        Tensor dq = cuda.zeros(n, hidden), dk = cuda.zeros(n, hidden);
        cuda.attentionBackward(dq, dk, null, ctx, q, q, q, probs, probs, start, len, heads, 0f);
        cuda.sumOfSquares(List.of(x, w));
        IntTensor labels = cuda.ints(new int[n]);
        cuda.crossEntropy(y, y, labels, -100);
        cuda.mse(y, y, new float[n * out]);
        made.addAll(List.of(x, w, b, y, half, q, ctx, probs, dq, dk));
        assertTrue(device.liveAllocations() > before);
        for (Tensor t : made) cuda.release(t);
        cuda.release(start);
        cuda.release(len);
        cuda.release(labels);
        assertThrows(IllegalStateException.class, () -> cuda.release(x), "released twice");
        Tensor reused = cuda.empty(n, in); // from the free list: no new allocation
        int pooled = device.liveAllocations();
        cuda.release(reused);
        assertEquals(pooled, device.liveAllocations());
        cuda.trimPool();
        assertEquals(before, device.liveAllocations(), "every tensor, integer array and scratch went back to the device");
    }

    @Test
    void attentionDropoutMatchesTheCpuBackend() {
        Backend cpu = CpuBackend.INSTANCE;
        int heads = 2, hidden = 2 * 5, n = 20;
        int[] start = {0, 3}, len = {3, 17};
        float p = 0.25f;
        long seed = 0x1234_5678_9abcL;
        float[] q = random(n * hidden), k = random(n * hidden), v = random(n * hidden), dctx = random(n * hidden);
        int size = Backend.attentionProbsSize(len, heads);
        float[][] results = new float[2][];
        float[][] dropped = new float[2][];
        float[][][] grads = new float[2][][];
        Backend[] both = {cpu, cuda};
        for (int i = 0; i < 2; i++) {
            Backend be = both[i];
            Tensor ctx = be.empty(n, hidden), probs = be.empty(size), pd = be.empty(size);
            Tensor tq = be.fromHost(q, n, hidden), tk = be.fromHost(k, n, hidden), tv = be.fromHost(v, n, hidden);
            IntTensor s = be.ints(start), l = be.ints(len);
            be.attention(ctx, probs, pd, tq, tk, tv, s, l, heads, p, seed);
            results[i] = be.toHost(ctx);
            dropped[i] = be.toHost(pd);
            Tensor dq = be.zeros(n, hidden), dk = be.zeros(n, hidden), dv = be.zeros(n, hidden);
            be.attentionBackward(dq, dk, dv, be.fromHost(dctx, n, hidden), tq, tk, tv, probs, pd, s, l, heads, p);
            grads[i] = new float[][] {be.toHost(dq), be.toHost(dk), be.toHost(dv)};
        }
        int zeros = 0;
        for (int i = 0; i < size; i++) {
            assertEquals(dropped[0][i] == 0f, dropped[1][i] == 0f, "the same entries dropped (" + i + ")");
            if (dropped[0][i] == 0f) zeros++;
        }
        assertTrue(zeros > size / 10, "dropout dropped something: " + zeros + " of " + size);
        assertClose(toDouble(dropped[0]), dropped[1], 1e-5, "dropped probabilities");
        assertClose(toDouble(results[0]), results[1], 1e-5, "context with dropout");
        String[] names = {"dq", "dk", "dv"};
        for (int g = 0; g < 3; g++) assertClose(toDouble(grads[0][g]), grads[1][g], 1e-4, names[g] + " with dropout");
        assertThrows(IllegalArgumentException.class, () -> cuda.attention(cuda.empty(n, hidden), null, null, cuda.fromHost(q, n, hidden),
            cuda.fromHost(k, n, hidden), cuda.fromHost(v, n, hidden), cuda.ints(start), cuda.ints(len), heads, p, seed));
    }

    @Test
    void halfWeightsWidenCornerValuesExactly() {
        // zeros, subnormals (smallest, largest), the smallest normal, 1, -2, the largest finite, a plain value
        short[] finite = {0, (short) 0x8000, 0x0001, 0x03ff, 0x0400, 0x3c00, (short) 0xc000, 0x7bff, 0x3555, (short) 0x8001};
        for (HalfFormat format : HalfFormat.values()) {
            int in = finite.length;
            float[] expected = new float[in];
            for (int i = 0; i < in; i++) expected[i] = widen(format, finite[i]);
            Tensor w = cuda.packedHalfWeight(finite, format, 1, in);
            assertArrayEquals(expected, cuda.toHost(w), format + " read back");
            assertEquals(2L * in, cuda.residentBytes(w));
            // the weight as the product widens it: x = e_i picks column i (0 * finite = 0: exact)
            float[] x = new float[in];
            for (int i = 0; i < in; i++) {
                java.util.Arrays.fill(x, 0f);
                x[i] = 1f;
                Tensor y = cuda.empty(1, 1);
                cuda.linear(y, cuda.fromHost(x, 1, in), w, null);
                assertEquals(expected[i], cuda.toHost(y)[0], 0f, format + " value " + i + " widened exactly");
            }
            // infinities and NaN widen too: one row each, x = 1
            short[] special = {0x7c00, (short) 0xfc00, 0x7e00, 0x7f80, (short) 0xff80, 0x7fc0};
            for (short bitsOne : special) {
                Tensor one = cuda.packedHalfWeight(new short[] {bitsOne}, format, 1, 1);
                Tensor y = cuda.empty(1, 1);
                cuda.linear(y, cuda.fromHost(new float[] {1f}, 1, 1), one, null);
                float e = widen(format, bitsOne);
                float got = cuda.toHost(y)[0];
                assertTrue(Float.isNaN(e) ? Float.isNaN(got) : e == got, format + " bits 0x" + Integer.toHexString(bitsOne & 0xffff) + ": " + e + " vs " + got);
            }
        }
    }

    private static float widen(HalfFormat format, short bits) {
        return format == HalfFormat.F16 ? Float.float16ToFloat(bits) : Float.intBitsToFloat(bits << 16);
    }

    @Test
    void aGlobalSumOfSquaresIsOneReadBack() {
        ReadBackCounter counter = new ReadBackCounter(device);
        try (CudaBackend be = new CudaBackend(counter)) {
            List<Tensor> ts = new ArrayList<>();
            double expected = 0;
            for (int n : new int[] {1, 4099, 70_001, 0, 33}) {
                float[] a = random(n);
                for (float v : a) expected += (double) v * v;
                ts.add(be.fromHost(a, n));
            }
            int before = counter.readBacks;
            assertEquals(expected, be.sumOfSquares(ts), 1e-9 * 80_000);
            assertEquals(before + 1, counter.readBacks, "one read back for all the tensors");
            Tensor g = be.empty(2, 3);
            before = counter.readBacks;
            be.crossEntropy(g, be.fromHost(random(6), 2, 3), be.ints(new int[] {0, 2}), -100);
            be.mse(g, g, new float[6]);
            assertEquals(before + 2, counter.readBacks, "a loss is one read back");
        }
    }

    /** Counts the device-to-host copies (each a synchronisation on a GPU), passing everything on. */
    private static final class ReadBackCounter implements roberta.kernels.cuda.DeviceApi {
        private final roberta.kernels.cuda.DeviceApi d;
        int readBacks;

        ReadBackCounter(roberta.kernels.cuda.DeviceApi d) {
            this.d = d;
        }

        @Override public long malloc(long bytes) { return d.malloc(bytes); }
        @Override public void free(long ptr) { d.free(ptr); }
        @Override public int liveAllocations() { return d.liveAllocations(); }
        @Override public void copyToDevice(float[] s, int o, long dst, long off, int n) { d.copyToDevice(s, o, dst, off, n); }
        @Override public void copyToDevice(int[] s, int o, long dst, long off, int n) { d.copyToDevice(s, o, dst, off, n); }
        @Override public void copyToDevice(short[] s, int o, long dst, long off, int n) { d.copyToDevice(s, o, dst, off, n); }
        @Override public void copyToHost(long src, long off, float[] t, int o, int n) { readBacks++; d.copyToHost(src, off, t, o, n); }
        @Override public void copyToHost(long src, long off, int[] t, int o, int n) { readBacks++; d.copyToHost(src, off, t, o, n); }
        @Override public void copyToHost(long src, long off, short[] t, int o, int n) { readBacks++; d.copyToHost(src, off, t, o, n); }
        @Override public void copyDeviceToDevice(long src, long dst, long bytes) { d.copyDeviceToDevice(src, dst, bytes); }
        @Override public void memset(long dst, int v, long bytes) { d.memset(dst, v, bytes); }
        @Override public void synchronize() { d.synchronize(); }
        @Override public void launch(String k, roberta.kernels.cuda.Dim3 g, roberta.kernels.cuda.Dim3 b, int sh, Object... args) { d.launch(k, g, b, sh, args); }

        @Override
        public void sgemmStridedBatched(boolean ta, boolean tb, int m, int n, int k, float alpha, long a, int lda, long sa, long b, int ldb, long sb,
                                        float beta, long c, int ldc, long sc, int batch) {
            d.sgemmStridedBatched(ta, tb, m, n, k, alpha, a, lda, sa, b, ldb, sb, beta, c, ldc, sc, batch);
        }

        @Override
        public void gemmEx(boolean ta, boolean tb, int m, int n, int k, float alpha, long a, roberta.kernels.cuda.DataType at, int lda,
                           long b, roberta.kernels.cuda.DataType bt, int ldb, float beta, long c, roberta.kernels.cuda.DataType ct, int ldc) {
            d.gemmEx(ta, tb, m, n, k, alpha, a, at, lda, b, bt, ldb, beta, c, ct, ldc);
        }

        @Override public void close() {}
    }

    private static double[] toDouble(float[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i];
        return r;
    }
}
