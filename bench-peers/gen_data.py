"""Writes the harness's synthetic data and initial weights, as raw little-endian f32 files, into
the directory given as the only argument (a temporary directory: nothing here is committed).

Every peer reads these same files, so all start from the same weights and see the same batches:

  mlp_w{0,1,2}, mlp_b{0,1,2}    784 -> 300 -> 100 -> 10, kernels [in, out] row-major
  tiny_w{0,1,2}, tiny_b{0,1,2}  16 -> 32 -> 32 -> 4
  x [1280, 784] in [0, 1), y [1280] classes 0..9 (as f32), tiny_x [16]

Weights are He-uniform (Glorot-uniform for the output layers), biases uniform in [-0.1, 0.1)
so a peer that drops or mishandles a bias fails the loss check. The labels come from a fixed
random linear "teacher" on x, so the loss falls visibly over the ten checked steps.
"""

import sys
from pathlib import Path

import numpy as np

SEED = 42


def dense(rng, fan_in, fan_out, output_layer):
    limit = np.sqrt(6.0 / (fan_in + fan_out)) if output_layer else np.sqrt(6.0 / fan_in)
    kernel = rng.uniform(-limit, limit, size=(fan_in, fan_out))
    bias = rng.uniform(-0.1, 0.1, size=fan_out)
    return kernel, bias


def write_net(out, rng, prefix, widths):
    for layer in range(3):
        kernel, bias = dense(rng, widths[layer], widths[layer + 1], layer == 2)
        write(out, f"{prefix}_w{layer}", kernel)
        write(out, f"{prefix}_b{layer}", bias)


def write(out, name, array):
    np.asarray(array, dtype="<f4").tofile(out / f"{name}.f32")


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    write_net(out, rng, "mlp", [784, 300, 100, 10])
    write_net(out, rng, "tiny", [16, 32, 32, 4])
    x = rng.uniform(0.0, 1.0, size=(1280, 784)).astype(np.float32)
    teacher = rng.normal(size=(784, 10))
    y = np.argmax((x - 0.5) @ teacher, axis=1)
    write(out, "x", x)
    write(out, "y", y)
    write(out, "tiny_x", rng.uniform(-1.0, 1.0, size=16))


if __name__ == "__main__":
    main()
