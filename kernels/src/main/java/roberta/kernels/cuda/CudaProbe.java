package roberta.kernels.cuda;

import java.util.Locale;

/**
 * Whether a real CUDA GPU can be used from this JVM, decided ONCE and cached: loading
 * JavaCPP's CUDA classes loads their JNI glue, which links the user's CUDA libraries
 * (libcudart.so.13, libcuda.so.1, ...). On a machine without them class initialisation fails
 * with an UnsatisfiedLinkError, and any later touch of the class would be a bare
 * NoClassDefFoundError; so nothing but this class touches them first, and it remembers the
 * first answer. Nothing is printed here: callers decide what to say.
 */
public final class CudaProbe {
    /** The outcome: a device name (and compute capability) when usable, else why not. */
    public record Result(boolean ok, String reason, String deviceName, int major, int minor) {}

    private static volatile Result result;

    private CudaProbe() {}

    /** True when cuInit succeeded and at least one device is visible. */
    public static boolean available() {
        return probe().ok();
    }

    /** Why CUDA cannot be used (null when it can). */
    public static String reason() {
        return probe().reason();
    }

    /**
     * Whether this machine shows an NVIDIA driver at all (/dev/nvidiactl or /proc/driver/nvidia;
     * /dev/dxg under WSL), without loading anything: device auto asks this first, so that on the
     * many machines without a GPU it never loads JavaCPP's native glue (which makes the JDK print
     * "restricted method" warnings in a program not run with --enable-native-access). --device
     * cuda probes in any case.
     *
     * @return false when no driver node exists
     */
    public static boolean driverPresent() {
        for (String node : new String[] {"/dev/nvidiactl", "/proc/driver/nvidia", "/dev/dxg"})
            if (java.nio.file.Files.exists(java.nio.file.Path.of(node))) return true;
        return false;
    }

    public static synchronized Result probe() {
        if (result == null) result = run();
        return result;
    }

    /** Prints what the probe sees (scripts/gpu-check.sh's first step); exit 1 when CUDA is not usable. */
    public static void main(String[] args) {
        Result r = probe();
        if (r.ok()) System.out.println("cuda: " + r.deviceName() + " (sm_" + r.major() + r.minor() + ")");
        else System.out.println("no cuda: " + r.reason());
        System.exit(r.ok() ? 0 : 1);
    }

    private static Result run() {
        if (Boolean.getBoolean("roberta.cuda.disable")) return fail("CUDA disabled (-Droberta.cuda.disable=true)");
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
                || !System.getProperty("os.arch", "").matches("amd64|x86_64"))
            return fail("no CUDA bindings for " + System.getProperty("os.name") + " " + System.getProperty("os.arch") + " (only linux-x86_64 is bundled)");
        try {
            return Native.probe();
        } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError, ExceptionInInitializerError, ...
            return fail(describe(t));
        }
    }

    /** A one-line reason from what class loading threw: the missing library when it names one. */
    static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String all = String.valueOf(t.getMessage()) + " " + String.valueOf(root.getMessage());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(lib[A-Za-z0-9_+-]+\\.so(\\.[0-9]+)*)").matcher(all);
        // the first library named that is not JavaCPP's own JNI glue (libjni*.so)
        while (m.find()) {
            String lib = m.group(1);
            if (lib.startsWith("libjni")) continue;
            if (lib.startsWith("libcuda.so")) return "no CUDA driver: " + lib + " not found";
            return "no CUDA libraries: " + lib + " not found (install the CUDA 13 toolkit or runtime and put its lib64 on LD_LIBRARY_PATH)";
        }
        if (t instanceof UnsatisfiedLinkError) return "no CUDA driver or libraries (" + oneLine(root) + ")";
        return "the CUDA bindings did not load (" + oneLine(root) + ")";
    }

    private static String oneLine(Throwable t) {
        String s = t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
        s = s.replaceAll("\\s+", " ").strip();
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    private static Result fail(String reason) {
        return new Result(false, reason, null, 0, 0);
    }

    /** The only code here naming JavaCPP classes: a nested class, so loading CudaProbe loads none of them. */
    private static final class Native {
        static Result probe() {
            org.bytedeco.javacpp.Loader.load(org.bytedeco.cuda.global.cudart.class);
            int rc = org.bytedeco.cuda.global.cudart.cuInit(0);
            if (rc != 0) return fail("no usable CUDA driver (cuInit = " + rc + (rc == 100 ? ", CUDA_ERROR_NO_DEVICE" : "") + ")");
            int[] count = {0};
            rc = org.bytedeco.cuda.global.cudart.cudaGetDeviceCount(count);
            if (rc != 0) return fail("no usable CUDA runtime (cudaGetDeviceCount = " + rc + ": "
                    + org.bytedeco.cuda.global.cudart.cudaGetErrorString(rc).getString() + ")");
            if (count[0] == 0) return fail("no GPU (cudaGetDeviceCount = 0)");
            var prop = new org.bytedeco.cuda.cudart.cudaDeviceProp();
            rc = org.bytedeco.cuda.global.cudart.cudaGetDeviceProperties(prop, 0);
            if (rc != 0) return fail("cudaGetDeviceProperties(0) = " + rc);
            String name = prop.name().getString().strip();
            int major = prop.major(), minor = prop.minor();
            prop.close();
            return new Result(true, null, name, major, minor);
        }
    }
}
