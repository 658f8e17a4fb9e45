// tanh, forward and backward; mirrors roberta.kernels.Activations.tanh and
// Activations.tanhBackward (CpuBackend.tanh / tanhBackward). Grid-stride loops, 1-D grid.
// The CPU rounds Math.tanh (double) to float; tanhf here (host libm or CUDA's, within 2 ulp).

// out = tanh(x)
extern "C" __global__ void tanh_f32(float* out, const float* x, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x)
        out[i] = tanhf(x[i]);
}

// dx += dout * (1 - out^2), from the forward's OUTPUT: ADDS into dx, as Activations does
extern "C" __global__ void tanh_backward_f32(float* dx, const float* dout, const float* out, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        float o = out[i];
        dx[i] += dout[i] * (1.0f - o * o);
    }
}
