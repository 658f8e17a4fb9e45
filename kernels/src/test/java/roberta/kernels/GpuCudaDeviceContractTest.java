package roberta.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import roberta.kernels.cuda.CudaProbe;
import roberta.kernels.cuda.Dim3;
import roberta.kernels.cuda.JavaCppDevice;
import roberta.kernels.cuda.Ptr;

/**
 * The CUDA backend on a REAL GPU ({@link JavaCppDevice}) held to the contract. Never part of
 * the default build (the surefire configuration excludes {@code **}{@code /Gpu*Test.java}); only
 * scripts/gpu-check.sh runs it, with -Dtest=Gpu*Test. On a machine without a GPU it FAILS
 * (constructing the device throws with the probe's reason): it is never silently skipped.
 */
class GpuCudaDeviceContractTest extends CudaBackendContract<JavaCppDevice> {
    @Override
    JavaCppDevice newDevice() {
        return new JavaCppDevice();
    }

    /** The smallest round trip, first: if this fails, read its message before anything else. */
    @Test
    void aKernelAndAGemmRunOnTheGpu() {
        assertTrue(CudaProbe.available(), CudaProbe.reason());
        int n = 1000;
        long p = device.malloc(4L * n);
        try {
            device.launch("fill_f32", Dim3.of((n + 255) / 256), Dim3.of(256), 0, new Ptr(p), n, 2.5f);
            float[] back = new float[n];
            device.copyToHost(p, 0, back, 0, n);
            for (int i = 0; i < n; i++) assertEquals(2.5f, back[i], "fill_f32 element " + i);
            // column-major 2x2: C = A B with A = B = [[1, 2], [3, 4]] (row-major) -> [[7, 10], [15, 22]]
            float[] a = {1, 3, 2, 4}; // column-major
            device.copyToDevice(a, 0, p, 0, 4);
            device.copyToDevice(a, 0, p, 16, 4);
            device.sgemm(false, false, 2, 2, 2, 1f, p, 2, p + 16, 2, 0f, p + 32, 2);
            float[] c = new float[4];
            device.copyToHost(p, 32, c, 0, 4);
            assertArrayEquals(new float[] {7, 15, 10, 22}, c, "cublasSgemm_v2, column-major");
        } finally {
            device.free(p);
        }
    }
}
