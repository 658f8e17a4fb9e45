package roberta.cli;

import picocli.CommandLine.Option;
import roberta.kernels.Backend;
import roberta.kernels.Devices;

/** --device and --tf32: how every model command chooses its backend (a mixin, so each command lists both the same way). */
final class DeviceOptions {
    @Option(names = "--device", defaultValue = "auto", description = "cpu, auto (the GPU when one works here, else the CPU), cuda (the GPU, through JavaCPP) or cuda-emulated (the CUDA code path on the CPU, slow). Default: ${DEFAULT-VALUE}")
    String device;

    @Option(names = "--tf32", description = "Let the GPU's float matrix products use TF32 tensor cores: faster, but results differ from the CPU's by about 1e-3 instead of 1e-4. Off by default; no effect on the CPU (a warning says so)")
    boolean tf32;

    /** The backend --device names, through the one chooser ({@link Devices}); warnings go to stderr. */
    Backend open(Integer threads) {
        return Devices.open(device, threads, tf32, StderrListener.INSTANCE);
    }
}
