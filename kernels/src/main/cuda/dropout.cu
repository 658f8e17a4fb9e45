// Dropout, forward and backward; mirrors roberta.kernels.Elementwise.dropout
// (CpuBackend.dropout) and CpuBackend.dropoutBackward. Grid-stride loops, 1-D grid.
//
// The mask comes from the same counter-based generator as the CPU's (Elementwise.uniform:
// the SplitMix64 finaliser of seed + (i + 1) * golden gamma, in unsigned 64-bit arithmetic,
// whose top 24 bits scaled by 2^-24 are exact floats), so for the same seed the masks are
// bit-identical to CpuBackend.dropout's whatever the grid. The 64-bit seed is passed as two
// 32-bit halves (launch arguments are int or float): seed = seed_hi << 32 | seed_lo, i.e.
// Java's (int) seed and (int) (seed >>> 32).

__device__ float dropout_uniform(unsigned long long seed, unsigned long long index) {
    unsigned long long z = seed + (index + 1ULL) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z = z ^ (z >> 31);
    return (float)(unsigned)(z >> 40) * 0x1.0p-24f;
}

// mask[i] = uniform(seed, i) < p ? 0 : 1 / (1 - p); out[i] = x[i] * mask[i] (out may be x)
extern "C" __global__ void dropout_f32(float* out, float* mask, const float* x, int n, float p,
                                       unsigned seed_lo, unsigned seed_hi) {
    unsigned long long seed = ((unsigned long long)seed_hi << 32) | seed_lo;
    float keep = 1.0f / (1.0f - p);
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        float m = dropout_uniform(seed, (unsigned long long)i) < p ? 0.0f : keep;
        mask[i] = m;
        out[i] = x[i] * m;
    }
}

// dx += dout * mask: ADDS into dx when accumulate is 1, else overwrites it (never reading it),
// as CpuBackend.dropoutBackward does
extern "C" __global__ void dropout_backward_f32(float* dx, const float* dout, const float* mask, int n, int accumulate) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x)
        dx[i] = accumulate ? dx[i] + dout[i] * mask[i] : dout[i] * mask[i];
}

// Dropout at an index offset, for attention probabilities (AttentionKernel.forward): out[i] =
// x[i] * (uniform(seed, index_offset + i) < p ? 0 : 1 / (1 - p)), with the counter of the element's
// place in the whole probs buffer, so the mask is the CPU's; a multiplication, not a 0 written,
// so a dropped NaN stays NaN as on the CPU and in PyTorch. No mask is saved: the backward reads
// which entries are zero in out. out may be x.
extern "C" __global__ void dropout_offset_f32(float* out, const float* x, int n, float p, unsigned seed_lo,
                                              unsigned seed_hi, int index_offset) {
    unsigned long long seed = ((unsigned long long)seed_hi << 32) | seed_lo;
    float keep = 1.0f / (1.0f - p);
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x)
        out[i] = x[i] * (dropout_uniform(seed, (unsigned long long)index_offset + i) < p ? 0.0f : keep);
}
