//! candle (candle-core, candle-nn) on the CPU: `Linear` layers, `loss::cross_entropy`, the `SGD`
//! optimizer over `Var`s, and inference on detached weights. Threads: RAYON_NUM_THREADS.

use candle_core::{DType, Device, Module, Tensor, Var};
use candle_nn::{Linear, Optimizer, SGD, loss, ops};
use nn_bench_peers::{
    BATCHES, CHECKED_STEPS, Data, DenseInit, LEARNING_RATE, MLP, Peer, TRAIN_BATCH, args, run,
};

/// The parameters of one network as trainable variables, weights `[out, in]`.
fn variables(layers: &[DenseInit], device: &Device) -> Vec<(Var, Var)> {
    layers
        .iter()
        .map(|l| {
            let weight = Var::from_slice(&l.kernel_out_in(), (l.outputs, l.inputs), device);
            let bias = Var::from_slice(&l.bias, l.outputs, device);
            (weight.expect("weight"), bias.expect("bias"))
        })
        .collect()
}

/// Linear, ReLU, Linear, ReLU, Linear on the given parameters.
struct Mlp(Vec<Linear>);

impl Mlp {
    fn new(params: &[(Tensor, Tensor)]) -> Self {
        Self(
            params
                .iter()
                .map(|(w, b)| Linear::new(w.clone(), Some(b.clone())))
                .collect(),
        )
    }

    fn logits(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let mut h = x.clone();
        for (i, layer) in self.0.iter().enumerate() {
            h = layer.forward(&h)?;
            if i + 1 < self.0.len() {
                h = h.relu()?;
            }
        }
        Ok(h)
    }
}

/// The model over the variables themselves (so the graph reaches them) and its optimizer.
struct Trainer {
    model: Mlp,
    sgd: SGD,
    batches: Vec<(Tensor, Tensor)>,
    step: usize,
}

impl Trainer {
    fn new(data: &Data, device: &Device) -> Self {
        let vars = variables(&data.mlp, device);
        let params: Vec<_> = vars
            .iter()
            .map(|(w, b)| (w.as_tensor().clone(), b.as_tensor().clone()))
            .collect();
        let all = vars.into_iter().flat_map(|(w, b)| [w, b]).collect();
        let batches = (0..BATCHES)
            .map(|s| {
                let (x, y) = data.batch(s);
                let labels: Vec<u32> = y.iter().map(|&c| c as u32).collect();
                let x = Tensor::from_slice(x, (TRAIN_BATCH, MLP[0]), device).expect("x");
                (
                    x,
                    Tensor::from_slice(&labels, TRAIN_BATCH, device).expect("y"),
                )
            })
            .collect();
        Self {
            model: Mlp::new(&params),
            sgd: SGD::new(all, f64::from(LEARNING_RATE)).expect("sgd"),
            batches,
            step: 0,
        }
    }

    fn step(&mut self) -> f32 {
        let (x, y) = &self.batches[self.step % BATCHES];
        self.step += 1;
        let loss = loss::cross_entropy(&self.model.logits(x).expect("forward"), y).expect("loss");
        self.sgd.backward_step(&loss).expect("sgd");
        loss.to_scalar::<f32>().expect("scalar")
    }
}

/// A model for inference on copies of the initial weights that no graph tracks.
fn inference_model(layers: &[DenseInit], device: &Device) -> Mlp {
    let params: Vec<_> = variables(layers, device)
        .iter()
        .map(|(w, b)| (w.as_tensor().detach(), b.as_tensor().detach()))
        .collect();
    Mlp::new(&params)
}

fn input(rows: &[f32], width: usize, device: &Device) -> Tensor {
    Tensor::from_slice(rows, (rows.len() / width, width), device).expect("input")
}

fn probabilities(model: &Mlp, x: &Tensor) -> Tensor {
    ops::softmax_last_dim(&model.logits(x).expect("forward")).expect("softmax")
}

fn main() {
    let (dir, mode) = args();
    let data = Data::load(&dir);
    let device = Device::Cpu;
    let mlp = inference_model(&data.mlp, &device);
    let tiny = inference_model(&data.tiny, &device);
    let (batch, one) = (
        input(data.infer_batch(), MLP[0], &device),
        input(&data.x[..MLP[0]], MLP[0], &device),
    );
    let first = input(data.batch(0).0, MLP[0], &device);
    let tiny_x = input(&data.tiny_x, data.tiny_x.len(), &device);
    let mut trainer = Trainer::new(&data, &device);
    let flat = |t: Tensor| -> Vec<f32> {
        t.to_dtype(DType::F32)
            .and_then(|t| t.flatten_all())
            .and_then(|t| t.to_vec1())
            .expect("values")
    };
    run(
        &data,
        &mode,
        Peer {
            train_losses: &mut || {
                let mut t = Trainer::new(&data, &device);
                (0..CHECKED_STEPS).map(|_| f64::from(t.step())).collect()
            },
            infer_probabilities: &mut || flat(probabilities(&mlp, &first)),
            tiny_output: &mut || flat(tiny.logits(&tiny_x).expect("tiny")),
            workloads: vec![
                (
                    "A",
                    Box::new(|| {
                        trainer.step();
                    }),
                ),
                (
                    "B",
                    Box::new(|| {
                        std::hint::black_box(probabilities(&mlp, &batch));
                    }),
                ),
                (
                    "C",
                    Box::new(|| {
                        std::hint::black_box(probabilities(&mlp, &one));
                    }),
                ),
                (
                    "D",
                    Box::new(|| {
                        std::hint::black_box(tiny.logits(&tiny_x).expect("tiny"));
                    }),
                ),
            ],
        },
    );
}
