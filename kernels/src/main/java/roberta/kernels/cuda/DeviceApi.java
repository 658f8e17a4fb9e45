package roberta.kernels.cuda;

/**
 * The only way the CUDA backend touches a GPU: memory, copies, one stream, kernel launches
 * by name and the few cuBLAS calls it needs. Two implementations: {@link EmulatedDevice}
 * (host memory, reference kernels; runs in CI, where there is no GPU) and, later, one over
 * JavaCPP's {@code org.bytedeco:cuda}. Keep this surface small: everything above it is
 * tested on the emulator, so whatever it cannot express cannot be tested without a GPU.
 *
 * <p><b>Pointers</b> are device addresses as {@code long}s, in bytes: {@code ptr + 4L * i}
 * is the i-th float of an allocation (CUDA's pointer arithmetic). 0 is the null pointer.
 * Allocations are aligned to 256 bytes, as cudaMalloc's are.
 *
 * <p><b>Ordering</b>: every call is issued on one stream, in order. Host copies are
 * synchronous for the host, as cudaMemcpy from pageable memory is: when copyToDevice
 * returns the host array may be reused, when copyToHost returns its data is there (it waits
 * for earlier work first). Kernels and BLAS calls may still be running when they return
 * (not in the emulator: it runs everything at once). Errors are exceptions:
 * {@link DeviceFault} for memory misuse, {@link IllegalArgumentException} naming the
 * argument for a call cuBLAS or the driver would refuse.
 *
 * <p><b>Matrices</b> in the BLAS calls are COLUMN-major, as cuBLAS documents: element (i, j)
 * of a matrix with leading dimension ld is at index i + j * ld. A row-major [rows, cols]
 * array with row stride ld is the same bytes as its column-major transpose [cols, rows], so a
 * row-major C = A B is issued as column-major C^T = B^T A^T: swap the operands and m with n.
 */
public interface DeviceApi extends AutoCloseable {
    /** Allocates {@code bytes} (>= 0) of device memory, contents unspecified; 0 bytes gives a valid pointer no access may touch. */
    long malloc(long bytes);

    /** Frees an allocation; {@code ptr} must be exactly what malloc returned. free(0) does nothing, as cudaFree(NULL). */
    void free(long ptr);

    /** Allocations made and not yet freed (counted by this object, for leak checks). */
    int liveAllocations();

    // ---- host <-> device: count elements, host offsets in elements, device offsets in bytes
    void copyToDevice(float[] src, int srcOff, long dst, long dstByteOff, int count);

    void copyToDevice(int[] src, int srcOff, long dst, long dstByteOff, int count);

    /** 16-bit values (F16 or BF16 bits) as they are. */
    void copyToDevice(short[] src, int srcOff, long dst, long dstByteOff, int count);

    void copyToHost(long src, long srcByteOff, float[] dst, int dstOff, int count);

    void copyToHost(long src, long srcByteOff, int[] dst, int dstOff, int count);

    void copyToHost(long src, long srcByteOff, short[] dst, int dstOff, int count);

    /** cudaMemcpy device to device. The ranges must not overlap (undefined in CUDA; the emulator refuses). */
    void copyDeviceToDevice(long src, long dst, long bytes);

    /** Sets {@code bytes} bytes to the low 8 bits of {@code byteValue} (cudaMemset; 0 gives float 0.0f and int 0). */
    void memset(long dst, int byteValue, long bytes);

    /** Waits for everything issued so far (cudaStreamSynchronize on the one stream). */
    void synchronize();

    // ---- kernels
    /**
     * Launches {@code kernel} (its extern "C" name in the compiled module) over {@code grid}
     * blocks of {@code block} threads with {@code sharedBytes} of dynamic shared memory.
     *
     * <p>{@code args} match the kernel's parameter list one to one, in order, and must be
     * exactly these types, each the PTX parameter it fills:
     * <ul>
     *   <li>{@link Ptr}: a pointer ({@code float*}, {@code const int*}, ...), PTX {@code .u64};
     *   <li>{@link Integer}: {@code int}, PTX {@code .u32} as nvcc emits it (also for {@code unsigned}; {@code .s32}
     *       in hand-written PTX: the same 32 bits);
     *   <li>{@link Float}: {@code float}, PTX {@code .f32}.
     * </ul>
     * Nothing else: no Long (is it a pointer or a 64-bit count? wrap pointers in Ptr), no
     * Double (a kernel taking {@code double} is slow on most GPUs and we write none), no
     * Boolean (pass 0 or 1 as an int: C's bool has no fixed PTX width). The JavaCPP side
     * turns each into a pointer to its value in the {@code void** kernelParams} of
     * cuLaunchKernel, so a wrong count or type would be garbage on a GPU; both
     * implementations check it with {@link LaunchCheck}.
     */
    void launch(String kernel, Dim3 grid, Dim3 block, int sharedBytes, Object... args);

    // ---- cuBLAS (column-major; see the class comment)
    /**
     * cublasSgemmStridedBatched: for each b in [0, batchCount),
     * C_b = alpha op(A_b) op(B_b) + beta C_b, with op(A_b) m x k, op(B_b) k x n, C_b m x n, and
     * X_b starting {@code b * strideX} ELEMENTS (not bytes) after X. A stored as lda x k if
     * !transA else lda x m (lda >= max(1, m) or max(1, k)), B as ldb x n or ldb x k
     * (ldb >= max(1, k) or max(1, n)), ldc >= max(1, m). When beta == 0, C is not read (it
     * may hold NaN). m, n or k = 0 or batchCount = 0 are valid (k = 0: C = beta C).
     */
    void sgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             long a, int lda, long strideA, long b, int ldb, long strideB,
                             float beta, long c, int ldc, long strideC, int batchCount);

    /** cublasSgemm: one product, arguments as {@link #sgemmStridedBatched}. */
    default void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                       long a, int lda, long b, int ldb, float beta, long c, int ldc) {
        sgemmStridedBatched(transA, transB, m, n, k, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0, 1);
    }

    /**
     * cublasGemmEx with CUBLAS_COMPUTE_32F: as {@link #sgemm}, with A, B and C of the given
     * element types, products and sums in float. cuBLAS supports only aType == bType here
     * (F32/F32/F32, F16/F16/F16 or F32, BF16/BF16/BF16 or F32): a half weight times float
     * activations is NOT one call; widen the weight (a kernel) or narrow the activations.
     * A 16-bit C is read widened and written rounded to nearest even.
     */
    void gemmEx(boolean transA, boolean transB, int m, int n, int k, float alpha,
                long a, DataType aType, int lda, long b, DataType bType, int ldb,
                float beta, long c, DataType cType, int ldc);

    /**
     * Whether float GEMMs may use TF32 (cuBLAS's CUBLAS_TF32_TENSOR_OP_MATH, and
     * CUBLAS_COMPUTE_32F_FAST_TF32 in gemmEx): A and B rounded to 10 mantissa bits
     * ({@link Tf32}), products summed in float. Fixed when the device is made; off unless asked for.
     */
    default boolean tf32() {
        return false;
    }

    /** Releases what the device object holds (the emulator: all memory; CUDA: handle, stream, module). */
    @Override
    void close();
}
