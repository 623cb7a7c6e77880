"""The convolutional suite (G, H, I) for the Python peers, as src/conv.rs is for the Rust ones:
its shapes, the data gen_data.py wrote for it, and the `conv-check` / `conv-bench` output lines
driver.py reads.

  G  CNN inference (softmax probabilities), batch 256
  H  CNN train step (forward, softmax cross-entropy, backward, SGD lr 0.01), batch 64
  I  one 3x3 convolution 16 -> 32, "same" padding, with bias, on 32x32 images, batch 32

The CNN: conv 5x5x6 (valid), relu, maxpool 2, conv 5x5x16 (valid), relu, maxpool 2, flatten,
dense 10. The Python peers read the NCHW files (kernels [OC, IC, KH, KW], the dense kernel's
rows in (c, y, x) order)."""

import sys
from pathlib import Path

import numpy as np

import common

CNN_TRAIN_BATCH = 64
CNN_INFER_BATCH = 256
CNN_IMAGES = 10 * CNN_TRAIN_BATCH
WIDE_BATCH = 32
WIDE_IMAGE = (32, 32, 16)
WIDE_FILTERS = 32
WIDE_SAMPLE_STRIDE = 4099


def _read(directory, name, shape):
    return np.fromfile(Path(directory) / f"{name}.f32", dtype="<f4").reshape(shape)


class ConvData:
    """The files gen_data.py wrote for the convolutional suite, in the NCHW layouts."""

    def __init__(self, directory):
        d = directory
        self.conv0 = (_read(d, "cnn_k0_oihw", (6, 1, 5, 5)), _read(d, "cnn_b0", (6,)))
        self.conv1 = (_read(d, "cnn_k1_oihw", (16, 6, 5, 5)), _read(d, "cnn_b1", (16,)))
        self.dense = (_read(d, "cnn_w2_nchw", (256, 10)), _read(d, "cnn_b2", (10,)))
        self.x = _read(d, "cnn_x", (CNN_IMAGES, 1, 28, 28))
        self.labels = _read(d, "cnn_y", (CNN_IMAGES,)).astype(np.int64)
        h, w, c = WIDE_IMAGE
        self.wide = (
            _read(d, "wide_k_oihw", (WIDE_FILTERS, c, 3, 3)),
            _read(d, "wide_b", (WIDE_FILTERS,)),
        )
        self.wide_x = _read(d, "wide_x_nchw", (WIDE_BATCH, c, h, w))

    def batch(self, step):
        start = (step % (CNN_IMAGES // CNN_TRAIN_BATCH)) * CNN_TRAIN_BATCH
        return self.x[start : start + CNN_TRAIN_BATCH], self.labels[start : start + CNN_TRAIN_BATCH]

    def infer_batch(self):
        return self.x[:CNN_INFER_BATCH]


BATCH = {"G": CNN_INFER_BATCH, "H": CNN_TRAIN_BATCH, "I": WIDE_BATCH}


def run(versions, train_losses, infer_probabilities, wide_output, workloads):
    """`DATA_DIR conv-check` prints H's first ten losses, G's cross-entropy on the first training
    batch and samples of I's output (`wide_output` returns it NCHW; it is compared in NHWC
    order); `DATA_DIR conv-bench SECONDS` one result line (samples/s) per workload, each a
    (name, function of the ConvData returning the closure of one call) pair."""
    if len(sys.argv) < 3 or sys.argv[2] not in ("conv-check", "conv-bench"):
        sys.exit(f"usage: {sys.argv[0]} DATA_DIR (conv-check | conv-bench SECONDS)")
    data = ConvData(sys.argv[1])
    for name, version in versions.items():
        print(f"version {name} {version}")
    if sys.argv[2] == "conv-check":
        for i, loss in enumerate(train_losses(data)):
            print(f"loss {i} {float(loss):.9e}")
        p = np.asarray(infer_probabilities(data), dtype=np.float64)
        _, labels = data.batch(0)
        loss = -np.mean(np.log(p[np.arange(len(labels)), labels]))
        print(f"infer_loss {loss:.9e}")
        nhwc = np.asarray(wide_output(data)).transpose(0, 2, 3, 1).ravel()
        for i in range(0, nhwc.size, WIDE_SAMPLE_STRIDE):
            print(f"wide {i} {float(nhwc[i]):.9e}")
    else:
        seconds = float(sys.argv[3])
        for name, make in workloads:
            rate = common.calls_per_second(seconds, make(data))
            print(f"result {name} {rate * BATCH[name]:.6e}", flush=True)
