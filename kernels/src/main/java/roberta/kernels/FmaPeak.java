package roberta.kernels;

import java.util.concurrent.CyclicBarrier;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's float32 FMA peak as this JVM reaches it: the ceiling for "% of peak" figures,
 * measured rather than assumed (a Zen 4 core runs AVX-512 as 2 x 256 bits, about 114 GFLOP/s;
 * a Zen 5 or a Sapphire Rapids core about twice that per cycle).
 *
 * <p>Why the loop is shaped as it is: an FMA has a latency of 4 cycles on these cores and two
 * FMA pipes, so 8 FMAs must be in flight to keep both busy; a single accumulator chain would
 * measure the latency (a quarter of the peak or less). {@link #CHAINS} = 12 independent
 * accumulators cover latencies up to 6 cycles at 2 per cycle and still fit in the 16 (AVX2) or
 * 32 (AVX-512) vector registers, so nothing spills to memory. No loads or stores in the loop:
 * only FMA throughput is timed. The multiplier and addend come in as arguments so the JIT
 * cannot fold them, and with a multiplier just under 1 the accumulators converge instead of
 * overflowing (no infinities, no denormals, which would slow some cores down).
 */
public final class FmaPeak {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Independent accumulator chains per thread (see the class comment). */
    public static final int CHAINS = 12;

    /** One measurement: threads run at once, the vector width, and the best GFLOP/s seen. */
    public record Peak(int threads, int lanes, double gflops) {
        public int vectorBits() {
            return lanes * Float.SIZE;
        }

        /** What share of this peak a figure of gflops is, in percent. */
        public double percentOf(double gflops) {
            return 100 * gflops / this.gflops;
        }
    }

    private FmaPeak() {}

    /** Of two measurements of the same threads, the higher: a measurement can only come out low (something else ran), never high. */
    public static Peak better(Peak a, Peak b) {
        if (a.threads() != b.threads()) throw new IllegalArgumentException("peaks of " + a.threads() + " and " + b.threads() + " threads");
        return a.gflops() >= b.gflops() ? a : b;
    }

    /** Floats per vector the kernel works on. */
    public static int lanes() {
        return SPECIES.length();
    }

    /** Floating-point operations {@link #chains(int, float, float, float)} performs for this many iterations: an FMA counts 2. */
    public static long flops(long iterations) {
        return 2L * CHAINS * lanes() * iterations;
    }

    /**
     * iterations rounds of acc = acc * a + b on each of CHAINS vector accumulators starting at
     * start; returns the sum of every lane of every accumulator (so the work is used).
     */
    public static double chains(int iterations, float start, float a, float b) {
        FloatVector va = FloatVector.broadcast(SPECIES, a), vb = FloatVector.broadcast(SPECIES, b);
        FloatVector c0 = FloatVector.broadcast(SPECIES, start), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0,
                c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < iterations; i++) {
            c0 = c0.fma(va, vb); c1 = c1.fma(va, vb); c2 = c2.fma(va, vb); c3 = c3.fma(va, vb);
            c4 = c4.fma(va, vb); c5 = c5.fma(va, vb); c6 = c6.fma(va, vb); c7 = c7.fma(va, vb);
            c8 = c8.fma(va, vb); c9 = c9.fma(va, vb); c10 = c10.fma(va, vb); c11 = c11.fma(va, vb);
        }
        FloatVector s = c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11);
        double sum = 0;
        for (float f : s.toArray()) sum += f;
        return sum;
    }

    /** The best of rounds runs of about millis each, on threads threads started together. */
    public static Peak measure(int threads, int rounds, double millis) {
        if (threads < 1 || rounds < 1) throw new IllegalArgumentException("threads and rounds must be >= 1");
        // warm-up: enough calls for the JIT to compile chains() with vector instructions
        for (int i = 0; i < 30; i++) chains(20_000, 1f, 0.999f, 0.001f);
        double perIteration = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) { // the first may still run before the JIT's compiled code is in place
            long t0 = System.nanoTime();
            chains(1_000_000, 1f, 0.999f, 0.001f);
            perIteration = Math.max(1e-10, Math.min(perIteration, (System.nanoTime() - t0) / 1e9 / 1_000_000));
        }
        int iterations = (int) Math.min(Integer.MAX_VALUE, Math.max(10_000, millis / 1e3 / perIteration));
        double best = 0;
        for (int r = 0; r < rounds; r++) best = Math.max(best, flops((long) iterations) * threads / seconds(threads, iterations) / 1e9);
        return new Peak(threads, lanes(), best);
    }

    /** Wall time for threads threads, released together, each running iterations. */
    private static double seconds(int threads, int iterations) {
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        double[] sink = new double[threads];
        Thread[] ts = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            int me = i;
            ts[i] = new Thread(() -> {
                await(start);
                sink[me] = chains(iterations, 1f, 0.999f, 0.001f);
            }, "fma-peak-" + i);
            ts[i].start();
        }
        await(start);
        long t0 = System.nanoTime();
        for (Thread t : ts) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        for (double s : sink) if (!Double.isFinite(s)) throw new IllegalStateException("FMA accumulators diverged");
        return secs;
    }

    private static void await(CyclicBarrier b) {
        try {
            b.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
