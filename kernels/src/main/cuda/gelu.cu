// Exact (erf) GELU, forward and backward; mirrors roberta.kernels.Activations.gelu and
// Activations.geluBackward (CpuBackend.gelu / geluBackward). Grid-stride loops, 1-D grid.

// out = 0.5 x (1 + erf(x / sqrt 2))
extern "C" __global__ void gelu_f32(float* out, const float* x, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        float v = x[i];
        out[i] = 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
    }
}

// dx += dout * gelu'(x), gelu'(x) = Phi(x) + x phi(x): ADDS into dx when accumulate is 1, else
// overwrites it (never reading it), as Activations does
extern "C" __global__ void gelu_backward_f32(float* dx, const float* dout, const float* x, int n, int accumulate) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        float v = x[i];
        float cdf = 0.5f * (1.0f + erff(v * 0.70710678118654752f));
        float pdf = expf(-0.5f * v * v) * 0.39894228040143268f;
        float g = dout[i] * (cdf + v * pdf);
        dx[i] = accumulate ? dx[i] + g : g;
    }
}
