package roberta.kernels.cuda;

/**
 * A device address as a kernel argument. Launch arguments are a plain {@code Object...}, so
 * a pointer must not look like a number: an {@link Integer} is an {@code int} parameter, a
 * {@code Ptr} a {@code T*} one (PTX {@code .u64}). Byte arithmetic: {@code p.plus(4L * i)}
 * is {@code &p[i]} for a {@code float*}.
 */
public record Ptr(long address) {
    public Ptr plus(long bytes) {
        return new Ptr(address + bytes);
    }

    @Override
    public String toString() {
        return "0x" + Long.toHexString(address);
    }
}
