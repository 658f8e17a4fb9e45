package roberta.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
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

    /** Doubles per vector of S's size: half as many lanes, so a float vector converts into two of them. */
    private static final VectorSpecies<Double> DS = VectorSpecies.of(double.class, S.vectorShape());
    /** For each level of the pairwise trees, the rotation that brings lane i + w down to lane i (w = n/2, n/4, ..., 1). */
    private static final VectorShuffle<Double>[] HALVE_DOUBLES = rotations(DS);
    private static final VectorShuffle<Float>[] HALVE_FLOATS = rotations(S);

    @SuppressWarnings("unchecked")
    private static <E> VectorShuffle<E>[] rotations(VectorSpecies<E> species) {
        int n = species.length();
        VectorShuffle<E>[] levels = new VectorShuffle[Integer.numberOfTrailingZeros(n)];
        for (int l = 0, w = n / 2; w >= 1; l++, w /= 2) levels[l] = VectorShuffle.iota(species, w, 1, true);
        return levels;
    }

    /**
     * The lanes summed in double, pairwise: lanes[i] + lanes[i + n/2], then those halved again
     * down to one, a fixed order (the same in compiled and interpreted code). In registers: the
     * float vector's two halves widened to doubles and added, then each level a rotation and an add.
     * Pairwise, not in lane order: a chain of dependent adds is a long wait in a short softmax row.
     * (Through an array and scalar adds before: the same bits, 10-25% slower at 64-128 tokens.)
     */
    static double sum(FloatVector v) {
        if (S.length() == 1) return v.lane(0);
        DoubleVector d = ((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0)).add((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 1));
        for (VectorShuffle<Double> rotate : HALVE_DOUBLES) d = d.add(d.rearrange(rotate));
        return d.lane(0);
    }

    /** The lanes' maximum, pairwise in registers (exact in any order; a tree, not a chain of dependent maxima). */
    static float max(FloatVector v) {
        for (VectorShuffle<Float> rotate : HALVE_FLOATS) v = v.max(v.rearrange(rotate));
        return v.lane(0);
    }
}
