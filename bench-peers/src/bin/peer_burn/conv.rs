//! burn's convolutional suite (G, H, I): `Conv2d`, `MaxPool2d` and `Linear` modules on NCHW
//! tensors, `CrossEntropyLoss` and `Sgd` on the autodiff device, inference on the plain one.

use std::path::Path;

use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::optim::{GradientsParams, SgdConfig};
use burn::tensor::activation::{relu, softmax};
use burn::tensor::{Device, Int, Tensor, TensorData};
use nn_bench_peers::conv::{
    CNN_CLASSES, CNN_FEATURES, CNN_IMAGES, CNN_INFER_BATCH, CNN_LEARNING_RATE, CNN_PIXELS,
    CNN_TRAIN_BATCH, ConvData, ConvInit, ConvPeer, WIDE_BATCH, WIDE_IMAGE, run_conv,
};
use nn_bench_peers::{CHECKED_STEPS, Mode};

/// A convolution with the given `[OC, IC, KH, KW]` kernel and bias.
fn conv(init: &ConvInit, padding: PaddingConfig2d, device: &Device) -> Conv2d {
    let mut conv = Conv2dConfig::new([init.ic, init.oc], [init.kh, init.kw])
        .with_padding(padding)
        .init(device);
    let kernel = TensorData::new(init.oihw.clone(), [init.oc, init.ic, init.kh, init.kw]);
    conv.weight = Param::from_tensor(Tensor::from_data(kernel, device));
    let bias = TensorData::new(init.bias.clone(), [init.oc]);
    conv.bias = Some(Param::from_tensor(Tensor::from_data(bias, device)));
    conv
}

/// The CNN of G and H (see `nn_bench_peers::conv`).
#[derive(Module, Debug)]
struct Cnn {
    conv0: Conv2d,
    conv1: Conv2d,
    pool: MaxPool2d,
    dense: Linear,
}

impl Cnn {
    fn new(data: &ConvData, device: &Device) -> Self {
        let mut dense = LinearConfig::new(CNN_FEATURES, CNN_CLASSES).init(device);
        let kernel = TensorData::new(data.dense_nchw.clone(), [CNN_FEATURES, CNN_CLASSES]);
        dense.weight = Param::from_tensor(Tensor::from_data(kernel, device));
        let bias = TensorData::new(data.dense_bias.clone(), [CNN_CLASSES]);
        dense.bias = Some(Param::from_tensor(Tensor::from_data(bias, device)));
        Self {
            conv0: conv(&data.conv0, PaddingConfig2d::Valid, device),
            conv1: conv(&data.conv1, PaddingConfig2d::Valid, device),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            dense,
        }
    }

    fn logits(&self, x: Tensor<4>) -> Tensor<2> {
        let h = self.pool.forward(relu(self.conv0.forward(x)));
        let h = self.pool.forward(relu(self.conv1.forward(h)));
        self.dense.forward(h.flatten(1, 3))
    }
}

/// `images` (`[n, 28 · 28]`, one channel) as an NCHW tensor.
fn images(x: &[f32], device: &Device) -> Tensor<4> {
    let n = x.len() / CNN_PIXELS;
    Tensor::from_data(TensorData::new(x.to_vec(), [n, 1, 28, 28]), device)
}

struct Trainer {
    model: Option<Cnn>,
    sgd: burn::optim::ModuleOptimizer,
    loss: CrossEntropyLoss,
    batches: Vec<(Tensor<4>, Tensor<1, Int>)>,
    step: usize,
}

impl Trainer {
    fn new(data: &ConvData, device: &Device) -> Self {
        let batches = (0..CNN_IMAGES / CNN_TRAIN_BATCH)
            .map(|s| {
                let (x, y) = data.batch(s);
                let labels: Vec<i64> = y.iter().map(|&c| c as i64).collect();
                let y = Tensor::from_data(TensorData::new(labels, [CNN_TRAIN_BATCH]), device);
                (images(x, device), y)
            })
            .collect();
        Self {
            model: Some(Cnn::new(data, device)),
            sgd: SgdConfig::new().init(),
            loss: CrossEntropyLossConfig::new().init(device),
            batches,
            step: 0,
        }
    }

    fn step(&mut self) -> f32 {
        let (x, y) = &self.batches[self.step % self.batches.len()];
        self.step += 1;
        let model = self.model.take().expect("model");
        let loss = self.loss.forward(model.logits(x.clone()), y.clone());
        let value = loss.clone().into_scalar::<f32>();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        self.model = Some(self.sgd.step(f64::from(CNN_LEARNING_RATE), model, grads));
        value
    }
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().to_vec::<f32>().expect("values")
}

/// Runs the convolutional suite (`conv-check` or `conv-bench`).
pub fn main(dir: &Path, mode: &Mode) {
    let data = ConvData::load(dir);
    let device = Device::ndarray();
    let train_device = device.clone().autodiff();
    let cnn = Cnn::new(&data, &device);
    let first = images(data.batch(0).0, &device);
    let batch = images(data.infer_batch(), &device);
    debug_assert_eq!(batch.dims()[0], CNN_INFER_BATCH);
    let wide = conv(&data.wide, PaddingConfig2d::Explicit(1, 1, 1, 1), &device);
    let (h, w, c) = WIDE_IMAGE;
    let wide_x = Tensor::from_data(
        TensorData::new(data.wide_x_nchw.clone(), [WIDE_BATCH, c, h, w]),
        &device,
    );
    let mut trainer = Trainer::new(&data, &train_device);
    run_conv(
        &data,
        mode,
        ConvPeer {
            train_losses: &mut || {
                let mut t = Trainer::new(&data, &train_device);
                (0..CHECKED_STEPS).map(|_| f64::from(t.step())).collect()
            },
            infer_probabilities: &mut || values(softmax(cnn.logits(first.clone()), 1)),
            wide_output: &mut || values(wide.forward(wide_x.clone()).permute([0, 2, 3, 1])),
            workloads: vec![
                (
                    "G",
                    Box::new(|| {
                        std::hint::black_box(values(softmax(cnn.logits(batch.clone()), 1)));
                    }),
                ),
                (
                    "H",
                    Box::new(|| {
                        trainer.step();
                    }),
                ),
                (
                    "I",
                    Box::new(|| {
                        std::hint::black_box(values(wide.forward(wide_x.clone())));
                    }),
                ),
            ],
        },
    );
}
