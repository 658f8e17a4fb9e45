package roberta.kernels.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The project's CUDA kernels ({@code src/main/cuda/*.cu}) built for the CPU and run by
 * {@link EmulatedDevice}: the same source nvcc compiles for the GPU, so CI without a GPU
 * tests it against the CPU kernels it mirrors.
 *
 * <p>How: the .cu files and the shim {@code host/cuda_host.h} with its parts {@code fibres.h}
 * and {@code warp.h} (which map CUDA's built-ins onto fibres; its comment lists what it
 * cannot do) are classpath resources, copied there
 * from {@code src/main/cuda} by Maven, so they are found whatever the working directory and
 * also from the jar. They are compiled once with {@code g++ -O2 -std=c++20 -shared -fPIC}
 * into one shared library, cached as {@code hostcuda-<hash>.so} under
 * {@code -Droberta.hostcuda.dir} (the kernels module's tests: {@code target/host-cuda}) or
 * {@code ~/.cache/roberta-java/host-cuda}; the hash covers sources, flags and compiler, so
 * an edit rebuilds and nothing else does. Several JVMs may build at once: each writes a
 * temporary file and renames it into place. The library is loaded through FFM and each
 * kernel registered in an EmulatedDevice under its extern "C" name.
 *
 * <p>{@link #KERNELS} is the Java side's declaration of each kernel's parameters: the kinds
 * {@link DeviceApi#launch} passes (checked against the host build's own signature at load
 * and, by a test, against nvcc's PTX) and, for each pointer, how many floats the kernel
 * touches, so every pointer is resolved against the emulator's live allocations for that
 * extent before native code sees it (a bad pointer is a {@link DeviceFault}, not a crash).
 */
public final class HostKernels {
    /** A parameter's kind, as DeviceApi.launch passes it and PTX declares it. */
    public enum Kind {
        PTR('p', ".u64"), INT('i', ".u32"), FLOAT('f', ".f32");

        /** The letter the shim's host_signature_NAME uses. */
        public final char letter;
        /** The PTX parameter type nvcc emits (int is .u32 in nvcc's PTX; .s32 means the same 32 bits). */
        public final String ptx;

        Kind(char letter, String ptx) {
            this.letter = letter;
            this.ptx = ptx;
        }
    }

    /**
     * One parameter. For a pointer, {@code extent} names int parameters whose product is the
     * number of floats (or, for {@code ints}, int32s) the kernel may touch from it;
     * {@code nullable} pointers may be 0.
     */
    public record Param(String name, Kind kind, List<String> extent, boolean nullable, boolean ints) {
        public Param(String name, Kind kind, List<String> extent, boolean nullable) {
            this(name, kind, extent, nullable, false);
        }

        static Param ptr(String name, String... extent) {
            return new Param(name, Kind.PTR, List.of(extent), false);
        }

        /** A pointer to int32s (an IntTensor's data: ids, positions); the extent counts ints, 4 bytes each as floats. */
        static Param intPtr(String name, String... extent) {
            return new Param(name, Kind.PTR, List.of(extent), false, true);
        }

        static Param nullablePtr(String name, String... extent) {
            return new Param(name, Kind.PTR, List.of(extent), true);
        }

        static Param i32(String name) {
            return new Param(name, Kind.INT, List.of(), false);
        }

        static Param f32(String name) {
            return new Param(name, Kind.FLOAT, List.of(), false);
        }

        @Override
        public String toString() {
            return switch (kind) {
                case PTR -> (ints ? "int* " : "float* ") + name + (nullable ? " (may be null)" : "");
                case INT -> "int " + name;
                case FLOAT -> "float " + name;
            };
        }
    }

    /**
     * A kernel: its extern "C" name, the .cu file (under src/main/cuda) defining it, whether
     * it calls __syncthreads or a warp primitive (then the host runs each block's threads as
     * fibres, else as a plain loop: a test checks this against bar.sync, bar.warp.sync and
     * shfl.sync in the PTX), its parameters in order.
     */
    public record Kernel(String name, String file, boolean barriers, List<Param> params) {
        Kernel(String name, String file, Param... params) {
            this(name, file, false, List.of(params));
        }

        Kernel withBarriers() {
            return new Kernel(name, file, true, params);
        }

        public String signature() {
            return name + "(" + params.stream().map(Param::toString).collect(Collectors.joining(", ")) + ")";
        }

        String letters() {
            StringBuilder s = new StringBuilder();
            for (Param p : params) s.append(p.kind.letter);
            return s.toString();
        }
    }

    public static final List<Kernel> KERNELS = List.of(
        new Kernel("fill_f32", "elementwise.cu", Param.ptr("out", "n"), Param.i32("n"), Param.f32("value")),
        new Kernel("add_f32", "elementwise.cu", Param.ptr("out", "n"), Param.ptr("a", "n"), Param.ptr("b", "n"), Param.i32("n")),
        new Kernel("scale_f32", "elementwise.cu", Param.ptr("x", "n"), Param.i32("n"), Param.f32("s")),
        new Kernel("accumulate_f32", "elementwise.cu", Param.ptr("acc", "n"), Param.ptr("x", "n"), Param.i32("n")),
        new Kernel("gelu_f32", "gelu.cu", Param.ptr("out", "n"), Param.ptr("x", "n"), Param.i32("n")),
        new Kernel("gelu_backward_f32", "gelu.cu", Param.ptr("dx", "n"), Param.ptr("dout", "n"), Param.ptr("x", "n"), Param.i32("n"),
            Param.i32("accumulate")),
        new Kernel("tanh_f32", "tanh.cu", Param.ptr("out", "n"), Param.ptr("x", "n"), Param.i32("n")),
        new Kernel("tanh_backward_f32", "tanh.cu", Param.ptr("dx", "n"), Param.ptr("dout", "n"), Param.ptr("out", "n"), Param.i32("n")),
        new Kernel("dropout_f32", "dropout.cu", Param.ptr("out", "n"), Param.ptr("mask", "n"), Param.ptr("x", "n"), Param.i32("n"),
            Param.f32("p"), Param.i32("seed_lo"), Param.i32("seed_hi")),
        new Kernel("dropout_backward_f32", "dropout.cu", Param.ptr("dx", "n"), Param.ptr("dout", "n"), Param.ptr("mask", "n"), Param.i32("n"),
            Param.i32("accumulate")),
        new Kernel("adamw_f32", "adamw.cu", Param.ptr("param", "n"), Param.ptr("grad", "n"), Param.ptr("m", "n"), Param.ptr("v", "n"),
            Param.i32("n"), Param.f32("lr"), Param.f32("beta1"), Param.f32("beta2"), Param.f32("eps"), Param.f32("weight_decay"),
            Param.f32("bc1"), Param.f32("bc2"), Param.f32("grad_scale"), Param.i32("clear_grad")),
        new Kernel("embedding_f32", "embedding.cu", Param.ptr("out", "n", "h"), Param.ptr("table", "vocab", "h"), Param.intPtr("ids", "n"),
            Param.i32("n"), Param.i32("h"), Param.i32("vocab"), Param.i32("accumulate")),
        new Kernel("embedding_backward_f32", "embedding.cu", Param.ptr("dtable", "vocab", "h"), Param.ptr("dout", "n", "h"),
            Param.intPtr("ids", "n"), Param.i32("n"), Param.i32("h"), Param.i32("vocab"), Param.i32("padding_idx")),
        new Kernel("layernorm_f32", "layernorm.cu", Param.ptr("out", "rows", "cols"), Param.nullablePtr("mean", "rows"),
            Param.nullablePtr("rstd", "rows"), Param.ptr("x", "rows", "cols"), Param.ptr("gamma", "cols"), Param.ptr("beta", "cols"),
            Param.i32("rows"), Param.i32("cols"), Param.f32("eps")).withBarriers(),
        new Kernel("layernorm_backward_dx_f32", "layernorm.cu", Param.ptr("dx", "rows", "cols"), Param.ptr("dout", "rows", "cols"),
            Param.ptr("x", "rows", "cols"), Param.ptr("mean", "rows"), Param.ptr("rstd", "rows"), Param.ptr("gamma", "cols"),
            Param.i32("rows"), Param.i32("cols"), Param.i32("accumulate")).withBarriers(),
        new Kernel("layernorm_backward_params_f32", "layernorm.cu", Param.nullablePtr("dgamma", "cols"), Param.nullablePtr("dbeta", "cols"),
            Param.ptr("dout", "rows", "cols"), Param.ptr("x", "rows", "cols"), Param.ptr("mean", "rows"), Param.ptr("rstd", "rows"),
            Param.i32("rows"), Param.i32("cols")),
        new Kernel("dropout_offset_f32", "dropout.cu", Param.ptr("out", "n"), Param.ptr("x", "n"), Param.i32("n"), Param.f32("p"),
            Param.i32("seed_lo"), Param.i32("seed_hi"), Param.i32("index_offset")),
        // CudaBackend's small kernels (backend.cu); a double* is declared by its 32-bit words
        new Kernel("bias_add_f32", "backend.cu", Param.ptr("out", "rows", "cols"), Param.ptr("b", "cols"), Param.i32("rows"), Param.i32("cols")),
        new Kernel("column_sum_f32", "backend.cu", Param.ptr("acc", "cols"), Param.ptr("x", "rows", "cols"), Param.i32("rows"), Param.i32("cols")),
        new Kernel("gather_rows_f32", "backend.cu", Param.ptr("out", "n", "h"), Param.ptr("x", "xrows", "h"), Param.intPtr("rows", "n"),
            Param.i32("n"), Param.i32("h"), Param.i32("xrows")),
        new Kernel("gather_rows_backward_f32", "backend.cu", Param.ptr("dx", "xrows", "h"), Param.ptr("dout", "n", "h"), Param.intPtr("rows", "n"),
            Param.i32("n"), Param.i32("h"), Param.i32("xrows")),
        new Kernel("sum_squares_f32", "backend.cu", Param.ptr("partials", "words"), Param.i32("words"), Param.i32("first"),
            Param.ptr("x", "n"), Param.i32("n")).withBarriers(),
        new Kernel("sum_f64", "backend.cu", Param.ptr("out", "out_words"), Param.i32("out_words"), Param.ptr("x", "words"),
            Param.i32("words")).withBarriers(),
        new Kernel("widen_half_f32", "backend.cu", Param.ptr("out", "n"), Param.ptr("bits", "words"), Param.i32("n"), Param.i32("words"),
            Param.i32("bf16")),
        new Kernel("cross_entropy_f32", "backend.cu", Param.ptr("row_loss", "words"), Param.i32("words"), Param.nullablePtr("dlogits", "rows", "cols"),
            Param.ptr("logits", "rows", "cols"), Param.intPtr("labels", "rows"), Param.i32("rows"), Param.i32("cols"), Param.i32("ignore_index"),
            Param.i32("count")).withBarriers(),
        new Kernel("mse_f32", "backend.cu", Param.ptr("partials", "words"), Param.i32("words"), Param.nullablePtr("dpred", "n"),
            Param.ptr("pred", "n"), Param.ptr("target", "n"), Param.i32("n")).withBarriers(),
        new Kernel("bce_with_logits_f32", "backend.cu", Param.ptr("partials", "words"), Param.i32("words"), Param.nullablePtr("dlogits", "n"),
            Param.ptr("logits", "n"), Param.ptr("target", "n"), Param.i32("n")).withBarriers(),
        // attention's row and element-wise steps (attention.cu)
        new Kernel("softmax_rows_f32", "attention.cu", Param.ptr("x", "rows", "cols"), Param.i32("rows"), Param.i32("cols"),
            Param.f32("scale")).withBarriers(),
        new Kernel("softmax_backward_rows_f32", "attention.cu", Param.ptr("dp", "rows", "cols"), Param.ptr("p", "rows", "cols"),
            Param.i32("rows"), Param.i32("cols"), Param.f32("scale")).withBarriers(),
        new Kernel("attention_dropout_backward_f32", "attention.cu", Param.ptr("dp", "n"), Param.ptr("dropped", "n"), Param.i32("n"),
            Param.f32("keep")));

    /** The shim, relative to the sources' root. */
    public static final String SHIM = "host/cuda_host.h";
    /** The shim and the parts it includes (same directory): all go to the compiler and into the hash. */
    static final List<String> SHIM_FILES = List.of(SHIM, "host/fibres.h", "host/warp.h");
    /** Room for the shim's description of a misuse (fibres.h, Block::message). */
    private static final int MESSAGE_BYTES = 512;
    private static final String RESOURCE_ROOT = "/roberta/kernels/cuda/src/";
    private static final List<String> FLAGS = List.of("-O2", "-std=c++20", "-shared", "-fPIC", "-x", "c++");

    /** Per kernel list (the project's, or a test's): the loaded library, or why it failed. */
    private static final Map<List<Kernel>, HostKernels> loaded = new java.util.HashMap<>();
    private static final Map<List<Kernel>, RuntimeException> failures = new java.util.HashMap<>();

    private final List<Kernel> kernels;
    private final Map<String, MethodHandle> entries;
    /** Milliseconds spent compiling in this JVM (0 when the cached library was used). */
    public final long compileMillis;
    public final Path library;

    private HostKernels(List<Kernel> kernels, Map<String, MethodHandle> entries, long compileMillis, Path library) {
        this.kernels = kernels;
        this.entries = entries;
        this.compileMillis = compileMillis;
        this.library = library;
    }

    /** The .cu files, in build order. */
    public static List<String> sourceFiles() {
        return sourceFiles(KERNELS);
    }

    /** The .cu files defining kernels, in build order. */
    static List<String> sourceFiles(List<Kernel> kernels) {
        return kernels.stream().map(Kernel::file).distinct().toList();
    }

    /** {@code #include "x.cuh"}: a header of ours, inlined by {@link #source} (every compiler then sees one text). */
    private static final java.util.regex.Pattern LOCAL_HEADER = java.util.regex.Pattern.compile("(?m)^#include \"([\\w.]+\\.cuh)\"$");

    /**
     * A file under src/main/cuda (e.g. "gelu.cu" or {@link #SHIM}), from the classpath, with our
     * own headers ({@code #include "x.cuh"}) inlined: nvcc, NVRTC and the host build all read
     * sources through here, and none of them is given an include path for src/main/cuda.
     */
    public static String source(String file) {
        String text = rawSource(file);
        return LOCAL_HEADER.matcher(text).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(rawSource(m.group(1))));
    }

    private static String rawSource(String file) {
        try (InputStream in = HostKernels.class.getResourceAsStream(RESOURCE_ROOT + file)) {
            if (in == null)
                throw new IllegalStateException("CUDA source " + file + " is not on the classpath at " + RESOURCE_ROOT
                    + " (Maven copies kernels/src/main/cuda there; was the build's resources step skipped?)");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading CUDA source " + file, e);
        }
    }

    /** A new emulator with every host-built kernel registered (after the first call, no compile), full float32 GEMMs. */
    public static EmulatedDevice device() {
        return device(false);
    }

    /** As {@link #device()}, its GEMMs in TF32 when {@code tf32} ({@link EmulatedDevice#EmulatedDevice(boolean)}). */
    public static EmulatedDevice device(boolean tf32) {
        EmulatedDevice d = new EmulatedDevice(tf32);
        load().registerAll(d);
        return d;
    }

    /** Builds (or finds cached) and loads the library, once per JVM; a failure is remembered and rethrown. */
    public static HostKernels load() {
        return load(KERNELS);
    }

    /**
     * As {@link #load()}, for a library of just these kernels (a test's own, in files under the
     * sources' root, e.g. test/*.cu from src/test/cuda), built and cached apart from the project's.
     */
    static synchronized HostKernels load(List<Kernel> kernels) {
        HostKernels h = loaded.get(kernels);
        if (h != null) return h;
        RuntimeException failed = failures.get(kernels);
        if (failed != null) throw failed;
        try {
            h = build(kernels);
            loaded.put(kernels, h);
            return h;
        } catch (RuntimeException e) {
            failures.put(kernels, e);
            throw e;
        }
    }

    /** Registers every kernel of this library in {@code device}, replacing any twin of the same name. */
    public void registerAll(EmulatedDevice device) {
        for (Kernel k : kernels) register(device, k);
    }

    /** Registers k (its name one of the library's) as declared: a test can declare one wrongly. */
    void register(EmulatedDevice device, Kernel k) {
        MethodHandle h = entries.get(k.name);
        if (h == null) throw new IllegalArgumentException("no host kernel " + k.name);
        device.register(k.name, (dev, grid, block, shared, args) -> launch(k, h, dev, grid, block, shared, args));
    }

    private static void launch(Kernel k, MethodHandle entry, EmulatedDevice dev, Dim3 grid, Dim3 block, int sharedBytes, Object[] args) {
        List<Param> ps = k.params;
        boolean ok = args.length == ps.size();
        for (int i = 0; ok && i < args.length; i++) {
            ok = switch (ps.get(i).kind) {
                case PTR -> args[i] instanceof Ptr;
                case INT -> args[i] instanceof Integer;
                case FLOAT -> args[i] instanceof Float;
            };
        }
        if (!ok) throw new IllegalArgumentException(k.signature() + ": got " + Arrays.toString(args));
        Map<String, Integer> ints = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) if (args[i] instanceof Integer v) ints.put(ps.get(i).name, v);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment argv = arena.allocate(ValueLayout.ADDRESS, args.length);
            for (int i = 0; i < args.length; i++) {
                Param p = ps.get(i);
                MemorySegment slot;
                switch (args[i]) {
                    case Ptr ptr -> {
                        slot = arena.allocate(ValueLayout.ADDRESS);
                        slot.set(ValueLayout.ADDRESS, 0, resolve(k, p, ptr, ints, dev));
                    }
                    case Integer v -> slot = arena.allocateFrom(ValueLayout.JAVA_INT, v);
                    case Float v -> slot = arena.allocateFrom(ValueLayout.JAVA_FLOAT, v);
                    default -> throw new AssertionError();
                }
                argv.setAtIndex(ValueLayout.ADDRESS, i, slot);
            }
            MemorySegment dims = arena.allocateFrom(ValueLayout.JAVA_INT, grid.x(), grid.y(), grid.z(), block.x(), block.y(), block.z());
            MemorySegment message = arena.allocate(MESSAGE_BYTES);
            int rc = (int) entry.invokeExact(dims, argv, k.barriers ? 1 : 0, sharedBytes, message, MESSAGE_BYTES);
            String why = message.getString(0);
            // the codes of cuda_host.h's launch and fibres.h
            switch (rc) {
                case 0 -> { }
                case -2 -> throw new IllegalStateException(k.name + " called __syncthreads but HostKernels.KERNELS declares it without barriers: "
                    + "its results are wrong (" + why + ")");
                case -3 -> throw new IllegalStateException(k.name + " called a warp primitive but HostKernels.KERNELS declares it without barriers: "
                    + "its results are wrong (" + why + ")");
                case -4 -> throw new IllegalStateException(k.name + ": a warp primitive used as CUDA leaves undefined: " + why);
                default -> throw new IllegalStateException(k.name + ": host launch failed with " + rc + (why.isEmpty() ? "" : ": " + why));
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(k.name + ": " + t, t);
        }
    }

    /** The native address behind ptr, checked: 4-aligned and inside one live allocation for the extent p declares. */
    private static MemorySegment resolve(Kernel k, Param p, Ptr ptr, Map<String, Integer> ints, EmulatedDevice dev) {
        if (ptr.address() == 0 && p.nullable) return MemorySegment.NULL;
        String what = "launch " + k.name + ": " + p.name;
        if (ptr.address() % 4 != 0)
            throw new DeviceFault(what + " = " + ptr + " is not 4-byte aligned (a float load there is cudaErrorMisalignedAddress)");
        long floats = 1;
        for (String f : p.extent) floats *= Math.max(0, ints.get(f));
        try {
            return dev.segment(ptr.address(), 4 * floats);
        } catch (DeviceFault e) {
            throw new DeviceFault(what + " (" + floats + " floats, " + String.join(" * ", p.extent) + "): " + e.getMessage());
        }
    }

    // ---- build

    private static HostKernels build(List<Kernel> kernels) {
        String cxx = compiler();
        StringBuilder unity = new StringBuilder("#include \"" + SHIM + "\"\n");
        for (String f : sourceFiles(kernels)) unity.append("#include \"").append(f).append("\"\n");
        for (Kernel k : kernels) unity.append("HOSTCUDA_ENTRY(").append(k.name).append(")\n");
        Map<String, String> files = new LinkedHashMap<>();
        for (String f : SHIM_FILES) files.put(f, source(f));
        for (String f : sourceFiles(kernels)) files.put(f, source(f));
        files.put("unity.cpp", unity.toString());

        String hash = hash(cxx, files);
        Path dir = cacheDir();
        Path lib = dir.resolve("hostcuda-" + hash + ".so");
        long millis = 0;
        if (!Files.isRegularFile(lib)) {
            long t0 = System.nanoTime();
            compile(cxx, files, dir, lib);
            millis = (System.nanoTime() - t0) / 1_000_000;
        }
        SymbolLookup lookup = SymbolLookup.libraryLookup(lib, Arena.global());
        Linker linker = Linker.nativeLinker();
        // int host_launch_NAME(const int* dims, void** args, int fibres, int shared_bytes, char* msg, int msg_len)
        FunctionDescriptor launchDesc = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT);
        FunctionDescriptor sigDesc = FunctionDescriptor.of(ValueLayout.ADDRESS);
        Map<String, MethodHandle> entries = new LinkedHashMap<>();
        for (Kernel k : kernels) {
            MethodHandle sig = linker.downcallHandle(symbol(lookup, "host_signature_" + k.name, lib), sigDesc);
            String letters;
            try {
                letters = ((MemorySegment) sig.invokeExact()).reinterpret(256).getString(0);
            } catch (Throwable t) {
                throw new IllegalStateException("host_signature_" + k.name + ": " + t, t);
            }
            if (!letters.equals(k.letters()))
                throw new IllegalStateException(k.file + ": " + k.name + " takes parameters \"" + letters + "\" (p pointer, i int, f float, ? other) but "
                    + "HostKernels.KERNELS declares " + k.signature() + " (\"" + k.letters() + "\")");
            entries.put(k.name, linker.downcallHandle(symbol(lookup, "host_launch_" + k.name, lib), launchDesc));
        }
        return new HostKernels(kernels, Map.copyOf(entries), millis, lib);
    }

    private static MemorySegment symbol(SymbolLookup lookup, String name, Path lib) {
        return lookup.find(name).orElseThrow(() -> new IllegalStateException(lib + " has no symbol " + name));
    }

    /** -Droberta.hostcuda.cxx, else g++ on PATH, else /usr/bin/g++; a one-line error when there is none. */
    static String compiler() {
        String set = System.getProperty("roberta.hostcuda.cxx");
        if (set != null && !set.isBlank()) {
            if (!Files.isExecutable(Path.of(set)))
                throw new IllegalStateException("host CUDA kernels need a C++20 compiler: -Droberta.hostcuda.cxx=" + set + " is not an executable file");
            return set;
        }
        Path found = onPath("g++");
        if (found == null && Files.isExecutable(Path.of("/usr/bin/g++"))) found = Path.of("/usr/bin/g++");
        if (found == null)
            throw new IllegalStateException("host CUDA kernels need a C++20 compiler: g++ was not found on PATH or at /usr/bin/g++ "
                + "(install g++ >= 11, or set -Droberta.hostcuda.cxx=/path/to/g++)");
        return found.toString();
    }

    /** An executable called name in a directory of $PATH, or null. */
    public static Path onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, name);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) return p;
        }
        return null;
    }

    private static Path cacheDir() {
        String set = System.getProperty("roberta.hostcuda.dir");
        Path dir = set != null && !set.isBlank() ? Path.of(set)
            : Path.of(System.getProperty("user.home"), ".cache", "roberta-java", "host-cuda");
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the host CUDA cache directory " + dir, e);
        }
    }

    private static String hash(String cxx, Map<String, String> files) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((cxx + "\0" + String.join(" ", FLAGS) + "\0").getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, String> e : files.entrySet())
                md.update((e.getKey() + "\0" + e.getValue().length() + "\0" + e.getValue() + "\0").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest(), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Writes the sources to a private temporary folder, compiles there, renames the library into place. */
    private static void compile(String cxx, Map<String, String> files, Path dir, Path lib) {
        Path work = null;
        try {
            work = Files.createTempDirectory(dir, "build-");
            for (Map.Entry<String, String> e : files.entrySet()) {
                Path p = work.resolve(e.getKey());
                Files.createDirectories(p.getParent());
                Files.writeString(p, e.getValue());
            }
            Path out = work.resolve("lib.so");
            List<String> cmd = new ArrayList<>(List.of(cxx));
            cmd.addAll(FLAGS);
            cmd.addAll(List.of("-I", work.toString(), "-o", out.toString(), work.resolve("unity.cpp").toString()));
            Process proc = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true).start();
            proc.getOutputStream().close();
            String log = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!proc.waitFor(5, TimeUnit.MINUTES)) {
                proc.destroyForcibly();
                throw new IllegalStateException("host CUDA build: " + cxx + " did not finish in 5 minutes");
            }
            if (proc.exitValue() != 0)
                throw new IllegalStateException("host CUDA build failed (" + String.join(" ", cmd) + "):\n" + tail(log, 4000));
            Files.move(out, lib, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("host CUDA build in " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("host CUDA build interrupted", e);
        } finally {
            if (work != null) deleteTree(work);
        }
    }

    private static String tail(String s, int n) {
        return s.length() <= n ? s : "..." + s.substring(s.length() - n);
    }

    private static void deleteTree(Path p) {
        try (var walk = Files.walk(p)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(q -> q.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temporary folder is harmless
        }
    }
}
