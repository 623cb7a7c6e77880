//! What every Rust peer shares: the workloads' shapes, the data and initial weights written by
//! `gen_data.py`, the command line, the timing loop and the output lines `driver.py` reads.
//!
//! A peer binary is run as `peer-X DATA_DIR check` (prints the first ten training losses, the
//! inference loss on the first batch and the tiny network's output, so the driver can check that
//! every peer computes the same function) or `peer-X DATA_DIR bench SECONDS` (prints one
//! `result` line per workload it implements). The convolutional workloads are a suite of their
//! own, run as `peer-X DATA_DIR conv-check` and `peer-X DATA_DIR conv-bench SECONDS` by the peers
//! that implement them ([`conv`]).

pub mod conv;

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

/// Widths of the MLP (workloads A, B, C) and of the tiny network (D).
pub const MLP: [usize; 4] = [784, 300, 100, 10];
pub const TINY: [usize; 4] = [16, 32, 32, 4];
/// Batch sizes of the train step (A) and of batched inference (B).
pub const TRAIN_BATCH: usize = 128;
pub const INFER_BATCH: usize = 256;
/// Learning rate of plain SGD in A.
pub const LEARNING_RATE: f32 = 0.01;
/// Number of distinct training batches in the data; the first ten steps are checked.
pub const BATCHES: usize = 10;
pub const CHECKED_STEPS: usize = 10;

/// One dense layer's initial parameters, the kernel `[inputs, outputs]` row-major (Keras'
/// layout).
pub struct DenseInit {
    pub inputs: usize,
    pub outputs: usize,
    pub kernel: Vec<f32>,
    pub bias: Vec<f32>,
}

impl DenseInit {
    /// The kernel as `[outputs, inputs]` (PyTorch's and candle's layout).
    #[must_use]
    pub fn kernel_out_in(&self) -> Vec<f32> {
        let mut t = vec![0.0; self.kernel.len()];
        for i in 0..self.inputs {
            for o in 0..self.outputs {
                t[o * self.inputs + i] = self.kernel[i * self.outputs + o];
            }
        }
        t
    }
}

/// Everything `gen_data.py` wrote.
pub struct Data {
    /// The MLP's three layers.
    pub mlp: Vec<DenseInit>,
    /// The tiny network's three layers.
    pub tiny: Vec<DenseInit>,
    /// `[BATCHES * TRAIN_BATCH, 784]` inputs in [0, 1).
    pub x: Vec<f32>,
    /// Their classes, 0..10.
    pub labels: Vec<usize>,
    /// The tiny network's one input row.
    pub tiny_x: Vec<f32>,
}

/// The values of `name.f32` in `dir`, which must hold exactly `len` of them.
#[must_use]
pub fn read_f32(dir: &Path, name: &str, len: usize) -> Vec<f32> {
    let path = dir.join(format!("{name}.f32"));
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run gen_data.py first)", path.display()));
    assert_eq!(bytes.len(), 4 * len, "{}: wrong length", path.display());
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn read_net(dir: &Path, prefix: &str, widths: [usize; 4]) -> Vec<DenseInit> {
    (0..3)
        .map(|l| {
            let (inputs, outputs) = (widths[l], widths[l + 1]);
            DenseInit {
                inputs,
                outputs,
                kernel: read_f32(dir, &format!("{prefix}_w{l}"), inputs * outputs),
                bias: read_f32(dir, &format!("{prefix}_b{l}"), outputs),
            }
        })
        .collect()
}

impl Data {
    /// Reads the files `gen_data.py` wrote into `dir`.
    #[must_use]
    pub fn load(dir: &Path) -> Self {
        let rows = BATCHES * TRAIN_BATCH;
        Self {
            mlp: read_net(dir, "mlp", MLP),
            tiny: read_net(dir, "tiny", TINY),
            x: read_f32(dir, "x", rows * MLP[0]),
            labels: read_f32(dir, "y", rows)
                .iter()
                .map(|&c| c as usize)
                .collect(),
            tiny_x: read_f32(dir, "tiny_x", TINY[0]),
        }
    }

    /// The inputs and labels of training step `step` (the batches taken in turn).
    #[must_use]
    pub fn batch(&self, step: usize) -> (&[f32], &[usize]) {
        let start = (step % BATCHES) * TRAIN_BATCH;
        let end = start + TRAIN_BATCH;
        (
            &self.x[start * MLP[0]..end * MLP[0]],
            &self.labels[start..end],
        )
    }

    /// The first `INFER_BATCH` rows, the input of B.
    #[must_use]
    pub fn infer_batch(&self) -> &[f32] {
        &self.x[..INFER_BATCH * MLP[0]]
    }
}

/// Mean cross-entropy of class probabilities `[rows, classes]` against `labels`.
#[must_use]
pub fn cross_entropy(probabilities: &[f32], classes: usize, labels: &[usize]) -> f64 {
    let total: f64 = labels
        .iter()
        .enumerate()
        .map(|(r, &c)| -f64::from(probabilities[r * classes + c]).ln())
        .sum();
    total / labels.len() as f64
}

/// Calls of `f` per second: warms up, then runs `f` until `seconds` have passed.
pub fn calls_per_second<R>(seconds: f64, mut f: impl FnMut() -> R) -> f64 {
    let warm = Instant::now();
    let mut n = 0u32;
    while n < 3 || warm.elapsed().as_secs_f64() < seconds * 0.2 {
        black_box(f());
        n += 1;
    }
    let start = Instant::now();
    let mut calls = 0u64;
    let mut chunk = 1u64;
    loop {
        for _ in 0..chunk {
            black_box(f());
        }
        calls += chunk;
        let elapsed = start.elapsed().as_secs_f64();
        if elapsed >= seconds {
            return calls as f64 / elapsed;
        }
        chunk = (chunk * 2).min(1 << 16);
    }
}

/// What a peer implements; `None` for a workload it does not.
pub struct Peer<'a> {
    /// The first `CHECKED_STEPS` training losses (each step's loss before its update).
    pub train_losses: &'a mut dyn FnMut() -> Vec<f64>,
    /// Class probabilities of the MLP on the first `TRAIN_BATCH` rows, in inference mode.
    pub infer_probabilities: &'a mut dyn FnMut() -> Vec<f32>,
    /// The tiny network's output on `tiny_x`.
    pub tiny_output: &'a mut dyn FnMut() -> Vec<f32>,
    /// Workloads: name ("A", "B", "C", "D") and a closure running one call of it.
    pub workloads: Vec<Workload<'a>>,
}

/// A workload's name and a closure running one call of it.
pub type Workload<'a> = (&'static str, Box<dyn FnMut() + 'a>);

/// Samples (or calls) per call of each workload, and how a rate is reported.
fn report(workload: &str, calls_per_second: f64) -> f64 {
    match workload {
        "A" => calls_per_second * TRAIN_BATCH as f64, // samples/s
        "B" => calls_per_second * INFER_BATCH as f64, // samples/s
        "C" => 1e6 / calls_per_second,                // microseconds per call
        "D" => 1e9 / calls_per_second,                // nanoseconds per call
        other => panic!("unknown workload {other}"),
    }
}

/// The command line: `DATA_DIR check` or `DATA_DIR bench SECONDS` (the MLP workloads), or
/// `DATA_DIR conv-check` or `DATA_DIR conv-bench SECONDS` (the convolutional ones).
pub enum Mode {
    /// The MLP suite's agreement outputs.
    Check,
    /// The MLP suite's workloads, each timed for the given seconds.
    Bench(f64),
    /// The convolutional suite's agreement outputs.
    ConvCheck,
    /// The convolutional suite's workloads, each timed for the given seconds.
    ConvBench(f64),
}

impl Mode {
    /// Whether this is the convolutional suite.
    #[must_use]
    pub fn is_conv(&self) -> bool {
        matches!(self, Self::ConvCheck | Self::ConvBench(_))
    }
}

/// Returns the data directory and what to do, from the command line.
#[must_use]
pub fn args() -> (std::path::PathBuf, Mode) {
    let args: Vec<String> = std::env::args().collect();
    let usage = || -> ! {
        eprintln!(
            "usage: {} DATA_DIR (check | bench SECONDS | conv-check | conv-bench SECONDS)",
            args[0]
        );
        std::process::exit(2)
    };
    let dir = args.get(1).unwrap_or_else(|| usage()).into();
    let mode = match (args.get(2).map(String::as_str), args.get(3)) {
        (Some("check"), None) => Mode::Check,
        (Some("bench"), Some(s)) => Mode::Bench(s.parse().unwrap_or_else(|_| usage())),
        (Some("conv-check"), None) => Mode::ConvCheck,
        (Some("conv-bench"), Some(s)) => Mode::ConvBench(s.parse().unwrap_or_else(|_| usage())),
        _ => usage(),
    };
    (dir, mode)
}

/// Runs `mode` on `peer`, printing the lines `driver.py` reads; a peer without convolutional
/// workloads exits with status 2 on the conv modes.
pub fn run(data: &Data, mode: &Mode, peer: Peer<'_>) {
    match *mode {
        Mode::ConvCheck | Mode::ConvBench(_) => {
            eprintln!("this peer has no convolutional workloads");
            std::process::exit(2)
        }
        Mode::Check => {
            for (i, loss) in (peer.train_losses)().iter().enumerate() {
                println!("loss {i} {loss:.9e}");
            }
            let p = (peer.infer_probabilities)();
            let (_, labels) = data.batch(0);
            println!("infer_loss {:.9e}", cross_entropy(&p, MLP[3], labels));
            for (i, v) in (peer.tiny_output)().iter().enumerate() {
                println!("tiny {i} {v:.9e}");
            }
        }
        Mode::Bench(seconds) => {
            for (name, mut f) in peer.workloads {
                let rate = calls_per_second(seconds, &mut f);
                println!("result {name} {:.6e}", report(name, rate));
            }
        }
    }
}
