package roberta.kernels.cuda;

import static org.bytedeco.cuda.global.cublas.*;
import static org.bytedeco.cuda.global.cudart.*;

import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUctx_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.ShortPointer;

/**
 * {@link DeviceApi} on a real GPU through JavaCPP's {@code org.bytedeco:cuda} (device 0): one
 * stream, one cuBLAS handle bound to it (default math, or TF32 tensor-op math when asked), the .cu kernels compiled by
 * NVRTC for this GPU ({@link NvrtcModule}). Construct only after {@link CudaProbe#available()}
 * said yes: that is what keeps a machine without CUDA from ever touching these classes.
 *
 * <p>Every CUDA call's status is checked, and a failure names the call. cuBLAS's
 * CUBLAS_STATUS_INVALID_VALUE becomes an IllegalArgumentException (DeviceApi's contract for a
 * call cuBLAS would refuse); everything else an IllegalStateException. Errors of kernels that
 * already ran asynchronously surface at the next synchronising call (copyToHost, synchronize),
 * named by that call, as CUDA reports them.
 */
public final class JavaCppDevice implements DeviceApi {
    private final int device;
    private final CUctx_st context = new CUctx_st();
    private final CUstream_st stream = new CUstream_st();
    private final cublasContext blas = new cublasContext();
    private final NvrtcModule kernels;
    private final AtomicInteger live = new AtomicInteger();
    /** CUBLAS_TF32_TENSOR_OP_MATH on the handle and CUBLAS_COMPUTE_32F_FAST_TF32 in gemmEx's float products. */
    private final boolean tf32;
    // cuBLAS scalars (pointer mode host: read before the call returns, so two reusable cells do)
    private final FloatPointer alpha = new FloatPointer(1), beta = new FloatPointer(1);
    private boolean closed;

    /** Full float32 GEMMs (cuBLAS's default math): the CPU's results to 1e-4. */
    public JavaCppDevice() {
        this(false);
    }

    /** @param tf32 let float GEMMs run on the tensor cores in TF32 (faster, about 1e-3 relative error per product) */
    public JavaCppDevice(boolean tf32) {
        this.tf32 = tf32;
        CudaProbe.Result probe = CudaProbe.probe();
        if (!probe.ok()) throw new IllegalStateException("no CUDA device: " + probe.reason());
        this.device = 0;
        rt("cudaSetDevice", cudaSetDevice(device));
        rt("cudaFree(NULL) (context creation)", cudaFree(null));
        // the runtime's primary context, made current again on whichever thread launches (driver API calls need it)
        cu("cuCtxGetCurrent", cuCtxGetCurrent(context));
        rt("cudaStreamCreate", cudaStreamCreate(stream));
        blasCheck("cublasCreate_v2", cublasCreate_v2(blas));
        blasCheck("cublasSetStream_v2", cublasSetStream_v2(blas, stream));
        // the handle's math mode covers cublasSgemm and cublasSgemmStridedBatched; gemmEx names its compute type itself
        if (tf32) blasCheck("cublasSetMathMode(CUBLAS_TF32_TENSOR_OP_MATH)", cublasSetMathMode(blas, CUBLAS_TF32_TENSOR_OP_MATH));
        else blasCheck("cublasSetMathMode(CUBLAS_DEFAULT_MATH)", cublasSetMathMode(blas, CUBLAS_DEFAULT_MATH));
        this.kernels = new NvrtcModule(probe.major(), probe.minor());
    }

    @Override
    public boolean tf32() {
        return tf32;
    }

    /** What the probe saw: "NVIDIA H100 80GB HBM3 (sm_90)". */
    public static String describe() {
        CudaProbe.Result p = CudaProbe.probe();
        return p.deviceName() + " (sm_" + p.major() + p.minor() + ")";
    }

    // ---- memory

    @Override
    public long malloc(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("malloc: bytes = " + bytes + " < 0");
        try (PointerPointer<Pointer> out = new PointerPointer<>(1)) {
            rt("cudaMalloc(" + bytes + ")", cudaMalloc(out, Math.max(bytes, 1)));
            live.incrementAndGet();
            return out.get(0).address();
        }
    }

    @Override
    public void free(long ptr) {
        if (ptr == 0) return;
        rt("cudaFree", cudaFree(at(ptr)));
        live.decrementAndGet();
    }

    @Override
    public int liveAllocations() {
        return live.get();
    }

    // ---- host <-> device: through a native staging buffer, then cudaMemcpyAsync and a stream sync

    @Override
    public void copyToDevice(float[] src, int srcOff, long dst, long dstByteOff, int count) {
        if (count == 0) return;
        try (FloatPointer h = new FloatPointer(count)) {
            h.put(src, srcOff, count);
            toDevice(h, dst + dstByteOff, 4L * count);
        }
    }

    @Override
    public void copyToDevice(int[] src, int srcOff, long dst, long dstByteOff, int count) {
        if (count == 0) return;
        try (IntPointer h = new IntPointer(count)) {
            h.put(src, srcOff, count);
            toDevice(h, dst + dstByteOff, 4L * count);
        }
    }

    @Override
    public void copyToDevice(short[] src, int srcOff, long dst, long dstByteOff, int count) {
        if (count == 0) return;
        try (ShortPointer h = new ShortPointer(count)) {
            h.put(src, srcOff, count);
            toDevice(h, dst + dstByteOff, 2L * count);
        }
    }

    @Override
    public void copyToHost(long src, long srcByteOff, float[] dst, int dstOff, int count) {
        if (count == 0) { synchronize(); return; }
        try (FloatPointer h = new FloatPointer(count)) {
            toHost(src + srcByteOff, h, 4L * count);
            h.get(dst, dstOff, count);
        }
    }

    @Override
    public void copyToHost(long src, long srcByteOff, int[] dst, int dstOff, int count) {
        if (count == 0) { synchronize(); return; }
        try (IntPointer h = new IntPointer(count)) {
            toHost(src + srcByteOff, h, 4L * count);
            h.get(dst, dstOff, count);
        }
    }

    @Override
    public void copyToHost(long src, long srcByteOff, short[] dst, int dstOff, int count) {
        if (count == 0) { synchronize(); return; }
        try (ShortPointer h = new ShortPointer(count)) {
            toHost(src + srcByteOff, h, 2L * count);
            h.get(dst, dstOff, count);
        }
    }

    private void toDevice(Pointer host, long dst, long bytes) {
        rt("cudaMemcpyAsync(host to device, " + bytes + " bytes)", cudaMemcpyAsync(at(dst), host, bytes, cudaMemcpyHostToDevice, stream));
        synchronize(); // the staging buffer is freed when we return
    }

    private void toHost(long src, Pointer host, long bytes) {
        rt("cudaMemcpyAsync(device to host, " + bytes + " bytes)", cudaMemcpyAsync(host, at(src), bytes, cudaMemcpyDeviceToHost, stream));
        synchronize();
    }

    @Override
    public void copyDeviceToDevice(long src, long dst, long bytes) {
        if (bytes == 0) return;
        rt("cudaMemcpyAsync(device to device, " + bytes + " bytes)", cudaMemcpyAsync(at(dst), at(src), bytes, cudaMemcpyDeviceToDevice, stream));
    }

    @Override
    public void memset(long dst, int byteValue, long bytes) {
        if (bytes == 0) return;
        rt("cudaMemsetAsync(" + bytes + " bytes)", cudaMemsetAsync(at(dst), byteValue & 0xff, bytes, stream));
    }

    @Override
    public void synchronize() {
        rt("cudaStreamSynchronize", cudaStreamSynchronize(stream));
    }

    // ---- kernels

    @Override
    public void launch(String kernel, Dim3 grid, Dim3 block, int sharedBytes, Object... args) {
        LaunchCheck.check(kernel, grid, block, sharedBytes, args);
        cu("cuCtxSetCurrent", cuCtxSetCurrent(context));
        var function = kernels.function(kernel);
        // kernelParams: one pointer per parameter, to a native cell holding its value (the driver copies them at launch)
        try (PointerScope scope = new PointerScope()) {
            PointerPointer<Pointer> params = new PointerPointer<>(Math.max(1, args.length));
            for (int i = 0; i < args.length; i++) {
                Pointer cell = switch (args[i]) {
                    case Ptr p -> new LongPointer(1).put(p.address());
                    case Integer v -> new IntPointer(1).put(v.intValue());
                    case Float v -> new FloatPointer(1).put(v.floatValue());
                    default -> throw new AssertionError("LaunchCheck let " + args[i] + " through");
                };
                params.put(i, cell);
            }
            cu("cuLaunchKernel(" + kernel + ")", cuLaunchKernel(function, grid.x(), grid.y(), grid.z(), block.x(), block.y(), block.z(),
                    sharedBytes, stream, args.length == 0 ? null : params, (PointerPointer<?>) null));
        }
    }

    // ---- cuBLAS: 1:1, column-major, same argument order as DeviceApi

    @Override
    public void sgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alphaValue,
                                    long a, int lda, long strideA, long b, int ldb, long strideB,
                                    float betaValue, long c, int ldc, long strideC, int batchCount) {
        if (batchCount == 0 || m == 0 || n == 0) return; // nothing to write; cuBLAS also accepts these
        alpha.put(alphaValue);
        beta.put(betaValue);
        blasCheck("cublasSgemmStridedBatched", cublasSgemmStridedBatched(blas, op(transA), op(transB), m, n, k, alpha,
                floats(a), lda, strideA, floats(b), ldb, strideB, beta, floats(c), ldc, strideC, batchCount));
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alphaValue,
                      long a, int lda, long b, int ldb, float betaValue, long c, int ldc) {
        if (m == 0 || n == 0) return;
        alpha.put(alphaValue);
        beta.put(betaValue);
        blasCheck("cublasSgemm_v2", cublasSgemm_v2(blas, op(transA), op(transB), m, n, k, alpha, floats(a), lda, floats(b), ldb, beta, floats(c), ldc));
    }

    @Override
    public void gemmEx(boolean transA, boolean transB, int m, int n, int k, float alphaValue,
                       long a, DataType aType, int lda, long b, DataType bType, int ldb,
                       float betaValue, long c, DataType cType, int ldc) {
        if (aType != bType) throw new IllegalArgumentException("gemmEx: aType " + aType + " != bType " + bType + " (cuBLAS supports only equal input types)");
        if (m == 0 || n == 0) return;
        alpha.put(alphaValue);
        beta.put(betaValue);
        blasCheck("cublasGemmEx(" + aType + ", " + bType + ", " + cType + ")", cublasGemmEx(blas, op(transA), op(transB), m, n, k, alpha,
                at(a), cuda(aType), lda, at(b), cuda(bType), ldb, beta, at(c), cuda(cType), ldc, computeType(aType), CUBLAS_GEMM_DEFAULT));
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        // best effort, in reverse order; report the first failure after releasing everything
        cuCtxSetCurrent(context); // cuModuleUnload (driver API) needs the context current on this thread
        int s = cudaStreamSynchronize(stream);
        kernels.close();
        int b = cublasDestroy_v2(blas);
        int d = cudaStreamDestroy(stream);
        alpha.close();
        beta.close();
        rt("cudaStreamSynchronize (close)", s);
        blasCheck("cublasDestroy_v2", b);
        rt("cudaStreamDestroy", d);
    }

    // ---- helpers

    /**
     * gemmEx's compute type: CUBLAS_COMPUTE_32F_FAST_TF32 for float inputs when TF32 is on (cuBLAS
     * lists it for 32F A, B and C only); 16-bit inputs keep CUBLAS_COMPUTE_32F, their values being
     * exact in TF32 anyway.
     */
    private int computeType(DataType aType) {
        return tf32 && aType == DataType.F32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
    }

    private static int op(boolean trans) {
        return trans ? CUBLAS_OP_T : CUBLAS_OP_N;
    }

    private static int cuda(DataType t) {
        return switch (t) {
            case F32 -> CUDA_R_32F;
            case F16 -> CUDA_R_16F;
            case BF16 -> CUDA_R_16BF;
        };
    }

    /** A JavaCPP view of a raw device address (no ownership: never deallocated by JavaCPP). */
    static Pointer at(long address) {
        return new Raw(address);
    }

    private static FloatPointer floats(long address) {
        return new FloatPointer(at(address));
    }

    private static final class Raw extends Pointer {
        Raw(long address) {
            super((Pointer) null);
            this.address = address;
        }
    }

    /** A runtime-API status (cudaError_t). */
    static void rt(String call, int status) {
        if (status != 0) {
            BytePointer name = cudaGetErrorName(status), text = cudaGetErrorString(status);
            throw new IllegalStateException(call + " failed: " + (name == null ? "error " + status : name.getString())
                    + " (" + status + (text == null ? "" : ": " + text.getString()) + ")");
        }
    }

    /** A driver-API status (CUresult). */
    static void cu(String call, int status) {
        if (status != 0) {
            String name = "CUresult " + status;
            try (PointerPointer<BytePointer> out = new PointerPointer<>(1)) {
                if (cuGetErrorName(status, out) == 0 && out.get(0) != null) name = out.getString(0);
            }
            throw new IllegalStateException(call + " failed: " + name + " (" + status + ")");
        }
    }

    private static void blasCheck(String call, int status) {
        if (status == CUBLAS_STATUS_SUCCESS) return;
        String msg = call + " failed: cublasStatus " + status;
        if (status == CUBLAS_STATUS_INVALID_VALUE) throw new IllegalArgumentException(msg + " (CUBLAS_STATUS_INVALID_VALUE)");
        throw new IllegalStateException(msg);
    }
}
