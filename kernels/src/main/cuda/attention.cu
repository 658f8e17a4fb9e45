// The element-wise and row-wise parts of roberta.kernels.cuda.CudaBackend's attention (the
// products are cuBLAS calls); each mirrors a step of roberta.kernels.AttentionKernel.
// Row kernels: one block per row (grid.x = rows), a 1-D block of up to 1024 threads,
// block-wide reductions (block_reduce.cuh: warp shuffles, one value per warp in static shared
// memory).

#include "block_reduce.cuh"

// AttentionKernel.softmaxRows: each row of x [rows, cols] becomes softmax(scale * row), in
// place, max-subtracted: e = exp((x - max) * scale), then e / sum(e).
extern "C" __global__ void softmax_rows_f32(float* x, int rows, int cols, float scale) {
    __shared__ float sh[BLOCK_REDUCE_SLOTS];
    int row = blockIdx.x;
    if (row >= rows) return;
    float* r = x + (long long)row * cols;
    float m = -INFINITY;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) m = fmaxf(m, r[j]);
    float max = block_max(m, sh);
    float s = 0.0f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        float e = expf((r[j] - max) * scale);
        r[j] = e;
        s += e;
    }
    float inv = 1.0f / block_sum(s, sh);
    for (int j = threadIdx.x; j < cols; j += blockDim.x) r[j] *= inv;
}

// AttentionKernel.backward's softmax step: dp = p * (dp - sum_j dp * p) * scale per row of
// [rows, cols] (dp in place, p read).
extern "C" __global__ void softmax_backward_rows_f32(float* dp, const float* p, int rows, int cols, float scale) {
    __shared__ float sh[BLOCK_REDUCE_SLOTS];
    int row = blockIdx.x;
    if (row >= rows) return;
    long long o = (long long)row * cols;
    float s = 0.0f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += dp[o + j] * p[o + j];
    float dot = block_sum(s, sh);
    for (int j = threadIdx.x; j < cols; j += blockDim.x) dp[o + j] = p[o + j] * (dp[o + j] - dot) * scale;
}

// AttentionKernel.backward's dropout step: dp[i] = dropped[i] == 0 ? 0 : dp[i] * keep. Grid-stride.
extern "C" __global__ void attention_dropout_backward_f32(float* dp, const float* dropped, int n, float keep) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x)
        dp[i] = dropped[i] == 0.0f ? 0.0f : dp[i] * keep;
}
