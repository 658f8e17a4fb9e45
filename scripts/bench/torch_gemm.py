"""The GEMM alone in PyTorch (MKL/oneDNN sgemm), the anchor beside `./roberta bench --gemm`.

    python torch_gemm.py THREADS SECONDS 1024x768x768 1024x3072x768 ...

Each shape M x N x K times C[M,N] = A[M,K] . W[N,K]^T (W transposed as a linear layer's weight
is) for SECONDS after 5 warm-up calls and prints GFLOP/s, counting 2*M*N*K per product.
Run it alternately with `./roberta bench --gemm --threads THREADS` (the same shapes) and read
the ratio: these machines are shared and noisy.
"""
import sys
import time

import torch


def main():
    threads, seconds = int(sys.argv[1]), float(sys.argv[2])
    torch.set_num_threads(threads)
    out = []
    for shape in sys.argv[3:]:
        m, n, k = map(int, shape.split("x"))
        a, w, c = torch.randn(m, k), torch.randn(n, k), torch.empty(m, n)
        for _ in range(5):
            torch.mm(a, w.t(), out=c)
        calls, start = 0, time.perf_counter()
        while True:
            torch.mm(a, w.t(), out=c)
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed > seconds:
                break
        out.append("gemm %s: %.1f GFLOP/s (torch %s, %d threads)" % (shape, 2 * m * n * k * calls / elapsed / 1e9, torch.__version__, threads))
    print("\n".join(out))


if __name__ == "__main__":
    main()
