"""Runs two builds of a criterion bench binary in turns and prints each workload's median
(over the rounds) and the ratio first / second, on one GEMM thread and on two.

Usage:
    cargo bench -p nn-bench --bench runtime --no-run    # on each commit; copy the binary aside
    python3 nn-bench/benches/alternate.py BEFORE AFTER '^(A|B|C|D|E)/' [ROUNDS]

BEFORE and AFTER are the two binaries; ratios above 1 mean AFTER is faster. The threads are
set with NN_NUM_THREADS (nn-gemm) and MATMUL_NUM_THREADS (matrixmultiply, older builds).
"""

import collections
import os
import re
import statistics
import subprocess
import sys

UNIT = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def main():
    before, after, pattern = sys.argv[1:4]
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    binaries = {"before": before, "after": after}
    medians = collections.defaultdict(list)
    for r in range(rounds):
        for label, path in binaries.items():
            for threads in (1, 2):
                env = dict(os.environ, NN_NUM_THREADS=str(threads), MATMUL_NUM_THREADS=str(threads))
                out = subprocess.run(
                    [path, "--bench", "--warm-up-time", "0.3", "--measurement-time", "1.5", "--noplot", pattern],
                    env=env, capture_output=True, text=True, check=True,
                ).stdout
                for name, value, unit in re.findall(r"([A-F]/\w+)\s+time:\s+\[\S+ \S+ (\S+) (\S+)", out):
                    medians[(name, label, threads)].append(float(value) * UNIT[unit])
        with open("/proc/loadavg") as load:
            print(f"round {r + 1}: load average {load.read().split()[0]}", file=sys.stderr)
    for name in sorted({key[0] for key in medians}):
        cells = []
        for threads in (1, 2):
            b = statistics.median(medians[(name, "before", threads)])
            a = statistics.median(medians[(name, "after", threads)])
            cells.append(f"{threads} thread(s): {b * 1e6:.2f} us -> {a * 1e6:.2f} us ({b / a:.2f})")
        print(f"{name}: " + "; ".join(cells))


if __name__ == "__main__":
    main()
