package roberta.kernels.cuda;

/**
 * A memory error the emulator caught: out of bounds, use after free, double free, misaligned
 * or unknown pointer. A real GPU would corrupt memory silently or fail a later call with an
 * unrelated "illegal address"; here it fails at the faulty call, naming it.
 */
public final class DeviceFault extends RuntimeException {
    public DeviceFault(String message) {
        super(message);
    }
}
