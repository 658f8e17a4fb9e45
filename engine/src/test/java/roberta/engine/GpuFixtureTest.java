package roberta.engine;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import roberta.kernels.Backend;
import roberta.kernels.Devices;

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
}
