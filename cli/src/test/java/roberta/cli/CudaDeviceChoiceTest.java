package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import roberta.kernels.Devices;
import roberta.kernels.cuda.CudaProbe;

/**
 * --device cuda on a machine without a usable GPU (CI, and any laptop): one line naming what is
 * missing, exit 1, no output written; auto quietly stays on the CPU. On a machine WITH a GPU these
 * assertions do not hold, so they are made only where the probe says there is none; the GPU side
 * is checked by scripts/gpu-check.sh (GpuCudaDeviceContractTest), which is never part of the
 * default build.
 */
class CudaDeviceChoiceTest {
    private static final String M = CliTest.MLM.toString(), INPUTS = CliTest.MLM.resolve("inputs.jsonl").toString();

    @Test
    void cudaWithoutAGpuIsOneLineAndWritesNothing(@TempDir Path dir) {
        if (CudaProbe.available()) return; // a real GPU: scripts/gpu-check.sh covers this machine
        Path out = dir.resolve("v.npy");
        CliTest.Run r = CliTest.run("embed", "--model", M, "--input", INPUTS, "--output", out.toString(), "--device", "cuda");
        CliTest.assertOneLineError(r, "--device cuda: ", CudaProbe.reason(), "use --device cpu", "cuda-emulated");
        assertFalse(Files.exists(out), "no output file after a refused device");
        assertTrue(r.out().isEmpty(), r.out());
    }

    @Test
    void autoStaysOnTheCpuSilently(@TempDir Path dir) {
        if (CudaProbe.available()) return;
        Path out = dir.resolve("v.npy");
        CliTest.Run r = CliTest.run("embed", "--model", M, "--input", INPUTS, "--output", out.toString(), "--device", "auto");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(out));
        assertFalse(r.err().contains("cuda"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void theReasonIsCachedAndTheSameEveryTime() {
        if (CudaProbe.available()) return;
        String reason = CudaProbe.reason();
        assertTrue(reason != null && !reason.isBlank() && !reason.contains("\n"), String.valueOf(reason));
        IllegalStateException a = assertThrows(IllegalStateException.class, () -> Devices.open("cuda", null));
        IllegalStateException b = assertThrows(IllegalStateException.class, () -> Devices.open("cuda", null));
        assertEquals(a.getMessage(), b.getMessage());
        assertTrue(a.getMessage().contains(reason), a.getMessage());
        assertFalse(a.getMessage().contains("NoClassDefFoundError"), a.getMessage());
        assertFalse(a.getMessage().contains("\n"), a.getMessage());
        // the rest of the JVM is unharmed: the CPU and the emulated CUDA path still open
        org.junit.jupiter.api.Assertions.assertNotNull(Devices.open("cpu", null));
        Devices.open("cuda-emulated", null).close();
    }
}
