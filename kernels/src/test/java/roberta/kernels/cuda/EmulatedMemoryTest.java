package roberta.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The emulator's memory: what a GPU would do silently wrong must fail here, naming the fault. */
class EmulatedMemoryTest {
    private final EmulatedDevice dev = new EmulatedDevice();

    @AfterEach
    void close() {
        dev.close();
    }

    @Test
    void copiesRoundTripWithOffsetsOnBothSides() {
        long p = dev.malloc(64);
        assertEquals(0, p % 256, "cudaMalloc alignment");
        dev.memset(p, 0, 64);
        dev.copyToDevice(new float[] {9, 1.5f, -2, 3.25f}, 1, p, 8, 3); // floats 2..4 = 1.5, -2, 3.25
        float[] f = new float[6];
        dev.copyToHost(p, 4, f, 1, 5);                                     // floats 1..5 into f[1..5]
        assertArrayEquals(new float[] {0, 0, 1.5f, -2, 3.25f, 0}, f);

        dev.copyToDevice(new int[] {7, -8, Integer.MIN_VALUE}, 0, p, 40, 3);
        int[] i = new int[3];
        dev.copyToHost(p + 40, 0, i, 0, 3);                                // pointer arithmetic and offset agree
        assertArrayEquals(new int[] {7, -8, Integer.MIN_VALUE}, i);

        short[] s = {(short) 0x3c00, (short) 0xbf80, 5};
        dev.copyToDevice(s, 0, p, 2, 3);                                   // 16-bit values at an odd-element offset
        short[] back = new short[3];
        dev.copyToHost(p, 2, back, 0, 3);
        assertArrayEquals(s, back);
        float[] asFloat = new float[1];
        dev.copyToHost(p, 0, asFloat, 0, 1);                               // little-endian: bytes 2..3 are float 0's high half
        assertEquals(Float.intBitsToFloat(0x3c00_0000), asFloat[0]);
        dev.free(p);
        assertEquals(0, dev.liveAllocations());
    }

    @Test
    void deviceToDeviceAndMemset() {
        long a = dev.malloc(16), b = dev.malloc(16);
        dev.copyToDevice(new float[] {1, 2, 3, 4}, 0, a, 0, 4);
        dev.memset(b, 0, 16);
        dev.copyDeviceToDevice(a + 4, b + 8, 8);
        float[] f = new float[4];
        dev.copyToHost(b, 0, f, 0, 4);
        assertArrayEquals(new float[] {0, 0, 2, 3}, f);
        dev.memset(b, 0xff, 4);
        int[] i = new int[1];
        dev.copyToHost(b, 0, i, 0, 1);
        assertEquals(-1, i[0]);
        DeviceFault overlap = assertThrows(DeviceFault.class, () -> dev.copyDeviceToDevice(a, a + 4, 8));
        assertTrue(overlap.getMessage().contains("overlap"), overlap.getMessage());
        dev.free(a);
        dev.free(b);
    }

    @Test
    void outOfBoundsIsCaughtOnEveryPath() {
        long p = dev.malloc(40), q = dev.malloc(40);                      // 10 floats each
        assertFault("out of bounds", () -> dev.copyToDevice(new float[11], 0, p, 0, 11));
        assertFault("out of bounds", () -> dev.copyToDevice(new float[1], 0, p, 40, 1)); // just past the end
        assertFault("out of bounds", () -> dev.copyToHost(p, 36, new int[2], 0, 2));
        assertFault("out of bounds", () -> dev.copyToHost(p, 0, new short[21], 0, 21));
        assertFault("out of bounds", () -> dev.memset(p + 1, 0, 40));
        assertFault("out of bounds", () -> dev.copyDeviceToDevice(p, q + 8, 40));
        assertFault("not in any allocation", () -> dev.copyToHost(p - 4, 0, new float[1], 0, 1));
        assertFault("null pointer", () -> dev.memset(0, 0, 4));
        assertFault("not 4-byte aligned", () -> dev.loadF32(p + 2));
        // the host side is checked too
        assertThrows(IndexOutOfBoundsException.class, () -> dev.copyToDevice(new float[4], 2, p, 0, 3));
        dev.free(p);
        dev.free(q);
    }

    @Test
    void useAfterFreeAndDoubleFreeAreNamed() {
        long p = dev.malloc(32);
        long q = dev.malloc(32);
        dev.free(p);
        assertEquals(1, dev.liveAllocations());
        assertFault("use after free", () -> dev.copyToHost(p, 4, new float[1], 0, 1));
        assertFault("use after free", () -> dev.copyToDevice(new int[1], 0, p, 0, 1));
        assertFault("double free", () -> dev.free(p));
        assertFault("not the start of an allocation", () -> dev.free(q + 4));
        long r = dev.malloc(32);
        assertNotEquals(p, r, "a freed address is never handed out again");
        dev.free(q);
        dev.free(r);
        dev.free(0); // cudaFree(NULL) is fine
        assertEquals(0, dev.liveAllocations());
    }

    @Test
    void zeroByteAllocationsAreValidButEmpty() {
        long p = dev.malloc(0);
        assertNotEquals(0, p);
        dev.copyToDevice(new float[0], 0, p, 0, 0);
        assertFault("out of bounds", () -> dev.copyToDevice(new float[1], 0, p, 0, 1));
        dev.free(p);
        assertEquals(0, dev.liveAllocations());
    }

    @Test
    void closingFreesEverythingAndRefusesFurtherUse() {
        dev.malloc(8);
        dev.malloc(8);
        assertEquals(2, dev.liveAllocations());
        dev.close();
        assertEquals(0, dev.liveAllocations());
        assertThrows(IllegalStateException.class, () -> dev.malloc(8));
    }

    private static void assertFault(String part, org.junit.jupiter.api.function.Executable call) {
        DeviceFault e = assertThrows(DeviceFault.class, call);
        assertTrue(e.getMessage().contains(part), "expected \"" + part + "\" in: " + e.getMessage());
    }
}
