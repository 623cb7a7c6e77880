"""Writes the harness's synthetic data and initial weights, as raw little-endian f32 files, into
the directory given as the only argument (a temporary directory: nothing here is committed).

Every peer reads these same files, so all start from the same weights and see the same batches:

  mlp_w{0,1,2}, mlp_b{0,1,2}    784 -> 300 -> 100 -> 10, kernels [in, out] row-major
  tiny_w{0,1,2}, tiny_b{0,1,2}  16 -> 32 -> 32 -> 4
  x [1280, 784] in [0, 1), y [1280] classes 0..9 (as f32), tiny_x [16]

and for the convolutional workloads (G, H, I; `run.sh --conv`), each convolution's kernel in
both layouts, so that no peer transposes anything itself:

  cnn_k{0,1}_hwio, cnn_k{0,1}_oihw, cnn_b{0,1}
                                the CNN's convolutions, 5x5 1 -> 6 and 5x5 6 -> 16: [KH, KW,
                                IC, OC] (nn, Keras) and [OC, IC, KH, KW] (PyTorch, burn)
  cnn_w2_nhwc, cnn_w2_nchw, cnn_b2
                                its dense layer 4*4*16 -> 10, kernel [in, out] with the rows
                                in the order each layout flattens: (y, x, c) and (c, y, x)
  cnn_x [640, 28 * 28] in [0, 1) (one channel: NHWC and NCHW are the same), cnn_y [640]
  wide_k_hwio, wide_k_oihw, wide_b
                                one 3x3 convolution 16 -> 32 ("same" padding) on 32x32 images
  wide_x_nhwc, wide_x_nchw      its input, 32 images of 32x32x16, in the two layouts

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


CNN_IMAGES = 640
WIDE_IMAGES = 32


def conv(out, rng, name, kh, kw, ic, oc):
    """He-uniform kernel [KH, KW, IC, OC] written as `name_hwio` and `name_oihw`."""
    limit = np.sqrt(6.0 / (kh * kw * ic))
    kernel = rng.uniform(-limit, limit, size=(kh, kw, ic, oc))
    write(out, f"{name}_hwio", kernel)
    write(out, f"{name}_oihw", kernel.transpose(3, 2, 0, 1))


def write_cnn(out, rng):
    """The CNN of G and H: conv 5x5x6, relu, maxpool 2, conv 5x5x16, relu, maxpool 2, flatten,
    dense 10; 28x28x1 -> 24x24x6 -> 12x12x6 -> 8x8x16 -> 4x4x16 -> 10."""
    conv(out, rng, "cnn_k0", 5, 5, 1, 6)
    write(out, "cnn_b0", rng.uniform(-0.1, 0.1, size=6))
    conv(out, rng, "cnn_k1", 5, 5, 6, 16)
    write(out, "cnn_b1", rng.uniform(-0.1, 0.1, size=16))
    kernel, bias = dense(rng, 4 * 4 * 16, 10, True)
    # Rows of `kernel` are in nn's (y, x, c) order; PyTorch's flatten gives (c, y, x).
    write(out, "cnn_w2_nhwc", kernel)
    write(out, "cnn_w2_nchw", kernel.reshape(4, 4, 16, 10).transpose(2, 0, 1, 3).reshape(256, 10))
    write(out, "cnn_b2", bias)
    x = rng.uniform(0.0, 1.0, size=(CNN_IMAGES, 28 * 28)).astype(np.float32)
    teacher = rng.normal(size=(28 * 28, 10))
    write(out, "cnn_x", x)
    write(out, "cnn_y", np.argmax((x - 0.5) @ teacher, axis=1))


def write_wide(out, rng):
    """I: one 3x3 convolution 16 -> 32 with "same" padding on 32x32x16 images."""
    conv(out, rng, "wide_k", 3, 3, 16, 32)
    write(out, "wide_b", rng.uniform(-0.1, 0.1, size=32))
    x = rng.uniform(-1.0, 1.0, size=(WIDE_IMAGES, 32, 32, 16))
    write(out, "wide_x_nhwc", x)
    write(out, "wide_x_nchw", x.transpose(0, 3, 1, 2))


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
    # After the MLP's draws, so that its files do not change.
    write_cnn(out, rng)
    write_wide(out, rng)


if __name__ == "__main__":
    main()
