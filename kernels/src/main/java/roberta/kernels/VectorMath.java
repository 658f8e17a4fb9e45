package roberta.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector math built only from IEEE-exact operations (add, mul, fma, conversions, compares and blends), so results
 * are bit-identical whether the JIT has compiled the code or not. The JDK's lanewise EXP and
 * reduceLanes(ADD) may differ between the interpreter and compiled code, which would make a
 * seeded training run differ from itself.
 */
final class VectorMath {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final float LOG2E = 1.44269504088896341f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding it to |t| < 2^22 rounds t to an integer held in the low mantissa bits. */
    private static final float MAGIC = 12582912f;
    private static final int MAGIC_BITS = 0x4B400000; // the bits of MAGIC

    private VectorMath() {}

    /**
     * e^x, Cephes' expf: x = n ln2 + r with n = rint(x log2e), e^r by a degree-6 polynomial, 2^n
     * from exponent bits (about 1 ulp). n is rounded by adding 1.5 * 2^23 (MAGIC) in one fma: the
     * sum's low mantissa bits are then n itself, so no float-int conversions, compare or masked
     * subtraction are needed (1.5x faster than the floor(t + 0.5) by conversions it replaced, and
     * equal to it but for ties: 3 of 320 million floats in [-100, 100], by 1 ulp).
     */
    static FloatVector exp(FloatVector x) {
        x = clamp(x, -87.33654f, 88.72283f);
        FloatVector t = x.fma(FloatVector.broadcast(S, LOG2E), FloatVector.broadcast(S, MAGIC));
        FloatVector nf = t.sub(MAGIC); // rint(x log2e), |n| <= 128
        FloatVector r = x.sub(nf.mul(LN2_HI)).sub(nf.mul(LN2_LO));
        FloatVector p = r.mul(1.9875691500e-4f).add(1.3981999507e-3f);
        p = p.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
        p = p.fma(r.mul(r), r).add(1f);
        IntVector n = t.reinterpretAsInts().sub(MAGIC_BITS);
        FloatVector scale = n.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(scale);
    }

    /**
     * x.max(lo).min(hi) for bounds that are neither zero nor NaN, the same bits in every lane (NaN
     * stays NaN, -0 stays -0; a zero bound would keep the other signed zero, where max and min order
     * them), from a compare and a masked move per bound: the lanewise MAX and MIN follow Math.max
     * and min, which the JIT writes as several instructions each (with the clamps so, exp's pass
     * over a softmax row took 1.4x as long).
     */
    static FloatVector clamp(FloatVector x, float lo, float hi) {
        x = x.blend(lo, x.compare(VectorOperators.LT, lo));
        return x.blend(hi, x.compare(VectorOperators.GT, hi));
    }

    /** The lanes summed in double, pairwise (see {@link #sum(FloatVector, Scratch)}). */
    static double sum(FloatVector v) {
        return sum(v, SCRATCH.get());
    }

    /**
     * The lanes summed in double, pairwise: lanes[i] + lanes[i + n/2], then those halved again
     * down to one, a fixed order (the same in compiled and interpreted code). Through the caller's
     * scratch: lane(i) with a loop index is not intrinsified and would box the vector, and a loop
     * over rows fetches the scratch once, not per row. Pairwise, not in lane order: a chain of
     * dependent adds is a long wait in a short softmax row.
     */
    static double sum(FloatVector v, Scratch scratch) {
        float[] lanes = scratch.lanes;
        double[] pairs = scratch.pairs;
        v.intoArray(lanes, 0);
        int half = lanes.length / 2;
        if (half == 0) return lanes[0];
        for (int i = 0; i < half; i++) pairs[i] = (double) lanes[i] + lanes[i + half];
        for (int w = half / 2; w >= 1; w /= 2)
            for (int i = 0; i < w; i++) pairs[i] += pairs[i + w];
        return pairs[0];
    }

    /** The lanes' maximum, pairwise through the caller's scratch (exact in any order; a tree, not a chain of dependent maxima). */
    static float max(FloatVector v, Scratch scratch) {
        float[] lanes = scratch.lanes;
        v.intoArray(lanes, 0);
        for (int w = lanes.length / 2; w >= 1; w /= 2)
            for (int i = 0; i < w; i++) lanes[i] = Math.max(lanes[i], lanes[i + w]);
        return lanes[0];
    }

    /** A kernel thread's scratch for sum and max: S.length() floats (a power of two) and half as many doubles. */
    static final class Scratch {
        final float[] lanes = new float[S.length()];
        final double[] pairs = new double[Math.max(1, S.length() / 2)];
    }

    static Scratch scratch() {
        return SCRATCH.get();
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
}
