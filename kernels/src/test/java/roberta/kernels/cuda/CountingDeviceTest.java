package roberta.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The counters by hand: each copy direction in calls and bytes by element size; live bytes follow malloc and free; on-device work is free. */
class CountingDeviceTest {
    @Test
    void countsCopiesByDirectionAndLiveBytes() {
        try (CountingDevice d = new CountingDevice(new EmulatedDevice())) {
            long a = d.malloc(40), b = d.malloc(24);
            assertEquals(64, d.liveBytes());
            d.copyToDevice(new float[] {1, 2, 3}, 0, a, 0, 3);        // 12 bytes
            d.copyToDevice(new int[] {7, 8}, 0, b, 0, 2);             // 8 bytes
            d.copyToDevice(new short[] {1, 2, 3, 4, 5}, 0, b, 8, 5);  // 10 bytes
            CountingDevice.Traffic mid = d.traffic();
            assertEquals(new CountingDevice.Traffic(3, 30, 0, 0), mid);
            d.copyDeviceToDevice(a, b, 12);                           // on the device: not counted
            d.memset(a, 0, 40);
            d.launch("fill_f32", Dim3.of(1), Dim3.of(32), 0, new Ptr(a), 10, 2f);
            float[] back = new float[10];
            d.copyToHost(a, 0, back, 0, 10);                          // 40 bytes
            int[] ints = new int[1];
            d.copyToHost(b, 0, ints, 0, 1);                           // 4 bytes
            assertEquals(new CountingDevice.Traffic(0, 0, 2, 44), d.traffic().minus(mid));
            assertArrayEquals(new float[] {2, 2, 2, 2, 2, 2, 2, 2, 2, 2}, back);
            assertEquals(Float.floatToIntBits(1f), ints[0], "b starts with a's first float, copied on the device");
            d.free(a);
            assertEquals(24, d.liveBytes());
            assertEquals(1, d.liveAllocations());
            d.free(b);
            assertEquals(0, d.liveBytes());
        }
    }

    @Test
    void passesTheMathModeThrough() {
        try (CountingDevice on = new CountingDevice(new EmulatedDevice(true)); CountingDevice off = new CountingDevice(new EmulatedDevice())) {
            assertEquals(true, on.tf32());
            assertEquals(false, off.tf32());
        }
    }
}
