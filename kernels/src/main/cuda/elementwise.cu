// Element-wise float kernels; each mirrors a CpuBackend method (roberta.kernels.CpuBackend).
// Launch with a 1-D grid. fill_f32 is one thread per element (the CUDA that
// roberta.kernels.cuda.ExampleKernels documents: a grid too small leaves the tail
// unwritten); add_f32 and scale_f32 are grid-stride loops, so any grid covers any n.

// CpuBackend.fill: out[i] = value for i < n
extern "C" __global__ void fill_f32(float* out, int n, float value) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = value;
}

// CpuBackend.add: out = a + b (out may be a or b, as in CpuBackend.accumulate)
extern "C" __global__ void add_f32(float* out, const float* a, const float* b, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x)
        out[i] = a[i] + b[i];
}

// CpuBackend.scale: x *= s, in place
extern "C" __global__ void scale_f32(float* x, int n, float s) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x)
        x[i] *= s;
}

// CpuBackend.accumulate: acc += x (acc may be x). Grid-stride, any grid covers any n.
extern "C" __global__ void accumulate_f32(float* acc, const float* x, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x)
        acc[i] += x[i];
}
