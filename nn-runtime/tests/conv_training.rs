//! End to end: a hand-assembled conv net (Conv2d 3x3 relu -> MaxPool2d 2 -> Dense softmax; the
//! flatten between pool and dense is implicit in the NHWC rows) trained with SGD on the 8x8
//! digits viewed as 8x8x1 images. The loss must drop and the accuracy rise.

use ndarray::{Array2, ArrayView2, Axis};
use nn_runtime::activation::{Relu, Softmax};
use nn_runtime::layer::{Conv2d, MaxPool2d, Padding};
use nn_runtime::loss::{Targets, softmax_cross_entropy};
use nn_runtime::optim::{Optimizer, Sgd};
use nn_runtime::{Dense, Initializer, Layer, ParamMut, Parameters, Result, seeded_rng};

struct ConvNet {
    conv: Conv2d<8, 8, 1, 6, 6, 8, Relu>,
    pool: MaxPool2d<6, 6, 8, 3, 3>,
    dense: Dense<72, 10, Softmax>,
}

impl ConvNet {
    fn new(seed: u64) -> Result<Self> {
        let mut rng = seeded_rng(seed);
        Ok(Self {
            conv: Conv2d::new(
                (3, 3),
                (1, 1),
                Padding::Valid,
                Relu,
                Initializer::HeNormal,
                &mut rng,
            )?,
            pool: MaxPool2d::new((2, 2), (2, 2))?,
            dense: Dense::new(Softmax, Initializer::GlorotUniform, &mut rng),
        })
    }

    /// One SGD step on a batch; returns its loss.
    fn step(&mut self, x: ArrayView2<'_, f32>, y: &[usize], sgd: &mut Sgd) -> Result<f32> {
        let mut rng = seeded_rng(0);
        let a = self.conv.forward_train(x, &mut rng)?.to_owned();
        let p = self.pool.forward_train(a.view(), &mut rng)?.to_owned();
        self.dense.forward_train(p.view(), &mut rng)?;
        let mut grad = Array2::zeros((x.nrows(), 10));
        let loss = softmax_cross_entropy(
            self.dense.pre_activation(),
            Targets::Classes(y),
            grad.view_mut(),
        )?;
        let gp = self
            .dense
            .backward_from_pre_activation(p.view(), grad.view())?
            .to_owned();
        let ga = self.pool.backward(a.view(), gp.view())?.to_owned();
        self.conv.backward(x, ga.view())?;
        sgd.step(self)?;
        Ok(loss)
    }

    /// Mean loss and accuracy in inference mode.
    fn evaluate(&self, x: ArrayView2<'_, f32>, y: &[usize]) -> Result<(f32, f64)> {
        let rows = x.nrows();
        let mut a = Array2::zeros((rows, 288));
        self.conv.forward_infer(x, a.view_mut())?;
        let mut p = Array2::zeros((rows, 72));
        self.pool.forward_infer(a.view(), p.view_mut())?;
        let mut probabilities = Array2::zeros((rows, 10));
        self.dense
            .forward_infer(p.view(), probabilities.view_mut())?;
        let loss = y
            .iter()
            .zip(probabilities.axis_iter(Axis(0)))
            .map(|(&label, row)| -row[label].max(1e-7).ln())
            .sum::<f32>()
            / rows as f32;
        let correct = y
            .iter()
            .zip(probabilities.axis_iter(Axis(0)))
            .filter(|&(&label, row)| row.iter().all(|&p| p <= row[label]))
            .count();
        Ok((loss, correct as f64 / rows as f64))
    }
}

impl Parameters<f32> for ConvNet {
    fn visit_params(&mut self, visit: &mut dyn FnMut(ParamMut<'_, f32>)) {
        self.conv.visit_params(visit);
        self.dense.visit_params(visit);
    }
}

#[test]
fn a_small_conv_net_learns_the_digits() -> Result<()> {
    let digits = smartcore::dataset::digits::load_dataset();
    let x = Array2::from_shape_vec((digits.num_samples, 64), digits.data)
        .expect("1797 x 64")
        .mapv(|v| v / 16.0);
    let y: Vec<usize> = digits.target.iter().map(|&t| t as usize).collect();
    let (x_train, y_train) = (x.slice(ndarray::s![..1400, ..]), &y[..1400]);
    let (x_test, y_test) = (x.slice(ndarray::s![1400.., ..]), &y[1400..]);

    let mut net = ConvNet::new(7)?;
    let mut sgd = Sgd::new(0.1)?;
    let (loss_before, _) = net.evaluate(x_train, y_train)?;
    for _epoch in 0..3 {
        for start in (0..1400).step_by(32) {
            let end = (start + 32).min(1400);
            net.step(
                x_train.slice(ndarray::s![start..end, ..]),
                &y_train[start..end],
                &mut sgd,
            )?;
        }
    }
    let (loss_after, _) = net.evaluate(x_train, y_train)?;
    let (_, test_accuracy) = net.evaluate(x_test, y_test)?;
    eprintln!("loss {loss_before:.4} -> {loss_after:.4}, test accuracy {test_accuracy:.4}");
    assert!(
        loss_after < 0.3 * loss_before,
        "{loss_before} -> {loss_after}"
    );
    assert!(test_accuracy > 0.8, "test accuracy {test_accuracy}");
    Ok(())
}
