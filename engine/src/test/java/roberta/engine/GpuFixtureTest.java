package roberta.engine;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import roberta.kernels.Backend;
import roberta.kernels.CpuBackend;
import roberta.kernels.Devices;
import roberta.kernels.Notices;

/**
 * The fixtures (forward against Hugging Face; loss and gradients) on a REAL GPU, --device cuda.
 * Excluded from the default build ({@code **}{@code /Gpu*Test.java}); scripts/gpu-check.sh runs it with
 * -Dtest=Gpu*Test. Without a GPU it fails with the device's one-line reason: never skipped.
 */
class GpuFixtureTest {
    @ParameterizedTest
    @ValueSource(strings = {"tiny-roberta-mlm", "tiny-roberta-mlm-f16", "tiny-roberta-mlm-bf16", "tiny-roberta-cls", "tiny-roberta-ner", "tiny-roberta-base"})
    void forwardMatchesReferenceOnTheGpu(String name) {
        try (Backend be = Devices.open("cuda", null)) {
            FixtureForwardTest.check(name, be);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-roberta-mlm", "tiny-roberta-cls", "tiny-roberta-ner"})
    void lossAndGradientsMatchOnTheGpu(String name) {
        try (Backend be = Devices.open("cuda", null)) {
            new GradientFixtureTest().check(name, false, be);
        }
    }

    /** --tf32 on the GPU: every forward output within 1e-2 of the CPU's (whether cuBLAS picks tensor cores for such small shapes is its choice, so no lower bound). */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-roberta-mlm", "tiny-roberta-cls", "tiny-roberta-base"})
    void tf32OnTheGpuStaysWithin1e2OfTheCpu(String name) {
        var cpu = Tf32ForwardTest.outputs(name, CpuBackend.INSTANCE);
        try (Backend be = Devices.open("cuda", null, true, Notices.NONE)) {
            Tf32ForwardTest.largestGap(cpu, Tf32ForwardTest.outputs(name, be), 1e-2, "cuda --tf32");
        }
    }
}
