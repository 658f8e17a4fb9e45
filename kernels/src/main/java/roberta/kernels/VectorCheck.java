package roberta.kernels;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import jdk.incubator.vector.FloatVector;

/**
 * Whether the Vector API will run as SIMD instructions: it falls back to slow scalar Java
 * when C2 is off, when vector intrinsics are disabled, or when the CPU offers narrow vectors.
 */
public final class VectorCheck {
    private VectorCheck() {}

    /** Human-readable reasons the kernels will be slow; empty when all is well. */
    public static List<String> problems() {
        List<String> out = new ArrayList<>();
        int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        if (bits < 256) out.add("the preferred vector is " + bits + " bits (no AVX2/AVX-512?): kernels run at a fraction of their speed");
        try {
            var hs = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            if (hs != null) {
                if ("false".equals(option(hs, "EnableVectorSupport"))) out.add("-XX:-EnableVectorSupport: the Vector API is not intrinsified");
                String level = option(hs, "TieredStopAtLevel");
                if (level != null && Integer.parseInt(level) < 4) out.add("-XX:TieredStopAtLevel=" + level + ": C2 never compiles the kernels");
                if ("false".equals(option(hs, "UseCompiler"))) out.add("-Xint: interpreted, the Vector API falls back to scalar code");
            }
        } catch (RuntimeException | LinkageError e) {
            // not HotSpot: nothing to check
        }
        if (Gemm.SCALAR) out.add("-Droberta.scalar=true: scalar reference kernels selected");
        return out;
    }

    private static String option(com.sun.management.HotSpotDiagnosticMXBean hs, String name) {
        try {
            return hs.getVMOption(name).getValue();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
