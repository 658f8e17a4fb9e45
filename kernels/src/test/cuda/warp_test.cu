// Test-only kernels for the host shim's warp primitives, block_reduce.cuh and dynamic shared
// memory (WarpPrimitivesTest runs them on the host, CudaSourcesPtxTest builds them with nvcc:
// the same text must be valid CUDA). Each writes what every thread saw, so the test can check
// it against the primitive's definition.
//
// Threads are numbered linearly (x fastest) within a block and blocks follow each other:
// element blockIdx.x * threads + linear of in/out belongs to that thread.

#include "block_reduce.cuh"
#include "dynamic_shared.cuh"

__device__ unsigned wt_threads() { return blockDim.x * blockDim.y * blockDim.z; }

__device__ unsigned wt_linear() { return threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z); }

// How many lanes the calling thread's warp has: 32, or fewer in a partial last warp.
__device__ unsigned wt_warp_lanes() {
    unsigned left = wt_threads() - wt_linear() / 32u * 32u;
    return left >= 32u ? 32u : left;
}

// The mask naming exactly those lanes.
__device__ unsigned wt_warp_mask() {
    unsigned lanes = wt_warp_lanes();
    return lanes == 32u ? 0xffffffffu : (1u << lanes) - 1u;
}

// kind 0: __shfl_sync(srcLane = b), 1: __shfl_up_sync(delta = b), 2: __shfl_down_sync(delta = b),
// 3: __shfl_xor_sync(laneMask = b); width as given; the mask names the warp's lanes.
template <typename T>
__device__ T wt_shuffle(T v, int kind, int b, int width) {
    unsigned mask = wt_warp_mask();
    switch (kind) {
        case 0: return __shfl_sync(mask, v, b, width);
        case 1: return __shfl_up_sync(mask, v, (unsigned)b, width);
        case 2: return __shfl_down_sync(mask, v, (unsigned)b, width);
        default: return __shfl_xor_sync(mask, v, b, width);
    }
}

extern "C" __global__ void wt_shfl_f32(float* out, const float* in, int n, int kind, int b, int width) {
    unsigned i = blockIdx.x * wt_threads() + wt_linear();
    float r = wt_shuffle(i < (unsigned)n ? in[i] : 0.0f, kind, b, width);  // every lane shuffles
    if (i < (unsigned)n) out[i] = r;
}

// as_unsigned != 0: the same bits shuffled as unsigned (the other overload)
extern "C" __global__ void wt_shfl_i32(int* out, const int* in, int n, int kind, int b, int width, int as_unsigned) {
    unsigned i = blockIdx.x * wt_threads() + wt_linear();
    int x = i < (unsigned)n ? in[i] : 0;
    int r = as_unsigned ? (int)wt_shuffle((unsigned)x, kind, b, width) : wt_shuffle(x, kind, b, width);
    if (i < (unsigned)n) out[i] = r;
}

// 8-byte values (block_reduce's double sums): words = 2 * n, for the emulator's pointer checks
extern "C" __global__ void wt_shfl_f64(double* out, const double* in, int n, int words, int kind, int b, int width) {
    unsigned i = blockIdx.x * wt_threads() + wt_linear();
    double r = wt_shuffle(i < (unsigned)n ? in[i] : 0.0, kind, b, width);
    if (i < (unsigned)n) out[i] = r;
}

// Only warp 0 shuffles (a butterfly sum over its lanes) while the other warps already wait at
// __syncthreads; then every thread reads warp 0's sum: out[i] = sum of in over warp 0.
// Blocks of at least 32 threads (warp 0 whole: its mask is 0xffffffff).
extern "C" __global__ void wt_warp0_sum_f32(float* out, const float* in, int n) {
    __shared__ float total;
    unsigned t = wt_linear(), i = blockIdx.x * wt_threads() + t;
    float v = i < (unsigned)n ? in[i] : 0.0f;
    if (t / 32u == 0) {
        for (int m = 16; m > 0; m >>= 1) v += __shfl_xor_sync(0xffffffffu, v, m);
        if (t == 0) total = v;
    }
    __syncthreads();
    if (i < (unsigned)n) out[i] = total;
}

// __syncwarp orders shared memory within a warp: each lane writes its value, then reads the
// next lane's (cyclically among the warp's lanes). Without the __syncwarp the host would run
// lane 0 to its end before lane 1 has written.
extern "C" __global__ void wt_syncwarp_f32(float* out, const float* in, int n) {
    __shared__ float sh[1024];
    unsigned t = wt_linear(), i = blockIdx.x * wt_threads() + t, lanes = wt_warp_lanes(), first = t / 32u * 32u;
    sh[t] = i < (unsigned)n ? in[i] : 0.0f;
    __syncwarp(wt_warp_mask());
    float next = sh[first + (t - first + 1u) % lanes];
    if (i < (unsigned)n) out[i] = next;
}

// block_reduce.cuh over a 1-D block: out[i] = the block's sum (op 0), max (op 1).
extern "C" __global__ void wt_block_reduce_f32(float* out, const float* in, int n, int op) {
    __shared__ float sh[BLOCK_REDUCE_SLOTS];
    unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
    float v = i < (unsigned)n ? in[i] : 0.0f;
    // twice in a row on the same sh: the second call may reuse it at once
    float sum = block_sum(v, sh), max = block_max(v, sh);
    if (i < (unsigned)n) out[i] = op == 0 ? sum : max;
}

extern "C" __global__ void wt_block_sum_f64(double* out, const double* in, int n, int words) {
    __shared__ double sh[BLOCK_REDUCE_SLOTS];
    unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
    double s = block_sum(i < (unsigned)n ? in[i] : 0.0, sh);
    if (i < (unsigned)n) out[i] = s;
}

// Dynamic shared memory (the launch's sharedBytes = 4 * threads): out[i] is what the thread
// found in its word before writing (first[i], to see a fresh block's contents), then the
// block reversed through it, read back through a second view of the same memory.
extern "C" __global__ void wt_dynamic_shared(float* out, int* first, const float* in, int n) {
    ROBERTA_DYNAMIC_SHARED(float, buf);
    ROBERTA_DYNAMIC_SHARED(int, words);
    unsigned t = threadIdx.x, i = blockIdx.x * blockDim.x + t;
    int seen = words[t];
    __syncthreads();
    buf[t] = i < (unsigned)n ? in[i] : 0.0f;
    __syncthreads();
    float r = buf[blockDim.x - 1u - t];
    if (i < (unsigned)n) {
        out[i] = r;
        first[i] = seen;
    }
}

// Masks that CUDA allows and uses it leaves undefined, which the host must refuse:
//   0: lanes 0-15 shuffle among themselves while lanes 16-31 meet at __syncwarp (legal);
//   2: 0xffffffff in a partial warp, shuffled down by 4 (legal: a lane the warp lacks counts
//      as exited; the lanes whose source it is read an undefined value, all bits set here);
//   4: lanes 16-31 return, then lanes 0-15 shuffle down by 8 with 0xffffffff (legal, as 2:
//      lanes 8-15 read exited lanes);
//   1: a mask that does not name the calling lane;
//   3: half the warp shuffles, the other half waits at __syncthreads;
//   5: half the warp is in __shfl_xor_sync, the other half in __syncwarp, both full masks;
//   6: a width that is not a power of two;
//   7: lanes 0-15 shuffle with mask 0xffffffff, lanes 16-31 with 0xffff0000 (masks that meet but
//      differ; seen because lanes 0-15 still wait when 16-31 arrive: see cuda_host.h's limits).
extern "C" __global__ void wt_misuse(float* out, const float* in, int n, int how) {
    unsigned t = wt_linear(), i = blockIdx.x * wt_threads() + t, lane = t % 32u;
    float v = i < (unsigned)n ? in[i] : 0.0f;
    if (how == 0) {
        if (lane < 16u) v = __shfl_xor_sync(0x0000ffffu, v, 1);
        else __syncwarp(0xffff0000u);
    } else if (how == 1) {
        v = __shfl_sync(~(1u << lane), v, 0);
    } else if (how == 2) {
        v = __shfl_down_sync(0xffffffffu, v, 4);
    } else if (how == 3) {
        if (lane < 16u) v = __shfl_xor_sync(0xffffffffu, v, 1);
        __syncthreads();
    } else if (how == 4) {
        if (lane >= 16u) return;
        v = __shfl_down_sync(0xffffffffu, v, 8);
    } else if (how == 5) {
        if (lane < 16u) v = __shfl_xor_sync(0xffffffffu, v, 1);
        else __syncwarp();
    } else if (how == 6) {
        v = __shfl_down_sync(0xffffffffu, v, 1, 3);
    } else {
        v = __shfl_xor_sync(lane < 16u ? 0xffffffffu : 0xffff0000u, v, 1);
    }
    if (i < (unsigned)n) out[i] = v;
}
