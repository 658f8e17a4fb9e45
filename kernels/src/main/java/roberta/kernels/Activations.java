package roberta.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** GELU (exact, with erf) and tanh, forward and backward. */
public final class Activations {
    private static final double INV_SQRT2 = 0.7071067811865476;
    private static final double INV_SQRT_2PI = 0.3989422804014327;

    private Activations() {}

    /**
     * erf(x) from Numerical Recipes' Chebyshev fit of erfc (fractional error below 1.2e-7),
     * finer than float32 resolves in the GELU output. Java has no erf of its own.
     */
    static double erf(double x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1.0 - r : r - 1.0;
    }

    /** The exact GELU of one value (the scalar reference of the vector kernels). */
    public static float gelu(float x) {
        return (float) (0.5 * x * (1.0 + erf(x * INV_SQRT2)));
    }

    static float geluGrad(float x) {
        double cdf = 0.5 * (1.0 + erf(x * INV_SQRT2));
        double pdf = Math.exp(-0.5 * x * x) * INV_SQRT_2PI;
        return (float) (cdf + x * pdf);
    }

    static void gelu(float[] out, float[] x, int n) {
        Parallel.forRange(n, 4096, (a, b) -> {
            if (Gemm.SCALAR) {
                for (int i = a; i < b; i++) out[i] = gelu(x[i]);
                return;
            }
            int i = a;
            for (; i + S.length() <= b; i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, x, i);
                v.mul(erfVector(v.mul((float) INV_SQRT2)).add(1f)).mul(0.5f).intoArray(out, i);
            }
            for (; i < b; i++) out[i] = gelu(x[i]);
        });
    }

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /**
     * erf for a vector: the rational approximation Eigen and XLA use, x P(x^2) / Q(x^2) on x clamped
     * to [-4, 4] (beyond, erf is +-1 in float32); absolute error below 4e-7 against a series in
     * double. One division and eleven FMAs, no exp: about twice as fast as exp-based forms. The
     * scalar {@link #erf} is its reference.
     */
    static FloatVector erfVector(FloatVector a) {
        FloatVector x = VectorMath.clamp(a, -4f, 4f), x2 = x.mul(x);
        FloatVector p = x2.mul(-2.72614225801306e-10f).add(2.77068142495902e-08f);
        p = p.fma(x2, FloatVector.broadcast(S, -2.10102402082508e-06f));
        p = p.fma(x2, FloatVector.broadcast(S, -5.69250639462346e-05f));
        p = p.fma(x2, FloatVector.broadcast(S, -7.34990630326855e-04f));
        p = p.fma(x2, FloatVector.broadcast(S, -2.95459980854025e-03f));
        p = p.fma(x2, FloatVector.broadcast(S, -1.60960333262415e-02f));
        FloatVector q = x2.mul(-1.45660718464996e-05f).add(-2.13374055278905e-04f);
        q = q.fma(x2, FloatVector.broadcast(S, -1.68282697438203e-03f));
        q = q.fma(x2, FloatVector.broadcast(S, -7.37332916720468e-03f));
        q = q.fma(x2, FloatVector.broadcast(S, -1.42647390514189e-02f));
        return x.mul(p).div(q);
    }

    /**
     * dx += dout * GELU'(x) (dx = ... without accumulate), GELU'(x) = Phi(x) + x phi(x): the same
     * erf as the forward, exp for the density.
     */
    static void geluBackward(float[] dx, float[] dout, float[] x, int n, boolean accumulate) {
        Parallel.forRange(n, 4096, (a, b) -> {
            int i = a;
            if (!Gemm.SCALAR) {
                for (; i + S.length() <= b; i += S.length()) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    FloatVector cdf = erfVector(v.mul((float) INV_SQRT2)).add(1f).mul(0.5f);
                    // VectorMath's exp, not lanewise(EXP): that one is the JDK's Java code until C2 compiles
                    // it to another library's, so a seeded run's weights changed with the JIT's timing
                    FloatVector pdf = VectorMath.exp(v.mul(v).mul(-0.5f)).mul((float) INV_SQRT_2PI);
                    FloatVector grad = v.fma(pdf, cdf);
                    FloatVector d = FloatVector.fromArray(S, dout, i);
                    (accumulate ? d.fma(grad, FloatVector.fromArray(S, dx, i)) : d.mul(grad)).intoArray(dx, i);
                }
            }
            for (; i < b; i++) dx[i] = accumulate ? dx[i] + dout[i] * geluGrad(x[i]) : dout[i] * geluGrad(x[i]);
        });
    }

    static void tanh(float[] out, float[] x, int n) {
        // StrictMath: Math.tanh has a C2 intrinsic (JDK 24+) the interpreter need not match to the bit
        for (int i = 0; i < n; i++) out[i] = (float) StrictMath.tanh(x[i]);
    }

    static void tanhBackward(float[] dx, float[] dout, float[] out, int n) {
        for (int i = 0; i < n; i++) dx[i] += dout[i] * (1f - out[i] * out[i]);
    }
}
