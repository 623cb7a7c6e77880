//! Per-layer statistics of one training step: activation moments, dead and saturated units
//! from a layer's output, and norms from the parameters' values and gradients.

use ndarray::{ArrayView2, Axis};

use crate::activation::ActivationKind;
use crate::optim::sum_of_squares;
use crate::{Float, ParamMut};

/// A unit of a sigmoid or tanh layer counts as saturated when its derivative, averaged over
/// the batch and divided by the activation's largest derivative (1/4 for sigmoid, 1 for
/// tanh), is below this: for tanh, `|a|` stays above about 0.975.
pub const SATURATION_DERIVATIVE: f64 = 0.05;

/// The moments and unit counts of one layer's output over a batch.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct OutputStats {
    pub mean: f64,
    pub std: f64,
    pub dead_fraction: Option<f64>,
    pub saturated_fraction: Option<f64>,
}

/// The statistics of `output` (`[batch, units]`), a layer's output under `activation`.
///
/// A ReLU-family unit is dead when its output is never positive over the batch (for ReLU
/// itself: zero for every sample, so no gradient reaches its weights; the leaky variants keep
/// only their small negative slope). A sigmoid or tanh unit is saturated as
/// [`SATURATION_DERIVATIVE`] says.
pub(crate) fn output_stats<T: Float>(
    output: ArrayView2<'_, T>,
    activation: Option<ActivationKind>,
) -> OutputStats {
    let count = output.len();
    if count == 0 {
        return OutputStats::default();
    }
    let mean = output.iter().map(|v| v.as_f64()).sum::<f64>() / count as f64;
    let variance = output
        .iter()
        .map(|v| (v.as_f64() - mean).powi(2))
        .sum::<f64>()
        / count as f64;
    let units = output.ncols().max(1) as f64;
    let unit_fraction = |is_unit: &dyn Fn(ndarray::ArrayView1<'_, T>) -> bool| {
        output
            .axis_iter(Axis(1))
            .filter(|column| is_unit(column.view()))
            .count() as f64
            / units
    };
    let dead_fraction = activation
        .filter(|kind| kind.is_relu_family())
        .map(|_| unit_fraction(&|column| column.iter().all(|a| a.as_f64() <= 0.0)));
    let saturated_fraction = activation.filter(|kind| kind.is_saturating()).map(|kind| {
        unit_fraction(&|column| {
            let rows = column.len().max(1) as f64;
            let mean_derivative = column
                .iter()
                .map(|a| relative_derivative(kind, a.as_f64()))
                .sum::<f64>()
                / rows;
            mean_derivative < SATURATION_DERIVATIVE
        })
    });
    OutputStats {
        mean,
        std: variance.sqrt(),
        dead_fraction,
        saturated_fraction,
    }
}

/// A saturating activation's derivative at output `a`, divided by its largest derivative.
fn relative_derivative(kind: ActivationKind, a: f64) -> f64 {
    match kind {
        ActivationKind::Sigmoid => a * (1.0 - a) / 0.25,
        _ => 1.0 - a * a,
    }
}

/// The norms of one layer's parameters, gathered from [`crate::Parameters::visit_params`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct ParamNorms {
    /// Sum of squares of the weight gradient (kernel, or batch norm's gamma).
    pub weight_grad: Option<f64>,
    /// Sum of squares of the bias gradient (bias, or batch norm's beta).
    pub bias_grad: Option<f64>,
    /// Sum of squares of the weights.
    pub weight: Option<f64>,
    /// Whether any gradient of the layer is NaN or infinite.
    pub non_finite: bool,
}

impl ParamNorms {
    /// Adds one visited parameter.
    pub fn add<T: Float>(&mut self, param: &ParamMut<'_, T>) {
        self.non_finite |= param.grad.iter().any(|g| !g.is_finite());
        match param.name {
            "kernel" | "gamma" => {
                self.weight_grad = Some(sum_of_squares(param.grad));
                self.weight = Some(sum_of_squares(param.value));
            }
            "bias" | "beta" => self.bias_grad = Some(sum_of_squares(param.grad)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    #[test]
    fn moments_are_over_every_element() {
        let stats = output_stats(array![[1.0f64, 3.0], [1.0, 3.0]].view(), None);
        assert_eq!((stats.mean, stats.std), (2.0, 1.0));
        assert_eq!(
            (stats.dead_fraction, stats.saturated_fraction),
            (None, None)
        );
    }

    #[test]
    fn a_relu_unit_is_dead_when_it_is_zero_for_the_whole_batch() {
        let output = array![[0.0f32, 0.0, 2.0, 0.0], [0.0, 1.0, 0.0, 0.0]];
        let stats = output_stats(output.view(), Some(ActivationKind::Relu));
        assert_eq!(stats.dead_fraction, Some(0.5));
        let leaky = array![[-0.01f32, 0.5], [-0.02, -0.1]];
        let stats = output_stats(leaky.view(), Some(ActivationKind::LeakyRelu));
        assert_eq!(stats.dead_fraction, Some(0.5));
    }

    #[test]
    fn a_unit_saturates_when_its_mean_derivative_is_small() {
        // tanh: 1 - a² is 0.0199 at 0.99 (saturated), 0.75 at 0.5.
        let output = array![[0.99f64, 0.5, -0.999], [-0.99, 0.99, 0.995]];
        let stats = output_stats(output.view(), Some(ActivationKind::Tanh));
        assert_eq!(stats.saturated_fraction, Some(2.0 / 3.0));
        // sigmoid: a(1 - a) / 0.25 is 0.0396 at 0.99, 1 at 0.5.
        let sigmoid = array![[0.99f64, 0.5], [0.995, 0.01]];
        let stats = output_stats(sigmoid.view(), Some(ActivationKind::Sigmoid));
        assert_eq!(stats.saturated_fraction, Some(0.5));
    }
}
