// One AdamW step; mirrors roberta.kernels.Elementwise.adamw (CpuBackend.adamw). Grid-stride
// loop, 1-D grid; param, m and v are updated in place; grad is read, times grad_scale (the
// gradient clipping factor, 1 for none), and zeroed behind the read when clear_grad is 1.
//
// The bias corrections are PRECOMPUTED ON THE HOST as floats, exactly as the CPU kernel
// computes them: bc1 = (float) (1 - Math.pow(beta1, t)), bc2 = (float) (1 - Math.pow(beta2, t))
// for step t >= 1 (double pow, then rounded to float), so the kernel needs no step count and
// no double math. The float operations are in the CPU's order (PyTorch's: decoupled decay
// p *= 1 - lr*wd, then the Adam step), so results agree to within an ulp or so (nvcc may fuse
// a multiply and an add into an FMA, which the JVM does not).

extern "C" __global__ void adamw_f32(float* param, float* grad, float* m, float* v, int n, float lr,
                                     float beta1, float beta2, float eps, float weight_decay, float bc1, float bc2,
                                     float grad_scale, int clear_grad) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        float g = grad_scale == 1.0f ? grad[i] : grad[i] * grad_scale;
        if (clear_grad) grad[i] = 0.0f;
        float mi = beta1 * m[i] + (1.0f - beta1) * g;
        float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        float mhat = mi / bc1, vhat = vi / bc2;
        param[i] = param[i] * (1.0f - lr * weight_decay) - lr * mhat / (sqrtf(vhat) + eps);
    }
}
