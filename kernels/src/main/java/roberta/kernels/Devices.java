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
     * @return the backend, shared: do not close it
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
     * @return the backend, shared: do not close it
     */
    public static Backend open(String name, Integer threads, Notices notices) {
        String n = name == null ? "auto" : name.trim().toLowerCase(java.util.Locale.ROOT);
        return switch (n) {
            case "cpu" -> cpu(threads, notices);
            case "auto" -> auto(threads, notices);
            case "cuda" -> cuda();
            case "cuda-emulated" -> emulatedCuda();
            default -> throw new IllegalArgumentException("unknown device '" + name + "' (" + String.join(", ", NAMES) + ")");
        };
    }

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
    private static Backend cuda() {
        roberta.kernels.cuda.CudaProbe.Result p = roberta.kernels.cuda.CudaProbe.probe();
        if (!p.ok())
            throw new IllegalStateException("--device cuda: " + p.reason() + " (use --device cpu, or cuda-emulated to run the CUDA code path on the CPU)");
        return new roberta.kernels.cuda.CudaBackend(new roberta.kernels.cuda.JavaCppDevice());
    }

    /** CUDA when the probe finds a GPU and the device opens; otherwise the CPU, silently when there simply is no GPU. */
    private static Backend auto(Integer threads, Notices notices) {
        if (roberta.kernels.cuda.CudaProbe.available()) {
            try {
                Backend b = cuda();
                if (notices != Notices.NONE && !toldAuto) { // the once is kept for a caller who listens
                    toldAuto = true;
                    notices.message("device: cuda (" + roberta.kernels.cuda.JavaCppDevice.describe() + ")");
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

    private static Backend emulatedCuda() {
        return new roberta.kernels.cuda.CudaBackend(roberta.kernels.cuda.HostKernels.device());
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
