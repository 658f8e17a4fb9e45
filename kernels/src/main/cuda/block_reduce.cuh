// Block-wide reductions shared by the row kernels (attention.cu, backend.cu, layernorm.cu).
// HostKernels.source inlines this file where a .cu includes it, so nvcc, NVRTC and the host
// build all compile the same text; the guard keeps one copy in the host's single unit.
//
// Two levels: each warp reduces its lanes with shuffles (no shared memory, no block barrier),
// its lane 0 leaves the result in sh[warp], one __syncthreads, the first warp reduces those,
// and its lane 0 leaves the total in sh[32] for everyone after a second __syncthreads: two
// block barriers whatever the block size (a shared-memory tree takes 2 + log2 of it).
#ifndef ROBERTA_BLOCK_REDUCE_CUH
#define ROBERTA_BLOCK_REDUCE_CUH

// What a caller's sh must hold: one value per warp of the largest block (1024 / 32), then the total.
#define BLOCK_REDUCE_SLOTS 33

// The lanes of warp `warp` in a block of n threads: 32, but fewer in a partial last warp.
__device__ unsigned block_reduce_lanes(unsigned warp, unsigned n) {
    unsigned left = n - warp * 32u;
    return left < 32u ? left : 32u;
}

// op over v of lanes [0, lanes) of the calling warp, returned to lane 0 (others get partial
// results). Exactly those lanes must call it: they are the shuffles' mask, which so names
// just the lanes that take part (in warp 0's second level, fewer than the warp has). The tree
// starts at the largest power of two below lanes; a source lane past the last is read (into a
// discarded, undefined value) but not combined.
template <typename T, typename Op>
__device__ T warp_reduce(T v, unsigned lanes, Op op) {
    unsigned lane = threadIdx.x % 32u, mask = lanes == 32u ? 0xffffffffu : (1u << lanes) - 1u;
    unsigned off = 1;
    while (off < lanes) off <<= 1;
    for (off >>= 1; off > 0; off >>= 1) {
        T other = __shfl_down_sync(mask, v, off);
        if (lane + off < lanes) v = op(v, other);
    }
    return v;
}

// op over v of the block's threads (a 1-D block of any size up to 1024), returned to every
// thread. Every thread of the block must call it (it contains __syncthreads). sh holds
// BLOCK_REDUCE_SLOTS values; the next block_reduce may reuse it at once (the total has its
// own slot, read before any thread can reach the next call's first barrier), other writes
// to sh need a __syncthreads first.
template <typename T, typename Op>
__device__ T block_reduce(T v, T* sh, Op op) {
    unsigned t = threadIdx.x, n = blockDim.x, warp = t / 32u, warps = (n + 31u) / 32u;
    v = warp_reduce(v, block_reduce_lanes(warp, n), op);
    if (t % 32u == 0) sh[warp] = v;
    __syncthreads();
    if (t < warps) {  // the first `warps` lanes of warp 0
        v = warp_reduce(sh[t], warps, op);
        if (t == 0) sh[32] = v;
    }
    __syncthreads();
    return sh[32];
}

struct BlockSumOp {
    template <typename T>
    __device__ T operator()(T a, T b) const { return a + b; }
};

struct BlockMaxOp {
    __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};

template <typename T>
__device__ T block_sum(T v, T* sh) { return block_reduce(v, sh, BlockSumOp()); }

__device__ float block_max(float v, float* sh) { return block_reduce(v, sh, BlockMaxOp()); }

#endif
