package roberta.kernels.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link EmulatedDevice}'s device memory: each allocation its own native segment, reached
 * through a fake address. Addresses start far from 0 (a small int mistaken for a pointer
 * faults), are 256-aligned as cudaMalloc's, leave a guard gap after each allocation (an
 * access just past the end is named as such, not as the next allocation) and are never
 * reused, so a freed allocation stays recognisable: a stale pointer is "use after free",
 * never a silent read of whatever came next.
 */
final class EmulatedMemory implements AutoCloseable {
    static final long BASE = 0x7e00_0000_0000L;
    static final long ALIGN = 256;
    static final long GUARD = 64 * 1024;

    private record Allocation(int id, long base, long bytes, Arena arena, MemorySegment data) {
        long offsetOf(long ptr) {
            return ptr - base;
        }

        String describe() {
            return "allocation #" + id + " (" + bytes + " bytes at 0x" + Long.toHexString(base) + ")";
        }
    }

    private final TreeMap<Long, Allocation> live = new TreeMap<>();
    /** Freed allocations, without their memory: only to name a stale pointer. */
    private final TreeMap<Long, Allocation> freed = new TreeMap<>();
    private long next = BASE;
    private int ids;

    synchronized long malloc(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("malloc: bytes = " + bytes + " < 0");
        Arena arena = Arena.ofShared();
        MemorySegment data;
        try {
            data = arena.allocate(Math.max(bytes, 1), ALIGN).asSlice(0, bytes);
        } catch (OutOfMemoryError | IllegalArgumentException e) {
            arena.close();
            throw new DeviceFault("malloc: cannot allocate " + bytes + " bytes (cudaErrorMemoryAllocation): " + e.getMessage());
        }
        long base = next;
        next = (base + bytes + GUARD + ALIGN - 1) / ALIGN * ALIGN;
        live.put(base, new Allocation(++ids, base, bytes, arena, data));
        return base;
    }

    synchronized void free(long ptr) {
        if (ptr == 0) return;
        Allocation a = live.remove(ptr);
        if (a == null) {
            Allocation f = freed.get(ptr);
            if (f != null) throw new DeviceFault("free(0x" + Long.toHexString(ptr) + "): double free of " + f.describe());
            Allocation owner = owner(ptr);
            throw new DeviceFault("free(0x" + Long.toHexString(ptr) + "): not the start of an allocation"
                + (owner != null ? ", but " + owner.offsetOf(ptr) + " bytes into " + owner.describe() : ""));
        }
        a.arena.close();
        freed.put(ptr, new Allocation(a.id, a.base, a.bytes, null, null));
    }

    synchronized int liveCount() {
        return live.size();
    }

    /**
     * The {@code bytes} bytes at {@code ptr}, all inside one live allocation, as a segment
     * (whose {@code address()} is real native memory: what a host-compiled kernel is handed).
     */
    synchronized MemorySegment resolve(long ptr, long bytes, String what) {
        if (bytes < 0) throw new IllegalArgumentException(what + ": byte count " + bytes + " < 0");
        String at = what + " at 0x" + Long.toHexString(ptr) + " (" + bytes + " bytes)";
        if (ptr == 0) throw new DeviceFault(at + ": null pointer");
        Allocation a = owner(ptr);
        if (a == null) throw new DeviceFault(at + ": not in any allocation");
        long off = a.offsetOf(ptr);
        if (a.data == null) throw new DeviceFault(at + ": use after free of " + a.describe() + ", " + off + " bytes in");
        if (off > a.bytes || bytes > a.bytes - off)
            throw new DeviceFault(at + ": out of bounds of " + a.describe() + ": bytes [" + off + ", " + (off + bytes) + ")");
        return a.data.asSlice(off, bytes);
    }

    /** The live or freed allocation ptr falls in, guard gap included (the one with the highest base <= ptr). */
    private Allocation owner(long ptr) {
        Map.Entry<Long, Allocation> l = live.floorEntry(ptr), f = freed.floorEntry(ptr);
        Map.Entry<Long, Allocation> e = l == null ? f : f == null ? l : l.getKey() > f.getKey() ? l : f;
        if (e == null || ptr >= e.getKey() + e.getValue().bytes + GUARD) return null;
        return e.getValue();
    }

    /** Frees everything still live (closing the device); returns how many there were. */
    @Override
    public synchronized void close() {
        for (Allocation a : live.values()) a.arena.close();
        live.clear();
    }
}
