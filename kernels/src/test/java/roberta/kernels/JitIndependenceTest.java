package roberta.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The training path's element-wise kernels give the same bits before and after the JIT compiles
 * them: a seeded fine-tuning run must not depend on when C2 got to a method (it did, through GELU's
 * backward pass: the JDK's lanewise EXP is Java code until C2 replaces it with a native library's).
 * The first call of this JVM runs interpreted or in C1; thousands of calls later the same inputs
 * run C2's code. Run this class alone (a fresh fork) for the first call to be cold.
 */
class JitIndependenceTest {
    @Test
    void geluAndTanhGiveTheSameBitsColdAndCompiled() {
        int n = 4099; // a vector tail too
        Random r = new Random(7);
        float[] x = new float[n], dout = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * 3);
            dout[i] = (float) r.nextGaussian();
        }
        float[] coldGelu = new float[n], coldTanh = new float[n];
        Activations.geluBackward(coldGelu, dout, x, n, false);
        Activations.tanh(coldTanh, x, n);
        float[] hot = new float[n], hotTanh = new float[n];
        for (int rep = 0; rep < 3000; rep++) { // far past C2's thresholds for the loops in these methods
            Activations.geluBackward(hot, dout, x, n, false);
            Activations.tanh(hotTanh, x, n);
        }
        assertArrayEquals(coldGelu, hot, "GELU backward after the JIT");
        assertArrayEquals(coldTanh, hotTanh, "tanh after the JIT");
    }
}
