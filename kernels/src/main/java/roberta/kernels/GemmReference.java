package roberta.kernels;

/** The plain triple loop that {@link Gemm} must agree with. Same arguments. */
public final class GemmReference {
    private GemmReference() {}

    public static void sgemm(boolean transA, boolean transB, int m, int n, int k,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    sum += (double) av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = accumulate ? c[ci] + (float) sum : (float) sum;
            }
        }
    }

    /** C (+)= op(A) · B + bias with B in {@link Gemm}'s packed layout (panels of NR columns, k rows each). */
    public static void sgemm(boolean transA, int m, float[] a, int aOff, int lda, Gemm.PackedB b, float[] bias,
                             float[] c, int cOff, int ldc, boolean accumulate) {
        int n = b.n, k = b.k, nr = Gemm.NR;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                int base = (j / nr) * k * nr + j % nr;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    sum += (double) av * b.at(base + p * nr);
                }
                float v = (float) sum + (bias != null ? bias[j] : 0f);
                int ci = cOff + i * ldc + j;
                c[ci] = accumulate ? c[ci] + v : v;
            }
        }
    }
}
