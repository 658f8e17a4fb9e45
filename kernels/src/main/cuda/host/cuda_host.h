// cuda_host.h: compiles this project's .cu kernels with g++ (-std=c++20 -x c++) for the CPU,
// so CI without a GPU runs the very CUDA source nvcc builds for the GPU. Included ahead of
// the .cu files by roberta.kernels.cuda.HostKernels; never seen by nvcc. Its parts: fibres.h
// (the fibres and their barriers) and warp.h (the warp primitives), in this directory.
//
// How a launch runs (hostcuda::launch):
//   - blocks run one after another, in blockIdx order (x fastest), on the calling thread;
//   - a kernel launched WITH barriers (HostKernels.Kernel.barriers, which a test checks
//     against bar.sync, bar.warp.sync and shfl.sync in nvcc's PTX): the threads of a block
//     are FIBRES (ucontext) on that same OS thread, run in linear order (x fastest): each runs
//     until it waits at a barrier or returns. __syncthreads() is the block barrier, released
//     when every fibre still running waits there; so a kernel that forgets one sees the stale
//     values it would risk on a GPU (here deterministically: lower threads go first). About
//     0.2 us per fibre switch (glibc swapcontext);
//   - warps: lane = linear thread index % 32, warp = index / 32; the last warp of a block whose
//     size is not a multiple of 32 has fewer lanes. warpSize, __shfl_sync, __shfl_up_sync,
//     __shfl_down_sync, __shfl_xor_sync (any width that is a power of two up to 32; int,
//     unsigned, float, their 8-byte kinds, double) and __syncwarp wait at a WARP barrier: only
//     the lanes the mask names take part, so a kernel may shuffle inside `if (warp == 0)`, and
//     lanes that have returned (or that a partial warp lacks) are not waited for, as CUDA's
//     "non-exited threads named in mask". Each lane leaves its value, and when the last
//     arrives each takes its source lane's: its own where the source is outside its width
//     segment, as CUDA defines; all bits set (NaN, -1) where the source lane does not take
//     part, which CUDA leaves undefined. What CUDA calls undefined behaviour fails the launch
//     with a message (-4): a mask without the calling lane, a lane named in a mask that waits
//     at __syncthreads or in another primitive or mask instead, a width that is not a power
//     of two;
//   - a kernel launched WITHOUT barriers: a plain loop over the block's threads, a few ns
//     each; a __syncthreads() reached there does nothing but makes the launch return -2, a warp
//     primitive returns the caller's own value and makes it return -3 (HostKernels throws), so
//     a wrong declaration cannot pass silently;
//   - __shared__ is `static thread_local`: one copy per OS thread, which is one copy per
//     block being run (blocks are sequential, all fibres of a block share the OS thread).
//     Two launches from two Java threads get separate copies;
//   - dynamic shared memory: the launch's sharedBytes, 16-byte aligned, set to all bits 1 before
//     each block (a block must not expect what the previous one left). A kernel declares it with
//     ROBERTA_DYNAMIC_SHARED(T, name) from dynamic_shared.cuh, CUDA's extern __shared__ for nvcc
//     and NVRTC, a pointer to this buffer here (`extern __shared__ T x[];` itself cannot compile
//     here: it names no size, and __shared__ is a static thread_local);
//   - a thread that returns while others wait at __syncthreads no longer counts (as exited
//     threads on a GPU); a thread calling __syncthreads while another is still inside a
//     DIFFERENT __syncthreads is undefined in CUDA and not detected here.
//
// Limits (a kernel using any of these fails to compile, or is wrong, on the host):
//   - of the warp-level primitives only those above: no __ballot_sync, __any_sync, __all_sync,
//     __activemask, __match_*_sync, __reduce_*_sync, no cooperative groups; a warp's lanes are
//     not in lock-step between primitives (code that relies on implicit warp-synchronous
//     execution, without __syncwarp, sees stale values here, as it may on Volta and later);
//     lanes whose masks meet but differ are caught only when both wait at once (a group that
//     completes before the other lanes arrive has gone on: lower lanes run first);
//   - dynamic shared memory only through ROBERTA_DYNAMIC_SHARED; reads and writes past
//     sharedBytes are not caught (nor past a __shared__ array);
//   - of the atomics only atomicAdd(float*, float) (below); no other atomics, no
//     __threadfence, no clock(), no printf from a kernel
//     beyond the host's printf, no textures/surfaces, no half types (cuda_fp16.h);
//   - math: the float functions the kernels use, from <cmath> (host libm results, which may
//     differ from CUDA's by an ulp or two; rsqrtf is 1.0f / sqrtf here, CUDA's is an
//     approximation within 2 ulp): compare with tolerances, not bit for bit, where a kernel
//     uses them; __device__ helpers are plain inline functions;
//   - no race detection: a block's threads run in a fixed order and blocks one after another,
//     so a race that happens to be harmless in that order passes here;
//   - __constant__ is a plain static const (no cudaMemcpyToSymbol);
//   - POSIX ucontext (glibc): Linux x86-64 / aarch64;
//   - all .cu files are one translation unit: file-scope names must not collide;
//   - each fibre gets a 128 KiB stack: no large local arrays;
//   - the caller checks the pointers (HostKernels resolves each against the emulator's
//     allocations for the extent the kernel declares); the kernel itself is unchecked
//     native code.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>
#include <ucontext.h>

#define __global__
#define __device__ inline
#define __host__
#define __forceinline__ __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __restrict__ __restrict
#define __shared__ static thread_local
#define __constant__ static const

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};
using uint3 = dim3;

// The shim's own parts, in this directory (HostKernels.SHIM lists them).
#include "fibres.h"  // the fibres, __syncthreads and the warp barrier

namespace hostcuda {
// The launch's dynamic shared memory (sharedBytes), for ROBERTA_DYNAMIC_SHARED (dynamic_shared.cuh).
inline thread_local char* t_dynamic_shared = nullptr;

template <typename T>
T* dynamic_shared() { return reinterpret_cast<T*>(t_dynamic_shared); }

template <typename P>
constexpr char kind() {
    if constexpr (std::is_pointer_v<P>) return 'p';
    else if constexpr (std::is_same_v<P, int> || std::is_same_v<P, unsigned>) return 'i';
    else if constexpr (std::is_same_v<P, float>) return 'f';
    else return '?';
}

// "pif...": the kernel's parameter kinds (pointer, 32-bit int, float), for the Java side to
// check against what it passes.
template <typename... P>
const char* signature(void (*)(P...)) {
    static const char s[] = {kind<P>()..., '\0'};
    return s;
}

template <typename... P, size_t... I>
void invoke(void (*k)(P...), void** args, std::index_sequence<I...>) {
    k(*static_cast<std::remove_cv_t<P>*>(args[I])...);
}

template <typename... P>
struct Call {
    void (*k)(P...);
    void** args;
    static void run(void* self) {
        Call* c = static_cast<Call*>(self);
        invoke(c->k, c->args, std::index_sequence_for<P...>{});
    }
};

// dims: grid x, y, z, block x, y, z. args: one pointer per parameter to its value, as
// cuLaunchKernel's kernelParams; fibres: 1 when the kernel uses __syncthreads or a warp
// primitive; shared_bytes: the launch's dynamic shared memory. Returns 0, -1 when a dimension
// is not positive, or a misuse's code (fibres.h: kSyncInLoop, kWarpInLoop, kWarpMisuse) with
// its description in msg (msg_len bytes, NUL-terminated; "" on success).
template <typename... P>
int launch(void (*k)(P...), const int* dims, void** args, int fibres, int shared_bytes, char* msg, int msg_len) {
    if (msg_len > 0) msg[0] = '\0';
    for (int i = 0; i < 6; i++)
        if (dims[i] < 1) return -1;
    if (shared_bytes < 0) return -1;
    Call<P...> call{k, args};
    Block b;
    b.body = &Call<P...>::run;
    b.arg = &call;
    dim3 grid{unsigned(dims[0]), unsigned(dims[1]), unsigned(dims[2])};
    dim3 block{unsigned(dims[3]), unsigned(dims[4]), unsigned(dims[5])};
    std::vector<uint3> threads;
    threads.reserve(size_t(block.x) * block.y * block.z);
    for (unsigned z = 0; z < block.z; z++)
        for (unsigned y = 0; y < block.y; y++)
            for (unsigned x = 0; x < block.x; x++) threads.push_back({x, y, z});
    b.threads = unsigned(threads.size());
    if (fibres) {
        b.fibres.resize(threads.size());
        b.arrived.resize((threads.size() + 31) / 32);
        b.exited.resize(b.arrived.size());
        for (size_t t = 0; t < threads.size(); t++) {
            b.fibres[t].idx = threads[t];
            b.fibres[t].linear = unsigned(t);
        }
    }
    // max_align_t: 16-byte aligned, as CUDA's dynamic shared memory is at least
    std::vector<std::max_align_t> dynamic((size_t(shared_bytes) + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t));
    Block* saved = t_block;
    char* saved_dynamic = t_dynamic_shared;
    t_block = &b;
    t_dynamic_shared = shared_bytes > 0 ? reinterpret_cast<char*>(dynamic.data()) : nullptr;
    t_gridDim = grid;
    t_blockDim = block;
    for (unsigned z = 0; z < grid.z && !(fibres && b.error); z++)
        for (unsigned y = 0; y < grid.y && !(fibres && b.error); y++)
            for (unsigned x = 0; x < grid.x && !(fibres && b.error); x++) {
                t_blockIdx = {x, y, z};
                // a fresh block finds garbage there, not the last block's values: all bits set (NaN)
                if (shared_bytes > 0) std::memset(t_dynamic_shared, 0xff, size_t(shared_bytes));
                if (fibres) {
                    run_block(b);  // false, with b.error set: a misuse stopped the block, and so the launch
                } else {
                    for (const uint3& t : threads) {
                        t_threadIdx = t;
                        b.body(b.arg);
                    }
                }
            }
    t_block = saved;
    t_dynamic_shared = saved_dynamic;
    if (b.error && msg_len > 0) std::snprintf(msg, size_t(msg_len), "%s", b.message);
    return b.error;
}
}  // namespace hostcuda

#define blockIdx (::hostcuda::t_blockIdx)
#define threadIdx (::hostcuda::t_threadIdx)
#define blockDim (::hostcuda::t_blockDim)
#define gridDim (::hostcuda::t_gridDim)
#define __syncthreads() ::hostcuda::syncthreads()

#include "warp.h"  // warpSize, __shfl_*_sync, __syncwarp

// Tells dynamic_shared.cuh (seen by every compiler) that this is the host build.
#define HOSTCUDA 1

inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline float __expf(float x) { return std::exp(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline float __frsqrt_rn(float x) { return 1.0f / std::sqrt(x); }
// erff, expf, sqrtf, tanhf, logf, fabsf, fmaxf, fminf, fmaf: the C library's, via <cmath>

// atomicAdd for float, as CUDA's: adds v to *addr atomically and returns the old value.
// Within one launch a plain read-modify-write would already be atomic here (a block's threads
// are run one at a time on one OS thread, fibres switch only at __syncthreads, and blocks run
// one after another), but two launches from two Java threads run at once on two OS threads
// and may add into the same memory (as two streams may on a GPU), so this is a real atomic:
// a compare-and-swap loop on the float's 32 bits (GCC's __atomic builtins take no float add).
inline float atomicAdd(float* addr, float v) {
    uint32_t* word = reinterpret_cast<uint32_t*>(addr);
    uint32_t old = __atomic_load_n(word, __ATOMIC_RELAXED), next;
    float seen;
    do {
        std::memcpy(&seen, &old, sizeof seen);
        float sum = seen + v;
        std::memcpy(&next, &sum, sizeof next);
    } while (!__atomic_compare_exchange_n(word, &old, next, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    return seen;
}

// One C entry per kernel, generated by HostKernels:
//   int  host_launch_NAME(const int* dims, void** args, int fibres, int shared_bytes, char* msg, int msg_len)
//   const char* host_signature_NAME(void)
#define HOSTCUDA_ENTRY(name)                                                                                     \
    extern "C" int host_launch_##name(const int* dims, void** args, int fibres, int shared_bytes, char* msg,    \
                                      int msg_len) {                                                             \
        return ::hostcuda::launch(name, dims, args, fibres, shared_bytes, msg, msg_len);                         \
    }                                                                                                            \
    extern "C" const char* host_signature_##name(void) { return ::hostcuda::signature(name); }
