// Small kernels of roberta.kernels.cuda.CudaBackend that have no file of their own: the bias
// of a linear layer and its gradient, row gathers, sums of squares, half-precision widening,
// the losses. Each mirrors the CpuBackend method it names.
//
// Reductions whose result is read back by the host (sums of squares, losses) accumulate in
// DOUBLE, as the CPU does: a float sum of 70 000 squares is off in its fourth digit. Each
// block writes ONE partial (a double), sum_f64 adds the partials of all blocks (and, for
// many tensors, of all tensors) in one more block, and the host reads back that one double:
// a training step sends the host its loss and gradient norm, not thousands of partials. Those kernels take their output as
// `double* partials` with `words` = 2 * (number of doubles) for the host emulator's pointer
// checks (which count 32-bit words), and `first`, the index of the launch's first partial.
// Block-wide sums need blockDim.x <= BE_MAX_THREADS (256: cross_entropy's max keeps one value
// per thread in sh; block_sum alone would take 1024); no dynamic shared memory.

#define BE_MAX_THREADS 256

#include "block_reduce.cuh"

// CpuBackend.linear's bias: out[r, c] += b[c] over a row-major [rows, cols] out. Grid-stride.
extern "C" __global__ void bias_add_f32(float* out, const float* b, int rows, int cols) {
    long long total = (long long)rows * cols, stride = (long long)blockDim.x * gridDim.x;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < total; e += stride)
        out[e] += b[e % cols];
}

// CpuBackend.linearBackward's db: acc[c] += sum over rows of x[r, c], one thread per column
// (grid-stride over cols), rows in order: race-free, the CPU's float additions in its order.
extern "C" __global__ void column_sum_f32(float* acc, const float* x, int rows, int cols) {
    for (int c = blockIdx.x * blockDim.x + threadIdx.x; c < cols; c += blockDim.x * gridDim.x) {
        float s = acc[c];
        for (int r = 0; r < rows; r++) s += x[(long long)r * cols + c];
        acc[c] = s;
    }
}

// CpuBackend.gatherRows: out[i, :] = x[rows[i], :]; rows outside [0, xrows) are skipped (a
// kernel cannot throw). Grid-stride over n * h.
extern "C" __global__ void gather_rows_f32(float* out, const float* x, const int* rows, int n, int h, int xrows) {
    long long total = (long long)n * h, stride = (long long)blockDim.x * gridDim.x;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < total; e += stride) {
        long long i = e / h, j = e - i * h;
        int r = rows[i];
        if (r < 0 || r >= xrows) continue;
        out[e] = x[(long long)r * h + j];
    }
}

// CpuBackend.gatherRowsBackward: dx[rows[i], :] += dout[i, :] (ADDS; repeated rows with atomicAdd).
extern "C" __global__ void gather_rows_backward_f32(float* dx, const float* dout, const int* rows, int n, int h, int xrows) {
    long long total = (long long)n * h, stride = (long long)blockDim.x * gridDim.x;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < total; e += stride) {
        long long i = e / h, j = e - i * h;
        int r = rows[i];
        if (r < 0 || r >= xrows) continue;
        atomicAdd(&dx[(long long)r * h + j], dout[e]);
    }
}

// The final step of every read-back sum: out[0] = the sum of the words / 2 doubles of x, in
// double. Launch ONE block (any size up to BE_MAX_THREADS): thread t adds x[t], x[t + blockDim.x],
// ... in order, then the block's tree; a fixed order, so the same partials give the same bits.
// out_words = 2 (out's 32-bit words, for the host emulator's pointer checks).
extern "C" __global__ void sum_f64(double* out, int out_words, const double* x, int words) {
    __shared__ double sh[BE_MAX_THREADS];
    int n = words / 2;
    double s = 0.0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) s += x[i];
    double total = block_sum(s, sh);
    if (threadIdx.x == 0 && out_words >= 2) out[0] = total;
}

// CpuBackend.sumOfSquares: partials[first + blockIdx.x] = sum of (double) x^2 over the
// block's grid-stride share of x[0, n).
extern "C" __global__ void sum_squares_f32(double* partials, int words, int first, const float* x, int n) {
    __shared__ double sh[BE_MAX_THREADS];
    double s = 0.0;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        double v = x[i];
        s += v * v;
    }
    double total = block_sum(s, sh);
    if (threadIdx.x == 0) partials[first + blockIdx.x] = total;
}

// IEEE half bits to float, exactly (normals, subnormals, infinities, NaN payloads).
__device__ float be_f16_to_f32(unsigned h) {
    unsigned sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
    union { unsigned u; float f; } r;
    if (exp == 0x1fu) r.u = sign | 0x7f800000u | (mant << 13);
    else if (exp != 0) r.u = sign | ((exp + 112u) << 23) | (mant << 13);
    else {
        r.f = (float)mant * 5.9604644775390625e-8f;  // mant * 2^-24: exact
        r.u |= sign;
    }
    return r.f;
}

// A half-precision weight widened for the product (cublasGemmEx needs Atype == Btype, so a
// half weight times float activations is a widening pass and then a float GEMM):
// out[i] = float(bits[i]), F16 when bf16 == 0, else BF16 (the top half of a float). bits
// holds n 16-bit values in words = ceil(n / 2) 32-bit words. Grid-stride.
extern "C" __global__ void widen_half_f32(float* out, const unsigned short* bits, int n, int words, int bf16) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        unsigned h = bits[i];
        if (bf16) {
            union { unsigned u; float f; } r;
            r.u = h << 16;
            out[i] = r.f;
        } else {
            out[i] = be_f16_to_f32(h);
        }
    }
}

// Losses.crossEntropy, one block per row (grid.x = rows): row_loss[row] = logZ - logit[label]
// (0 for an ignored row), dlogits (may be null) = softmax / count with 1 / count taken off at
// the label, an ignored row all zeros. count (> 0) is the number of scored rows, from the
// host's copy of the labels. Sums and logZ in double, as the CPU.
extern "C" __global__ void cross_entropy_f32(double* row_loss, int words, float* dlogits, const float* logits,
                                             const int* labels, int rows, int cols, int ignore_index, int count) {
    __shared__ double sh[BE_MAX_THREADS];
    int row = blockIdx.x;
    if (row >= rows) return;
    long long o = (long long)row * cols;
    int label = labels[row];
    if (label == ignore_index || label < 0 || label >= cols) {
        if (dlogits)
            for (int c = threadIdx.x; c < cols; c += blockDim.x) dlogits[o + c] = 0.0f;
        if (threadIdx.x == 0) row_loss[row] = 0.0;
        return;
    }
    float mx = -INFINITY;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) mx = fmaxf(mx, logits[o + c]);
    // max over the block, through the double sums' shared array (a max is exact in any order)
    sh[threadIdx.x] = mx;
    __syncthreads();
    if (threadIdx.x == 0) {
        double m = sh[0];
        for (unsigned t = 1; t < blockDim.x; t++) m = sh[t] > m ? sh[t] : m;
        sh[0] = m;
    }
    __syncthreads();
    float max = (float)sh[0];
    __syncthreads();
    double s = 0.0;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) s += exp((double)(logits[o + c] - max));
    double sum = block_sum(s, sh);
    double logZ = max + log(sum);
    if (threadIdx.x == 0) row_loss[row] = logZ - logits[o + label];
    if (dlogits) {
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            float g = (float)(exp(logits[o + c] - logZ) / count);
            if (c == label) g -= 1.0f / count;
            dlogits[o + c] = g;
        }
    }
}

// Losses.mse: partials[blockIdx.x] = the block's sum of (pred - target)^2 (double), and
// dpred (may be null) = 2 (pred - target) / n. Grid-stride.
extern "C" __global__ void mse_f32(double* partials, int words, float* dpred, const float* pred, const float* target, int n) {
    __shared__ double sh[BE_MAX_THREADS];
    double s = 0.0;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        double diff = (double)pred[i] - (double)target[i];
        s += diff * diff;
        if (dpred) dpred[i] = (float)(2 * diff / n);
    }
    double total = block_sum(s, sh);
    if (threadIdx.x == 0) partials[blockIdx.x] = total;
}

// Losses.bceWithLogits: partials[blockIdx.x] = the block's sum of
// max(x, 0) - x y + log1p(exp(-|x|)) (double), dlogits (may be null) = (sigmoid(x) - y) / n.
extern "C" __global__ void bce_with_logits_f32(double* partials, int words, float* dlogits, const float* logits,
                                               const float* target, int n) {
    __shared__ double sh[BE_MAX_THREADS];
    double s = 0.0;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        double x = logits[i], y = target[i];
        s += fmax(x, 0.0) - x * y + log1p(exp(-fabs(x)));
        if (dlogits) dlogits[i] = (float)((1 / (1 + exp(-x)) - y) / n);
    }
    double total = block_sum(s, sh);
    if (threadIdx.x == 0) partials[blockIdx.x] = total;
}
