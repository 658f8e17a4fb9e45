package roberta.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static roberta.kernels.cuda.DeviceArrays.download;
import static roberta.kernels.cuda.DeviceArrays.downloadInts;
import static roberta.kernels.cuda.DeviceArrays.upload;

import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The host shim's warp primitives, block_reduce.cuh and dynamic shared memory, through the
 * test-only kernels of src/test/cuda/warp_test.cu ({@link WarpTestKernels}). Each shuffle's
 * result is checked against its definition in CUDA's programming guide, written here apart
 * from the shim's lane arithmetic; misuses CUDA calls undefined must fail the launch.
 */
class WarpPrimitivesTest {
    private final EmulatedDevice dev = new EmulatedDevice();
    private final Random rnd = new Random(7);

    WarpPrimitivesTest() {
        HostKernels.load(WarpTestKernels.KERNELS).registerAll(dev);
    }

    @AfterEach
    void close() {
        assertEquals(0, dev.liveAllocations(), "every test frees what it allocates");
        dev.close();
    }

    /** Blocks of full warps, of a partial last warp, of one partial warp, 2-D and 3-D (lanes in linear order). */
    private static final Dim3[] BLOCKS = {Dim3.of(32), Dim3.of(64), Dim3.of(40), Dim3.of(7), Dim3.of(1), Dim3.of(100),
        Dim3.of(8, 5), new Dim3(4, 3, 3)};
    private static final int[] WIDTHS = {32, 16, 8, 4, 2, 1};
    /** Per kind (idx, up, down, xor): source lanes (modulo width, negatives too), deltas, lane masks. */
    private static final int[][] OPERANDS = {{0, 5, 31, 37, -1}, {0, 1, 3, 16, 31}, {0, 1, 3, 16, 31}, {1, 2, 5, 16, 31}};
    private static final String[] KINDS = {"__shfl_sync", "__shfl_up_sync", "__shfl_down_sync", "__shfl_xor_sync"};

    /**
     * The lane whose value `lane` gets, from CUDA's definitions: lanes form segments of width;
     * __shfl_sync reads srcLane modulo width within the caller's segment; up and down read
     * delta lanes below or above, the caller's own value where that leaves the segment; xor
     * reads lane ^ laneMask, its own value where that lies in a LATER segment (earlier ones may
     * be read). -1: a lane the warp does not have (a partial warp): CUDA leaves the value
     * undefined, the shim reads all bits set.
     */
    static int sourceLane(int kind, int lane, int b, int width, int lanes) {
        int segment = lane / width * width, end = segment + width; // [segment, end)
        int src = switch (kind) {
            case 0 -> segment + Math.floorMod(b, width);
            case 1 -> lane - b >= segment ? lane - b : lane;
            case 2 -> lane + b < end ? lane + b : lane;
            default -> (lane ^ b) < end ? lane ^ b : lane;
        };
        return src < lanes ? src : -1;
    }

    /** For thread i of blocks of `threads`: the element it reads, or -1 (all bits set). */
    private static int[] expectedSources(int kind, int b, int width, int blocks, int threads) {
        int[] src = new int[blocks * threads];
        for (int i = 0; i < src.length; i++) {
            int t = i % threads, warpStart = t / 32 * 32, lanes = Math.min(32, threads - warpStart);
            int lane = sourceLane(kind, t % 32, b, width, lanes);
            src[i] = lane < 0 ? -1 : i - t + warpStart + lane;
        }
        return src;
    }

    @Test
    void everyShuffleKindMatchesItsDefinitionForFloatsIntsAndUnsigned() {
        int blocks = 3;
        for (Dim3 block : BLOCKS) {
            int threads = (int) block.count(), n = blocks * threads;
            float[] fin = new float[n];
            int[] iin = new int[n], uin = new int[n];
            for (int i = 0; i < n; i++) {
                fin[i] = i * 1.5f + 0.25f;
                iin[i] = i * 7919 - 100_000; // negatives
                uin[i] = 0x8000_0000 | i * 3; // the top bit set: above int's range as unsigned
            }
            long pf = upload(dev, fin), pi = upload(dev, iin), pu = upload(dev, uin), out = dev.malloc(4L * n);
            for (int kind = 0; kind < 4; kind++)
                for (int width : WIDTHS)
                    for (int b : OPERANDS[kind]) {
                        String at = KINDS[kind] + "(b = " + b + ", width " + width + "), block " + block;
                        int[] src = expectedSources(kind, b, width, blocks, threads);
                        dev.launch("wt_shfl_f32", Dim3.of(blocks), block, 0, new Ptr(out), new Ptr(pf), n, kind, b, width);
                        float[] f = download(dev, out, n);
                        for (int i = 0; i < n; i++) {
                            int bits = src[i] < 0 ? -1 : Float.floatToRawIntBits(fin[src[i]]);
                            assertEquals(bits, Float.floatToRawIntBits(f[i]), "float, thread " + i + ", " + at);
                        }
                        if (width != 32 && width != 8) continue; // the overloads share the lane arithmetic
                        for (int unsigned = 0; unsigned <= 1; unsigned++) {
                            int[] in = unsigned == 1 ? uin : iin;
                            dev.launch("wt_shfl_i32", Dim3.of(blocks), block, 0, new Ptr(out), new Ptr(unsigned == 1 ? pu : pi), n, kind, b,
                                width, unsigned);
                            int[] got = downloadInts(dev, out, n);
                            for (int i = 0; i < n; i++)
                                assertEquals(src[i] < 0 ? -1 : in[src[i]], got[i], (unsigned == 1 ? "unsigned" : "int") + ", thread " + i + ", " + at);
                        }
                    }
            for (long p : new long[] {pf, pi, pu, out}) dev.free(p);
        }
    }

    @Test
    void doublesShuffleAllEightBytes() {
        int blocks = 2;
        for (Dim3 block : new Dim3[] {Dim3.of(32), Dim3.of(40), Dim3.of(7)}) {
            int threads = (int) block.count(), n = blocks * threads;
            long in = dev.malloc(8L * n), out = dev.malloc(8L * n);
            var sin = dev.segment(in, 8L * n);
            for (int i = 0; i < n; i++) sin.setAtIndex(ValueLayout.JAVA_DOUBLE, i, Math.PI * (i + 1) * 1e10); // both halves matter
            for (int kind = 0; kind < 4; kind++)
                for (int b : OPERANDS[kind]) {
                    int[] src = expectedSources(kind, b, 32, blocks, threads);
                    dev.launch("wt_shfl_f64", Dim3.of(blocks), block, 0, new Ptr(out), new Ptr(in), n, 2 * n, kind, b, 32);
                    var sout = dev.segment(out, 8L * n);
                    for (int i = 0; i < n; i++) {
                        long bits = src[i] < 0 ? -1L : Double.doubleToRawLongBits(sin.getAtIndex(ValueLayout.JAVA_DOUBLE, src[i]));
                        assertEquals(bits, Double.doubleToRawLongBits(sout.getAtIndex(ValueLayout.JAVA_DOUBLE, i)),
                            KINDS[kind] + "(b = " + b + "), thread " + i + ", block " + block);
                    }
                }
            dev.free(in);
            dev.free(out);
        }
    }

    @Test
    void warpZeroShufflesAloneWhileTheOtherWarpsWaitAtSyncthreads() {
        for (int threads : new int[] {32, 33, 64, 100, 1024}) {
            int blocks = 2, n = blocks * threads;
            float[] in = new float[n];
            for (int i = 0; i < n; i++) in[i] = rnd.nextInt(1000) - 500; // small integers: the sum is exact in any order
            long pin = upload(dev, in), out = dev.malloc(4L * n);
            dev.launch("wt_warp0_sum_f32", Dim3.of(blocks), Dim3.of(threads), 0, new Ptr(out), new Ptr(pin), n);
            float[] got = download(dev, out, n);
            for (int blk = 0; blk < blocks; blk++) {
                float sum = 0;
                for (int l = 0; l < 32; l++) sum += in[blk * threads + l];
                for (int t = 0; t < threads; t++) assertEquals(sum, got[blk * threads + t], "block " + blk + " of " + threads + ", thread " + t);
            }
            dev.free(pin);
            dev.free(out);
        }
    }

    @Test
    void syncwarpOrdersSharedMemoryWithinAWarp() {
        for (Dim3 block : BLOCKS) {
            int threads = (int) block.count(), blocks = 2, n = blocks * threads;
            float[] in = new float[n];
            for (int i = 0; i < n; i++) in[i] = i + 1;
            long pin = upload(dev, in), out = dev.malloc(4L * n);
            dev.launch("wt_syncwarp_f32", Dim3.of(blocks), block, 0, new Ptr(out), new Ptr(pin), n);
            float[] got = download(dev, out, n);
            for (int i = 0; i < n; i++) {
                int t = i % threads, first = t / 32 * 32, lanes = Math.min(32, threads - first);
                assertEquals(in[i - t + first + (t - first + 1) % lanes], got[i], "thread " + i + ", block " + block);
            }
            dev.free(pin);
            dev.free(out);
        }
    }

    /** Block sizes for block_reduce: one thread, partial warps of every kind, full warps, the most. */
    private static final int[] REDUCE_THREADS = {1, 2, 31, 32, 33, 40, 64, 100, 255, 256, 257, 1000, 1024};

    @Test
    void blockReduceSumsAndMaximaOverAnyBlockSize() {
        for (int threads : REDUCE_THREADS) {
            int blocks = 3, n = blocks * threads;
            float[] in = new float[n];
            // integers: sums exact whatever the order, so compared exactly; all negative in one block (max < 0)
            for (int i = 0; i < n; i++) in[i] = i / threads == 1 ? -1 - rnd.nextInt(5000) : rnd.nextInt(10_000) - 5000;
            long pin = upload(dev, in), out = dev.malloc(4L * n);
            for (int op = 0; op <= 1; op++) {
                dev.launch("wt_block_reduce_f32", Dim3.of(blocks), Dim3.of(threads), 0, new Ptr(out), new Ptr(pin), n, op);
                float[] got = download(dev, out, n);
                for (int blk = 0; blk < blocks; blk++) {
                    float want = op == 0 ? 0 : Float.NEGATIVE_INFINITY;
                    for (int t = 0; t < threads; t++) want = op == 0 ? want + in[blk * threads + t] : Math.max(want, in[blk * threads + t]);
                    for (int t = 0; t < threads; t++)
                        assertEquals(want, got[blk * threads + t], (op == 0 ? "sum" : "max") + ", block " + blk + " of " + threads + ", thread " + t);
                }
            }
            dev.free(pin);
            dev.free(out);
        }
    }

    @Test
    void blockSumOfDoubles() {
        for (int threads : REDUCE_THREADS) {
            int blocks = 2, n = blocks * threads;
            long in = dev.malloc(8L * n), out = dev.malloc(8L * n);
            var sin = dev.segment(in, 8L * n);
            double[] v = new double[n];
            for (int i = 0; i < n; i++) { // multiples of 2^-20 far beyond float's precision: exact double sums
                v[i] = (rnd.nextInt(1 << 30) - (1 << 29)) * 0x1p-20 + 1e6;
                sin.setAtIndex(ValueLayout.JAVA_DOUBLE, i, v[i]);
            }
            dev.launch("wt_block_sum_f64", Dim3.of(blocks), Dim3.of(threads), 0, new Ptr(out), new Ptr(in), n, 2 * n);
            var sout = dev.segment(out, 8L * n);
            for (int blk = 0; blk < blocks; blk++) {
                double want = 0;
                for (int t = 0; t < threads; t++) want += v[blk * threads + t];
                for (int t = 0; t < threads; t++)
                    assertEquals(want, sout.getAtIndex(ValueLayout.JAVA_DOUBLE, blk * threads + t), "block " + blk + " of " + threads);
            }
            dev.free(in);
            dev.free(out);
        }
    }

    @Test
    void dynamicSharedMemoryIsTheLaunchsSharedBytesFreshForEachBlock() {
        for (int threads : new int[] {1, 33, 256, 1024}) {
            int blocks = 3, n = blocks * threads;
            float[] in = new float[n];
            for (int i = 0; i < n; i++) in[i] = i;
            long pin = upload(dev, in), out = dev.malloc(4L * n), first = dev.malloc(4L * n);
            dev.launch("wt_dynamic_shared", Dim3.of(blocks), Dim3.of(threads), 4 * threads, new Ptr(out), new Ptr(first), new Ptr(pin), n);
            float[] got = download(dev, out, n);
            int[] seen = downloadInts(dev, first, n);
            for (int i = 0; i < n; i++) {
                int t = i % threads;
                assertEquals(in[i - t + threads - 1 - t], got[i], "reversed through shared memory, thread " + i + " of blocks of " + threads);
                assertEquals(-1, seen[i], "a block finds all bits set, not the previous block's values, thread " + i);
            }
            for (long p : new long[] {pin, out, first}) dev.free(p);
        }
    }

    /** wt_misuse's legal cases: out after one block of `threads`, NaN (all bits set) where a lane read one that does not take part. */
    private float[] legalMisuse(int how, int threads) {
        int n = threads;
        float[] in = new float[n];
        for (int i = 0; i < n; i++) in[i] = i;
        long pin = upload(dev, in), out = dev.malloc(4L * n);
        dev.memset(out, 0, 4L * n);
        dev.launch("wt_misuse", Dim3.of(1), Dim3.of(threads), 0, new Ptr(out), new Ptr(pin), n, how);
        float[] got = download(dev, out, n);
        dev.free(pin);
        dev.free(out);
        return got;
    }

    @Test
    void disjointMasksInOneWarpAreLegal() {
        float[] got = legalMisuse(0, 32);
        for (int i = 0; i < 32; i++) assertEquals(i < 16 ? i ^ 1 : i, got[i], "lane " + i);
    }

    @Test
    void aFullMaskCountsTheLanesAPartialWarpLacksAndLanesThatReturnedAsExited() {
        // 40 threads: warp 1 has lanes 0-7; down by 4, lanes 4-7 read lanes 8-11, which do not exist
        float[] got = legalMisuse(2, 40);
        for (int i = 0; i < 40; i++) {
            int lane = i % 32, lanes = i < 32 ? 32 : 8;
            int bits = lane + 4 < lanes ? Float.floatToRawIntBits(i + 4) : lane + 4 < 32 ? -1 : Float.floatToRawIntBits(i);
            assertEquals(bits, Float.floatToRawIntBits(got[i]), "thread " + i);
        }
        // lanes 16-31 return first (and write nothing); down by 8, lanes 8-15 read returned lanes
        got = legalMisuse(4, 32);
        for (int i = 0; i < 32; i++) {
            int bits = i >= 16 ? 0 : i < 8 ? Float.floatToRawIntBits(i + 8) : -1;
            assertEquals(bits, Float.floatToRawIntBits(got[i]), "lane " + i);
        }
    }

    /** how (wt_misuse), block size, what the message must say. */
    private static final List<Object[]> MISUSES = List.of(
        new Object[] {1, 32, "does not name the calling lane"},
        new Object[] {1, 40, "does not name the calling lane"},
        new Object[] {3, 32, "lane 16 waits at __syncthreads"},
        new Object[] {5, 32, "while lane 16 is in __syncwarp"},
        new Object[] {6, 32, "width 3"},
        new Object[] {7, 32, "lane 16 is in __shfl_xor_sync with mask 0xffff0000 while lane 0 is in __shfl_xor_sync with mask 0xffffffff"});

    @Test
    void misusesCudaLeavesUndefinedFailTheLaunchAndTheDeviceStillWorks() {
        int n = 64;
        float[] in = new float[n];
        for (int i = 0; i < n; i++) in[i] = i;
        long pin = upload(dev, in), out = dev.malloc(4L * n);
        for (Object[] m : MISUSES) {
            int how = (Integer) m[0], threads = (Integer) m[1];
            IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> dev.launch("wt_misuse", Dim3.of(2), Dim3.of(threads), 0, new Ptr(out), new Ptr(pin), n, how), "how = " + how);
            assertTrue(e.getMessage().contains("a warp primitive used as CUDA leaves undefined") && e.getMessage().contains((String) m[2]),
                "how = " + how + ": " + e.getMessage());
            assertTrue(e.getMessage().contains("block (0, 0, 0)"), "the first block stops the launch: " + e.getMessage());
        }
        // the abandoned fibres leave nothing behind: the next launch on this thread is right
        dev.launch("wt_shfl_f32", Dim3.of(2), Dim3.of(32), 0, new Ptr(out), new Ptr(pin), n, 3, 1, 32);
        float[] got = download(dev, out, n);
        for (int i = 0; i < n; i++) assertEquals(i ^ 1, got[i], "xor 1 after the misuses, thread " + i);
        dev.free(pin);
        dev.free(out);
    }

    @Test
    void aWarpPrimitiveInAKernelDeclaredWithoutBarriersFailsTheLaunch() {
        HostKernels.Kernel k = WarpTestKernels.KERNELS.get(0);
        HostKernels.load(WarpTestKernels.KERNELS).register(dev, new HostKernels.Kernel(k.name(), k.file(), false, k.params()));
        long p = upload(dev, new float[32]), out = dev.malloc(4 * 32);
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> dev.launch(k.name(), Dim3.of(1), Dim3.of(32), 0, new Ptr(out), new Ptr(p), 32, 2, 1, 32));
        assertTrue(e.getMessage().contains("called a warp primitive but HostKernels.KERNELS declares it without barriers")
            && e.getMessage().contains("__shfl_down_sync"), e.getMessage());
        dev.free(p);
        dev.free(out);
    }

    @Test
    void theJavaDefinitionOfTheSourceLaneAgreesWithCudasExamples() {
        // the programming guide's examples: a broadcast from lane 0, a scan's shfl_up, a butterfly over 16-lane segments
        assertEquals(0, sourceLane(0, 17, 0, 32, 32));
        assertEquals(16, sourceLane(0, 17, 0, 16, 32), "srcLane 0 of width 16 is the segment's first lane");
        assertEquals(3, sourceLane(1, 3, 4, 32, 32), "up past the segment's start: own value");
        assertEquals(12, sourceLane(1, 16, 4, 32, 32));
        assertEquals(15, sourceLane(2, 15, 1, 16, 32), "down past the segment's end: own value");
        assertEquals(7, sourceLane(3, 23, 16, 16, 32), "xor into an earlier segment is read");
        assertEquals(7, sourceLane(3, 7, 16, 16, 32), "xor into a later segment: own value");
        assertArrayEquals(new int[] {1, 0, -1}, new int[] {sourceLane(3, 0, 1, 32, 3), sourceLane(3, 1, 1, 32, 3), sourceLane(3, 2, 1, 32, 3)},
            "a warp of 3 lanes: lane 3 does not exist");
    }
}
