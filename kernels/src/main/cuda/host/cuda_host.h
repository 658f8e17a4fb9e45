// cuda_host.h: compiles this project's .cu kernels with g++ (-std=c++20 -x c++) for the CPU,
// so CI without a GPU runs the very CUDA source nvcc builds for the GPU. Included ahead of
// the .cu files by roberta.kernels.cuda.HostKernels; never seen by nvcc.
//
// How a launch runs (hostcuda::launch):
//   - blocks run one after another, in blockIdx order (x fastest), on the calling thread;
//   - a kernel launched WITH barriers (HostKernels.Kernel.barriers, which a test checks
//     against bar.sync in nvcc's PTX): the threads of a block are FIBRES (ucontext) on that
//     same OS thread, run in threadIdx order: each runs until it reaches __syncthreads() or
//     returns; when every fibre still running is waiting at the barrier, all are released.
//     So __syncthreads is a real barrier between all threads of the block, and a kernel that
//     forgets one sees the stale values it would risk on a GPU (here deterministically:
//     lower threads go first). About 0.2 us per fibre switch (glibc swapcontext);
//   - a kernel launched WITHOUT barriers: a plain loop over the block's threads, a few ns
//     each; a __syncthreads() reached there does nothing but makes the launch return -2
//     (HostKernels throws), so a wrong declaration cannot pass silently;
//   - __shared__ is `static thread_local`: one copy per OS thread, which is one copy per
//     block being run (blocks are sequential, all fibres of a block share the OS thread).
//     Two launches from two Java threads get separate copies;
//   - a thread that returns while others wait at a barrier no longer counts (as exited
//     threads on a GPU); a thread calling __syncthreads while another is still inside a
//     DIFFERENT __syncthreads is undefined in CUDA and not detected here.
//
// Limits (a kernel using any of these fails to compile, or is wrong, on the host):
//   - no dynamic shared memory (extern __shared__ T x[]; launch sharedBytes is ignored);
//   - no warp-level primitives (__shfl_*_sync, __ballot_sync, __activemask, warp
//     reductions), no cooperative groups, no __syncwarp;
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

namespace hostcuda {
inline thread_local uint3 t_blockIdx, t_threadIdx;
inline thread_local dim3 t_blockDim, t_gridDim;

struct Fibre {
    ucontext_t ctx;
    std::unique_ptr<char[]> stack;
    uint3 idx;
    bool done = false;
};

constexpr size_t kStack = 128 * 1024;

struct Block {
    ucontext_t sched;
    std::vector<Fibre> fibres;
    Fibre* current = nullptr;  // null: a launch without fibres
    bool misused = false;      // __syncthreads() reached in a launch without fibres
    void (*body)(void*) = nullptr;
    void* arg = nullptr;
};
inline thread_local Block* t_block = nullptr;

inline void fibre_entry() {
    Block* b = t_block;
    Fibre* f = b->current;
    b->body(b->arg);
    f->done = true;
    swapcontext(&f->ctx, &b->sched);  // never resumed
}

// Runs body(arg) as every thread of one block, with the barrier semantics above.
inline void run_block(Block& b) {
    size_t n = b.fibres.size();
    for (size_t i = 0; i < n; i++) {
        Fibre& f = b.fibres[i];
        f.done = false;
        if (!f.stack) {  // once per fibre per launch: makecontext may then reuse the context
            f.stack.reset(new char[kStack]);
            getcontext(&f.ctx);
        }
        f.ctx.uc_stack.ss_sp = f.stack.get();
        f.ctx.uc_stack.ss_size = kStack;
        f.ctx.uc_link = nullptr;
        makecontext(&f.ctx, fibre_entry, 0);
    }
    size_t running = n;
    while (running > 0) {  // one round: every live fibre runs to its next barrier or its end
        running = 0;
        for (size_t i = 0; i < n; i++) {
            Fibre& f = b.fibres[i];
            if (f.done) continue;
            b.current = &f;
            t_threadIdx = f.idx;
            swapcontext(&b.sched, &f.ctx);
            if (!f.done) running++;
        }
    }
    b.current = nullptr;
}

inline void syncthreads() {
    Block* b = t_block;
    Fibre* f = b->current;
    if (f == nullptr) {
        b->misused = true;
        return;
    }
    swapcontext(&f->ctx, &b->sched);  // back to the scheduler; resumed when all have arrived
}

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
// cuLaunchKernel's kernelParams; fibres: 1 when the kernel uses __syncthreads. Returns 0,
// -1 when a dimension is not positive, -2 when a launch without fibres reached __syncthreads.
template <typename... P>
int launch(void (*k)(P...), const int* dims, void** args, int fibres) {
    for (int i = 0; i < 6; i++)
        if (dims[i] < 1) return -1;
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
    if (fibres) {
        b.fibres.resize(threads.size());
        for (size_t t = 0; t < threads.size(); t++) b.fibres[t].idx = threads[t];
    }
    Block* saved = t_block;
    t_block = &b;
    t_gridDim = grid;
    t_blockDim = block;
    for (unsigned z = 0; z < grid.z; z++)
        for (unsigned y = 0; y < grid.y; y++)
            for (unsigned x = 0; x < grid.x; x++) {
                t_blockIdx = {x, y, z};
                if (fibres) {
                    run_block(b);
                } else {
                    for (const uint3& t : threads) {
                        t_threadIdx = t;
                        b.body(b.arg);
                    }
                }
            }
    t_block = saved;
    return b.misused ? -2 : 0;
}
}  // namespace hostcuda

#define blockIdx (::hostcuda::t_blockIdx)
#define threadIdx (::hostcuda::t_threadIdx)
#define blockDim (::hostcuda::t_blockDim)
#define gridDim (::hostcuda::t_gridDim)
#define __syncthreads() ::hostcuda::syncthreads()

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
//   int  host_launch_NAME(const int* dims, void** args, int fibres)
//   const char* host_signature_NAME(void)
#define HOSTCUDA_ENTRY(name)                                                                \
    extern "C" int host_launch_##name(const int* dims, void** args, int fibres) {          \
        return ::hostcuda::launch(name, dims, args, fibres);                                \
    }                                                                                       \
    extern "C" const char* host_signature_##name(void) { return ::hostcuda::signature(name); }
