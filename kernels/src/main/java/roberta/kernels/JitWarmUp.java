package roberta.kernels;

import java.util.Random;
import java.util.function.Supplier;

/**
 * Runs the CPU kernels on small made-up inputs on a background thread while the caller does
 * something else that leaves a core free (a model's load: reading and packing weights on one
 * thread), so that the JIT has compiled them before the first real batch.
 *
 * <p>Why: Vector API code runs boxed, allocating every vector, until C2 compiles it, and C2
 * compiles what its profile has seen. Left to the first batch, the microkernel was compiled
 * 0.45 s into the pass and thrown out twice, at its first tile added onto a previous depth
 * block's and again later (-Xlog:deoptimization: unstable_if on the add branch), boxed again
 * until each recompile. With this warm-up (alternating runs): a one-text embed 2.6 -> 2.3 s,
 * 16 passages 5.2 -> 4.2 s. Here every path
 * is taken (full and edge tiles, one and two depth blocks, the column and row splits, attention's
 * inference pair, LayerNorm, GELU, tanh, the element-wise ops) before the first compile.
 *
 * <p>The warm-up thread runs every kernel inline on itself (never on the kernel pool, whose
 * workers stay free), builds its inputs there too (nothing added to the caller's thread), and
 * stops after its current round once the caller's work is done. Results do
 * not depend on it: the kernels give the same bits compiled or not. -Droberta.warmUp=false turns
 * it off (to measure without it).
 */
public final class JitWarmUp {
    private static final boolean ENABLED = !"false".equals(System.getProperty("roberta.warmUp"));
    /** Rounds at most: enough for C2's thresholds (each round makes hundreds of microkernel calls), bounded for a caller that never finishes. */
    static final int MAX_ROUNDS = 400;
    /** The warm-up thread's name (tests look for it). */
    static final String THREAD_NAME = "roberta-jit-warm-up";

    private JitWarmUp() {}

    /** work's result, with the CPU kernels warmed up beside it when be is the CPU backend (else just work). */
    public static <T> T during(Backend be, Supplier<T> work) {
        if (!ENABLED || !(be instanceof CpuBackend cpu) || Gemm.SCALAR || Parallel.threads() < 2) return work.get();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread t = new Thread(() -> Parallel.runInline(() -> {
            Round round = new Round(cpu);
            for (int r = 0; r < MAX_ROUNDS && !done.get(); r++) round.run();
        }), THREAD_NAME);
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        try {
            return work.get();
        } finally {
            done.set(true);
        }
    }

    /** Rounds run by this JVM's warm-ups so far (tests). */
    static int roundsRun() {
        return Round.RUN.get();
    }

    /** One pass over every kernel path inference takes, on tensors made once. */
    private static final class Round {
        static final java.util.concurrent.atomic.AtomicInteger RUN = new java.util.concurrent.atomic.AtomicInteger();
        private final CpuBackend be;
        // 6 panels wide (more than Gemm.DIRECT_A_PANELS, so the products pack A as the model's do), d = 64 as roberta's heads
        private final int hidden = 192, heads = 3;
        private final int[] seqLen = {40, 9}, seqStart = {0, 40};
        private final int tokens = seqStart[1] + seqLen[1];
        private final Tensor x, y, qkv, wide, wideOut, ctx, gamma, beta, table, cls;
        private final Tensor wQkv, wEdge, wUp, wDown, wHead, bQkv, bEdge, bUp, bHead;
        private final IntTensor ids, start, len; // start: also the <s> rows a sequence head gathers

        Round(CpuBackend be) {
            this.be = be;
            Random r = new Random(1);
            x = random(r, tokens, hidden);
            y = be.empty(tokens, hidden);
            qkv = be.empty(tokens, hidden);
            wide = be.empty(tokens, 300);
            wideOut = be.empty(tokens, 80);
            ctx = be.empty(tokens, hidden);
            gamma = random(r, hidden);
            beta = random(r, hidden);
            table = random(r, 64, hidden);
            cls = be.empty(seqLen.length, hidden);
            // weights as inference keeps them (packed at load): square; up to 300 (an edge panel); down from
            // 300 (two depth blocks, the second adding); 80 wide (few panels: A read in place, an edge); a small head
            wQkv = packed(r, hidden, hidden);
            wUp = packed(r, 300, hidden);
            wDown = packed(r, hidden, 300);
            wEdge = packed(r, 80, 300);
            wHead = packed(r, 3, hidden);
            bQkv = random(r, hidden);
            bUp = random(r, 300);
            bEdge = random(r, 80);
            bHead = random(r, 3);
            int[] tokenIds = new int[tokens];
            for (int i = 0; i < tokens; i++) tokenIds[i] = r.nextInt(64);
            ids = be.ints(tokenIds);
            start = be.ints(seqStart);
            len = be.ints(seqLen);
        }

        private Tensor random(Random r, int... shape) {
            int n = 1;
            for (int s : shape) n *= s;
            return be.adopt(gaussian(r, n, 0.5f), shape);
        }

        private Tensor packed(Random r, int out, int in) {
            return be.packedWeight(gaussian(r, out * in, 0.1f), out, in);
        }

        private static float[] gaussian(Random r, int n, float sigma) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian() * sigma;
            return v;
        }

        /** The forward pass's kernels in its order, on these small shapes; outputs overwritten each round. */
        void run() {
            be.embedding(y, table, ids, false);
            be.embedding(y, table, ids, true);
            be.layerNorm(x, null, null, y, gamma, beta, 1e-5f);
            be.linear(qkv, x, wQkv, bQkv);                          // full tiles and an edge sliver (49 rows)
            be.attention(ctx, null, null, qkv, x, y, start, len, heads, 0f, 0);
            be.linear(y, ctx, wQkv, bQkv);
            be.add(y, y, qkv);
            be.layerNorm(x, null, null, y, gamma, beta, 1e-5f);
            be.linear(wide, x, wUp, bUp);
            be.gelu(wide, wide);
            be.linear(y, wide, wDown, bQkv);
            be.linear(wideOut, wide, wEdge, bEdge);
            be.linear(wideOut, wide, wEdge, null);
            be.add(y, y, x);
            be.layerNorm(x, null, null, y, gamma, beta, 1e-5f);
            be.gatherRows(cls, x, start);
            be.tanh(cls, cls);
            Tensor logits = be.empty(seqLen.length, 3);
            be.linear(logits, cls, wHead, bHead);
            be.release(logits);
            RUN.incrementAndGet();
        }
    }
}
