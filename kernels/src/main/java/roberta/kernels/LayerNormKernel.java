package roberta.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** LayerNorm over the last dimension, forward and backward side by side (llm.c's formulation). */
final class LayerNormKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private LayerNormKernel() {}

    /** out = (x - mean) * rstd * gamma + beta, per row; saves mean[rows], rstd[rows]. */
    static void forward(float[] out, float[] mean, float[] rstd, float[] x, float[] gamma, float[] beta, int rows, int cols, float eps) {
        Parallel.forRange(rows, 64, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                // two passes (mean, then squared deviations): no cancellation, as PyTorch
                float m = (float) (sum(x, o, cols, 0f, false) / cols);
                float rs = (float) (1.0 / Math.sqrt(sum(x, o, cols, m, true) / cols + eps));
                if (mean != null) mean[r] = m;
                if (rstd != null) rstd[r] = rs;
                int i = 0;
                FloatVector vm = FloatVector.broadcast(S, m), vr = FloatVector.broadcast(S, rs);
                for (; !Gemm.SCALAR && i < S.loopBound(cols); i += S.length()) {
                    FloatVector n = FloatVector.fromArray(S, x, o + i).sub(vm).mul(vr);
                    n.fma(FloatVector.fromArray(S, gamma, i), FloatVector.fromArray(S, beta, i)).intoArray(out, o + i);
                }
                for (; i < cols; i++) out[o + i] = (x[o + i] - m) * rs * gamma[i] + beta[i];
            }
        });
    }

    /**
     * The sum of x[o..o+n), or with squares of (x - center)^2; vector lanes, then a double sum.
     * (Squares are asked for, not inferred from a nonzero center: a row whose mean is exactly 0
     * had its variance taken as its plain sum, and came out hundreds of times too large.)
     */
    private static double sum(float[] x, int o, int n, float center, boolean squares) {
        FloatVector acc = FloatVector.zero(S);
        FloatVector c = FloatVector.broadcast(S, center);
        int i = 0;
        for (; !Gemm.SCALAR && i < S.loopBound(n); i += S.length()) { // -Droberta.scalar: the tail loop does it all
            FloatVector v = FloatVector.fromArray(S, x, o + i);
            if (squares) {
                v = v.sub(c);
                acc = v.fma(v, acc);
            } else {
                acc = acc.add(v);
            }
        }
        double total = VectorMath.sum(acc);
        for (; i < n; i++) {
            double d = x[o + i] - center;
            total += squares ? d * d : x[o + i];
        }
        return total;
    }

    /**
     * dx (+)= (dnorm - mean(dnorm) - norm * mean(dnorm * norm)) * rstd per row, dnorm = dout *
     * gamma (overwritten without accumulateDx); dgamma += sum over rows of dout * norm, dbeta +=
     * sum of dout. The row means in float vector lanes, then summed in double (the GPU sums in
     * float); -Droberta.scalar: the scalar loops do it all, in double.
     */
    static void backward(float[] dx, float[] dgamma, float[] dbeta, float[] dout, float[] x, float[] mean, float[] rstd,
                         float[] gamma, int rows, int cols, boolean accumulateDx) {
        if (dx != null) {
            int bound = Gemm.SCALAR ? 0 : S.loopBound(cols);
            Parallel.forRange(rows, 16, (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int o = r * cols, i = 0;
                    float m = mean[r], rs = rstd[r];
                    FloatVector vm = FloatVector.broadcast(S, m), vr = FloatVector.broadcast(S, rs);
                    FloatVector sumD = FloatVector.zero(S), sumDN = FloatVector.zero(S);
                    for (; i < bound; i += S.length()) {
                        FloatVector norm = FloatVector.fromArray(S, x, o + i).sub(vm).mul(vr);
                        FloatVector dnorm = FloatVector.fromArray(S, dout, o + i).mul(FloatVector.fromArray(S, gamma, i));
                        sumD = sumD.add(dnorm);
                        sumDN = dnorm.fma(norm, sumDN);
                    }
                    double dnormMean = VectorMath.sum(sumD), dnormNormMean = VectorMath.sum(sumDN);
                    for (; i < cols; i++) {
                        float norm = (x[o + i] - m) * rs;
                        float dnorm = dout[o + i] * gamma[i];
                        dnormMean += dnorm;
                        dnormNormMean += dnorm * norm;
                    }
                    float a = (float) (dnormMean / cols), b = (float) (dnormNormMean / cols);
                    FloatVector va = FloatVector.broadcast(S, a), vb = FloatVector.broadcast(S, b);
                    for (i = 0; i < bound; i += S.length()) {
                        FloatVector norm = FloatVector.fromArray(S, x, o + i).sub(vm).mul(vr);
                        FloatVector dnorm = FloatVector.fromArray(S, dout, o + i).mul(FloatVector.fromArray(S, gamma, i));
                        FloatVector g = dnorm.sub(va).sub(norm.mul(vb)).mul(vr);
                        (accumulateDx ? g.add(FloatVector.fromArray(S, dx, o + i)) : g).intoArray(dx, o + i);
                    }
                    for (; i < cols; i++) {
                        float norm = (x[o + i] - m) * rs;
                        float dnorm = dout[o + i] * gamma[i];
                        float g = (dnorm - a - norm * b) * rs;
                        dx[o + i] = accumulateDx ? dx[o + i] + g : g;
                    }
                }
            });
        }
        if (dgamma != null || dbeta != null) {
            // columns in parallel: each thread owns a range of gamma/beta entries
            Parallel.forRange(cols, 64, (c0, c1) -> {
                for (int r = 0; r < rows; r++) {
                    int o = r * cols;
                    float m = mean[r], rs = rstd[r];
                    for (int i = c0; i < c1; i++) {
                        if (dgamma != null) dgamma[i] += dout[o + i] * (x[o + i] - m) * rs;
                        if (dbeta != null) dbeta[i] += dout[o + i];
                    }
                }
            });
        }
    }
}
