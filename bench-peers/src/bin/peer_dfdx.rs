//! dfdx 0.13 on the CPU: the networks as tuples of const-generic `Linear` and `ReLU` modules,
//! `cross_entropy_with_logits_loss` on one-hot targets, `Sgd`. Threads: RAYON_NUM_THREADS.

use dfdx::losses::cross_entropy_with_logits_loss;
use dfdx::nn::builders::{Linear, ReLU};
use dfdx::nn::{BuildOnDevice, DeviceBuildExt, Module, ModuleMut, ZeroGrads};
use dfdx::optim::{Optimizer, Sgd, SgdConfig};
use dfdx::shapes::{Axis, Rank1, Rank2};
use dfdx::tensor::{AsArray, Cpu, Gradients, Tensor, TensorFrom, Trace};
use dfdx::tensor_ops::Backward;
use nn_bench_peers::{
    BATCHES, CHECKED_STEPS, Data, DenseInit, INFER_BATCH, LEARNING_RATE, MLP, Peer, TRAIN_BATCH,
    args, run,
};

type MlpSpec = (
    (Linear<784, 300>, ReLU),
    (Linear<300, 100>, ReLU),
    Linear<100, 10>,
);
type TinySpec = (
    (Linear<16, 32>, ReLU),
    (Linear<32, 32>, ReLU),
    Linear<32, 4>,
);
type Mlp = <MlpSpec as BuildOnDevice<Cpu, f32>>::Built;
type Tiny = <TinySpec as BuildOnDevice<Cpu, f32>>::Built;

/// Builds a network and overwrites its parameters with `layers` (dfdx stores `[out, in]`).
macro_rules! load {
    ($dev:expr, $spec:ty, $layers:expr) => {{
        let mut net = $dev.build_module::<$spec, f32>();
        let l = $layers;
        net.0.0.weight.copy_from(&l[0].kernel_out_in());
        net.0.0.bias.copy_from(&l[0].bias);
        net.1.0.weight.copy_from(&l[1].kernel_out_in());
        net.1.0.bias.copy_from(&l[1].bias);
        net.2.weight.copy_from(&l[2].kernel_out_in());
        net.2.bias.copy_from(&l[2].bias);
        net
    }};
}

type Batch = Tensor<Rank2<TRAIN_BATCH, 784>, f32, Cpu>;
type OneHot = Tensor<Rank2<TRAIN_BATCH, 10>, f32, Cpu>;

struct Trainer {
    model: Mlp,
    sgd: Sgd<Mlp, f32, Cpu>,
    grads: Option<Gradients<f32, Cpu>>,
    batches: Vec<(Batch, OneHot)>,
    step: usize,
}

impl Trainer {
    fn new(dev: &Cpu, layers: &[DenseInit], data: &Data) -> Self {
        let model: Mlp = load!(dev, MlpSpec, layers);
        let config = SgdConfig {
            lr: f64::from(LEARNING_RATE),
            momentum: None,
            weight_decay: None,
        };
        let batches = (0..BATCHES)
            .map(|s| {
                let (x, y) = data.batch(s);
                let mut one_hot = vec![0.0f32; TRAIN_BATCH * MLP[3]];
                for (row, &class) in y.iter().enumerate() {
                    one_hot[row * MLP[3] + class] = 1.0;
                }
                (dev.tensor(x.to_vec()), dev.tensor(one_hot))
            })
            .collect();
        Self {
            sgd: Sgd::new(&model, config),
            grads: Some(model.alloc_grads()),
            model,
            batches,
            step: 0,
        }
    }

    fn step(&mut self) -> f32 {
        let (x, y) = &self.batches[self.step % BATCHES];
        self.step += 1;
        let grads = self.grads.take().expect("gradients");
        let logits = self.model.forward_mut(x.trace(grads));
        let loss = cross_entropy_with_logits_loss(logits, y.clone());
        let value = loss.array();
        let mut grads = loss.backward();
        self.sgd.update(&mut self.model, &grads).expect("sgd");
        self.model.zero_grads(&mut grads);
        self.grads = Some(grads);
        value
    }
}

fn main() {
    let (dir, mode) = args();
    let data = Data::load(&dir);
    let dev = Cpu::default();
    let mlp: Mlp = load!(dev, MlpSpec, &data.mlp);
    let tiny: Tiny = load!(dev, TinySpec, &data.tiny);
    let first: Batch = dev.tensor(data.batch(0).0.to_vec());
    let batch: Tensor<Rank2<INFER_BATCH, 784>, f32, Cpu> = dev.tensor(data.infer_batch().to_vec());
    let one: Tensor<Rank1<784>, f32, Cpu> = dev.tensor(data.x[..MLP[0]].to_vec());
    let tiny_x: Tensor<Rank1<16>, f32, Cpu> = dev.tensor(data.tiny_x.clone());
    let mut trainer = Trainer::new(&dev, &data.mlp, &data);
    run(
        &data,
        &mode,
        Peer {
            train_losses: &mut || {
                let mut t = Trainer::new(&dev, &data.mlp, &data);
                (0..CHECKED_STEPS).map(|_| f64::from(t.step())).collect()
            },
            infer_probabilities: &mut || mlp.forward(first.clone()).softmax::<Axis<1>>().as_vec(),
            tiny_output: &mut || tiny.forward(tiny_x.clone()).as_vec(),
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
                        std::hint::black_box(mlp.forward(batch.clone()).softmax::<Axis<1>>());
                    }),
                ),
                (
                    "C",
                    Box::new(|| {
                        std::hint::black_box(mlp.forward(one.clone()).softmax::<Axis<0>>());
                    }),
                ),
                (
                    "D",
                    Box::new(|| {
                        std::hint::black_box(tiny.forward(tiny_x.clone()));
                    }),
                ),
            ],
        },
    );
}
