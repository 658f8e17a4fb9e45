package roberta.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same .cu files build for the GPU: nvcc -ptx for sm_80 and sm_90, and each kernel's PTX
 * .entry takes exactly the parameters HostKernels.KERNELS declares (what DeviceApi.launch
 * passes), so a launch that works on the emulator is not garbage on a GPU; the test-only
 * kernels of WarpPrimitivesTest too, so what the shim is tested with is valid CUDA. A failure
 * where there is no nvcc.
 */
class CudaSourcesPtxTest {
    private static final Pattern ENTRY = Pattern.compile("\\.visible\\s+\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)");
    /**
     * What makes the host run a kernel as fibres: a CTA barrier (bar.sync / barrier.sync, what
     * __syncthreads compiles to) or a warp one (bar.warp.sync: __syncwarp; shfl.sync: the shuffles).
     */
    private static final Pattern BARRIER = Pattern.compile("\\b(bar|barrier)(\\.cta)?\\.sync\\b|\\bbar\\.warp\\.sync\\b|\\bshfl\\.sync\\b");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+(\\.\\w+)\\s+(\\w+)");

    static Path nvcc() {
        Path p = HostKernels.onPath("nvcc");
        if (p == null && Files.isExecutable(Path.of("/usr/local/cuda/bin/nvcc"))) p = Path.of("/usr/local/cuda/bin/nvcc");
        return p;
    }

    /** nvcc, which this project's machines have: without it the GPU build is unchecked, a failure, not a skip. */
    static Path requireNvcc() {
        Path nvcc = nvcc();
        assertNotNull(nvcc, "nvcc is not on PATH nor at /usr/local/cuda/bin/nvcc: install the CUDA compiler (see README) so the GPU build is checked");
        return nvcc;
    }

    /** The .cu sources written into dir, as nvcc's file arguments. */
    static List<String> writeSources(Path dir) throws IOException {
        return writeSources(dir, HostKernels.KERNELS);
    }

    /** The .cu files defining kernels (test/x.cu as x.cu: nvcc names its output by the file's base name). */
    static List<String> writeSources(Path dir, List<HostKernels.Kernel> kernels) throws IOException {
        List<String> files = new ArrayList<>();
        for (String f : HostKernels.sourceFiles(kernels)) {
            Path p = dir.resolve(baseName(f));
            Files.writeString(p, HostKernels.source(f));
            files.add(p.toString());
        }
        return files;
    }

    private static String baseName(String file) {
        return file.substring(file.lastIndexOf('/') + 1);
    }

    /** Kernel name -> whether the PTX from its entry to the next has a barrier (helpers are inlined: nvcc -O3). */
    static Map<String, Boolean> barriers(String ptx) {
        Map<String, Boolean> out = new LinkedHashMap<>();
        List<java.util.regex.MatchResult> found = ENTRY.matcher(ptx).results().toList();
        for (int i = 0; i < found.size(); i++) {
            int end = i + 1 < found.size() ? found.get(i + 1).start() : ptx.length();
            out.put(found.get(i).group(1), BARRIER.matcher(ptx.substring(found.get(i).end(), end)).find());
        }
        return out;
    }

    /** Kernel name -> its PTX parameter types, in order. */
    static Map<String, List<String>> entries(String ptx) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Matcher m = ENTRY.matcher(ptx);
        while (m.find()) {
            List<String> types = new ArrayList<>();
            Matcher p = PARAM.matcher(m.group(2));
            while (p.find()) types.add(p.group(1));
            out.put(m.group(1), types);
        }
        return out;
    }

    @Test
    void everyCuFileCompilesWithNvccAndItsEntriesTakeWhatJavaPasses(@TempDir Path tmp) throws Exception {
        checkEntries(tmp, HostKernels.KERNELS);
    }

    @Test
    void theWarpTestKernelsAreValidCudaWithTheEntriesTheirTestPasses(@TempDir Path tmp) throws Exception {
        checkEntries(tmp, WarpTestKernels.KERNELS);
    }

    private static void checkEntries(Path tmp, List<HostKernels.Kernel> kernels) throws Exception {
        Path nvcc = requireNvcc();
        List<String> cmdFiles = writeSources(tmp, kernels);
        for (String arch : List.of("sm_80", "sm_90")) {
            Path out = Files.createDirectories(tmp.resolve(arch));
            List<String> cmd = new ArrayList<>(List.of(nvcc.toString(), "-arch=" + arch, "-ptx", "-odir", out.toString()));
            cmd.addAll(cmdFiles);
            run(cmd, tmp);
            for (String f : HostKernels.sourceFiles(kernels)) {
                String text = Files.readString(out.resolve(baseName(f).replace(".cu", ".ptx")));
                Map<String, List<String>> ptx = entries(text);
                Map<String, Boolean> bars = barriers(text);
                List<HostKernels.Kernel> declared = kernels.stream().filter(k -> k.file().equals(f)).toList();
                assertEquals(declared.stream().map(HostKernels.Kernel::name).sorted().toList(), ptx.keySet().stream().sorted().toList(),
                    arch + " " + f + ": the entries nvcc emits are the kernels HostKernels declares");
                for (HostKernels.Kernel k : declared) {
                    List<String> expected = k.params().stream().map(p -> p.kind().ptx).toList();
                    List<String> actual = ptx.get(k.name()).stream().map(t -> t.equals(".s32") ? ".u32" : t).toList();
                    assertEquals(expected, actual, arch + " " + k.signature() + ": PTX parameters");
                    assertEquals(k.barriers(), bars.get(k.name()),
                        arch + " " + k.name() + ": has a block or warp barrier or a shuffle in its PTX iff declared withBarriers()");
                }
            }
        }
    }

    @Test
    void thePtxParserReadsEntryParameterLists() {
        String ptx = """
            .visible .entry k1(
            \t.param .u64 k1_param_0,
            \t.param .u32 k1_param_1,
            \t.param .f32 k1_param_2
            )
            {
            }
            .visible .entry k2()
            {
            	bar.sync 	0;
            }
            .visible .entry k3()
            {
            	shfl.sync.down.b32	%r5|%p1, %r3, 16, 31, -1;
            }
            .visible .entry k4()
            {
            	bar.warp.sync 	-1;
            }
            """;
        assertEquals(Map.of("k1", List.of(".u64", ".u32", ".f32"), "k2", List.of(), "k3", List.of(), "k4", List.of()), entries(ptx));
        assertEquals(Map.of("k1", false, "k2", true, "k3", true, "k4", true), barriers(ptx));
    }

    private static String run(List<String> cmd, Path dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), cmd.get(0) + " finished");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + log);
        return log;
    }

    /** "Function properties for K: N bytes stack frame, S bytes spill stores, L bytes spill loads" and "Used R registers". */
    private static final Pattern SPILLS = Pattern.compile("Function properties for (\\w+)\\s*\\n\\s*\\d+ bytes stack frame, (\\d+) bytes spill stores, (\\d+) bytes spill loads");
    private static final Pattern REGISTERS = Pattern.compile("Compiling entry function '(\\w+)' for '(sm_\\d+)'\\s*\\n(?:.*\\n)*?.*Used (\\d+) registers");

    /** ptxas assembles every kernel for sm_80 and sm_90 (-v): no register spills, and within the 255 registers a thread may use. */
    @Test
    void everyKernelAssemblesWithoutSpills(@TempDir Path tmp) throws Exception {
        checkSpills(tmp, HostKernels.KERNELS);
    }

    @Test
    void theWarpTestKernelsAssembleWithoutSpills(@TempDir Path tmp) throws Exception {
        checkSpills(tmp, WarpTestKernels.KERNELS);
    }

    private static void checkSpills(Path tmp, List<HostKernels.Kernel> kernelList) throws Exception {
        Path nvcc = requireNvcc();
        List<String> cmdFiles = writeSources(tmp, kernelList);
        for (String arch : List.of("sm_80", "sm_90")) {
            Path out = Files.createDirectories(tmp.resolve("cubin-" + arch));
            List<String> cmd = new ArrayList<>(List.of(nvcc.toString(), "-arch=" + arch, "-cubin", "-Xptxas", "-v", "-odir", out.toString()));
            cmd.addAll(cmdFiles);
            String log = run(cmd, tmp);
            Matcher spills = SPILLS.matcher(log);
            int kernels = 0;
            while (spills.find()) {
                kernels++;
                assertEquals("0", spills.group(2), arch + " " + spills.group(1) + " spills registers to local memory:\n" + log);
                assertEquals("0", spills.group(3), arch + " " + spills.group(1) + " loads spilled registers:\n" + log);
            }
            assertTrue(kernels >= kernelList.size(), arch + ": ptxas -v reported " + kernels + " functions for " + kernelList.size() + " kernels:\n" + log);
            Matcher regs = REGISTERS.matcher(log);
            while (regs.find()) assertTrue(Integer.parseInt(regs.group(3)) <= 255, regs.group(1) + " uses " + regs.group(3) + " registers");
        }
    }
}
