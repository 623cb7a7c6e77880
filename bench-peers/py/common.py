"""What every Python peer shares with the Rust ones (src/lib.rs): the data files written by
gen_data.py, the command line (`DATA_DIR check` or `DATA_DIR bench SECONDS`), the timing loop and
the output lines driver.py reads."""

import sys
import time
from pathlib import Path

import numpy as np

MLP = [784, 300, 100, 10]
TINY = [16, 32, 32, 4]
TRAIN_BATCH = 128
INFER_BATCH = 256
LEARNING_RATE = 0.01
BATCHES = 10
CHECKED_STEPS = 10


def _read(directory, name, shape):
    return np.fromfile(Path(directory) / f"{name}.f32", dtype="<f4").reshape(shape)


class Data:
    """The files gen_data.py wrote; kernels are [in, out] (Keras' layout)."""

    def __init__(self, directory):
        def net(prefix, widths):
            return [
                (
                    _read(directory, f"{prefix}_w{l}", (widths[l], widths[l + 1])),
                    _read(directory, f"{prefix}_b{l}", (widths[l + 1],)),
                )
                for l in range(3)
            ]

        rows = BATCHES * TRAIN_BATCH
        self.mlp = net("mlp", MLP)
        self.tiny = net("tiny", TINY)
        self.x = _read(directory, "x", (rows, MLP[0]))
        self.labels = _read(directory, "y", (rows,)).astype(np.int64)
        self.tiny_x = _read(directory, "tiny_x", (1, TINY[0]))

    def batch(self, step):
        start = (step % BATCHES) * TRAIN_BATCH
        return self.x[start : start + TRAIN_BATCH], self.labels[start : start + TRAIN_BATCH]

    def infer_batch(self):
        return self.x[:INFER_BATCH]


def calls_per_second(seconds, f):
    """Calls of f per second: warms up, then runs f until `seconds` have passed."""
    warm = time.perf_counter()
    n = 0
    while n < 3 or time.perf_counter() - warm < seconds * 0.2:
        f()
        n += 1
    start = time.perf_counter()
    calls, chunk = 0, 1
    while True:
        for _ in range(chunk):
            f()
        calls += chunk
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls / elapsed
        chunk = min(chunk * 2, 1 << 16)


def _report(workload, rate, steps):
    return {
        "A": rate * TRAIN_BATCH * steps,
        "B": rate * INFER_BATCH,
        "C": 1e6 / rate,
        "D": 1e9 / rate,
    }[workload]


def run(versions, train_losses=None, infer_probabilities=None, tiny_output=None, workloads=()):
    """Parses the command line and runs the peer: `check` prints the losses and outputs that
    driver.py compares across peers, `bench SECONDS` one result line per workload. Each
    argument is a function of the Data; `workloads` pairs a name with a function of the Data
    returning the closure of one call (and optionally, third, how many training steps one call
    of an "A" closure runs; 1 if left out)."""
    if len(sys.argv) < 3 or sys.argv[2] not in ("check", "bench"):
        sys.exit(f"usage: {sys.argv[0]} DATA_DIR (check | bench SECONDS)")
    data = Data(sys.argv[1])
    for name, version in versions.items():
        print(f"version {name} {version}")
    if sys.argv[2] == "check":
        if train_losses:
            for i, loss in enumerate(train_losses(data)):
                print(f"loss {i} {float(loss):.9e}")
        if infer_probabilities:
            p = np.asarray(infer_probabilities(data), dtype=np.float64)
            _, labels = data.batch(0)
            loss = -np.mean(np.log(p[np.arange(len(labels)), labels]))
            print(f"infer_loss {loss:.9e}")
        if tiny_output:
            for i, v in enumerate(np.asarray(tiny_output(data)).ravel()):
                print(f"tiny {i} {float(v):.9e}")
    else:
        seconds = float(sys.argv[3])
        for name, make, *steps in workloads:
            rate = calls_per_second(seconds, make(data))
            print(f"result {name} {_report(name, rate, *(steps or [1])):.6e}", flush=True)
