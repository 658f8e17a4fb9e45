// LayerNorm over the last dimension, forward; mirrors roberta.kernels.LayerNormKernel.forward
// (CpuBackend.layerNorm): out = (x - mean) * rstd * gamma + beta per row, and saves mean[rows]
// and rstd[rows] (either may be null). Two passes as the CPU kernel (mean, then squared
// deviations: no cancellation), each a block-wide sum in shared memory.
//
// Launch: grid.x = rows (one block per row; blocks past rows do nothing), a 1-D block of any
// size up to 1024 threads (a power of two is fastest), no dynamic shared memory.

#define LN_MAX_THREADS 1024

// The sum of v over the block's threads, returned to every thread. sh holds blockDim.x floats.
// Every thread of the block must call it (it contains __syncthreads).
__device__ float ln_block_sum(float v, float* sh) {
    unsigned t = threadIdx.x, n = blockDim.x;
    sh[t] = v;
    __syncthreads();
    unsigned half = 1;
    while (half < n) half <<= 1;  // the power of two >= n; the tree folds [half, 2 half) onto [0, half)
    for (half >>= 1; half > 0; half >>= 1) {
        if (t < half && t + half < n) sh[t] += sh[t + half];
        __syncthreads();
    }
    float total = sh[0];
    __syncthreads();  // everyone has read sh[0] before sh is reused
    return total;
}

extern "C" __global__ void layernorm_f32(float* out, float* mean, float* rstd, const float* x,
                                         const float* gamma, const float* beta, int rows, int cols, float eps) {
    __shared__ float sh[LN_MAX_THREADS];
    int row = blockIdx.x;
    if (row >= rows) return;  // the whole block leaves together: no thread waits at a barrier for it
    const float* xr = x + (long long)row * cols;
    float* outr = out + (long long)row * cols;

    float s = 0.0f;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) s += xr[i];
    float m = ln_block_sum(s, sh) / cols;

    float q = 0.0f;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) {
        float d = xr[i] - m;
        q += d * d;
    }
    float rs = rsqrtf(ln_block_sum(q, sh) / cols + eps);

    if (threadIdx.x == 0) {
        if (mean) mean[row] = m;
        if (rstd) rstd[row] = rs;
    }
    for (int i = threadIdx.x; i < cols; i += blockDim.x) outr[i] = (xr[i] - m) * rs * gamma[i] + beta[i];
}
