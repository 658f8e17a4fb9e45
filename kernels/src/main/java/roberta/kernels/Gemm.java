package roberta.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision GEMM, row-major: C[m,n] (+)= op(A)[m,k] · op(B)[k,n], where op transposes
 * when asked. GotoBLAS structure: op(B) is packed into panels of NR columns (weights once, at
 * load), A into MR-row slivers per KC-deep block, and a register-blocked microkernel keeps
 * an MR x NR tile of C in 2*MR vector registers, broadcasting one A value against two B
 * vectors per FMA pair. Any shape works: edges are zero-padded in the packs and stored
 * with masks. {@link GemmReference} is the scalar twin; -Droberta.scalar=true switches to it.
 */
public final class Gemm {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Columns of C per microkernel tile: two vectors. */
    public static final int NR = 2 * L;
    /** Rows of C per microkernel tile. */
    public static final int MR = 8;
    /** Depth of one packed block (A sliver MR*KC and B panel KC*NR stay in L1/L2). */
    static final int KC = 256;
    /** Rows of A packed per block (MC*KC floats stay in L2). */
    static final int MC = 128;
    /** Column panels per L2-resident block of B (KC * NC_PANELS * NR floats = 1 MB). */
    static final int NC_PANELS = Math.max(1, (1 << 18) / (KC * NR));
    /** Most floats of A the threads pack together for a column split (16 MB, within L3). */
    static final int SHARED_A_LIMIT = 1 << 22;
    /** Most column panels for which A is read in place rather than packed. */
    static final int DIRECT_A_PANELS = 4;
    static final boolean SCALAR = Boolean.getBoolean("roberta.scalar");

    /**
     * 8 x 8 blocks transposed in registers for the packs ({@link #transposeRun}: A's slivers, and a
     * transposed B's panels): three rounds of zipping vector i with vector i + 4 leave vector j
     * holding column j; 24 permutes, 8 loads and 8 stores for 64 values where the scalar loop spends
     * 64 of each (A's pack 3.3x faster compiled, a transposed B's 1.8x faster than by gathers; the
     * same bits). Only on x86 with AVX-512, where the two-source select is one instruction
     * (elsewhere it may be a slow fallback), and with 8-row slivers.
     */
    private static final boolean TRANSPOSE_IN_REGISTERS = S.vectorBitSize() >= 512 && MR == 8
            && System.getProperty("os.arch", "").matches("amd64|x86_64");
    private static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;
    private static final FloatVector ZIP_LO = FloatVector.fromArray(S8, new float[] {0, 8, 1, 9, 2, 10, 3, 11}, 0);
    private static final FloatVector ZIP_HI = FloatVector.fromArray(S8, new float[] {4, 12, 5, 13, 6, 14, 7, 15}, 0);
    private static final ThreadLocal<float[]> A_PACK = ThreadLocal.withInitial(() -> new float[MC * KC]);
    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[MR * NR + 1]); // + the touch-ahead sink
    private static final ThreadLocal<float[][]> SHARED_A_PACK = ThreadLocal.withInitial(() -> new float[1][0]);
    private static final ThreadLocal<float[]> B_CHUNK = ThreadLocal.withInitial(() -> new float[KC * NR]);
    private static final ThreadLocal<float[]> B_BLOCK = ThreadLocal.withInitial(() -> new float[KC * NC_PANELS * NR]);
    private static final ThreadLocal<float[][]> B_PACK = ThreadLocal.withInitial(() -> new float[1][0]);

    private Gemm() {}

    /**
     * op(B) [k, n] packed into ceil(n/NR) panels, each k rows of NR values (zero-padded): floats
     * in data, or a weight kept as its checkpoint stored it, F16 bits in f16 or BF16 pairs in
     * bf16 (see {@link HalfPanels}). Exactly one of the three is set.
     */
    public static final class PackedB {
        final float[] data;
        final short[] f16;
        final int[] bf16;
        final int k, n, panels;

        PackedB(float[] data, int k, int n) {
            this(data, null, null, k, n);
        }

        private PackedB(float[] data, short[] f16, int[] bf16, int k, int n) {
            this.data = data;
            this.f16 = f16;
            this.bf16 = bf16;
            this.k = k;
            this.n = n;
            this.panels = (n + NR - 1) / NR;
        }

        /** W[n, k] given as half-precision bits (F16, or BF16 when bf16), packed as op(B) = W^T and kept half. */
        static PackedB ofHalf(short[] w, boolean bf16, int k, int n) {
            short[] panels = HalfPanels.pack(w, n, k);
            return bf16 ? new PackedB(null, null, HalfPanels.pairs(panels), k, n) : new PackedB(null, panels, null, k, n);
        }

        /** The packed value at index i, widened if kept half (for the scalar paths). */
        float at(int i) {
            return data != null ? data[i] : f16 != null ? Float.float16ToFloat(f16[i]) : HalfPanels.pairAt(bf16, i);
        }

        /** rows x NR packed values from index start (a multiple of NR), widened into dst[dstOff...]. */
        void widen(int start, int rows, float[] dst, int dstOff) {
            if (f16 != null) HalfPanels.widenF16(f16, start, rows * NR, dst, dstOff);
            else HalfPanels.widenPairs(bf16, start / 2, rows, dst, dstOff);
        }

        boolean isHalf() { return data == null; }
        public int k() { return k; }
        public int n() { return n; }
        /** Bytes this packed matrix holds. */
        public long bytes() { return data != null ? 4L * data.length : f16 != null ? 2L * f16.length : 4L * bf16.length; }
    }

    public static int packedSize(int k, int n) {
        return ((n + NR - 1) / NR) * NR * k;
    }

    /** Packs op(B) for repeated use (e.g. a weight matrix W[n,k] with transB = true). */
    public static PackedB packB(boolean transB, int k, int n, float[] b, int bOff, int ldb) {
        return packB(null, transB, k, n, b, bOff, ldb);
    }

    /** Packs op(B), reusing reuse's array when it has the same shape. */
    static PackedB packB(PackedB reuse, boolean transB, int k, int n, float[] b, int bOff, int ldb) {
        float[] data = reuse != null && reuse.k == k && reuse.n == n ? reuse.data : new float[packedSize(k, n)];
        packBInto(data, transB, k, n, b, bOff, ldb, true);
        return reuse != null && reuse.data == data ? reuse : new PackedB(data, k, n);
    }

    /**
     * Packs op(B) that is packed once, a weight at load: a transposed B by the scalar loop, not the
     * vector code (register transposes, then gathers). That is several times faster once compiled,
     * which a training step's re-packing needs, but a load is over before it is: the Vector API runs
     * boxed, about a microsecond an operation, until the JIT compiles it (measured: a roberta-base
     * load 0.8-0.95 s with the gathers, 0.5-0.6 s with the scalar loop, which the JIT compiles
     * within the first weight).
     */
    public static PackedB packBOnce(boolean transB, int k, int n, float[] b, int bOff, int ldb) {
        float[] data = new float[packedSize(k, n)];
        packBInto(data, transB, k, n, b, bOff, ldb, false);
        return new PackedB(data, k, n);
    }

    /**
     * Packs op(B) into holder[0], a scratch array grown when too short (it may stay longer than
     * the pack: nothing reads past packedSize(k, n) but the microkernel's touch-ahead).
     */
    static PackedB packBScratch(float[][] holder, boolean transB, int k, int n, float[] b, int bOff, int ldb) {
        int size = packedSize(k, n);
        if (holder[0].length < size) holder[0] = new float[size];
        packBInto(holder[0], transB, k, n, b, bOff, ldb, true);
        return new PackedB(holder[0], k, n);
    }

    /** The matrix B[n, k] that {@code packB(true, k, n, B, ...)} packed. */
    static float[] unpackTransposed(PackedB p) {
        float[] out = new float[p.n * p.k];
        for (int j = 0; j < p.n; j++) {
            int base = (j / NR) * p.k * NR + j % NR;
            for (int kk = 0; kk < p.k; kk++) out[j * p.k + kk] = p.at(base + kk * NR);
        }
        return out;
    }

    /** A gather's offsets: lane j reads source row j (j * ldb); per thread, refilled when ldb changes. */
    private static final ThreadLocal<int[]> GATHER_ROWS = ThreadLocal.withInitial(() -> new int[L]);

    /** The offsets j * ldb for j < L (the last one tells which ldb they were filled for). */
    private static int[] gatherRows(int ldb) {
        int[] rows = GATHER_ROWS.get();
        if (rows[L - 1] != (L - 1) * ldb)
            for (int jj = 0; jj < L; jj++) rows[jj] = jj * ldb;
        return rows;
    }

    /** Depth rows of a transposed B packed per pass: the NR x DEPTH_BLOCK block of the pack being written stays in L1. */
    private static final int DEPTH_BLOCK = 16;

    /**
     * Packs op(B) into dst, the panels split over the kernel pool when there are enough of them
     * (a trained weight is re-packed every step, and the backward pass packs its operands on each call).
     */
    private static void packBInto(float[] dst, boolean transB, int k, int n, float[] b, int bOff, int ldb, boolean vector) {
        int panels = (n + NR - 1) / NR;
        if ((long) k * n < 1 << 16) packPanels(dst, transB, k, n, b, bOff, ldb, 0, panels, vector);
        else Parallel.forRange(panels, 1, (p0, p1) -> packPanels(dst, transB, k, n, b, bOff, ldb, p0, p1, vector));
    }

    /** vector: a full transposed panel by register transposes and gathers, else by the scalar loop (see {@link #packBOnce} for when). */
    private static void packPanels(float[] dst, boolean transB, int k, int n, float[] b, int bOff, int ldb, int p0, int p1, boolean vector) {
        for (int p = p0; p < p1; p++) {
            int j0 = p * NR, nv = Math.min(NR, n - j0);
            int base = p * k * NR;
            if (!transB) {
                for (int kk = 0; kk < k; kk++) {
                    int src = bOff + kk * ldb + j0, dst0 = base + kk * NR;
                    System.arraycopy(b, src, dst, dst0, nv);
                    for (int jj = nv; jj < NR; jj++) dst[dst0 + jj] = 0f;
                }
                continue;
            }
            if (nv == NR && vector && !SCALAR) {
                // a full panel (attention's k^T, every trained weight each step): 8 x 8 blocks of
                // the NR source rows transposed in registers (AVX-512), then each remaining depth's
                // NR values gathered from the NR source rows (two vector gathers, the rows' lines
                // staying in L1 across depths) and stored as one contiguous panel row; the gathers
                // are 2.5x the scalar loop below
                int kk0 = 0;
                if (TRANSPOSE_IN_REGISTERS) {
                    for (int g = 0; g < NR; g += 8) transposeRun(b, bOff + (j0 + g) * ldb, ldb, dst, base + g, NR, k / 8);
                    kk0 = k / 8 * 8;
                }
                int[] rows = gatherRows(ldb);
                int src0 = bOff + j0 * ldb, src1 = src0 + L * ldb;
                for (int kk = kk0, d = base + kk0 * NR; kk < k; kk++, d += NR) {
                    FloatVector.fromArray(S, b, src0 + kk, rows, 0).intoArray(dst, d);
                    FloatVector.fromArray(S, b, src1 + kk, rows, 0).intoArray(dst, d + L);
                }
                continue;
            }
            // B^T: each of the panel's nv source rows is read along its length, DEPTH_BLOCK values at a
            // time, so the block of the pack they land in (strided by NR) is still in L1 for the next row.
            for (int k0 = 0; k0 < k; k0 += DEPTH_BLOCK) {
                int k1 = Math.min(k, k0 + DEPTH_BLOCK);
                for (int jj = 0; jj < NR; jj++) {
                    if (jj < nv) {
                        int src = bOff + (j0 + jj) * ldb;
                        for (int kk = k0; kk < k1; kk++) dst[base + kk * NR + jj] = b[src + kk];
                    } else {
                        for (int kk = k0; kk < k1; kk++) dst[base + kk * NR + jj] = 0f;
                    }
                }
            }
        }
    }

    /** C (+)= op(A) · op(B), splitting the work over the kernel pool. */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc, boolean accumulate) {
        if (m == 0 || n == 0) return;
        if (SCALAR) {
            GemmReference.sgemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            return;
        }
        sgemm(transA, m, a, aOff, lda, packBScratch(B_PACK.get(), transB, k, n, b, bOff, ldb), c, cOff, ldc, accumulate);
    }

    /** C (+)= op(A) · B with B already packed. */
    public static void sgemm(boolean transA, int m, float[] a, int aOff, int lda, PackedB b,
                             float[] c, int cOff, int ldc, boolean accumulate) {
        sgemm(transA, m, a, aOff, lda, b, null, c, cOff, ldc, accumulate);
    }

    /**
     * C (+)= op(A) · B + bias, B already packed; bias (length n, or null) is added to each row in
     * the microkernel's last store, saving a pass over C.
     */
    public static void sgemm(boolean transA, int m, float[] a, int aOff, int lda, PackedB b, float[] bias,
                             float[] c, int cOff, int ldc, boolean accumulate) {
        int n = b.n, k = b.k;
        if (m == 0 || n == 0) return;
        if (SCALAR || k == 0) {
            GemmReference.sgemm(transA, m, a, aOff, lda, b, bias, c, cOff, ldc, accumulate);
            return;
        }
        int threads = Parallel.threads();
        long flops = 2L * m * n * k;
        // Packing A pays off when many column panels reuse the pack; for a product with few of
        // them (attention's per-head q·k^T and p·v) the microkernel reads A's rows in place.
        boolean direct = !transA && b.panels <= DIRECT_A_PANELS;
        if (threads == 1 || flops < 2_000_000) {
            block(transA, direct, 0, m, 0, b.panels, k, a, aOff, lda, null, b, bias, c, cOff, ldc, accumulate);
            return;
        }
        // Each thread takes an equal share of the rows (MR-aligned) or of the column panels,
        // whichever duplicates less reading: a row split has every thread read all of B, a
        // column split all of A. Small batches are bound by reading the weights, so they split
        // the weights.
        int slivers = (m + MR - 1) / MR;
        boolean byRows = (slivers >= 2 * threads && m >= n) || b.panels < threads;
        int parts = byRows ? threads : Math.min(threads, b.panels);
        // In a column split every thread would pack all of A (and again for each block of columns);
        // instead the threads pack it together once, each a share of the slivers, when it fits in L3.
        float[] shared = null;
        if (!byRows && !direct && parts > 1 && (long) slivers * MR * k <= SHARED_A_LIMIT) {
            float[][] holder = SHARED_A_PACK.get();
            if (holder[0].length < slivers * MR * k) holder[0] = new float[slivers * MR * k];
            float[] pack = shared = holder[0];
            Parallel.forRange(slivers, 1, (s0, s1) -> {
                for (int pc = 0; pc < k; pc += KC)
                    packA(pack, pc * slivers * MR + s0 * MR * Math.min(KC, k - pc), transA, s0 * MR, Math.min(m, s1 * MR) - s0 * MR,
                          pc, Math.min(KC, k - pc), a, aOff, lda);
            });
        }
        float[] sharedPack = shared;
        // Claimed a chunk at a time (Parallel.forChunks) when a chunk costs nothing extra: about four
        // chunks a thread, a row chunk at most MC rows (each still packs its own rows of A and streams
        // all of B from L3), a column chunk at most one L2 block of panels over an A packed once or read
        // in place. Half-precision B is widened per call and an unshared A packed per call, so those
        // keep one equal share a thread.
        boolean perCall = b.isHalf() || (!byRows && !direct && sharedPack == null);
        int units = byRows ? slivers : b.panels;
        int grain = perCall ? (units + parts - 1) / parts
                : Math.max(1, Math.min(byRows ? MC / MR : NC_PANELS, units / (4 * threads)));
        Parallel.forChunks(units, grain, (u0, u1) -> {
            if (byRows) {
                int r0 = u0 * MR, r1 = Math.min(m, u1 * MR);
                block(transA, direct, r0, r1 - r0, 0, b.panels, k, a, aOff, lda, null, b, bias, c, cOff, ldc, accumulate);
            } else {
                block(transA, direct, 0, m, u0, u1, k, a, aOff, lda, sharedPack, b, bias, c, cOff, ldc, accumulate);
            }
        });
    }

    /**
     * Rows [r0, r0+rows) and column panels [p0, p1) of C. Loop order jc, pc, ic (GotoBLAS):
     * a KC x NC block of packed B stays in L2 while every MC-row block of A streams past it.
     */
    private static void block(boolean transA, boolean direct, int r0, int rows, int p0, int p1, int k, float[] a, int aOff, int lda,
                              float[] packedA, PackedB b, float[] bias, float[] c, int cOff, int ldc, boolean accumulate) {
        float[] ap = packedA != null ? packedA : A_PACK.get(), tile = TILE.get();
        // Half-precision B is widened before the microkernel reads it: a chunk at a time when one
        // block of rows reads it once, else a whole KC x NC block once for all the row blocks.
        boolean widenBlocks = b.isHalf() && rows > MC;
        float[] chunk = b.isHalf() && !widenBlocks ? B_CHUNK.get() : null, widened = widenBlocks ? B_BLOCK.get() : null;
        int slivers = (rows + MR - 1) / MR; // of this call's rows
        for (int jc = p0; jc < p1; jc += NC_PANELS) {
            int jcEnd = Math.min(p1, jc + NC_PANELS);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                boolean add = accumulate || pc > 0;
                float[] lastBias = pc + kc >= k ? bias : null; // added once, with the last depth block
                if (widenBlocks) for (int p = jc; p < jcEnd; p++) b.widen(p * b.k * NR + pc * NR, kc, widened, (p - jc) * kc * NR);
                for (int i0 = r0; i0 < r0 + rows; i0 += MC) {
                    int mc = Math.min(MC, r0 + rows - i0);
                    // packedA: all of A, packed before; each depth block at pc * slivers * MR, row i at i * kc in it
                    int apBase = packedA != null ? pc * slivers * MR + (i0 - r0) * kc : 0;
                    if (packedA == null && !direct) packA(ap, 0, transA, i0, mc, pc, kc, a, aOff, lda);
                    // read in place, only a last partial sliver is packed (zero-padded to MR rows)
                    int fullRows = mc - mc % MR;
                    if (direct && fullRows < mc) packA(ap, fullRows * kc, transA, i0 + fullRows, mc - fullRows, pc, kc, a, aOff, lda);
                    for (int p = jc; p < jcEnd; p++) {
                        int j0 = p * NR, nv = Math.min(NR, b.n - j0);
                        int bBase = p * b.k * NR + pc * NR;
                        // The chunk of B read next: the next panel at this depth, else the block's first panel one
                        // block deeper. Each sliver's call touches its share of it (see microkernel).
                        int next = p + 1 < jcEnd ? bBase + b.k * NR : jc * b.k * NR + (pc + KC) * NR;
                        int touchPerCall = touchSpan(kc);
                        float[] bp = b.data;
                        if (chunk != null || widened != null) {
                            if (chunk != null) b.widen(bBase, kc, chunk, 0);
                            bp = chunk != null ? chunk : widened;
                            bBase = chunk != null ? 0 : (p - jc) * kc * NR;
                            next = bBase; // widened chunks are in L1/L2 already: nothing to touch ahead
                            touchPerCall = 0;
                        }
                        for (int ir = 0; ir < mc; ir += MR) {
                            int mv = Math.min(MR, mc - ir);
                            int touch = next + (ir / MR) * touchPerCall;
                            if (touch < 0 || touch + touchSpan(kc) > bp.length) touch = bBase;
                            int cBase = cOff + (i0 + ir) * ldc + j0;
                            if (direct && mv == MR) {
                                microkernelDirect(kc, a, aOff + (i0 + ir) * lda + pc, lda, bp, bBase, lastBias, j0, c, cBase, ldc, nv, add, tile);
                                continue;
                            }
                            microkernel(kc, ap, apBase + ir * kc, touch, bp, bBase, lastBias, j0, c, cBase, ldc, mv, nv, add, tile);
                        }
                    }
                }
            }
        }
    }

    /** Packs op(A)[i0:i0+mc, pc:pc+kc] from ap[apOff] as slivers of MR rows, k-major, zero-padded. */
    private static void packA(float[] ap, int apOff, boolean transA, int i0, int mc, int pc, int kc, float[] a, int aOff, int lda) {
        for (int ir = 0; ir < mc; ir += MR) {
            int base = apOff + ir * kc;
            int mv = Math.min(MR, mc - ir);
            if (transA && mv == MR) {
                // op(A)'s MR rows at one depth are MR consecutive values of a row of A: copied as a run
                for (int kk = 0, src = aOff + pc * lda + i0 + ir, d = base; kk < kc; kk++, src += lda, d += MR)
                    System.arraycopy(a, src, ap, d, MR);
                continue;
            }
            if (!transA && mv == MR) {
                // eight row streams read in step, the pack written sequentially: 8 x 8 blocks transposed in registers (AVX-512), then one value at a time
                int s0 = aOff + (i0 + ir) * lda + pc, s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda, s4 = s3 + lda, s5 = s4 + lda, s6 = s5 + lda, s7 = s6 + lda;
                int kk0 = 0;
                if (TRANSPOSE_IN_REGISTERS && !SCALAR) {
                    transposeRun(a, s0, lda, ap, base, MR, kc / 8);
                    kk0 = kc / 8 * 8;
                }
                for (int kk = kk0, d = base + kk0 * MR; kk < kc; kk++, d += MR) {
                    ap[d] = a[s0 + kk];
                    ap[d + 1] = a[s1 + kk];
                    ap[d + 2] = a[s2 + kk];
                    ap[d + 3] = a[s3 + kk];
                    ap[d + 4] = a[s4 + kk];
                    ap[d + 5] = a[s5 + kk];
                    ap[d + 6] = a[s6 + kk];
                    ap[d + 7] = a[s7 + kk];
                }
                continue;
            }
            for (int r = 0; r < MR; r++) {
                if (r < mv) {
                    int row = i0 + ir + r;
                    if (!transA) {
                        int src = aOff + row * lda + pc;
                        for (int kk = 0; kk < kc; kk++) ap[base + kk * MR + r] = a[src + kk];
                    } else {
                        int src = aOff + pc * lda + row;
                        for (int kk = 0; kk < kc; kk++) ap[base + kk * MR + r] = a[src + kk * lda];
                    }
                } else {
                    for (int kk = 0; kk < kc; kk++) ap[base + kk * MR + r] = 0f;
                }
            }
        }
    }

    /**
     * blocks 8 x 8 blocks transposed in registers (see TRANSPOSE_IN_REGISTERS), the next 8 columns
     * of the same 8 rows each: dst[d0 + (8b + j) * dstStride + r] = src[s0 + r * stride + 8b + j] for
     * r, j < 8 and b < blocks. A run a call, not a block: the body is too big for the JIT to inline,
     * and a call a block cost 1.6x.
     */
    private static void transposeRun(float[] src, int s0, int stride, float[] dst, int d0, int dstStride, int blocks) {
        for (int blk = 0; blk < blocks; blk++, s0 += 8, d0 += 8 * dstStride) {
            FloatVector v0 = FloatVector.fromArray(S8, src, s0), v1 = FloatVector.fromArray(S8, src, s0 + stride);
            FloatVector v2 = FloatVector.fromArray(S8, src, s0 + 2 * stride), v3 = FloatVector.fromArray(S8, src, s0 + 3 * stride);
            FloatVector v4 = FloatVector.fromArray(S8, src, s0 + 4 * stride), v5 = FloatVector.fromArray(S8, src, s0 + 5 * stride);
            FloatVector v6 = FloatVector.fromArray(S8, src, s0 + 6 * stride), v7 = FloatVector.fromArray(S8, src, s0 + 7 * stride);
            FloatVector w0 = ZIP_LO.selectFrom(v0, v4), w1 = ZIP_HI.selectFrom(v0, v4), w2 = ZIP_LO.selectFrom(v1, v5), w3 = ZIP_HI.selectFrom(v1, v5);
            FloatVector w4 = ZIP_LO.selectFrom(v2, v6), w5 = ZIP_HI.selectFrom(v2, v6), w6 = ZIP_LO.selectFrom(v3, v7), w7 = ZIP_HI.selectFrom(v3, v7);
            v0 = ZIP_LO.selectFrom(w0, w4); v1 = ZIP_HI.selectFrom(w0, w4); v2 = ZIP_LO.selectFrom(w1, w5); v3 = ZIP_HI.selectFrom(w1, w5);
            v4 = ZIP_LO.selectFrom(w2, w6); v5 = ZIP_HI.selectFrom(w2, w6); v6 = ZIP_LO.selectFrom(w3, w7); v7 = ZIP_HI.selectFrom(w3, w7);
            w0 = ZIP_LO.selectFrom(v0, v4); w1 = ZIP_HI.selectFrom(v0, v4); w2 = ZIP_LO.selectFrom(v1, v5); w3 = ZIP_HI.selectFrom(v1, v5);
            w4 = ZIP_LO.selectFrom(v2, v6); w5 = ZIP_HI.selectFrom(v2, v6); w6 = ZIP_LO.selectFrom(v3, v7); w7 = ZIP_HI.selectFrom(v3, v7);
            w0.intoArray(dst, d0);
            w1.intoArray(dst, d0 + dstStride);
            w2.intoArray(dst, d0 + 2 * dstStride);
            w3.intoArray(dst, d0 + 3 * dstStride);
            w4.intoArray(dst, d0 + 4 * dstStride);
            w5.intoArray(dst, d0 + 5 * dstStride);
            w6.intoArray(dst, d0 + 6 * dstStride);
            w7.intoArray(dst, d0 + 7 * dstStride);
        }
    }

    /** Floats of the next B chunk one microkernel call touches: a 64-byte line per 8 steps of depth. */
    static int touchSpan(int kc) {
        return ((kc + 7) >> 3) << 4;
    }

    /**
     * One MR x NR tile of C over depth kc. Besides its own work, the call reads one float per cache
     * line of {@code bp[touch, touch + touchSpan(kc))}, a slice of the B chunk the next panel's calls
     * will stream. Java has no prefetch instruction; these spread-out loads let the hardware
     * prefetcher bring that chunk in from L3/DRAM while this one computes, instead of the next
     * panel's first call stalling on a burst of misses (measured +7% at 128 rows, +2.5% at 1024).
     */
    private static void microkernel(int kc, float[] ap, int aBase, int touch, float[] bp, int bBase, float[] bias, int j0,
                                    float[] c, int cBase, int ldc, int mv, int nv, boolean add, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        float touched = 0;
        for (int kk = 0; kk < kc; kk++) {
            int bi = bBase + kk * NR, ai = aBase + kk * MR;
            touched += bp[touch + ((kk >> 3) << 4)]; // one new cache line every 8 steps
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = b0.fma(a0, c00);
            c01 = b1.fma(a0, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a1, c10);
            c11 = b1.fma(a1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a2, c20);
            c21 = b1.fma(a2, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(a3, c30);
            c31 = b1.fma(a3, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = b0.fma(a4, c40);
            c41 = b1.fma(a4, c41);
            FloatVector a5 = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = b0.fma(a5, c50);
            c51 = b1.fma(a5, c51);
            FloatVector a6 = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = b0.fma(a6, c60);
            c61 = b1.fma(a6, c61);
            FloatVector a7 = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = b0.fma(a7, c70);
            c71 = b1.fma(a7, c71);
        }
        tile[MR * NR] = touched; // kept, so the touch-ahead loads are not optimised away
        // Vectors never cross a method boundary (an un-inlined call would box them), so the
        // full-tile stores are written out here; edge tiles go through a scratch tile.
        if (mv == MR && nv == NR) {
            if (bias != null) {
                FloatVector bias0 = FloatVector.fromArray(S, bias, j0), bias1 = FloatVector.fromArray(S, bias, j0 + L);
                c00 = c00.add(bias0);
                c01 = c01.add(bias1);
                c10 = c10.add(bias0);
                c11 = c11.add(bias1);
                c20 = c20.add(bias0);
                c21 = c21.add(bias1);
                c30 = c30.add(bias0);
                c31 = c31.add(bias1);
                c40 = c40.add(bias0);
                c41 = c41.add(bias1);
                c50 = c50.add(bias0);
                c51 = c51.add(bias1);
                c60 = c60.add(bias0);
                c61 = c61.add(bias1);
                c70 = c70.add(bias0);
                c71 = c71.add(bias1);
            }
            if (add) {
                c00 = c00.add(FloatVector.fromArray(S, c, cBase));
                c01 = c01.add(FloatVector.fromArray(S, c, cBase + L));
                c10 = c10.add(FloatVector.fromArray(S, c, cBase + ldc));
                c11 = c11.add(FloatVector.fromArray(S, c, cBase + ldc + L));
                c20 = c20.add(FloatVector.fromArray(S, c, cBase + 2 * ldc));
                c21 = c21.add(FloatVector.fromArray(S, c, cBase + 2 * ldc + L));
                c30 = c30.add(FloatVector.fromArray(S, c, cBase + 3 * ldc));
                c31 = c31.add(FloatVector.fromArray(S, c, cBase + 3 * ldc + L));
                c40 = c40.add(FloatVector.fromArray(S, c, cBase + 4 * ldc));
                c41 = c41.add(FloatVector.fromArray(S, c, cBase + 4 * ldc + L));
                c50 = c50.add(FloatVector.fromArray(S, c, cBase + 5 * ldc));
                c51 = c51.add(FloatVector.fromArray(S, c, cBase + 5 * ldc + L));
                c60 = c60.add(FloatVector.fromArray(S, c, cBase + 6 * ldc));
                c61 = c61.add(FloatVector.fromArray(S, c, cBase + 6 * ldc + L));
                c70 = c70.add(FloatVector.fromArray(S, c, cBase + 7 * ldc));
                c71 = c71.add(FloatVector.fromArray(S, c, cBase + 7 * ldc + L));
            }
            c00.intoArray(c, cBase);
            c01.intoArray(c, cBase + L);
            c10.intoArray(c, cBase + ldc);
            c11.intoArray(c, cBase + ldc + L);
            c20.intoArray(c, cBase + 2 * ldc);
            c21.intoArray(c, cBase + 2 * ldc + L);
            c30.intoArray(c, cBase + 3 * ldc);
            c31.intoArray(c, cBase + 3 * ldc + L);
            c40.intoArray(c, cBase + 4 * ldc);
            c41.intoArray(c, cBase + 4 * ldc + L);
            c50.intoArray(c, cBase + 5 * ldc);
            c51.intoArray(c, cBase + 5 * ldc + L);
            c60.intoArray(c, cBase + 6 * ldc);
            c61.intoArray(c, cBase + 6 * ldc + L);
            c70.intoArray(c, cBase + 7 * ldc);
            c71.intoArray(c, cBase + 7 * ldc + L);
            return;
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + L);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + L);
        storeTile(tile, bias, j0, c, cBase, ldc, mv, nv, add);
    }

    /** The microkernel for a full sliver of A read in place: rows aBase + r * lda, row-major. */
    private static void microkernelDirect(int kc, float[] a, int aBase, int lda, float[] bp, int bBase, float[] bias, int j0,
                                          float[] c, int cBase, int ldc, int nv, boolean add, float[] tile) {
        int r1 = lda, r2 = 2 * lda, r3 = 3 * lda, r4 = 4 * lda, r5 = 5 * lda, r6 = 6 * lda, r7 = 7 * lda;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int kk = 0; kk < kc; kk++) {
            int bi = bBase + kk * NR, ai = aBase + kk;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector a0 = FloatVector.broadcast(S, a[ai]);
            c00 = b0.fma(a0, c00);
            c01 = b1.fma(a0, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[ai + r1]);
            c10 = b0.fma(a1, c10);
            c11 = b1.fma(a1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[ai + r2]);
            c20 = b0.fma(a2, c20);
            c21 = b1.fma(a2, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[ai + r3]);
            c30 = b0.fma(a3, c30);
            c31 = b1.fma(a3, c31);
            FloatVector a4 = FloatVector.broadcast(S, a[ai + r4]);
            c40 = b0.fma(a4, c40);
            c41 = b1.fma(a4, c41);
            FloatVector a5 = FloatVector.broadcast(S, a[ai + r5]);
            c50 = b0.fma(a5, c50);
            c51 = b1.fma(a5, c51);
            FloatVector a6 = FloatVector.broadcast(S, a[ai + r6]);
            c60 = b0.fma(a6, c60);
            c61 = b1.fma(a6, c61);
            FloatVector a7 = FloatVector.broadcast(S, a[ai + r7]);
            c70 = b0.fma(a7, c70);
            c71 = b1.fma(a7, c71);
        }
        // stored through the tile: the full-tile epilogue written out in registers lives in microkernel alone
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + L);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + L);
        storeTile(tile, bias, j0, c, cBase, ldc, MR, nv, add);
    }

    /** C[rows mv, cols nv] (+)= tile + bias, the tile MR x NR row-major. */
    private static void storeTile(float[] tile, float[] bias, int j0, float[] c, int cBase, int ldc, int mv, int nv, boolean add) {
        if (nv == NR) {
            for (int r = 0; r < mv; r++) {
                int o = cBase + r * ldc;
                FloatVector v0 = FloatVector.fromArray(S, tile, r * NR), v1 = FloatVector.fromArray(S, tile, r * NR + L);
                if (bias != null) {
                    v0 = v0.add(FloatVector.fromArray(S, bias, j0));
                    v1 = v1.add(FloatVector.fromArray(S, bias, j0 + L));
                }
                if (add) {
                    v0 = v0.add(FloatVector.fromArray(S, c, o));
                    v1 = v1.add(FloatVector.fromArray(S, c, o + L));
                }
                v0.intoArray(c, o);
                v1.intoArray(c, o + L);
            }
            return;
        }
        for (int r = 0; r < mv; r++) {
            int o = cBase + r * ldc;
            for (int j = 0; j < nv; j++) {
                float v = bias != null ? tile[r * NR + j] + bias[j0 + j] : tile[r * NR + j];
                c[o + j] = add ? c[o + j] + v : v;
            }
        }
    }
}
