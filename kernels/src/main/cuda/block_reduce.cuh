// Block-wide reductions shared by the row kernels (attention.cu, backend.cu, layernorm.cu).
// HostKernels.source inlines this file where a .cu includes it, so nvcc, NVRTC and the host
// build all compile the same text; the guard keeps one copy in the host's single unit.
#ifndef ROBERTA_BLOCK_REDUCE_CUH
#define ROBERTA_BLOCK_REDUCE_CUH

// op over v of the block's threads, returned to every thread. sh holds blockDim.x values.
// Every thread of the block must call it (it contains __syncthreads); any block size works.
template <typename T, typename Op>
__device__ T block_reduce(T v, T* sh, Op op) {
    unsigned t = threadIdx.x, n = blockDim.x;
    sh[t] = v;
    __syncthreads();
    unsigned half = 1;
    while (half < n) half <<= 1;  // the power of two >= n; the tree folds [half, 2 half) onto [0, half)
    for (half >>= 1; half > 0; half >>= 1) {
        if (t < half && t + half < n) sh[t] = op(sh[t], sh[t + half]);
        __syncthreads();
    }
    T total = sh[0];
    __syncthreads();  // everyone has read sh[0] before sh is reused
    return total;
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
