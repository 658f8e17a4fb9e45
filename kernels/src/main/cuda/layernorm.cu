// LayerNorm over the last dimension, forward; mirrors roberta.kernels.LayerNormKernel.forward
// (CpuBackend.layerNorm): out = (x - mean) * rstd * gamma + beta per row, and saves mean[rows]
// and rstd[rows] (either may be null). Two passes as the CPU kernel (mean, then squared
// deviations: no cancellation), each a block-wide sum (block_reduce.cuh: warp shuffles, then
// one value per warp in shared memory).
//
// Launch: grid.x = rows (one block per row; blocks past rows do nothing), a 1-D block of any
// size up to 1024 threads (a multiple of 32 is fastest: no partial warp), no dynamic shared
// memory.

#include "block_reduce.cuh"

extern "C" __global__ void layernorm_f32(float* out, float* mean, float* rstd, const float* x,
                                         const float* gamma, const float* beta, int rows, int cols, float eps) {
    __shared__ float sh[BLOCK_REDUCE_SLOTS];
    int row = blockIdx.x;
    if (row >= rows) return;  // the whole block leaves together: no thread waits at a barrier for it
    const float* xr = x + (long long)row * cols;
    float* outr = out + (long long)row * cols;

    float s = 0.0f;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) s += xr[i];
    float m = block_sum(s, sh) / cols;

    float q = 0.0f;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) {
        float d = xr[i] - m;
        q += d * d;
    }
    float rs = rsqrtf(block_sum(q, sh) / cols + eps);

    if (threadIdx.x == 0) {
        if (mean) mean[row] = m;
        if (rstd) rstd[row] = rs;
    }
    for (int i = threadIdx.x; i < cols; i += blockDim.x) outr[i] = (xr[i] - m) * rs * gamma[i] + beta[i];
}

// LayerNorm backward; mirrors roberta.kernels.LayerNormKernel.backward
// (CpuBackend.layerNormBackward), from the mean and rstd the forward saved. Two kernels, as
// the CPU kernel has two parts, each ADDING into its gradients as the CPU does (dx only when
// accumulate is 1; else dx is overwritten, never read):
//
// layernorm_backward_dx_f32: dx += (dnorm - mean(dnorm) - norm * mean(dnorm * norm)) * rstd
// per row, dnorm = dout * gamma, norm = (x - mean) * rstd. One block per row, as the
// forward (grid.x = rows, blocks past rows do nothing; a 1-D block of up to 1024 threads):
// both row means are block-wide sums. The CPU sums them in double, here in
// float: agreement to rounding.
extern "C" __global__ void layernorm_backward_dx_f32(float* dx, const float* dout, const float* x, const float* mean,
                                                     const float* rstd, const float* gamma, int rows, int cols, int accumulate) {
    __shared__ float sh[BLOCK_REDUCE_SLOTS];
    int row = blockIdx.x;
    if (row >= rows) return;  // the whole block leaves together
    long long o = (long long)row * cols;
    float m = mean[row], rs = rstd[row];

    float sd = 0.0f, sdn = 0.0f;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) {
        float norm = (x[o + i] - m) * rs;
        float dnorm = dout[o + i] * gamma[i];
        sd += dnorm;
        sdn += dnorm * norm;
    }
    float a = block_sum(sd, sh) / cols;
    float b = block_sum(sdn, sh) / cols;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) {
        float norm = (x[o + i] - m) * rs;
        float dnorm = dout[o + i] * gamma[i];
        float g = (dnorm - a - norm * b) * rs;
        dx[o + i] = accumulate ? dx[o + i] + g : g;
    }
}

// layernorm_backward_params_f32: dgamma += sum over rows of dout * norm, dbeta += sum over
// rows of dout (either may be null). A reduction over ROWS, so not one block per row: one
// thread per column (grid-stride over cols, any 1-D grid), each summing its column over the
// rows in row order, as the CPU does, into its own dgamma/dbeta entry: race-free without
// atomics, and the same float additions in the same order as the CPU. (Parallel only over
// cols: fine for hidden sizes of hundreds to thousands; a very tall, narrow input would want
// a split over rows and a second pass.)
extern "C" __global__ void layernorm_backward_params_f32(float* dgamma, float* dbeta, const float* dout, const float* x,
                                                         const float* mean, const float* rstd, int rows, int cols) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < cols; i += blockDim.x * gridDim.x) {
        float g = dgamma ? dgamma[i] : 0.0f, bsum = dbeta ? dbeta[i] : 0.0f;
        for (int r = 0; r < rows; r++) {
            long long o = (long long)r * cols + i;
            float d = dout[o];
            g += d * (x[o] - mean[r]) * rstd[r];
            bsum += d;
        }
        if (dgamma) dgamma[i] = g;
        if (dbeta) dbeta[i] = bsum;
    }
}
