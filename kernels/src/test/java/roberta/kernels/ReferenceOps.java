package roberta.kernels;

/**
 * Every backend operation written the plainest way, in double precision, straight from its
 * definition (PyTorch's, for losses and AdamW): the answers the contract suite holds each
 * backend to. Row-major arrays; a Linear's weight is [out, in].
 */
final class ReferenceOps {
    private ReferenceOps() {}

    /** out[n, o] = x[n, i] · w[o, i]^T + b[o] */
    static double[] linear(float[] x, float[] w, float[] b, int n, int in, int out) {
        double[] y = new double[n * out];
        for (int r = 0; r < n; r++)
            for (int o = 0; o < out; o++) {
                double s = b == null ? 0 : b[o];
                for (int i = 0; i < in; i++) s += (double) x[r * in + i] * w[o * in + i];
                y[r * out + o] = s;
            }
        return y;
    }

    /** dx[n, i] = dout · w ; dw[o, i] = dout^T · x ; db[o] = column sums of dout. */
    static double[][] linearBackward(float[] dout, float[] x, float[] w, int n, int in, int out) {
        double[] dx = new double[n * in], dw = new double[out * in], db = new double[out];
        for (int r = 0; r < n; r++)
            for (int o = 0; o < out; o++) {
                double g = dout[r * out + o];
                db[o] += g;
                for (int i = 0; i < in; i++) {
                    dx[r * in + i] += g * w[o * in + i];
                    dw[o * in + i] += g * x[r * in + i];
                }
            }
        return new double[][] {dx, dw, db};
    }

    /** LayerNorm over rows: y, mean, rstd (biased variance, as PyTorch). */
    static double[][] layerNorm(float[] x, float[] gamma, float[] beta, int rows, int cols, double eps) {
        double[] y = new double[rows * cols], mean = new double[rows], rstd = new double[rows];
        for (int r = 0; r < rows; r++) {
            double m = 0, v = 0;
            for (int c = 0; c < cols; c++) m += x[r * cols + c];
            m /= cols;
            for (int c = 0; c < cols; c++) v += (x[r * cols + c] - m) * (x[r * cols + c] - m);
            double rs = 1 / Math.sqrt(v / cols + eps);
            mean[r] = m;
            rstd[r] = rs;
            for (int c = 0; c < cols; c++) y[r * cols + c] = (x[r * cols + c] - m) * rs * gamma[c] + beta[c];
        }
        return new double[][] {y, mean, rstd};
    }

    /** dx, dgamma, dbeta of LayerNorm, from the chain rule through mean and variance. */
    static double[][] layerNormBackward(float[] dout, float[] x, float[] gamma, int rows, int cols, double eps) {
        double[][] f = layerNorm(x, gamma, new float[cols], rows, cols, eps);
        double[] dx = new double[rows * cols], dg = new double[cols], dbeta = new double[cols];
        for (int r = 0; r < rows; r++) {
            double m = f[1][r], rs = f[2][r], sumDxhat = 0, sumDxhatXhat = 0;
            for (int c = 0; c < cols; c++) {
                double xhat = (x[r * cols + c] - m) * rs, g = dout[r * cols + c];
                dg[c] += g * xhat;
                dbeta[c] += g;
                double dxhat = g * gamma[c];
                sumDxhat += dxhat;
                sumDxhatXhat += dxhat * xhat;
            }
            for (int c = 0; c < cols; c++) {
                double xhat = (x[r * cols + c] - m) * rs, dxhat = dout[r * cols + c] * gamma[c];
                dx[r * cols + c] = rs * (dxhat - sumDxhat / cols - xhat * sumDxhatXhat / cols);
            }
        }
        return new double[][] {dx, dg, dbeta};
    }

    /** erf by its Maclaurin series (|x| < 3) or continued fraction: double precision, no shortcuts. */
    static double erf(double x) {
        double a = Math.abs(x);
        double r;
        if (a < 3) {
            double term = a, sum = a;
            for (int n = 1; n < 200; n++) {
                term *= -a * a / n;
                double t = term / (2 * n + 1);
                sum += t;
                if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            // erfc(a) = exp(-a²)/sqrt(pi) · 1/(a + 1/2/(a + 1/(a + 3/2/(a + ...)))), evaluated from the tail
            double f = a;
            for (int k = 60; k >= 1; k--) f = a + (k / 2.0) / f;
            r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
        }
        return x < 0 ? -r : r;
    }

    static double gelu(double x) {
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    static double geluDerivative(double x) {
        return 0.5 * (1 + erf(x / Math.sqrt(2))) + x * Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
    }

    /**
     * Multi-head attention over packed sequences: ctx[n, H] and the probabilities, each
     * sequence's [heads, len, len] block after the previous one's.
     */
    static double[][] attention(float[] q, float[] k, float[] v, int[] start, int[] len, int heads, int hidden) {
        int d = hidden / heads, n = 0;
        long probsSize = 0;
        for (int s = 0; s < len.length; s++) {
            n = Math.max(n, start[s] + len[s]);
            probsSize += (long) heads * len[s] * len[s];
        }
        double[] ctx = new double[n * hidden], probs = new double[(int) probsSize];
        int off = 0;
        for (int s = 0; s < len.length; s++) {
            int L = len[s], t0 = start[s];
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < L; i++) {
                    double[] score = new double[L];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < L; j++) {
                        double dot = 0;
                        for (int c = 0; c < d; c++) dot += (double) q[(t0 + i) * hidden + h * d + c] * k[(t0 + j) * hidden + h * d + c];
                        score[j] = dot / Math.sqrt(d);
                        max = Math.max(max, score[j]);
                    }
                    double z = 0;
                    for (int j = 0; j < L; j++) z += Math.exp(score[j] - max);
                    for (int j = 0; j < L; j++) {
                        double p = Math.exp(score[j] - max) / z;
                        probs[off + (h * L + i) * L + j] = p;
                        for (int c = 0; c < d; c++) ctx[(t0 + i) * hidden + h * d + c] += p * v[(t0 + j) * hidden + h * d + c];
                    }
                }
            }
            off += heads * L * L;
        }
        return new double[][] {ctx, probs};
    }

    /** dq, dk, dv of attention without dropout (softmax's Jacobian written out). */
    static double[][] attentionBackward(float[] dctx, float[] q, float[] k, float[] v, int[] start, int[] len, int heads, int hidden) {
        double[] probs = attention(q, k, v, start, len, heads, hidden)[1];
        int d = hidden / heads;
        double[] dq = new double[q.length], dk = new double[k.length], dv = new double[v.length];
        int off = 0;
        for (int s = 0; s < len.length; s++) {
            int L = len[s], t0 = start[s];
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < L; i++) {
                    double[] dp = new double[L];
                    double dot = 0;
                    for (int j = 0; j < L; j++) {
                        double p = probs[off + (h * L + i) * L + j];
                        for (int c = 0; c < d; c++) {
                            dp[j] += (double) dctx[(t0 + i) * hidden + h * d + c] * v[(t0 + j) * hidden + h * d + c];
                            dv[(t0 + j) * hidden + h * d + c] += p * dctx[(t0 + i) * hidden + h * d + c];
                        }
                        dot += p * dp[j];
                    }
                    for (int j = 0; j < L; j++) {
                        double ds = probs[off + (h * L + i) * L + j] * (dp[j] - dot) / Math.sqrt(d);
                        for (int c = 0; c < d; c++) {
                            dq[(t0 + i) * hidden + h * d + c] += ds * k[(t0 + j) * hidden + h * d + c];
                            dk[(t0 + j) * hidden + h * d + c] += ds * q[(t0 + i) * hidden + h * d + c];
                        }
                    }
                }
            }
            off += heads * L * L;
        }
        return new double[][] {dq, dk, dv};
    }

    /** Mean cross-entropy over rows whose label is not ignored, and its gradient. */
    static double crossEntropy(double[] dlogits, float[] logits, int rows, int cols, int[] labels, int ignore) {
        int count = 0;
        for (int l : labels) if (l != ignore) count++;
        double total = 0;
        for (int r = 0; r < rows; r++) {
            if (labels[r] == ignore) continue;
            double z = 0;
            for (int c = 0; c < cols; c++) z += Math.exp(logits[r * cols + c]);
            total += Math.log(z) - logits[r * cols + labels[r]];
            for (int c = 0; c < cols; c++) dlogits[r * cols + c] = (Math.exp(logits[r * cols + c]) / z - (c == labels[r] ? 1 : 0)) / count;
        }
        return count == 0 ? 0 : total / count;
    }

    /** PyTorch's AdamW step (decoupled decay, bias correction) on copies of p, m, v. */
    static double[][] adamw(float[] p, float[] g, float[] m, float[] v, double lr, double b1, double b2, double eps, double wd, int t) {
        double[] pp = new double[p.length], mm = new double[p.length], vv = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            mm[i] = b1 * m[i] + (1 - b1) * g[i];
            vv[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            double mhat = mm[i] / (1 - Math.pow(b1, t)), vhat = vv[i] / (1 - Math.pow(b2, t));
            pp[i] = p[i] * (1 - lr * wd) - lr * mhat / (Math.sqrt(vhat) + eps);
        }
        return new double[][] {pp, mm, vv};
    }
}
