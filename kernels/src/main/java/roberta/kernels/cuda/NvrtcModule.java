package roberta.kernels.cuda;

import static org.bytedeco.cuda.global.cudart.*;
import static org.bytedeco.cuda.global.nvrtc.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * The project's .cu files (classpath resources under roberta/kernels/cuda/src/, as
 * {@link HostKernels} reads them) compiled by NVRTC at first use to a CUBIN for THIS GPU's
 * compute capability (sm_XY: no PTX JIT, so no "PTX newer than the driver" trap), one module
 * per file, cached on disk under {@code roberta.cuda.cache} (default ~/.cache/roberta/cubin)
 * keyed by a hash of source, options and arch. Functions are looked up by their extern "C" name.
 */
final class NvrtcModule implements AutoCloseable {
    /** What nvcc includes implicitly and NVRTC does not (math.h's INFINITY). */
    private static final String PRELUDE = "#ifndef INFINITY\n#define INFINITY __int_as_float(0x7f800000)\n#endif\n";

    private final String arch;
    private final List<String> options;
    private final Map<String, String> fileOf = new HashMap<>(); // kernel name -> .cu file
    private final Map<String, CUmod_st> modules = new HashMap<>();
    private final Map<String, CUfunc_st> functions = new HashMap<>();

    NvrtcModule(int major, int minor) {
        this.arch = "sm_" + major + minor;
        this.options = List.of("--gpu-architecture=" + arch, "--std=c++17", "-default-device");
        for (HostKernels.Kernel k : HostKernels.KERNELS) fileOf.put(k.name(), k.file());
    }

    /** The kernel's function handle, compiling and loading its file's module the first time. */
    synchronized CUfunc_st function(String kernel) {
        CUfunc_st f = functions.get(kernel);
        if (f != null) return f;
        String file = fileOf.get(kernel);
        if (file == null) throw new IllegalArgumentException("launch " + kernel + ": no such kernel in HostKernels.KERNELS");
        CUmod_st module = modules.get(file);
        if (module == null) {
            byte[] cubin = cubin(file);
            module = new CUmod_st();
            try (BytePointer image = new BytePointer(cubin)) {
                JavaCppDevice.cu("cuModuleLoadData(" + file + ", " + arch + ")", cuModuleLoadData(module, image));
            }
            modules.put(file, module);
        }
        f = new CUfunc_st();
        JavaCppDevice.cu("cuModuleGetFunction(" + kernel + " in " + file + ")", cuModuleGetFunction(f, module, kernel));
        functions.put(kernel, f);
        return f;
    }

    private byte[] cubin(String file) {
        String source = PRELUDE + HostKernels.source(file);
        Path dir = Path.of(System.getProperty("roberta.cuda.cache", System.getProperty("user.home") + "/.cache/roberta/cubin"));
        Path cached = dir.resolve(file.replace(".cu", "") + "-" + arch + "-" + hash(source + "\0" + options) + ".cubin");
        try {
            if (Files.isRegularFile(cached)) return Files.readAllBytes(cached);
        } catch (IOException ignored) { // an unreadable cache is a cache miss
        }
        byte[] cubin = compile(file, source);
        try { // write to a temporary name, then rename: concurrent JVMs never read half a file
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, file, ".tmp");
            Files.write(tmp, cubin);
            Files.move(tmp, cached, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException ignored) { // no cache: compile again next time
        }
        return cubin;
    }

    private byte[] compile(String file, String source) {
        _nvrtcProgram program = new _nvrtcProgram();
        nv("nvrtcCreateProgram(" + file + ")", nvrtcCreateProgram(program, new BytePointer(source), new BytePointer(file), 0,
                (PointerPointer<?>) null, (PointerPointer<?>) null));
        try {
            int rc;
            try (PointerPointer<BytePointer> opts = new PointerPointer<>(options.toArray(new String[0]))) {
                rc = nvrtcCompileProgram(program, options.size(), opts);
            }
            if (rc != NVRTC_SUCCESS) throw new IllegalStateException("nvrtcCompileProgram(" + file + ", " + arch + ") failed: "
                    + nvrtcGetErrorString(rc).getString() + "\n" + log(program));
            try (SizeTPointer size = new SizeTPointer(1)) {
                nv("nvrtcGetCUBINSize(" + file + ")", nvrtcGetCUBINSize(program, size));
                byte[] cubin = new byte[(int) size.get()];
                nv("nvrtcGetCUBIN(" + file + ")", nvrtcGetCUBIN(program, cubin));
                return cubin;
            }
        } finally {
            nvrtcDestroyProgram(program);
        }
    }

    private static String log(_nvrtcProgram program) {
        try (SizeTPointer size = new SizeTPointer(1)) {
            if (nvrtcGetProgramLogSize(program, size) != NVRTC_SUCCESS || size.get() <= 1) return "(no log)";
            byte[] log = new byte[(int) size.get()];
            if (nvrtcGetProgramLog(program, log) != NVRTC_SUCCESS) return "(no log)";
            return new String(log, 0, log.length - 1, StandardCharsets.UTF_8).strip();
        }
    }

    private static void nv(String call, int status) {
        if (status != NVRTC_SUCCESS) throw new IllegalStateException(call + " failed: " + nvrtcGetErrorString(status).getString());
    }

    private static String hash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public synchronized void close() {
        for (CUmod_st m : modules.values()) cuModuleUnload(m);
        modules.clear();
        functions.clear();
    }
}
