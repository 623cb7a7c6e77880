"""OpenBLAS through numpy on the GEMMs of workload A (BENCHMARKS.md, F): the same six products
as benches/gemm.rs, transposes as views (numpy hands BLAS the transposed flag, no copy).

Usage: OPENBLAS_NUM_THREADS=1 python nn-gemm/benches/numpy_gemm.py   (prints one line per
product: median microseconds over 7 repeats and GFLOP/s). nn-gemm/benches/compare.sh runs it
next to the criterion bench.
"""

import statistics
import timeit

import numpy as np

PRODUCTS = [
    ("forward 784x300", 128, 784, 300, False, False),
    ("kernel grad 784x300", 784, 128, 300, True, False),
    ("input grad 300x784", 128, 300, 784, False, True),
    ("forward 300x100", 128, 300, 100, False, False),
    ("kernel grad 300x100", 300, 128, 100, True, False),
    ("input grad 100x300", 128, 100, 300, False, True),
    ("forward 100x10", 128, 100, 10, False, False),
    ("kernel grad 100x10", 100, 128, 10, True, False),
    ("input grad 10x100", 128, 10, 100, False, True),
]


def main():
    rng = np.random.default_rng(0)
    for name, m, k, n, ta, tb in PRODUCTS:
        a_store = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
        b_store = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
        a = a_store.T if ta else a_store
        b = b_store.T if tb else b_store
        out = np.empty((m, n), dtype=np.float32)
        run = lambda: np.matmul(a, b, out=out)  # noqa: E731
        number = max(1, int(0.05 / max(timeit.timeit(run, number=3) / 3, 1e-7)))
        times = [t / number for t in timeit.repeat(run, number=number, repeat=7)]
        median = statistics.median(times)
        print(f"{name:24s} {median * 1e6:9.1f} us  {2 * m * k * n / median / 1e9:6.1f} GFLOP/s")


if __name__ == "__main__":
    main()
