//! [`HealthReport`]: one row per layer, read off a network after a training forward and
//! backward pass.

use crate::activation::ActivationKind;
use crate::layer::{Inspect, LayerSpec};
use crate::{Float, Initializer, Network, ParamMut};

use super::stats::{ParamNorms, output_stats};
use super::verdict::{Thresholds, Verdict, judge};

/// The health of one layer in one training step.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerHealth {
    /// The layer's name (`dense_0`).
    pub name: &'static str,
    /// What the layer is (`"dense"`, `"batchnorm"`, `"activation"`, ...).
    pub kind: &'static str,
    /// The activation the layer applies itself, if any.
    pub activation: Option<ActivationKind>,
    /// For a dense layer: the activation its outputs feed, looking past batch norm and
    /// dropout to a separate activation layer (`dense(.., he_normal), batchnorm, relu` feeds
    /// relu). This is what its initializer must fit.
    pub feeds: Option<ActivationKind>,
    /// For a dense layer: how its kernel was first filled.
    pub initializer: Option<Initializer>,
    /// The number of units (the output width).
    pub units: usize,
    /// The mean of the layer's output over the batch.
    pub mean: f64,
    /// The standard deviation of the layer's output over the batch.
    pub std: f64,
    /// For ReLU-family outputs: the fraction of units never positive over the batch.
    pub dead_fraction: Option<f64>,
    /// For sigmoid and tanh outputs: the fraction of units whose mean derivative is below
    /// [`super::SATURATION_DERIVATIVE`] of the largest.
    pub saturated_fraction: Option<f64>,
    /// For a dense layer: the standard deviation of the back-propagated gradient, the
    /// gradient of the loss with respect to the layer's pre-activation (what Glorot & Bengio
    /// 2010 follow from layer to layer).
    pub backprop_std: Option<f64>,
    /// The L2 norm of the weight gradient (kernel; gamma for batch norm).
    pub weight_grad_norm: Option<f64>,
    /// The L2 norm of the bias gradient (bias; beta for batch norm).
    pub bias_grad_norm: Option<f64>,
    /// The L2 norm of the weights.
    pub weight_norm: Option<f64>,
    /// For a dense layer: its weight gradient norm divided by the output layer's (the last
    /// dense layer's). Far below 1 means the gradient vanishes on its way back; far above,
    /// that it explodes.
    pub relative_grad_norm: Option<f64>,
    /// `learning_rate · |dW| / |W|`: the relative size of a plain SGD step on the weights.
    /// Around 1e-3 is healthy; much larger moves the weights too fast.
    pub update_ratio: Option<f64>,
    /// Whether any gradient of the layer is NaN or infinite.
    pub non_finite: bool,
}

/// The per-layer health of a network in one training step, and what it means.
///
/// Made by [`super::diagnose`] (a fresh step on a copy of the network) or
/// [`HealthReport::of_last_step`] (the step the network last took). It prints as a table
/// followed by its verdicts, each naming the cures that fit this network:
///
/// ```text
/// layer    kind   activation  mean    std     dead  saturated  std dL/dz  |dW|     |dW|/out  lr·|dW|/|W|
/// dense_0  dense  sigmoid     0.5002  0.0690  -     0%         4.4e-13    3.3e-11  7.6e-11   2.9e-12
/// ...
/// dense_9  dense  softmax     0.2500  0.0754  -     -          6.9e-3     4.3e-1   1.0e0     1.6e-2
/// vanishing: dense_0's gradient norm is 7.6e-11 of dense_9's
///   cure: replace the saturating activation of dense_0..dense_8 (9 layers) with relu (he_normal) or selu (lecun_normal)
///   cure: initialize dense_0..dense_8 (9 layers) with glorot_uniform, which fits sigmoid
///   cure: add batchnorm after the dense layers (`dense(.., relu), batchnorm` in network!)
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct HealthReport {
    pub(crate) layers: Vec<LayerHealth>,
    pub(crate) learning_rate: f64,
    pub(crate) loss: Option<f64>,
    pub(crate) epoch: Option<usize>,
}

impl HealthReport {
    /// The report of the step `network` last took: its layers' outputs from the last
    /// training forward pass and its gradients from the last backward pass, with update
    /// ratios for `learning_rate`. Before any step the moments are zero and the gradients
    /// those the network was built with (zeros).
    pub fn of_last_step<T: Float, N: Network<T> + ?Sized>(
        network: &mut N,
        learning_rate: f64,
    ) -> Self {
        let mut layers = Vec::new();
        network.visit_layers(&mut |layer| {
            // A flatten only relabels its input: it has nothing of its own to report.
            if !matches!(layer.spec(), LayerSpec::Flatten { .. }) {
                layers.push(layer_row(layer));
            }
        });
        fill_feeds(&mut layers);

        let mut norms: Vec<(&'static str, ParamNorms)> = Vec::new();
        network.visit_params(&mut |param: ParamMut<'_, T>| match norms
            .iter_mut()
            .find(|(name, _)| *name == param.layer)
        {
            Some((_, entry)) => entry.add(&param),
            None => {
                let mut entry = ParamNorms::default();
                entry.add(&param);
                norms.push((param.layer, entry));
            }
        });
        for row in &mut layers {
            if let Some((_, norm)) = norms.iter().find(|(name, _)| *name == row.name) {
                row.weight_grad_norm = norm.weight_grad.map(f64::sqrt);
                row.bias_grad_norm = norm.bias_grad.map(f64::sqrt);
                row.weight_norm = norm.weight.map(f64::sqrt);
                row.non_finite = norm.non_finite;
            }
            row.update_ratio = match (row.weight_grad_norm, row.weight_norm) {
                (Some(grad), Some(weight)) if weight > 0.0 => Some(learning_rate * grad / weight),
                _ => None,
            };
        }
        let reference = layers
            .iter()
            .rev()
            .find(|row| row.kind == "dense")
            .and_then(|row| row.weight_grad_norm);
        for row in layers.iter_mut().filter(|row| row.kind == "dense") {
            row.relative_grad_norm = match (row.weight_grad_norm, reference) {
                (Some(grad), Some(reference)) if reference > 0.0 => Some(grad / reference),
                (Some(grad), Some(_)) if grad > 0.0 => Some(f64::INFINITY),
                _ => None,
            };
        }
        Self {
            layers,
            learning_rate,
            loss: None,
            epoch: None,
        }
    }

    /// Records the step's loss (shown in the table's heading).
    pub fn with_loss(mut self, loss: f64) -> Self {
        self.loss = Some(loss);
        self
    }

    /// Records the epoch the step belongs to.
    pub fn with_epoch(mut self, epoch: usize) -> Self {
        self.epoch = Some(epoch);
        self
    }

    /// The layers, in order.
    pub fn layers(&self) -> &[LayerHealth] {
        &self.layers
    }

    /// The layer named `name`.
    pub fn layer(&self, name: &str) -> Option<&LayerHealth> {
        self.layers.iter().find(|layer| layer.name == name)
    }

    /// The learning rate the update ratios are computed for.
    pub fn learning_rate(&self) -> f64 {
        self.learning_rate
    }

    /// The loss of the step, if recorded.
    pub fn loss(&self) -> Option<f64> {
        self.loss
    }

    /// The epoch of the step, if recorded (by [`crate::fit`]'s health records).
    pub fn epoch(&self) -> Option<usize> {
        self.epoch
    }

    /// The output layer's name: the last dense layer, whose gradient norm the others are
    /// compared with.
    pub fn output_layer(&self) -> Option<&'static str> {
        self.layers
            .iter()
            .rev()
            .find(|row| row.kind == "dense")
            .map(|row| row.name)
    }

    /// The dense layers' weight gradient norms relative to the output layer's, in order.
    pub fn relative_grad_norms(&self) -> Vec<(&'static str, f64)> {
        self.layers
            .iter()
            .filter_map(|row| row.relative_grad_norm.map(|ratio| (row.name, ratio)))
            .collect()
    }

    /// What the report means under the default [`Thresholds`].
    pub fn verdicts(&self) -> Vec<Verdict> {
        self.verdicts_with(&Thresholds::default())
    }

    /// What the report means under `thresholds`: one [`Verdict`] per problem found, worst
    /// layer first within each kind of problem; empty for a healthy step.
    pub fn verdicts_with(&self, thresholds: &Thresholds) -> Vec<Verdict> {
        judge(self, thresholds)
    }

    /// Whether the default thresholds find any problem.
    pub fn is_healthy(&self) -> bool {
        self.verdicts().is_empty()
    }
}

/// A report row with what the layer itself tells: name, kind, activation, output statistics.
fn layer_row<T: Float>(layer: &dyn Inspect<T>) -> LayerHealth {
    let spec = layer.spec();
    let activation = spec.activation().map(|activation| activation.kind());
    let initializer = match &spec {
        LayerSpec::Dense { initializer, .. } | LayerSpec::Conv2d { initializer, .. } => {
            Some(*initializer)
        }
        _ => None,
    };
    let stats = output_stats(layer.output(), activation);
    let backprop_std = layer
        .backpropagated_gradient()
        .map(|grad| output_stats(grad, None).std);
    LayerHealth {
        name: layer.name(),
        kind: spec.kind_name(),
        activation,
        feeds: None,
        initializer,
        units: layer.output_width(),
        mean: stats.mean,
        std: stats.std,
        dead_fraction: stats.dead_fraction,
        saturated_fraction: stats.saturated_fraction,
        backprop_std,
        weight_grad_norm: None,
        bias_grad_norm: None,
        weight_norm: None,
        relative_grad_norm: None,
        update_ratio: None,
        non_finite: false,
    }
}

/// Sets each dense layer's `feeds`: its own activation, or for a linear dense layer the first
/// activation layer after it before the next dense layer.
fn fill_feeds(layers: &mut [LayerHealth]) {
    for index in 0..layers.len() {
        if layers[index].kind != "dense" {
            continue;
        }
        let own = layers[index].activation.unwrap_or(ActivationKind::Linear);
        let feeds = if own == ActivationKind::Linear {
            layers[index + 1..]
                .iter()
                .take_while(|row| row.kind != "dense")
                .find_map(|row| row.activation)
                .unwrap_or(ActivationKind::Linear)
        } else {
            own
        };
        layers[index].feeds = Some(feeds);
    }
}
