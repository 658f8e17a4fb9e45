package roberta.kernels.cuda;

import java.util.HashMap;
import java.util.Map;

/**
 * A {@link DeviceApi} that forwards every call to another and counts what crosses the bus:
 * host-to-device and device-to-host copies (calls and bytes) and the device memory live (bytes,
 * by the sizes malloc was asked for). For tests that pin down what a training step moves
 * (token ids and labels in, a few scalars out) and what it keeps on the device; it works the
 * same over the emulator and a real GPU. Device-to-device copies, memsets, launches and GEMMs
 * stay on the device and are not counted.
 */
public final class CountingDevice implements DeviceApi {
    /** A snapshot of the counters; {@link #minus} gives what happened between two. */
    public record Traffic(long toDeviceCalls, long toDeviceBytes, long toHostCalls, long toHostBytes) {
        public Traffic minus(Traffic earlier) {
            return new Traffic(toDeviceCalls - earlier.toDeviceCalls, toDeviceBytes - earlier.toDeviceBytes,
                toHostCalls - earlier.toHostCalls, toHostBytes - earlier.toHostBytes);
        }
    }

    private final DeviceApi device;
    private long toDeviceCalls, toDeviceBytes, toHostCalls, toHostBytes;
    /** Each live allocation's requested size, to know the bytes a free gives back. */
    private final Map<Long, Long> sizes = new HashMap<>();
    private long liveBytes;

    public CountingDevice(DeviceApi device) {
        this.device = device;
    }

    /** The counters now. */
    public synchronized Traffic traffic() {
        return new Traffic(toDeviceCalls, toDeviceBytes, toHostCalls, toHostBytes);
    }

    /** Bytes malloc'd through this object and not yet freed. */
    public synchronized long liveBytes() {
        return liveBytes;
    }

    private synchronized void toDevice(long bytes) {
        toDeviceCalls++;
        toDeviceBytes += bytes;
    }

    private synchronized void toHost(long bytes) {
        toHostCalls++;
        toHostBytes += bytes;
    }

    @Override
    public long malloc(long bytes) {
        long p = device.malloc(bytes);
        synchronized (this) {
            sizes.put(p, bytes);
            liveBytes += bytes;
        }
        return p;
    }

    @Override
    public void free(long ptr) {
        device.free(ptr);
        synchronized (this) {
            Long bytes = sizes.remove(ptr);
            if (bytes != null) liveBytes -= bytes;
        }
    }

    @Override
    public int liveAllocations() {
        return device.liveAllocations();
    }

    @Override
    public void copyToDevice(float[] src, int srcOff, long dst, long dstByteOff, int count) {
        device.copyToDevice(src, srcOff, dst, dstByteOff, count);
        toDevice(4L * count);
    }

    @Override
    public void copyToDevice(int[] src, int srcOff, long dst, long dstByteOff, int count) {
        device.copyToDevice(src, srcOff, dst, dstByteOff, count);
        toDevice(4L * count);
    }

    @Override
    public void copyToDevice(short[] src, int srcOff, long dst, long dstByteOff, int count) {
        device.copyToDevice(src, srcOff, dst, dstByteOff, count);
        toDevice(2L * count);
    }

    @Override
    public void copyToHost(long src, long srcByteOff, float[] dst, int dstOff, int count) {
        device.copyToHost(src, srcByteOff, dst, dstOff, count);
        toHost(4L * count);
    }

    @Override
    public void copyToHost(long src, long srcByteOff, int[] dst, int dstOff, int count) {
        device.copyToHost(src, srcByteOff, dst, dstOff, count);
        toHost(4L * count);
    }

    @Override
    public void copyToHost(long src, long srcByteOff, short[] dst, int dstOff, int count) {
        device.copyToHost(src, srcByteOff, dst, dstOff, count);
        toHost(2L * count);
    }

    @Override
    public void copyDeviceToDevice(long src, long dst, long bytes) {
        device.copyDeviceToDevice(src, dst, bytes);
    }

    @Override
    public void memset(long dst, int byteValue, long bytes) {
        device.memset(dst, byteValue, bytes);
    }

    @Override
    public void synchronize() {
        device.synchronize();
    }

    @Override
    public void launch(String kernel, Dim3 grid, Dim3 block, int sharedBytes, Object... args) {
        device.launch(kernel, grid, block, sharedBytes, args);
    }

    @Override
    public void sgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                    long a, int lda, long strideA, long b, int ldb, long strideB,
                                    float beta, long c, int ldc, long strideC, int batchCount) {
        device.sgemmStridedBatched(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batchCount);
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      long a, int lda, long b, int ldb, float beta, long c, int ldc) {
        device.sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    @Override
    public void gemmEx(boolean transA, boolean transB, int m, int n, int k, float alpha,
                       long a, DataType aType, int lda, long b, DataType bType, int ldb,
                       float beta, long c, DataType cType, int ldc) {
        device.gemmEx(transA, transB, m, n, k, alpha, a, aType, lda, b, bType, ldb, beta, c, cType, ldc);
    }

    @Override
    public boolean tf32() {
        return device.tf32();
    }

    @Override
    public void close() {
        device.close();
    }
}
