//! Each activation of the runtime as ONNX nodes (opset 17).
//!
//! | activation | nodes |
//! |---|---|
//! | linear | none |
//! | sigmoid, tanh, relu | `Sigmoid`, `Tanh`, `Relu` |
//! | softmax | `Softmax(axis = -1)` |
//! | leaky_relu(alpha) | `LeakyRelu(alpha)` |
//! | rrelu(lower, upper) | `LeakyRelu(alpha = (lower + upper) / 2)`, the inference slope |
//! | prelu | `PRelu(x, slope)` with the per-unit slopes `[units]` as the initializer `{layer}.alpha` |
//! | elu(alpha) | `Elu(alpha)` (f32); `Relu(x) + alpha · (Exp(Min(x, 0)) − 1)` (f64) |
//! | selu | `Selu(alpha, gamma)` (f32); the ELU form times `gamma` (f64) |
//! | gelu | `0.5 · x · (1 + Erf(x / √2))` (f64: `Erf` on a `Cast` to float and back) |
//! | gelu(tanh) | `0.5 · x · (1 + Tanh(√(2/π) · (x + 0.044715 · x³)))` |
//! | swish | `x · Sigmoid(x)` |
//!
//! ONNX Runtime (1.32) has no double-precision CPU kernels for `Elu`, `Selu` and `Erf`, so
//! f64 graphs spell ELU and SELU with operators it has in double, and compute `erf` in single
//! precision (a relative error of about 1e-7 in the GELU). Attributes are single precision
//! in ONNX: slopes and ELU's alpha are rounded to f32 in both graphs.

use super::graph::GraphBuilder;
use super::proto::{AttributeProto, FLOAT};
use crate::activation::{ActivationSpec, Gelu, Selu};
use crate::{Float, Result};

/// Appends the nodes of `spec` applied to the value `x`; returns the output's name.
///
/// # Errors
/// The errors of [`GraphBuilder::initializer`] (a PReLU whose slopes' name is taken).
pub(super) fn emit<T: Float>(
    graph: &mut GraphBuilder,
    x: &str,
    spec: &ActivationSpec<'_, T>,
    layer: &str,
) -> Result<String> {
    let base = |op: &str| format!("{layer}/{op}");
    Ok(match spec {
        ActivationSpec::Linear => x.to_owned(),
        ActivationSpec::Sigmoid => graph.node("Sigmoid", &[x], vec![], &base("sigmoid")),
        ActivationSpec::Tanh => graph.node("Tanh", &[x], vec![], &base("tanh")),
        ActivationSpec::Relu => graph.node("Relu", &[x], vec![], &base("relu")),
        ActivationSpec::Softmax => graph.node(
            "Softmax",
            &[x],
            vec![AttributeProto::int("axis", -1)],
            &base("softmax"),
        ),
        ActivationSpec::LeakyRelu { alpha } => leaky(graph, x, *alpha, &base("leaky_relu")),
        ActivationSpec::RRelu { lower, upper } => {
            leaky(graph, x, 0.5 * (lower + upper), &base("rrelu"))
        }
        ActivationSpec::PRelu { alpha } => {
            let slope = graph.initializer(
                &format!("{layer}.alpha"),
                &[alpha.len()],
                alpha.iter().copied(),
            )?;
            graph.node("PRelu", &[x, &slope], vec![], &base("prelu"))
        }
        ActivationSpec::Elu { alpha } => {
            if graph.is_double() {
                elu_form(graph, x, *alpha, &base("elu"))
            } else {
                let attrs = vec![AttributeProto::float("alpha", *alpha)];
                graph.node("Elu", &[x], attrs, &base("elu"))
            }
        }
        ActivationSpec::Selu => {
            if graph.is_double() {
                let elu = elu_form(graph, x, Selu::ALPHA, &base("selu_elu"));
                let gamma = graph.scalar(&base("selu_gamma"), Selu::LAMBDA);
                graph.node("Mul", &[&elu, &gamma], vec![], &base("selu"))
            } else {
                let attrs = vec![
                    AttributeProto::float("alpha", Selu::ALPHA),
                    AttributeProto::float("gamma", Selu::LAMBDA),
                ];
                graph.node("Selu", &[x], attrs, &base("selu"))
            }
        }
        ActivationSpec::Gelu { approximate: false } => gelu_exact(graph, x, &base("gelu")),
        ActivationSpec::Gelu { approximate: true } => gelu_tanh(graph, x, &base("gelu_tanh")),
        ActivationSpec::Swish => {
            let sigmoid = graph.node("Sigmoid", &[x], vec![], &base("swish_sigmoid"));
            graph.node("Mul", &[x, &sigmoid], vec![], &base("swish"))
        }
    })
}

/// `LeakyRelu(alpha)`.
fn leaky(graph: &mut GraphBuilder, x: &str, alpha: f64, base: &str) -> String {
    graph.node(
        "LeakyRelu",
        &[x],
        vec![AttributeProto::float("alpha", alpha)],
        base,
    )
}

/// `Relu(x) + alpha · (Exp(Min(x, 0)) − 1)`: ELU from operators every provider has in double.
fn elu_form(graph: &mut GraphBuilder, x: &str, alpha: f64, base: &str) -> String {
    let zero = graph.scalar(&format!("{base}_zero"), 0.0);
    let one = graph.scalar(&format!("{base}_one"), 1.0);
    let alpha = graph.scalar(&format!("{base}_alpha"), alpha);
    let positive = graph.node("Relu", &[x], vec![], &format!("{base}_positive"));
    let negative = graph.node("Min", &[x, &zero], vec![], &format!("{base}_negative"));
    let exp = graph.node("Exp", &[&negative], vec![], &format!("{base}_exp"));
    let exp_m1 = graph.node("Sub", &[&exp, &one], vec![], &format!("{base}_expm1"));
    let scaled = graph.node("Mul", &[&exp_m1, &alpha], vec![], &format!("{base}_scaled"));
    graph.node("Add", &[&positive, &scaled], vec![], base)
}

/// `0.5 · x · (1 + Erf(x / √2))`.
fn gelu_exact(graph: &mut GraphBuilder, x: &str, base: &str) -> String {
    let inv_sqrt2 = graph.scalar(
        &format!("{base}_inv_sqrt2"),
        std::f64::consts::FRAC_1_SQRT_2,
    );
    let scaled = graph.node("Mul", &[x, &inv_sqrt2], vec![], &format!("{base}_scaled"));
    let erf = if graph.is_double() {
        let to_float = vec![AttributeProto::int("to", i64::from(FLOAT))];
        let single = graph.node("Cast", &[&scaled], to_float, &format!("{base}_single"));
        let erf = graph.node("Erf", &[&single], vec![], &format!("{base}_erf_single"));
        let to_double = vec![AttributeProto::int("to", i64::from(graph.elem_type()))];
        graph.node("Cast", &[&erf], to_double, &format!("{base}_erf"))
    } else {
        graph.node("Erf", &[&scaled], vec![], &format!("{base}_erf"))
    };
    half_x_one_plus(graph, x, &erf, base)
}

/// `0.5 · x · (1 + Tanh(√(2/π) · (x + 0.044715 · x³)))`, the runtime's constants.
fn gelu_tanh(graph: &mut GraphBuilder, x: &str, base: &str) -> String {
    let coeff = graph.scalar(&format!("{base}_coeff"), Gelu::CUBIC);
    let scale = graph.scalar(&format!("{base}_sqrt_2_over_pi"), Gelu::SQRT_2_OVER_PI);
    let square = graph.node("Mul", &[x, x], vec![], &format!("{base}_square"));
    let cube = graph.node("Mul", &[&square, x], vec![], &format!("{base}_cube"));
    let term = graph.node("Mul", &[&cube, &coeff], vec![], &format!("{base}_term"));
    let sum = graph.node("Add", &[x, &term], vec![], &format!("{base}_sum"));
    let inner = graph.node("Mul", &[&sum, &scale], vec![], &format!("{base}_inner"));
    let tanh = graph.node("Tanh", &[&inner], vec![], &format!("{base}_tanh"));
    half_x_one_plus(graph, x, &tanh, base)
}

/// `0.5 · x · (1 + t)`.
fn half_x_one_plus(graph: &mut GraphBuilder, x: &str, t: &str, base: &str) -> String {
    let one = graph.scalar(&format!("{base}_one"), 1.0);
    let half = graph.scalar(&format!("{base}_half"), 0.5);
    let one_plus = graph.node("Add", &[&one, t], vec![], &format!("{base}_one_plus"));
    let half_x = graph.node("Mul", &[x, &half], vec![], &format!("{base}_half_x"));
    graph.node("Mul", &[&half_x, &one_plus], vec![], base)
}
