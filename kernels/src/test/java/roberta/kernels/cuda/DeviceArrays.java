package roberta.kernels.cuda;

/** Host arrays to and from a device's memory, for the tests that drive a {@link DeviceApi} directly. */
final class DeviceArrays {
    private DeviceArrays() {}

    /** A new allocation holding a. */
    static long upload(DeviceApi dev, float[] a) {
        long p = dev.malloc(4L * a.length);
        dev.copyToDevice(a, 0, p, 0, a.length);
        return p;
    }

    /** A new allocation holding a. */
    static long upload(DeviceApi dev, int[] a) {
        long p = dev.malloc(4L * a.length);
        dev.copyToDevice(a, 0, p, 0, a.length);
        return p;
    }

    /** A new allocation holding a (16-bit values: F16 or BF16 bits). */
    static long upload(DeviceApi dev, short[] a) {
        long p = dev.malloc(2L * a.length);
        dev.copyToDevice(a, 0, p, 0, a.length);
        return p;
    }

    /** The first n floats at p. */
    static float[] download(DeviceApi dev, long p, int n) {
        float[] a = new float[n];
        dev.copyToHost(p, 0, a, 0, n);
        return a;
    }

    /** The first n ints at p. */
    static int[] downloadInts(DeviceApi dev, long p, int n) {
        int[] a = new int[n];
        dev.copyToHost(p, 0, a, 0, n);
        return a;
    }
}
