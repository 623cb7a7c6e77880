//! The convolutional suite: its shapes, the data `gen_data.py` wrote for it, what a peer
//! implements, and the `conv-check` / `conv-bench` output `driver.py` reads.
//!
//! - G: inference (softmax probabilities) of the CNN, batch 256.
//! - H: a training step of the CNN (forward, softmax cross-entropy, backward, SGD lr 0.01),
//!   batch 64.
//! - I: one 3x3 convolution 16 -> 32 channels, "same" padding, with bias, on 32x32 images,
//!   batch 32 (inference).
//!
//! The CNN is conv 5x5x6 (valid), relu, maxpool 2, conv 5x5x16 (valid), relu, maxpool 2,
//! flatten, dense 10: 28x28x1 -> 24x24x6 -> 12x12x6 -> 8x8x16 -> 4x4x16 -> 10. nn reads its
//! images channels-last (NHWC), PyTorch and burn NCHW; `gen_data.py` writes every kernel and
//! input in both layouts, so no peer rearranges anything itself.

use std::path::Path;

use crate::{LEARNING_RATE, Mode, Workload, calls_per_second, cross_entropy, read_f32};

/// The CNN's input: 28x28 pixels, one channel.
pub const CNN_PIXELS: usize = 28 * 28;
/// The CNN's classes.
pub const CNN_CLASSES: usize = 10;
/// The width of the CNN's flattened features (4x4x16), the dense layer's input.
pub const CNN_FEATURES: usize = 4 * 4 * 16;
/// Batch size of the train step (H).
pub const CNN_TRAIN_BATCH: usize = 64;
/// Batch size of inference (G).
pub const CNN_INFER_BATCH: usize = 256;
/// Images in the data: ten training batches.
pub const CNN_IMAGES: usize = 10 * CNN_TRAIN_BATCH;
/// I's input: height, width, channels.
pub const WIDE_IMAGE: (usize, usize, usize) = (32, 32, 16);
/// I's output channels.
pub const WIDE_FILTERS: usize = 32;
/// I's batch size.
pub const WIDE_BATCH: usize = 32;
/// `conv-check` prints every this many-th value of I's output (in NHWC order).
pub const WIDE_SAMPLE_STRIDE: usize = 4099;
/// SGD's learning rate in H (the MLP's).
pub const CNN_LEARNING_RATE: f32 = LEARNING_RATE;

/// One convolution's initial parameters, the kernel in both layouts.
pub struct ConvInit {
    /// Kernel height.
    pub kh: usize,
    /// Kernel width.
    pub kw: usize,
    /// Input channels.
    pub ic: usize,
    /// Output channels.
    pub oc: usize,
    /// The kernel `[KH, KW, IC, OC]` (nn's and Keras' layout).
    pub hwio: Vec<f32>,
    /// The kernel `[OC, IC, KH, KW]` (PyTorch's and burn's layout).
    pub oihw: Vec<f32>,
    /// The bias `[OC]`.
    pub bias: Vec<f32>,
}

impl ConvInit {
    fn load(dir: &Path, kernel: &str, bias: &str, [kh, kw, ic, oc]: [usize; 4]) -> Self {
        let len = kh * kw * ic * oc;
        Self {
            kh,
            kw,
            ic,
            oc,
            hwio: read_f32(dir, &format!("{kernel}_hwio"), len),
            oihw: read_f32(dir, &format!("{kernel}_oihw"), len),
            bias: read_f32(dir, bias, oc),
        }
    }
}

/// Everything `gen_data.py` wrote for the convolutional suite.
pub struct ConvData {
    /// The CNN's first convolution, 5x5, 1 -> 6.
    pub conv0: ConvInit,
    /// Its second, 5x5, 6 -> 16.
    pub conv1: ConvInit,
    /// The dense layer's kernel `[256, 10]`, rows in NHWC flattening order `(y, x, c)`.
    pub dense_nhwc: Vec<f32>,
    /// The same kernel, rows in NCHW flattening order `(c, y, x)`.
    pub dense_nchw: Vec<f32>,
    /// The dense layer's bias.
    pub dense_bias: Vec<f32>,
    /// `[CNN_IMAGES, 28 · 28]` images in [0, 1) (one channel: NHWC is NCHW).
    pub x: Vec<f32>,
    /// Their classes, 0..10.
    pub labels: Vec<usize>,
    /// I's convolution, 3x3, 16 -> 32.
    pub wide: ConvInit,
    /// I's input, `[WIDE_BATCH, 32 · 32 · 16]` channels-last.
    pub wide_x_nhwc: Vec<f32>,
    /// The same input, `[WIDE_BATCH, 16 · 32 · 32]` channels-first.
    pub wide_x_nchw: Vec<f32>,
}

impl ConvData {
    /// Reads the files `gen_data.py` wrote into `dir`.
    #[must_use]
    pub fn load(dir: &Path) -> Self {
        let (h, w, c) = WIDE_IMAGE;
        let wide_len = WIDE_BATCH * h * w * c;
        Self {
            conv0: ConvInit::load(dir, "cnn_k0", "cnn_b0", [5, 5, 1, 6]),
            conv1: ConvInit::load(dir, "cnn_k1", "cnn_b1", [5, 5, 6, 16]),
            dense_nhwc: read_f32(dir, "cnn_w2_nhwc", CNN_FEATURES * CNN_CLASSES),
            dense_nchw: read_f32(dir, "cnn_w2_nchw", CNN_FEATURES * CNN_CLASSES),
            dense_bias: read_f32(dir, "cnn_b2", CNN_CLASSES),
            x: read_f32(dir, "cnn_x", CNN_IMAGES * CNN_PIXELS),
            labels: read_f32(dir, "cnn_y", CNN_IMAGES)
                .iter()
                .map(|&c| c as usize)
                .collect(),
            wide: ConvInit::load(dir, "wide_k", "wide_b", [3, 3, c, WIDE_FILTERS]),
            wide_x_nhwc: read_f32(dir, "wide_x_nhwc", wide_len),
            wide_x_nchw: read_f32(dir, "wide_x_nchw", wide_len),
        }
    }

    /// The images and labels of training step `step` (the ten batches taken in turn).
    #[must_use]
    pub fn batch(&self, step: usize) -> (&[f32], &[usize]) {
        let start = (step % (CNN_IMAGES / CNN_TRAIN_BATCH)) * CNN_TRAIN_BATCH;
        let end = start + CNN_TRAIN_BATCH;
        (
            &self.x[start * CNN_PIXELS..end * CNN_PIXELS],
            &self.labels[start..end],
        )
    }

    /// The first `CNN_INFER_BATCH` images, the input of G.
    #[must_use]
    pub fn infer_batch(&self) -> &[f32] {
        &self.x[..CNN_INFER_BATCH * CNN_PIXELS]
    }
}

/// What a peer of the convolutional suite implements.
pub struct ConvPeer<'a> {
    /// The CNN's first ten training losses (each step's loss before its update).
    pub train_losses: &'a mut dyn FnMut() -> Vec<f64>,
    /// The CNN's class probabilities on the first training batch, in inference mode.
    pub infer_probabilities: &'a mut dyn FnMut() -> Vec<f32>,
    /// I's whole output, in NHWC order (`[WIDE_BATCH, 32, 32, 32]`).
    pub wide_output: &'a mut dyn FnMut() -> Vec<f32>,
    /// Workloads: name ("G", "H", "I") and a closure running one call of it.
    pub workloads: Vec<Workload<'a>>,
}

/// Samples per second from calls per second.
fn report(workload: &str, calls_per_second: f64) -> f64 {
    let batch = match workload {
        "G" => CNN_INFER_BATCH,
        "H" => CNN_TRAIN_BATCH,
        "I" => WIDE_BATCH,
        other => panic!("unknown workload {other}"),
    };
    calls_per_second * batch as f64
}

/// Runs the convolutional suite's `mode` on `peer`, printing the lines `driver.py` reads:
/// `loss i v` (H's losses), `infer_loss v` (G's cross-entropy on the first training batch) and
/// `wide i v` (samples of I's output) for `conv-check`, `result W v` for `conv-bench`.
pub fn run_conv(data: &ConvData, mode: &Mode, peer: ConvPeer<'_>) {
    match *mode {
        Mode::ConvCheck => {
            for (i, loss) in (peer.train_losses)().iter().enumerate() {
                println!("loss {i} {loss:.9e}");
            }
            let p = (peer.infer_probabilities)();
            let (_, labels) = data.batch(0);
            println!("infer_loss {:.9e}", cross_entropy(&p, CNN_CLASSES, labels));
            let wide = (peer.wide_output)();
            for (i, v) in wide.iter().enumerate().step_by(WIDE_SAMPLE_STRIDE) {
                println!("wide {i} {v:.9e}");
            }
        }
        Mode::ConvBench(seconds) => {
            for (name, mut f) in peer.workloads {
                let rate = calls_per_second(seconds, &mut f);
                println!("result {name} {:.6e}", report(name, rate));
            }
        }
        Mode::Check | Mode::Bench(_) => panic!("run_conv runs the conv modes only"),
    }
}
