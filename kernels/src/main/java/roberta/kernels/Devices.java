package roberta.kernels;

import java.util.List;

/**
 * The one place a backend is chosen: every command ({@code --device}) and the Java API come
 * here. Names: {@code cpu}; {@code auto}, the best device that works on this machine (the CPU
 * until the JavaCPP device exists); {@code cuda-emulated}, the CUDA backend on the emulated
 * device (the project's .cu kernels compiled for the host, cuBLAS by a reference GEMM): the whole
 * CUDA code path on a machine without a GPU, slowly, for checking it. Opening the CPU backend is where its needs are checked: the
 * Vector API module (a command that needs no backend, such as tokenize, runs without it) and
 * whether the Vector API will be intrinsified (a warning, once).
 */
public final class Devices {
    /** What {@code --device} accepts. */
    public static final List<String> NAMES = List.of("auto", "cpu", "cuda-emulated");

    private static volatile boolean warned;

    private Devices() {}

    /** The backend a name stands for; threads (null: all cores) sizes the CPU's kernel pool. */
    public static Backend open(String name, Integer threads) {
        String n = name == null ? "auto" : name.trim().toLowerCase(java.util.Locale.ROOT);
        return switch (n) {
            case "auto", "cpu" -> cpu(threads);
            case "cuda-emulated" -> emulatedCuda();
            default -> throw new IllegalArgumentException("unknown device '" + name + "' (" + String.join(", ", NAMES) + ")");
        };
    }

    /** The default device, all cores. */
    public static Backend auto() {
        return open("auto", null);
    }

    private static Backend emulatedCuda() {
        return new roberta.kernels.cuda.CudaBackend(roberta.kernels.cuda.HostKernels.device());
    }

    private static Backend cpu(Integer threads) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty())
            throw new IllegalStateException("the CPU backend needs the Vector API: run Java with --add-modules jdk.incubator.vector (./roberta does)");
        if (!warned) {
            warned = true;
            for (String p : VectorCheck.problems()) System.err.println("warning: " + p);
        }
        if (threads != null) Parallel.setThreads(threads);
        return CpuBackend.INSTANCE;
    }
}
