#!/usr/bin/env bash
# nn-gemm against matrixmultiply's sgemm and OpenBLAS (through numpy) on workload A's GEMMs,
# one thread and the default threads, one after the other in one run (BENCHMARKS.md, F).
#
# Usage: nn-gemm/benches/compare.sh [PYTHON]   (PYTHON: an interpreter with numpy; default
# python3). Criterion prints each benchmark's [low median high]; numpy_gemm.py the medians.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PYTHON="${1:-python3}"
cd "$ROOT"
cargo bench -p nn-gemm --bench gemm --no-run
for threads in 1 2; do
    echo "== $threads thread(s): nn-gemm and matrixmultiply (criterion)"
    NN_NUM_THREADS=$threads MATMUL_NUM_THREADS=$threads \
        cargo bench -p nn-gemm --bench gemm -- --warm-up-time 0.5 --measurement-time 2 --noplot \
        2>&1 | grep -E "^gemm/|time:" | paste - - | sed -E 's/ +/ /g'
    echo "== $threads thread(s): OpenBLAS through numpy"
    OPENBLAS_NUM_THREADS=$threads "$PYTHON" nn-gemm/benches/numpy_gemm.py
done
