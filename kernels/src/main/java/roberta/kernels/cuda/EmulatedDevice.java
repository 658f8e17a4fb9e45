package roberta.kernels.cuda;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link DeviceApi} without a GPU, for CI: device memory is native memory behind fake,
 * never-reused addresses ({@link EmulatedMemory}), so out-of-bounds access, use after free
 * and double free fail at the faulty call with a message instead of corrupting memory;
 * cuBLAS is {@link CublasReference} with cuBLAS's own argument checks; every call runs
 * synchronously, so {@link #synchronize} has nothing to wait for. Little-endian, as GPUs are.
 *
 * <p>{@link #launch} runs the {@link EmulatedKernel} registered under the kernel's name. A
 * new device knows only {@code fill_f32}, a Java example ({@code ExampleKernels});
 * {@link HostKernels#device()} gives one with the project's .cu kernels, compiled for the
 * host by g++ through a shim header ({@code src/main/cuda/host/cuda_host.h}: blocks in turn,
 * a block's threads as fibres meeting at {@code __syncthreads}, warp shuffles and
 * {@code __syncwarp} meeting at a barrier of their mask's lanes, {@code __shared__} per
 * block, the launch's sharedBytes as dynamic shared memory) and called through FFM with each {@link Ptr} replaced by {@link #segment}'s native
 * address, checked for the extent the kernel declares, each Integer as a C int and each
 * Float as a C float: the list {@link DeviceApi#launch} documents for PTX. So a kernel's C
 * and its Java twin are checked against each other here, and the same .cu built with nvcc
 * runs on the GPU.
 *
 * <p><b>TF32.</b> {@code new EmulatedDevice(true)} is a cuBLAS handle in
 * CUBLAS_TF32_TENSOR_OP_MATH: every float GEMM rounds each A and B element to TF32
 * ({@link Tf32#round}) before the reference product, so a run with the flag differs from one
 * without by what TF32 costs, and a test can see that the flag reached the device.
 */
public final class EmulatedDevice implements DeviceApi {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final EmulatedMemory memory = new EmulatedMemory();
    private final Map<String, EmulatedKernel> kernels = new ConcurrentHashMap<>();
    /** cuBLAS's math mode: TF32 tensor-op math for float GEMMs, or the default (full float32). */
    private final boolean tf32;
    private volatile boolean closed;

    /** A device whose GEMMs are full float32 (cuBLAS's default math). */
    public EmulatedDevice() {
        this(false);
    }

    /** @param tf32 round GEMM inputs to TF32, as CUBLAS_TF32_TENSOR_OP_MATH lets the tensor cores do */
    public EmulatedDevice(boolean tf32) {
        this.tf32 = tf32;
        register("fill_f32", ExampleKernels::fillF32);
    }

    @Override
    public boolean tf32() {
        return tf32;
    }

    /** Adds (or replaces) the host twin launched under {@code name}. */
    public void register(String name, EmulatedKernel kernel) {
        kernels.put(Objects.requireNonNull(name), Objects.requireNonNull(kernel));
    }

    // ---- memory
    @Override
    public long malloc(long bytes) {
        open();
        return memory.malloc(bytes);
    }

    @Override
    public void free(long ptr) {
        open();
        memory.free(ptr);
    }

    @Override
    public int liveAllocations() {
        return memory.liveCount();
    }

    /**
     * The bytes at {@code ptr}, checked to lie inside one live allocation: for kernels'
     * host twins, whose reads and writes then cannot leave it. Valid until that allocation is freed.
     */
    public MemorySegment segment(long ptr, long bytes) {
        open();
        return memory.resolve(ptr, bytes, "access");
    }

    public float loadF32(long ptr) {
        return segment(aligned(ptr, 4, "float load"), 4).get(F32, 0);
    }

    public void storeF32(long ptr, float v) {
        segment(aligned(ptr, 4, "float store"), 4).set(F32, 0, v);
    }

    public int loadI32(long ptr) {
        return segment(aligned(ptr, 4, "int load"), 4).get(I32, 0);
    }

    public void storeI32(long ptr, int v) {
        segment(aligned(ptr, 4, "int store"), 4).set(I32, 0, v);
    }

    /** A GPU faults on a misaligned load (cudaErrorMisalignedAddress); copies have no such rule. */
    private static long aligned(long ptr, int size, String what) {
        if (ptr % size != 0) throw new DeviceFault(what + " at 0x" + Long.toHexString(ptr) + ": not " + size + "-byte aligned");
        return ptr;
    }

    @Override
    public void copyToDevice(float[] src, int srcOff, long dst, long dstByteOff, int count) {
        Objects.checkFromIndexSize(srcOff, count, src.length);
        MemorySegment.copy(src, srcOff, memory.resolve(dst + dstByteOff, 4L * count, "copyToDevice(float[])"), F32, 0, count);
    }

    @Override
    public void copyToDevice(int[] src, int srcOff, long dst, long dstByteOff, int count) {
        Objects.checkFromIndexSize(srcOff, count, src.length);
        MemorySegment.copy(src, srcOff, memory.resolve(dst + dstByteOff, 4L * count, "copyToDevice(int[])"), I32, 0, count);
    }

    @Override
    public void copyToDevice(short[] src, int srcOff, long dst, long dstByteOff, int count) {
        Objects.checkFromIndexSize(srcOff, count, src.length);
        MemorySegment.copy(src, srcOff, memory.resolve(dst + dstByteOff, 2L * count, "copyToDevice(short[])"), I16, 0, count);
    }

    @Override
    public void copyToHost(long src, long srcByteOff, float[] dst, int dstOff, int count) {
        Objects.checkFromIndexSize(dstOff, count, dst.length);
        MemorySegment.copy(memory.resolve(src + srcByteOff, 4L * count, "copyToHost(float[])"), F32, 0, dst, dstOff, count);
    }

    @Override
    public void copyToHost(long src, long srcByteOff, int[] dst, int dstOff, int count) {
        Objects.checkFromIndexSize(dstOff, count, dst.length);
        MemorySegment.copy(memory.resolve(src + srcByteOff, 4L * count, "copyToHost(int[])"), I32, 0, dst, dstOff, count);
    }

    @Override
    public void copyToHost(long src, long srcByteOff, short[] dst, int dstOff, int count) {
        Objects.checkFromIndexSize(dstOff, count, dst.length);
        MemorySegment.copy(memory.resolve(src + srcByteOff, 2L * count, "copyToHost(short[])"), I16, 0, dst, dstOff, count);
    }

    @Override
    public void copyDeviceToDevice(long src, long dst, long bytes) {
        MemorySegment from = memory.resolve(src, bytes, "copyDeviceToDevice source");
        MemorySegment to = memory.resolve(dst, bytes, "copyDeviceToDevice destination");
        if (bytes > 0 && src < dst + bytes && dst < src + bytes)
            throw new DeviceFault("copyDeviceToDevice: source 0x" + Long.toHexString(src) + " and destination 0x"
                + Long.toHexString(dst) + " overlap over " + bytes + " bytes (undefined in cudaMemcpy)");
        MemorySegment.copy(from, 0, to, 0, bytes);
    }

    @Override
    public void memset(long dst, int byteValue, long bytes) {
        memory.resolve(dst, bytes, "memset").fill((byte) byteValue);
    }

    @Override
    public void synchronize() {
        open();
    }

    // ---- kernels
    @Override
    public void launch(String kernel, Dim3 grid, Dim3 block, int sharedBytes, Object... args) {
        open();
        LaunchCheck.check(kernel, grid, block, sharedBytes, args);
        EmulatedKernel k = kernels.get(kernel);
        if (k == null)
            throw new IllegalArgumentException("launch: no kernel named \"" + kernel + "\" (cudaErrorInvalidDeviceFunction); the emulator knows "
                + new java.util.TreeSet<>(kernels.keySet()));
        k.run(this, grid, block, sharedBytes, args);
    }

    // ---- cuBLAS
    @Override
    public void sgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                    long a, int lda, long strideA, long b, int ldb, long strideB,
                                    float beta, long c, int ldc, long strideC, int batchCount) {
        gemm("cublasSgemmStridedBatched", transA, transB, m, n, k, alpha, a, DataType.F32, lda, strideA,
            b, DataType.F32, ldb, strideB, beta, c, DataType.F32, ldc, strideC, batchCount);
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      long a, int lda, long b, int ldb, float beta, long c, int ldc) {
        gemm("cublasSgemm", transA, transB, m, n, k, alpha, a, DataType.F32, lda, 0, b, DataType.F32, ldb, 0, beta, c, DataType.F32, ldc, 0, 1);
    }

    @Override
    public void gemmEx(boolean transA, boolean transB, int m, int n, int k, float alpha,
                       long a, DataType aType, int lda, long b, DataType bType, int ldb,
                       float beta, long c, DataType cType, int ldc) {
        // cublasGemmEx's table for CUBLAS_COMPUTE_32F (real types): Atype == Btype, and Ctype is that or F32
        if (aType != bType || (cType != aType && cType != DataType.F32))
            throw new IllegalArgumentException("cublasGemmEx: Atype " + aType + ", Btype " + bType + ", Ctype " + cType
                + " with CUBLAS_COMPUTE_32F is not supported (CUBLAS_STATUS_NOT_SUPPORTED): A and B must share a type, C be it or F32");
        gemm("cublasGemmEx", transA, transB, m, n, k, alpha, a, aType, lda, 0, b, bType, ldb, 0, beta, c, cType, ldc, 0, 1);
    }

    private void gemm(String call, boolean transA, boolean transB, int m, int n, int k, float alpha,
                      long a, DataType aType, int lda, long strideA, long b, DataType bType, int ldb, long strideB,
                      float beta, long c, DataType cType, int ldc, long strideC, int batchCount) {
        open();
        CublasReference.checkArgs(call, transA, transB, m, n, k, lda, ldb, ldc, batchCount);
        if (strideA < 0 || strideB < 0 || strideC < 0)
            throw new IllegalArgumentException(call + ": negative stride (" + strideA + ", " + strideB + ", " + strideC + ") is not modelled by the emulator");
        long cExtent = CublasReference.extent(m, n, ldc);
        if (batchCount > 1 && strideC < cExtent)
            throw new IllegalArgumentException(call + ": strideC = " + strideC + " < " + cExtent
                + " elements of one C (ldc * (n - 1) + m): batches would write the same elements, racing on a GPU");
        if (m == 0 || n == 0 || batchCount == 0) return; // cuBLAS returns at once
        // one host copy of each operand's whole span (all batches), widened to float
        float[] av = read(call + " A", a, aType, CublasReference.extent(transA ? k : m, transA ? m : k, lda), strideA, batchCount);
        float[] bv = read(call + " B", b, bType, CublasReference.extent(transB ? n : k, transB ? k : n, ldb), strideB, batchCount);
        float[] cv = read(call + " C", c, cType, cExtent, strideC, batchCount);
        if (tf32) { // the tensor cores' inputs; C, alpha and beta stay float (F16/BF16 inputs are TF32 values already: exact)
            Tf32.roundAll(av);
            Tf32.roundAll(bv);
        }
        for (int i = 0; i < batchCount; i++)
            CublasReference.gemm(transA, transB, m, n, k, alpha, av, (int) (i * strideA), lda, bv, (int) (i * strideB), ldb,
                beta, cv, (int) (i * strideC), ldc);
        write(c, cType, cv, m, n, ldc, strideC, batchCount);
    }

    /** The span of batchCount matrices of extent elements, strideElems apart, widened to float. */
    private float[] read(String what, long ptr, DataType type, long extent, long strideElems, int batchCount) {
        if (extent == 0) return new float[0];
        long span = (batchCount - 1) * strideElems + extent;
        if (span > Integer.MAX_VALUE - 8) throw new UnsupportedOperationException(what + ": " + span + " elements exceed the emulator's host arrays");
        MemorySegment s = memory.resolve(aligned(ptr, type.bytes, what), span * type.bytes, what);
        float[] out = new float[(int) span];
        if (type == DataType.F32) {
            MemorySegment.copy(s, F32, 0, out, 0, out.length);
        } else {
            for (int i = 0; i < out.length; i++) out[i] = DataType.widen(type, s.getAtIndex(I16, i));
        }
        return out;
    }

    /** Writes back only the m x n elements of each C: the padding rows between ldc and m stay as they were. */
    private void write(long c, DataType type, float[] cv, int m, int n, int ldc, long strideC, int batchCount) {
        MemorySegment s = memory.resolve(c, (long) cv.length * type.bytes, "write C");
        for (int bIdx = 0; bIdx < batchCount; bIdx++) {
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < m; i++) {
                    long e = bIdx * strideC + i + (long) j * ldc;
                    if (type == DataType.F32) s.setAtIndex(F32, e, cv[(int) e]);
                    else s.setAtIndex(I16, e, DataType.narrow(type, cv[(int) e]));
                }
            }
        }
    }

    private void open() {
        if (closed) throw new IllegalStateException("device closed");
    }

    /** Frees every allocation still live; the device is unusable afterwards. */
    @Override
    public void close() {
        closed = true;
        memory.close();
    }
}
