package roberta.kernels;

import java.util.List;

/**
 * The one place a backend is chosen: every command ({@code --device}) and the Java API come
 * here. Names: {@code cpu}; {@code cuda}, the GPU through JavaCPP ({@link roberta.kernels.cuda.JavaCppDevice}),
 * refused in one line naming what is missing when {@link roberta.kernels.cuda.CudaProbe} finds no
 * usable driver or GPU; {@code auto}, CUDA when the probe finds a GPU (said once, as a message to the
 * caller's {@link Notices}), else
 * the CPU silently; {@code cuda-emulated}, the CUDA backend on the emulated
 * device (the project's .cu kernels compiled for the host, cuBLAS by a reference GEMM): the whole
 * CUDA code path on a machine without a GPU, slowly, for checking it. Opening the CPU backend is where its needs are checked: the
 * Vector API module (a command that needs no backend, such as tokenize, runs without it) and
 * whether the Vector API will be intrinsified (a warning to the caller's {@link Notices}, once).
 * Nothing here prints: what is worth saying goes to the notices passed in.
 *
 * <p><b>TF32</b> ({@code --tf32}, {@code tf32 = true}): the GPU's float GEMMs may run on the
 * tensor cores in TF32 (cuBLAS's CUBLAS_TF32_TENSOR_OP_MATH; on {@code cuda-emulated} the
 * reference GEMM rounds its inputs the same way), faster and no longer within 1e-4 of the CPU
 * (about 1e-3 relative per product). Off by default. On the CPU it changes nothing, which a
 * warning says (not an error: {@code auto} may land on the CPU).
 */
public final class Devices {
    /** What {@code --device} accepts. */
    public static final List<String> NAMES = List.of("auto", "cpu", "cuda", "cuda-emulated");

    private static volatile boolean warned;

    private Devices() {}

    /**
     * The backend a name stands for, reporting nothing.
     *
     * @param name {@code auto}, {@code cpu}, {@code cuda} or {@code cuda-emulated} (null: auto)
     * @param threads the CPU's kernel threads (null: all cores)
     * @return the backend: the CPU's is shared (closing it does nothing); a CUDA backend is a new
     *     device context each call, and closing it frees the device memory of every model on it
     */
    public static Backend open(String name, Integer threads) {
        return open(name, threads, Notices.NONE);
    }

    /**
     * The backend a name stands for; the device auto chose and any warning about speed go to
     * notices, once per JVM.
     *
     * @param name {@code auto}, {@code cpu}, {@code cuda} or {@code cuda-emulated} (null: auto)
     * @param threads the CPU's kernel threads (null: all cores)
     * @param notices where the choice and warnings go
     * @return the backend: the CPU's is shared (closing it does nothing); a CUDA backend is a new
     *     device context each call, and closing it frees the device memory of every model on it
     */
    public static Backend open(String name, Integer threads, Notices notices) {
        return open(name, threads, false, notices);
    }

    /**
     * The backend a name stands for, its GPU GEMMs in TF32 when asked; the device auto chose and
     * any warning go to notices (the choice and the Vector API warning once per JVM; that TF32
     * does nothing on the CPU each time it is asked for there).
     *
     * @param name {@code auto}, {@code cpu}, {@code cuda} or {@code cuda-emulated} (null: auto)
     * @param threads the CPU's kernel threads (null: all cores)
     * @param tf32 let the GPU's float GEMMs use TF32 (results then differ from the CPU's by about 1e-3)
     * @param notices where the choice and warnings go
     * @return the backend: the CPU's is shared (closing it does nothing); a CUDA backend is a new
     *     device context each call, and closing it frees the device memory of every model on it
     */
    public static Backend open(String name, Integer threads, boolean tf32, Notices notices) {
        String n = name == null ? "auto" : name.trim().toLowerCase(java.util.Locale.ROOT);
        Backend b = switch (n) {
            case "cpu" -> cpu(threads, notices);
            case "auto" -> auto(threads, tf32, notices);
            case "cuda" -> cuda(tf32);
            case "cuda-emulated" -> emulatedCuda(tf32);
            default -> throw new IllegalArgumentException("unknown device '" + name + "' (" + String.join(", ", NAMES) + ")");
        };
        if (tf32 && b instanceof CpuBackend) notices.warning(TF32_ON_CPU);
        return b;
    }

    /** What --tf32 on the CPU is told: one line. */
    public static final String TF32_ON_CPU = "--tf32 has no effect on the CPU, whose products are float32 (it only lets a GPU's cuBLAS use TF32)";

    /**
     * The default device, all cores, reporting nothing.
     *
     * @return the GPU when one works here, else the CPU
     */
    public static Backend auto() {
        return open("auto", null);
    }

    private static volatile boolean toldAuto;

    /** The real GPU, or a one-line refusal naming what is missing (the probe's reason, cached: the same every time). */
    private static Backend cuda(boolean tf32) {
        roberta.kernels.cuda.CudaProbe.Result p = roberta.kernels.cuda.CudaProbe.probe();
        if (!p.ok())
            throw new IllegalStateException("--device cuda: " + p.reason() + " (use --device cpu, or cuda-emulated to run the CUDA code path on the CPU)");
        return new roberta.kernels.cuda.CudaBackend(new roberta.kernels.cuda.JavaCppDevice(tf32));
    }

    /** CUDA when the probe finds a GPU and the device opens; otherwise the CPU, silently when there simply is no GPU. */
    private static Backend auto(Integer threads, boolean tf32, Notices notices) {
        if (roberta.kernels.cuda.CudaProbe.driverPresent() && roberta.kernels.cuda.CudaProbe.available()) {
            try {
                Backend b = cuda(tf32);
                if (notices != Notices.NONE && !toldAuto) { // the once is kept for a caller who listens
                    toldAuto = true;
                    notices.message("device: cuda (" + roberta.kernels.cuda.JavaCppDevice.describe() + (tf32 ? ", TF32" : "") + ")");
                }
                return b;
            } catch (RuntimeException e) { // a GPU is there but will not open: say why once, then use the CPU
                if (notices != Notices.NONE && !toldAuto) {
                    toldAuto = true;
                    notices.warning("device auto: the GPU did not open (" + e.getMessage() + "); using the CPU");
                }
            }
        }
        return cpu(threads, notices);
    }

    private static Backend emulatedCuda(boolean tf32) {
        return new roberta.kernels.cuda.CudaBackend(roberta.kernels.cuda.HostKernels.device(tf32));
    }

    private static Backend cpu(Integer threads, Notices notices) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty())
            throw new IllegalStateException("the CPU backend needs the Vector API: run Java with --add-modules jdk.incubator.vector (./roberta does)");
        if (notices != Notices.NONE && !warned) {
            warned = true;
            for (String p : VectorCheck.problems()) notices.warning(p);
        }
        if (threads != null) Parallel.setThreads(threads);
        return CpuBackend.INSTANCE;
    }
}
