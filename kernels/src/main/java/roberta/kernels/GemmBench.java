package roberta.kernels;

import java.util.Random;

/** Microbenchmark of the GEMM alone on the encoder's shapes: GFLOP/s and % of a stated peak. */
public final class GemmBench {
    private GemmBench() {}

    /** Runs C[m,n] = A[m,k] · W[n,k]^T with W pre-packed, for at least seconds; returns GFLOP/s. */
    public static double run(int m, int n, int k, double seconds) {
        Random rng = new Random(1);
        float[] a = new float[m * k], w = new float[n * k], c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = rng.nextFloat() - 0.5f;
        for (int i = 0; i < w.length; i++) w[i] = rng.nextFloat() - 0.5f;
        Gemm.PackedB pw = Gemm.packB(true, k, n, w, 0, k);
        for (int i = 0; i < 5; i++) Gemm.sgemm(false, m, a, 0, k, pw, c, 0, n, false);
        long start = System.nanoTime(), end = start + (long) (seconds * 1e9);
        int iterations = 0;
        long now;
        do {
            Gemm.sgemm(false, m, a, 0, k, pw, c, 0, n, false);
            iterations++;
        } while ((now = System.nanoTime()) < end);
        return 2.0 * m * n * k * iterations / ((now - start) / 1e9) / 1e9;
    }
}
