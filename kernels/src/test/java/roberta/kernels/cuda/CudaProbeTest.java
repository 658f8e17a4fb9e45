package roberta.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The probe's reasons are one line and name the missing library; the answer is computed once. */
class CudaProbeTest {
    @Test
    void reasonsNameTheMissingLibrary() {
        assertEquals("no CUDA driver: libcuda.so.1 not found", CudaProbe.describe(new UnsatisfiedLinkError(
                "/root/.javacpp/cache/cuda-linux-x86_64.jar/org/bytedeco/cuda/linux-x86_64/libjnicudart.so: libcuda.so.1: cannot open shared object file: No such file or directory")));
        assertTrue(CudaProbe.describe(new UnsatisfiedLinkError("no jnicublas in java.library.path: libcublas.so.13: cannot open shared object file"))
                .startsWith("no CUDA libraries: libcublas.so.13 not found"));
        String other = CudaProbe.describe(new ExceptionInInitializerError(new IllegalStateException("odd\nthing")));
        assertTrue(other.startsWith("the CUDA bindings did not load (IllegalStateException: odd thing"), other);
    }

    @Test
    void probedOnceThenCached() {
        CudaProbe.Result a = CudaProbe.probe(), b = CudaProbe.probe();
        assertSame(a, b);
        assertEquals(a.ok(), a.reason() == null, String.valueOf(a));
    }
}
