package roberta.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import roberta.kernels.cuda.CudaProbe;

/**
 * A Java program that opens the default device on a machine without an NVIDIA driver loads no
 * native code: the JDK prints nothing about restricted methods, and the CPU is chosen.
 */
class AutoDeviceQuietTest {
    /** What the child JVM runs: the default device, then its class. */
    public static final class OpenAuto {
        public static void main(String[] args) {
            System.out.println(Devices.open("auto", 1).getClass().getSimpleName());
        }
    }

    @Test
    void autoWithoutADriverLoadsNoNativeCode() throws Exception {
        if (CudaProbe.driverPresent()) return; // a GPU machine: there auto rightly loads the CUDA bindings
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // no --enable-native-access: what a user's own program looks like
        Process p = new ProcessBuilder(List.of(java, "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                OpenAuto.class.getName())).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child JVM finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), err);
        assertEquals("CpuBackend", out, err);
        assertFalse(err.contains("restricted method"), err);
    }
}
