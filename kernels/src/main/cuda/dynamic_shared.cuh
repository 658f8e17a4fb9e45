// Dynamic shared memory (the launch's sharedBytes) under one spelling for every compiler:
//     ROBERTA_DYNAMIC_SHARED(float, buf);   // then buf[i] for i < sharedBytes / sizeof(float)
// declares `buf` as a T* to it. nvcc and NVRTC get CUDA's own extern __shared__ array (of
// bytes, so that kernels of one file may view it as different types, which `extern __shared__
// T x[]` with two T's would not allow); the host shim, which defines HOSTCUDA, gets a pointer
// to the launch's buffer, since an extern __shared__ array has no size it could give it. As in
// CUDA, every ROBERTA_DYNAMIC_SHARED of a launch names the same memory.
// HostKernels.source inlines this file where a .cu includes it, as it does block_reduce.cuh.
#ifndef ROBERTA_DYNAMIC_SHARED_CUH
#define ROBERTA_DYNAMIC_SHARED_CUH

#ifdef HOSTCUDA
#define ROBERTA_DYNAMIC_SHARED(T, name) T* const name = ::hostcuda::dynamic_shared<T>()
#else
#define ROBERTA_DYNAMIC_SHARED(T, name)                        \
    extern __shared__ __align__(16) unsigned char name##_bytes[]; \
    T* const name = reinterpret_cast<T*>(name##_bytes)
#endif

#endif
