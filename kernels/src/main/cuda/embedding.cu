// Embedding lookup, forward and backward; mirrors CpuBackend.embedding and
// CpuBackend.embeddingBackward. ids are int32 (an IntTensor's data); table and dtable are
// [vocab, h] row-major, out and dout [n, h]. Grid-stride loops over the n * h elements,
// 1-D grid (any grid covers any size).
//
// The CPU kernels trust their ids (callers validate, in [0, vocab)); a GPU kernel cannot
// throw, so an id outside [0, vocab) is SKIPPED here: its row of out is left as it was
// (forward) and its gradient is dropped (backward), rather than reading or writing outside
// the table. vocab is a parameter for that check (and for the host's pointer extents).
//
// Backward: repeated ids add into the same dtable row from different threads, so the adds
// are atomicAdd (native on sm_60+ for float; the host shim has a compare-and-swap one, see
// cuda_host.h). The order of those adds is not fixed on a GPU, so dtable matches the CPU's
// in-order sums to rounding, not bit for bit, where an id repeats.

// out[i, :] = table[ids[i], :], or += when accumulate != 0 (the position embeddings added
// onto the word embeddings)
extern "C" __global__ void embedding_f32(float* out, const float* table, const int* ids, int n, int h, int vocab,
                                         int accumulate) {
    long long total = (long long)n * h, stride = (long long)blockDim.x * gridDim.x;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < total; e += stride) {
        long long i = e / h, j = e - i * h;
        int id = ids[i];
        if (id < 0 || id >= vocab) continue;
        float t = table[(long long)id * h + j];
        if (accumulate) out[e] += t;
        else out[e] = t;
    }
}

// dtable[ids[i], :] += dout[i, :] for every i whose id is not padding_idx (ADDS, as the CPU)
extern "C" __global__ void embedding_backward_f32(float* dtable, const float* dout, const int* ids, int n, int h,
                                                  int vocab, int padding_idx) {
    long long total = (long long)n * h, stride = (long long)blockDim.x * gridDim.x;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < total; e += stride) {
        long long i = e / h, j = e - i * h;
        int id = ids[i];
        if (id == padding_idx || id < 0 || id >= vocab) continue;
        atomicAdd(&dtable[(long long)id * h + j], dout[e]);
    }
}
