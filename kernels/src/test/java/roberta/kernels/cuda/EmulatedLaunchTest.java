package roberta.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Launch by name: the example kernel, the argument convention, the configuration limits. */
class EmulatedLaunchTest {
    private final EmulatedDevice dev = new EmulatedDevice();

    @AfterEach
    void close() {
        assertEquals(0, dev.liveAllocations());
        dev.close();
    }

    @Test
    void fillRunsEveryThreadOfTheGridAndOnlyThose() {
        long p = dev.malloc(4 * 12);
        dev.memset(p, 0, 4 * 12);
        // 10 elements from float 1 on, 3 blocks of 4 threads: threads 10 and 11 must not write
        dev.launch("fill_f32", Dim3.of(3), Dim3.of(4), 0, new Ptr(p).plus(4), 10, 2.5f);
        float[] f = new float[12];
        dev.copyToHost(p, 0, f, 0, 12);
        assertArrayEquals(new float[] {0, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 0}, f);
        // a grid too small leaves the tail unwritten, as on a GPU
        dev.launch("fill_f32", Dim3.of(1), Dim3.of(4), 0, new Ptr(p), 12, -1f);
        dev.copyToHost(p, 0, f, 0, 12);
        assertArrayEquals(new float[] {-1, -1, -1, -1, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 0}, f);
        // n past the allocation: the write that would corrupt memory faults
        assertThrows(DeviceFault.class, () -> dev.launch("fill_f32", Dim3.of(4), Dim3.of(4), 0, new Ptr(p), 13, 0f));
        dev.free(p);
    }

    @Test
    void unknownKernelIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> dev.launch("layernorm_f32", Dim3.of(1), Dim3.of(32), 0, 1));
        assertTrue(e.getMessage().contains("no kernel named \"layernorm_f32\""), e.getMessage());
        assertTrue(e.getMessage().contains("fill_f32"), "lists what it knows: " + e.getMessage());
    }

    @Test
    void argumentsMustBePtrIntegerOrFloat() {
        long p = dev.malloc(16);
        for (Object bad : new Object[] {p /* a bare Long: pointer or count? */, 1.0, true, null}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> dev.launch("fill_f32", Dim3.of(1), Dim3.of(4), 0, new Ptr(p), 4, bad));
            assertTrue(e.getMessage().contains("argument 2"), e.getMessage());
        }
        // right types, wrong list for this kernel: its twin says what it takes
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> dev.launch("fill_f32", Dim3.of(1), Dim3.of(4), 0, 4, new Ptr(p), 1f));
        assertTrue(e.getMessage().contains("fill_f32(float* out"), e.getMessage());
        dev.free(p);
    }

    @Test
    void launchConfigurationLimits() {
        long p = dev.malloc(16);
        Ptr out = new Ptr(p);
        assertThrows(IllegalArgumentException.class, () -> dev.launch("fill_f32", Dim3.of(1), Dim3.of(1025), 0, out, 4, 0f));
        assertThrows(IllegalArgumentException.class, () -> dev.launch("fill_f32", Dim3.of(1), new Dim3(32, 32, 2), 0, out, 4, 0f));
        assertThrows(IllegalArgumentException.class, () -> dev.launch("fill_f32", Dim3.of(1, 65536), Dim3.of(4), 0, out, 4, 0f));
        assertThrows(IllegalArgumentException.class, () -> dev.launch("fill_f32", Dim3.of(1), Dim3.of(4), 48 * 1024 + 1, out, 4, 0f));
        assertThrows(IllegalArgumentException.class, () -> Dim3.of(0));
        dev.launch("fill_f32", Dim3.of(1), Dim3.of(1024), 48 * 1024, out, 4, 0f); // the limits themselves are fine
        dev.free(p);
    }

    @Test
    void registeredTwinsReceiveTheLaunch() {
        int[] seen = new int[3];
        dev.register("probe", (d, grid, block, shared, args) -> {
            seen[0] = (int) grid.count();
            seen[1] = (int) block.count();
            seen[2] = (Integer) args[0];
        });
        dev.launch("probe", new Dim3(2, 3, 1), new Dim3(8, 4, 2), 0, 42);
        assertArrayEquals(new int[] {6, 64, 42}, seen);
    }
}
