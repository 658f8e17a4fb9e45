package roberta.kernels.cuda;

/**
 * cuBLAS's GEMM as documented, on host arrays: C = alpha op(A) op(B) + beta C, all
 * COLUMN-major (element (i, j) at i + j * ld), op(A) m x k, op(B) k x n, C m x n. Written from
 * the documentation, not from {@link roberta.kernels.Gemm} (row-major), so each can check the
 * other. Sums in double: the real cuBLAS sums in float in an unspecified order, so compare
 * with a tolerance, never bit for bit.
 */
public final class CublasReference {
    private CublasReference() {}

    /**
     * The argument checks cuBLAS makes before any work (CUBLAS_STATUS_INVALID_VALUE),
     * as exceptions naming the argument. Stored shapes: A is lda x k (transA: lda x m),
     * B is ldb x n (transB: ldb x k), C is ldc x n.
     */
    public static void checkArgs(String call, boolean transA, boolean transB, int m, int n, int k,
                                 int lda, int ldb, int ldc, int batchCount) {
        if (m < 0) throw invalid(call, "m = " + m + " < 0");
        if (n < 0) throw invalid(call, "n = " + n + " < 0");
        if (k < 0) throw invalid(call, "k = " + k + " < 0");
        if (batchCount < 0) throw invalid(call, "batchCount = " + batchCount + " < 0");
        int aRows = transA ? k : m, bRows = transB ? n : k;
        if (lda < Math.max(1, aRows))
            throw invalid(call, "lda = " + lda + " < max(1, " + (transA ? "k" : "m") + " = " + aRows + ") (A stored " + (transA ? "k x m, transposed" : "m x k") + ")");
        if (ldb < Math.max(1, bRows))
            throw invalid(call, "ldb = " + ldb + " < max(1, " + (transB ? "n" : "k") + " = " + bRows + ") (B stored " + (transB ? "n x k, transposed" : "k x n") + ")");
        if (ldc < Math.max(1, m)) throw invalid(call, "ldc = " + ldc + " < max(1, m = " + m + ")");
    }

    static IllegalArgumentException invalid(String call, String what) {
        return new IllegalArgumentException(call + ": " + what + " (CUBLAS_STATUS_INVALID_VALUE)");
    }

    /** Elements a column-major rows x cols matrix with leading dimension ld spans: 0 when empty. */
    public static long extent(int rows, int cols, int ld) {
        return rows == 0 || cols == 0 ? 0 : (long) (cols - 1) * ld + rows;
    }

    /**
     * One product, arguments already checked. beta == 0: C is only written (NaN there is
     * ignored, as cuBLAS documents); alpha == 0: A and B are not read (the BLAS convention).
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                double sum = 0;
                if (alpha != 0) {
                    for (int p = 0; p < k; p++) {
                        float av = transA ? a[aOff + p + i * lda] : a[aOff + i + p * lda]; // op(A)(i, p)
                        float bv = transB ? b[bOff + j + p * ldb] : b[bOff + p + j * ldb]; // op(B)(p, j)
                        sum += (double) av * bv;
                    }
                }
                int ci = cOff + i + j * ldc;
                c[ci] = beta == 0 ? (float) (alpha * sum) : (float) (alpha * sum + (double) beta * c[ci]);
            }
        }
    }
}
