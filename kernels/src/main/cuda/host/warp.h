// warp.h: part of the host shim (cuda_host.h). CUDA's warp shuffles and __syncwarp with the
// semantics CUDA documents, on the fibres' warp barrier (fibres.h): every lane of the mask
// leaves its value, waits until all have arrived, and takes its source lane's value.
//
// A warp is 32 consecutive threads in linear order (x fastest); the last warp of a block whose
// size is not a multiple of 32 has fewer lanes. As CUDA's programming guide requires, the mask
// must name the calling lane, and every lane it names that has not returned must reach the
// same primitive with the same mask (lanes a partial warp lacks count as returned, so
// 0xffffffff works there as on a GPU); anything else is undefined in CUDA and fails the launch.
#pragma once

inline constexpr int warpSize = 32;

namespace hostcuda {
enum class Shfl { Idx, Up, Down, Xor };

// The lane a shuffle reads (PTX shfl.sync's lane arithmetic), or -1 for the caller's own value.
// Lanes form segments of `width` (a power of two <= 32): idx reads srcLane modulo width in the
// caller's segment; up and down read only inside the segment, else the caller's own value;
// xor may reach an earlier segment but not a later one (past the segment's end: own value).
inline int shfl_source(Shfl kind, unsigned lane, unsigned b, unsigned width) {
    unsigned first = lane & ~(width - 1), last = first + width - 1;
    b &= 31;  // PTX uses the operand's low 5 bits
    switch (kind) {
        case Shfl::Idx: return int(first | (b & (width - 1)));
        case Shfl::Up: return lane >= first + b ? int(lane - b) : -1;
        case Shfl::Down: return lane + b <= last ? int(lane + b) : -1;
        case Shfl::Xor: return (lane ^ b) <= last ? int(lane ^ b) : -1;
    }
    return -1;
}

// What CUDA overloads the shuffles for: 4- and 8-byte ints and floats.
template <typename T>
using shfl_t = std::enable_if_t<std::is_arithmetic_v<T> && (sizeof(T) == 4 || sizeof(T) == 8), T>;

template <typename T>
T shuffle(const char* name, Shfl kind, unsigned mask, T var, unsigned b, int width) {
    Block* blk = t_block;
    Fibre* f = blk->current;
    if (width < 1 || width > 32 || (width & (width - 1))) {
        blk->fail(kWarpMisuse, "thread %u: %s with width %d, which is not a power of two from 1 to 32",
                  f ? f->linear : 0u, name, width);
        if (f) blk->abandon(f);
        return var;
    }
    uint64_t in = 0;
    std::memcpy(&in, &var, sizeof var);
    int src = f ? shfl_source(kind, f->linear % 32, b, unsigned(width)) : -1;
    uint64_t out = warp_exchange(name, mask, in, src);
    T r;
    std::memcpy(&r, &out, sizeof r);
    return r;
}
}  // namespace hostcuda

template <typename T>
inline hostcuda::shfl_t<T> __shfl_sync(unsigned mask, T var, int srcLane, int width = warpSize) {
    return hostcuda::shuffle("__shfl_sync", hostcuda::Shfl::Idx, mask, var, unsigned(srcLane), width);
}

template <typename T>
inline hostcuda::shfl_t<T> __shfl_up_sync(unsigned mask, T var, unsigned delta, int width = warpSize) {
    return hostcuda::shuffle("__shfl_up_sync", hostcuda::Shfl::Up, mask, var, delta, width);
}

template <typename T>
inline hostcuda::shfl_t<T> __shfl_down_sync(unsigned mask, T var, unsigned delta, int width = warpSize) {
    return hostcuda::shuffle("__shfl_down_sync", hostcuda::Shfl::Down, mask, var, delta, width);
}

template <typename T>
inline hostcuda::shfl_t<T> __shfl_xor_sync(unsigned mask, T var, int laneMask, int width = warpSize) {
    return hostcuda::shuffle("__shfl_xor_sync", hostcuda::Shfl::Xor, mask, var, unsigned(laneMask), width);
}

// The lanes of mask wait for each other (a warp barrier without an exchange).
inline void __syncwarp(unsigned mask = 0xffffffffu) { hostcuda::warp_exchange("__syncwarp", mask, 0, -1); }
