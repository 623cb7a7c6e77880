//! Trains a small classifier on the 8x8 handwritten digits that ship with smartcore, with the
//! network assembled by hand from runtime layers: exactly the code the `network!` macro
//! generates for `Digits(64) < dense(128, he_normal), batchnorm, relu, dense(10, softmax) >`.
//!
//! Run: `cargo run --release --example digits_by_hand`

use nn::activation::{Relu, Softmax};
use nn::loss::{Loss, Targets};
use nn::optim::{Adam, Optimizer};
use nn::reexports::ndarray::{Array2, ArrayView2, Axis};
use nn::reexports::rand::seq::SliceRandom;
use nn::{
    ActivationLayer, BatchNorm, Dense, Initializer, Layer, ParamMut, Parameters, SeededRng,
    seeded_rng,
};

const SEED: u64 = 42;
const EPOCHS: usize = 20;
const BATCH: usize = 32;

/// 64 -> dense 128 (no bias: batch norm's beta shifts) -> batch norm -> relu -> dense 10 softmax.
struct Digits {
    hidden: Dense<64, 128>,
    norm: BatchNorm<128>,
    relu: ActivationLayer<128, Relu>,
    output: Dense<128, 10, Softmax>,
}

impl Digits {
    fn new(rng: &mut SeededRng) -> Self {
        Self {
            hidden: Dense::new(Default::default(), Initializer::HeNormal, rng).without_bias(),
            norm: BatchNorm::new(),
            relu: ActivationLayer::new(Relu),
            output: Dense::new(Softmax, Initializer::GlorotUniform, rng),
        }
    }

    /// Training-mode forward; the output layer keeps its logits for the fused loss.
    fn forward_train(&mut self, x: ArrayView2<'_, f32>, rng: &mut SeededRng) -> nn::Result<()> {
        let h = self.hidden.forward_train(x, rng)?;
        let h = self.norm.forward_train(h, rng)?;
        let h = self.relu.forward_train(h, rng)?;
        self.output.forward_train(h, rng)?;
        Ok(())
    }

    /// Backward from the gradient of the logits, each layer given the input it saw.
    fn backward(
        &mut self,
        x: ArrayView2<'_, f32>,
        grad_logits: ArrayView2<'_, f32>,
    ) -> nn::Result<()> {
        let g = self
            .output
            .backward_from_pre_activation(self.relu.output(), grad_logits)?;
        let g = self.relu.backward(self.norm.output(), g)?;
        let g = self.norm.backward(self.hidden.output(), g)?;
        self.hidden.backward(x, g)?;
        Ok(())
    }

    /// Inference: batch norm uses its running statistics.
    fn predict(&self, x: ArrayView2<'_, f32>) -> nn::Result<Array2<f32>> {
        let rows = x.nrows();
        let mut h = Array2::zeros((rows, 128));
        self.hidden.forward_infer(x, h.view_mut())?;
        let mut n = Array2::zeros((rows, 128));
        self.norm.forward_infer(h.view(), n.view_mut())?;
        self.relu.forward_infer(n.view(), h.view_mut())?;
        let mut probabilities = Array2::zeros((rows, 10));
        self.output
            .forward_infer(h.view(), probabilities.view_mut())?;
        Ok(probabilities)
    }
}

impl Parameters<f32> for Digits {
    fn visit_params(&mut self, visit: &mut dyn FnMut(ParamMut<'_, f32>)) {
        self.hidden.visit_params(visit);
        self.norm.visit_params(visit);
        self.relu.visit_params(visit);
        self.output.visit_params(visit);
    }
}

fn accuracy(probabilities: &Array2<f32>, labels: &[usize]) -> f64 {
    let correct = probabilities
        .axis_iter(Axis(0))
        .zip(labels)
        .filter(|(row, label)| {
            let best = row
                .iter()
                .enumerate()
                .fold((0, f32::MIN), |b, (i, &p)| if p > b.1 { (i, p) } else { b });
            best.0 == **label
        })
        .count();
    correct as f64 / labels.len() as f64
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let digits = smartcore::dataset::digits::load_dataset();
    let samples = digits.num_samples;
    // Pixel intensities are 0..=16; scale to [0, 1].
    let features =
        Array2::from_shape_vec((samples, digits.num_features), digits.data)?.mapv(|v| v / 16.0);
    let labels: Vec<usize> = digits.target.iter().map(|&t| t as usize).collect();

    let mut rng = seeded_rng(SEED);
    let mut order: Vec<usize> = (0..samples).collect();
    order.shuffle(&mut rng);
    let test_count = samples / 5;
    let (test_rows, train_rows) = order.split_at(test_count);
    let pick = |rows: &[usize]| {
        (
            features.select(Axis(0), rows),
            rows.iter().map(|&r| labels[r]).collect::<Vec<_>>(),
        )
    };
    let (x_train, y_train) = pick(train_rows);
    let (x_test, y_test) = pick(test_rows);
    println!(
        "digits: {} training and {} test samples of 64 pixels, 10 classes",
        y_train.len(),
        y_test.len()
    );

    let mut net = Digits::new(&mut rng);
    let mut adam = Adam::new(1e-3)?;
    let mut grad = Array2::zeros((BATCH, 10));
    let mut batch_order: Vec<usize> = (0..y_train.len()).collect();
    for epoch in 1..=EPOCHS {
        batch_order.shuffle(&mut rng);
        let mut total = 0.0;
        for chunk in batch_order.chunks(BATCH) {
            let x = x_train.select(Axis(0), chunk);
            let y: Vec<usize> = chunk.iter().map(|&i| y_train[i]).collect();
            net.forward_train(x.view(), &mut rng)?;
            let mut grad = grad.slice_mut(nn::reexports::ndarray::s![..chunk.len(), ..]);
            let (loss, _) = Loss::CrossEntropy.evaluate(
                nn::activation::ActivationKind::Softmax,
                net.output.output(),
                net.output.pre_activation(),
                Targets::Classes(&y),
                grad.view_mut(),
            )?;
            total += loss as f64 * chunk.len() as f64;
            net.backward(x.view(), grad.view())?;
            adam.step(&mut net)?;
        }
        let test_accuracy = accuracy(&net.predict(x_test.view())?, &y_test);
        println!(
            "epoch {epoch:>2}: training loss {:.4}, test accuracy {test_accuracy:.4}",
            total / y_train.len() as f64
        );
    }
    let final_accuracy = accuracy(&net.predict(x_test.view())?, &y_test);
    println!("final test accuracy: {final_accuracy:.4}");
    Ok(())
}
