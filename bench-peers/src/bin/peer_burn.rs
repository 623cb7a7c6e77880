//! burn on its NdArray backend (simd, rayon): a `Module` of three `Linear` layers,
//! `CrossEntropyLoss`, the `Sgd` optimizer on the autodiff device, inference on the plain
//! NdArray device; the convolutional suite in `peer_burn/conv.rs`. Threads: RAYON_NUM_THREADS.
#![allow(deprecated)] // burn 0.22 deprecates the NdArray backend in favour of Flex

#[path = "peer_burn/conv.rs"]
mod conv;

use burn::module::{Module, Param};
use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::nn::{Linear, LinearConfig};
use burn::optim::{GradientsParams, SgdConfig};
use burn::tensor::activation::{relu, softmax};
use burn::tensor::{Device, Int, Tensor, TensorData};
use nn_bench_peers::{
    BATCHES, CHECKED_STEPS, Data, DenseInit, LEARNING_RATE, MLP, Peer, TRAIN_BATCH, args, run,
};

#[derive(Module, Debug)]
struct Mlp {
    layers: Vec<Linear>,
}

impl Mlp {
    /// Linear layers with the given `[in, out]` kernels (burn's row layout) and biases.
    fn new(layers: &[DenseInit], device: &Device) -> Self {
        let layers = layers
            .iter()
            .map(|l| {
                let mut linear = LinearConfig::new(l.inputs, l.outputs).init(device);
                let kernel = TensorData::new(l.kernel.clone(), [l.inputs, l.outputs]);
                let bias = TensorData::new(l.bias.clone(), [l.outputs]);
                linear.weight = Param::from_tensor(Tensor::from_data(kernel, device));
                linear.bias = Some(Param::from_tensor(Tensor::from_data(bias, device)));
                linear
            })
            .collect();
        Self { layers }
    }

    fn logits(&self, x: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        self.layers.iter().enumerate().fold(x, |h, (i, layer)| {
            let h = layer.forward(h);
            if i < last { relu(h) } else { h }
        })
    }
}

fn rows(x: &[f32], width: usize, device: &Device) -> Tensor<2> {
    Tensor::from_data(
        TensorData::new(x.to_vec(), [x.len() / width, width]),
        device,
    )
}

fn values(t: Tensor<2>) -> Vec<f32> {
    t.into_data().to_vec::<f32>().expect("values")
}

struct Trainer {
    model: Option<Mlp>,
    sgd: burn::optim::ModuleOptimizer,
    loss: CrossEntropyLoss,
    batches: Vec<(Tensor<2>, Tensor<1, Int>)>,
    step: usize,
}

impl Trainer {
    fn new(data: &Data, device: &Device) -> Self {
        let batches = (0..BATCHES)
            .map(|s| {
                let (x, y) = data.batch(s);
                let labels: Vec<i64> = y.iter().map(|&c| c as i64).collect();
                let y = Tensor::from_data(TensorData::new(labels, [TRAIN_BATCH]), device);
                (rows(x, MLP[0], device), y)
            })
            .collect();
        Self {
            model: Some(Mlp::new(&data.mlp, device)),
            sgd: SgdConfig::new().init(),
            loss: CrossEntropyLossConfig::new().init(device),
            batches,
            step: 0,
        }
    }

    fn step(&mut self) -> f32 {
        let (x, y) = &self.batches[self.step % BATCHES];
        self.step += 1;
        let model = self.model.take().expect("model");
        let loss = self.loss.forward(model.logits(x.clone()), y.clone());
        let value = loss.clone().into_scalar::<f32>();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        self.model = Some(self.sgd.step(f64::from(LEARNING_RATE), model, grads));
        value
    }
}

fn main() {
    let (dir, mode) = args();
    if mode.is_conv() {
        conv::main(&dir, &mode);
        return;
    }
    let data = Data::load(&dir);
    let device = Device::ndarray();
    let train_device = device.clone().autodiff();
    let mlp = Mlp::new(&data.mlp, &device);
    let tiny = Mlp::new(&data.tiny, &device);
    let batch = rows(data.infer_batch(), MLP[0], &device);
    let one = rows(&data.x[..MLP[0]], MLP[0], &device);
    let first = rows(data.batch(0).0, MLP[0], &device);
    let tiny_x = rows(&data.tiny_x, data.tiny_x.len(), &device);
    let mut trainer = Trainer::new(&data, &train_device);
    run(
        &data,
        &mode,
        Peer {
            train_losses: &mut || {
                let mut t = Trainer::new(&data, &train_device);
                (0..CHECKED_STEPS).map(|_| f64::from(t.step())).collect()
            },
            infer_probabilities: &mut || values(softmax(mlp.logits(first.clone()), 1)),
            tiny_output: &mut || values(tiny.logits(tiny_x.clone())),
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
                        std::hint::black_box(softmax(mlp.logits(batch.clone()), 1));
                    }),
                ),
                (
                    "C",
                    Box::new(|| {
                        std::hint::black_box(softmax(mlp.logits(one.clone()), 1));
                    }),
                ),
                (
                    "D",
                    Box::new(|| {
                        std::hint::black_box(tiny.logits(tiny_x.clone()));
                    }),
                ),
            ],
        },
    );
}
