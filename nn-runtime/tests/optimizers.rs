//! Optimizers: steps against Keras' formulas worked by hand, clipping, hyperparameter and
//! model-change errors, L1/L2 penalties reaching the gradients, and real training.

use ndarray::Array2;
use nn_runtime::activation::{Linear, Tanh};
use nn_runtime::loss::{Targets, mean_squared_error};
use nn_runtime::optim::{Adam, AdamW, GradientClip, Optimizer, RmsProp, Sgd, global_norm};
use nn_runtime::{Dense, Error, Initializer, Layer, ParamMut, Parameters, TensorShape, seeded_rng};

/// A model of plain vectors: each parameter is a (values, gradient) pair.
#[derive(Debug, Clone)]
struct Toy {
    params: Vec<(Vec<f64>, Vec<f64>)>,
}

impl Toy {
    fn new(params: &[(&[f64], &[f64])]) -> Self {
        Self {
            params: params
                .iter()
                .map(|(w, g)| (w.to_vec(), g.to_vec()))
                .collect(),
        }
    }

    /// One parameter holding `w`, with gradient `g`.
    fn scalar(w: f64, g: f64) -> Self {
        Self::new(&[(&[w], &[g])])
    }

    fn set_grads(&mut self, grads: &[&[f64]]) {
        for ((_, g), new) in self.params.iter_mut().zip(grads) {
            g.copy_from_slice(new);
        }
    }

    fn values(&self) -> Vec<f64> {
        self.params
            .iter()
            .flat_map(|(w, _)| w.iter().copied())
            .collect()
    }

    fn w(&self) -> f64 {
        self.params[0].0[0]
    }
}

impl Parameters<f64> for Toy {
    fn visit_params(&mut self, visit: &mut dyn FnMut(ParamMut<'_, f64>)) {
        for (value, grad) in &mut self.params {
            visit(ParamMut {
                layer: "model",
                name: "p",
                shape: TensorShape::from([value.len()]),
                value,
                grad,
            });
        }
    }
}

fn assert_close(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= 1e-12 * expected.abs().max(1.0),
        "{what}: got {actual}, expected {expected} (difference {:e})",
        actual - expected
    );
}

fn assert_all_close(actual: &[f64], expected: &[f64], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}");
    for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
        assert_close(a, e, &format!("{what}[{i}]"));
    }
}

/// Every optimizer, boxed, with the same learning rate.
fn all_optimizers(lr: f64) -> Vec<(&'static str, Box<dyn Optimizer<f64>>)> {
    vec![
        ("sgd", Box::new(Sgd::new(lr).unwrap())),
        (
            "sgd momentum",
            Box::new(Sgd::new(lr).unwrap().momentum(0.9).unwrap()),
        ),
        ("adam", Box::new(Adam::new(lr).unwrap())),
        ("adamw", Box::new(AdamW::new(lr).unwrap())),
        ("rmsprop", Box::new(RmsProp::new(lr).unwrap())),
        (
            "rmsprop centered momentum",
            Box::new(
                RmsProp::new(lr)
                    .unwrap()
                    .centered(true)
                    .momentum(0.5)
                    .unwrap(),
            ),
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// SGD.

#[test]
fn sgd_steps_by_minus_lr_times_gradient() {
    let mut model = Toy::new(&[(&[1.0, -2.0], &[0.5, -1.5]), (&[3.0], &[0.25])]);
    let mut sgd = Sgd::new(0.1).unwrap();
    sgd.step(&mut model).unwrap();
    assert_all_close(
        &model.values(),
        &[1.0 - 0.1 * 0.5, -2.0 + 0.1 * 1.5, 3.0 - 0.1 * 0.25],
        "one step",
    );
    sgd.step(&mut model).unwrap();
    assert_all_close(
        &model.values(),
        &[1.0 - 0.2 * 0.5, -2.0 + 0.2 * 1.5, 3.0 - 0.2 * 0.25],
        "two steps",
    );
    assert_eq!(sgd.iterations(), 2);
}

#[test]
fn sgd_momentum_accumulates_a_velocity() {
    let mut model = Toy::scalar(1.0, 1.0);
    let mut sgd = Sgd::new(0.1).unwrap().momentum(0.9).unwrap();
    // v = 0.9 v - 0.1 g; w += v
    sgd.step(&mut model).unwrap();
    let v1 = -0.1 * 1.0;
    assert_close(model.w(), 1.0 + v1, "step 1");
    model.set_grads(&[&[0.5]]);
    sgd.step(&mut model).unwrap();
    let v2 = 0.9 * v1 - 0.1 * 0.5;
    assert_close(model.w(), 1.0 + v1 + v2, "step 2");
    model.set_grads(&[&[-1.0]]);
    sgd.step(&mut model).unwrap();
    let g3 = -1.0;
    let v3 = 0.9 * v2 - 0.1 * g3;
    assert_close(model.w(), 1.0 + v1 + v2 + v3, "step 3");
    assert_close(model.w(), 0.734, "step 3, by hand");
}

#[test]
fn nesterov_differs_from_plain_momentum() {
    let mut plain = Toy::scalar(1.0, 1.0);
    let mut nesterov = Toy::scalar(1.0, 1.0);
    let mut sgd = Sgd::new(0.1).unwrap().momentum(0.9).unwrap();
    let mut nag = Sgd::new(0.1).unwrap().momentum(0.9).unwrap().nesterov(true);
    for g in [1.0, 0.5] {
        plain.set_grads(&[&[g]]);
        nesterov.set_grads(&[&[g]]);
        sgd.step(&mut plain).unwrap();
        nag.step(&mut nesterov).unwrap();
    }
    // Nesterov: v = 0.9 v - 0.1 g; w += 0.9 v - 0.1 g
    let v1 = -0.1;
    let w1 = 1.0 + 0.9 * v1 - 0.1;
    let v2 = 0.9 * v1 - 0.1 * 0.5;
    let w2 = w1 + 0.9 * v2 - 0.1 * 0.5;
    assert_close(nesterov.w(), w2, "nesterov");
    assert_close(nesterov.w(), 0.634, "nesterov, by hand");
    assert_close(plain.w(), 1.0 - 0.1 - 0.14, "plain momentum");
    assert!((plain.w() - nesterov.w()).abs() > 0.1);
}

#[test]
fn nesterov_without_momentum_is_plain_sgd() {
    let mut a = Toy::scalar(1.0, 0.5);
    let mut b = Toy::scalar(1.0, 0.5);
    Sgd::new(0.1).unwrap().nesterov(true).step(&mut a).unwrap();
    Sgd::new(0.1).unwrap().step(&mut b).unwrap();
    assert_eq!(a.w(), b.w());
    assert_close(a.w(), 0.95, "w");
}

// ---------------------------------------------------------------------------------------------
// Adam and AdamW.

#[test]
fn adam_follows_keras_formulas() {
    let mut model = Toy::new(&[(&[1.0, -1.0], &[0.5, 2.0]), (&[0.25], &[0.0])]);
    let mut adam = Adam::new(0.01).unwrap();
    adam.step(&mut model).unwrap();
    model.set_grads(&[&[-0.2, 2.0], &[1e-3]]);
    adam.step(&mut model).unwrap();

    let (b1, b2, eps, lr) = (0.9, 0.999, 1e-7, 0.01);
    let alpha1 = lr * (1.0f64 - b2).sqrt() / (1.0 - b1);
    let alpha2 = lr * (1.0f64 - b2 * b2).sqrt() / (1.0 - b1 * b1);
    // Element by element: m += (g - m)(1 - b1); v += (g² - v)(1 - b2); w -= alpha m / (√v + ε)
    let expected = |w0: f64, g1: f64, g2: f64| {
        let m1 = g1 * (1.0 - b1);
        let v1 = g1 * g1 * (1.0 - b2);
        let w1 = w0 - alpha1 * m1 / (v1.sqrt() + eps);
        let m2 = m1 + (g2 - m1) * (1.0 - b1);
        let v2 = v1 + (g2 * g2 - v1) * (1.0 - b2);
        w1 - alpha2 * m2 / (v2.sqrt() + eps)
    };
    assert_all_close(
        &model.values(),
        &[
            expected(1.0, 0.5, -0.2),
            expected(-1.0, 2.0, 2.0),
            expected(0.25, 0.0, 1e-3),
        ],
        "two Adam steps",
    );
    // The same numbers written out for the first element.
    let m1 = 0.05;
    let v1: f64 = 0.00025;
    let w1 = 1.0 - (0.01 * 0.001f64.sqrt() / 0.1) * m1 / (v1.sqrt() + 1e-7);
    let m2 = 0.05 + (-0.2 - 0.05) * 0.1; // 0.025
    let v2: f64 = 0.00025 + (0.04 - 0.00025) * 0.001; // 0.00028975
    let w2 = w1 - (0.01 * 0.001999f64.sqrt() / 0.19) * m2 / (v2.sqrt() + 1e-7);
    assert!(
        (model.values()[0] - w2).abs() < 1e-12,
        "{} vs {w2}",
        model.values()[0]
    );
    // A first step moves every element with a gradient by about lr (Adam's signature).
    assert!((w1 - (1.0 - 0.01)).abs() < 1e-6);
}

#[test]
fn adam_betas_and_epsilon_are_used() {
    let mut model = Toy::scalar(1.0, 0.5);
    let mut adam = Adam::new(0.1)
        .unwrap()
        .betas(0.5, 0.75)
        .unwrap()
        .epsilon(0.1)
        .unwrap();
    adam.step(&mut model).unwrap();
    let alpha = 0.1 * (1.0f64 - 0.75).sqrt() / (1.0 - 0.5);
    let (m, v) = (0.5 * 0.5, 0.25 * 0.25);
    assert_close(model.w(), 1.0 - alpha * m / (f64::sqrt(v) + 0.1), "w");
}

#[test]
fn adamw_decays_weights_before_the_adam_update() {
    let mut adamw_model = Toy::scalar(2.0, 0.5);
    let mut adam_model = Toy::scalar(2.0, 0.5);
    let mut adamw = AdamW::new(0.01).unwrap();
    let mut adam = Adam::new(0.01).unwrap();
    adamw.step(&mut adamw_model).unwrap();
    adam.step(&mut adam_model).unwrap();
    // Keras' default weight decay 0.004: w -= w · 0.004 · lr, then the same Adam step.
    assert_close(
        adamw_model.w(),
        adam_model.w() - 2.0 * 0.004 * 0.01,
        "first step",
    );

    // With zero gradients only the decay acts: w_t = w_0 (1 - wd · lr)^t.
    let mut model = Toy::scalar(3.0, 0.0);
    let mut adamw = AdamW::new(0.1).unwrap().weight_decay(0.2).unwrap();
    for _ in 0..3 {
        adamw.step(&mut model).unwrap();
    }
    assert_close(model.w(), 3.0 * (1.0f64 - 0.2 * 0.1).powi(3), "pure decay");
    assert!(model.w() < 3.0);
}

// ---------------------------------------------------------------------------------------------
// RMSprop.

#[test]
fn rmsprop_follows_keras_formulas() {
    let (rho, eps, lr) = (0.9, 1e-7, 0.01);
    let (g1, g2) = (0.5, -0.2);

    // Plain: v = ρv + (1-ρ)g²; w -= lr g / √(v + ε)  (ε inside the root, as Keras)
    let mut model = Toy::scalar(1.0, g1);
    let mut rmsprop = RmsProp::new(lr).unwrap();
    rmsprop.step(&mut model).unwrap();
    model.set_grads(&[&[g2]]);
    rmsprop.step(&mut model).unwrap();
    let v1 = (1.0 - rho) * g1 * g1; // 0.025
    let v2 = rho * v1 + (1.0 - rho) * g2 * g2; // 0.0265
    let w2 = 1.0 - lr * g1 / (v1 + eps).sqrt() - lr * g2 / (v2 + eps).sqrt();
    assert_close(model.w(), w2, "plain");
    assert_close(
        model.w(),
        1.0 - 0.005 / (0.025f64 + 1e-7).sqrt() + 0.002 / (0.0265f64 + 1e-7).sqrt(),
        "plain, by hand",
    );

    // Centered with momentum: a = ρa + (1-ρ)g; d = v - a² + ε; b = μb + lr g / √d; w -= b
    let mut model = Toy::scalar(1.0, g1);
    let mut rmsprop = RmsProp::new(lr)
        .unwrap()
        .centered(true)
        .momentum(0.5)
        .unwrap();
    rmsprop.step(&mut model).unwrap();
    model.set_grads(&[&[g2]]);
    rmsprop.step(&mut model).unwrap();
    let a1 = (1.0 - rho) * g1; // 0.05
    let a2 = rho * a1 + (1.0 - rho) * g2; // 0.025
    let b1 = lr * g1 / (v1 - a1 * a1 + eps).sqrt();
    let b2 = 0.5 * b1 + lr * g2 / (v2 - a2 * a2 + eps).sqrt();
    assert_close(model.w(), 1.0 - b1 - b2, "centered with momentum");
}

#[test]
fn rmsprop_rho_and_epsilon_are_used() {
    let mut model = Toy::scalar(1.0, 2.0);
    let mut rmsprop = RmsProp::new(0.1)
        .unwrap()
        .rho(0.5)
        .unwrap()
        .epsilon(1.0)
        .unwrap();
    rmsprop.step(&mut model).unwrap();
    // v = 0.5 · 4 = 2; w -= 0.1 · 2 / √3
    assert_close(model.w(), 1.0 - 0.2 / 3f64.sqrt(), "w");
}

// ---------------------------------------------------------------------------------------------
// Clipping.

#[test]
fn global_norm_clipping_scales_the_gradients_to_exactly_the_norm() {
    // Gradients [3, 0] and [4]: global norm 5.
    let mut model = Toy::new(&[(&[0.0, 0.0], &[3.0, 0.0]), (&[0.0], &[4.0])]);
    assert_eq!(global_norm(&mut model), 5.0);
    let mut sgd = Sgd::new(1.0)
        .unwrap()
        .clip(GradientClip::GlobalNorm(1.0))
        .unwrap();
    sgd.step(&mut model).unwrap();
    // With lr = 1 plain SGD moves by exactly the clipped gradient, g · 1/5.
    assert_all_close(&model.values(), &[-0.6, 0.0, -0.8], "clipped step");
    let moved = model.values().iter().map(|w| w * w).sum::<f64>().sqrt();
    assert!((moved - 1.0).abs() < 1e-15, "norm of the step {moved}");
    // The stored gradients are untouched.
    assert_eq!(model.params[1].1, vec![4.0]);

    // Below the bound nothing changes.
    let mut model = Toy::new(&[(&[0.0, 0.0], &[3.0, 0.0]), (&[0.0], &[4.0])]);
    let mut sgd = Sgd::new(1.0)
        .unwrap()
        .clip(GradientClip::GlobalNorm(10.0))
        .unwrap();
    sgd.step(&mut model).unwrap();
    assert_eq!(model.values(), vec![-3.0, 0.0, -4.0]);

    // Zero gradients stay zero (no 0/0).
    let mut model = Toy::scalar(1.0, 0.0);
    let mut sgd = Sgd::new(1.0)
        .unwrap()
        .clip(GradientClip::GlobalNorm(1.0))
        .unwrap();
    sgd.step(&mut model).unwrap();
    assert_eq!(model.w(), 1.0);
}

#[test]
fn value_clipping_clamps_each_element() {
    let mut model = Toy::new(&[(&[0.0, 0.0, 0.0], &[3.0, -0.2, -4.0]), (&[0.0], &[0.5])]);
    let mut sgd = Sgd::new(1.0)
        .unwrap()
        .clip(GradientClip::Value(0.5))
        .unwrap();
    sgd.step(&mut model).unwrap();
    assert_eq!(model.values(), vec![-0.5, 0.2, 0.5, -0.5]);
}

/// Every optimizer on gradients clipped by global norm takes the step it takes, unclipped, on
/// the gradients scaled by `c / ‖g‖`.
#[test]
fn every_optimizer_clips_before_its_update() {
    let grads: [&[f64]; 2] = [&[3.0, -1.0], &[2.0]];
    let norm = 14f64.sqrt();
    let scaled: Vec<Vec<f64>> = grads
        .iter()
        .map(|g| g.iter().map(|v| v * 0.5 / norm).collect())
        .collect();
    let clip = GradientClip::GlobalNorm(0.5);
    let with_clip: Vec<Box<dyn Optimizer<f64>>> = vec![
        Box::new(
            Sgd::new(0.1)
                .unwrap()
                .momentum(0.9)
                .unwrap()
                .clip(clip)
                .unwrap(),
        ),
        Box::new(Adam::new(0.1).unwrap().clip(clip).unwrap()),
        Box::new(AdamW::new(0.1).unwrap().clip(clip).unwrap()),
        Box::new(RmsProp::new(0.1).unwrap().clip(clip).unwrap()),
    ];
    let without: Vec<Box<dyn Optimizer<f64>>> = vec![
        Box::new(Sgd::new(0.1).unwrap().momentum(0.9).unwrap()),
        Box::new(Adam::new(0.1).unwrap()),
        Box::new(AdamW::new(0.1).unwrap()),
        Box::new(RmsProp::new(0.1).unwrap()),
    ];
    for (mut a, mut b) in with_clip.into_iter().zip(without) {
        let mut raw = Toy::new(&[(&[1.0, 2.0], grads[0]), (&[-1.0], grads[1])]);
        let mut pre_scaled = Toy::new(&[(&[1.0, 2.0], &scaled[0]), (&[-1.0], &scaled[1])]);
        for _ in 0..3 {
            a.step(&mut raw).unwrap();
            b.step(&mut pre_scaled).unwrap();
        }
        assert_all_close(&raw.values(), &pre_scaled.values(), "clipped vs pre-scaled");
        assert_ne!(raw.values(), vec![1.0, 2.0, -1.0]);
    }
}

// ---------------------------------------------------------------------------------------------
// Errors.

fn assert_hyperparameter_error<T: std::fmt::Debug>(result: nn_runtime::Result<T>, name: &str) {
    match result {
        Err(Error::InvalidHyperparameter { name: got, .. }) => assert_eq!(got, name),
        other => panic!("expected an invalid {name}, got {other:?}"),
    }
}

#[test]
fn invalid_hyperparameters_are_errors() {
    for lr in [0.0, -0.1, f64::NAN, f64::INFINITY] {
        assert_hyperparameter_error(Sgd::<f64>::new(lr), "learning_rate");
        assert_hyperparameter_error(Adam::<f64>::new(lr), "learning_rate");
        assert_hyperparameter_error(AdamW::<f64>::new(lr), "learning_rate");
        assert_hyperparameter_error(RmsProp::<f64>::new(lr), "learning_rate");
    }
    let sgd = || Sgd::<f64>::new(0.1).unwrap();
    assert_hyperparameter_error(sgd().momentum(1.0), "momentum");
    assert_hyperparameter_error(sgd().momentum(-0.1), "momentum");
    assert!(sgd().momentum(0.0).is_ok() && sgd().momentum(0.99).is_ok());

    let adam = || Adam::<f64>::new(0.1).unwrap();
    assert_hyperparameter_error(adam().betas(1.0, 0.999), "beta1");
    assert_hyperparameter_error(adam().betas(0.9, -0.5), "beta2");
    assert_hyperparameter_error(adam().betas(0.9, 1.0), "beta2");
    assert_hyperparameter_error(adam().epsilon(0.0), "epsilon");
    assert_hyperparameter_error(adam().epsilon(-1e-8), "epsilon");

    let adamw = || AdamW::<f64>::new(0.1).unwrap();
    assert_hyperparameter_error(adamw().weight_decay(-0.01), "weight_decay");
    assert_hyperparameter_error(adamw().weight_decay(f64::NAN), "weight_decay");
    assert_hyperparameter_error(adamw().betas(0.9, 1.5), "beta2");
    assert_hyperparameter_error(adamw().epsilon(0.0), "epsilon");
    assert!(adamw().weight_decay(0.0).is_ok());

    let rmsprop = || RmsProp::<f64>::new(0.1).unwrap();
    assert_hyperparameter_error(rmsprop().rho(1.0), "rho");
    assert_hyperparameter_error(rmsprop().momentum(1.5), "momentum");
    assert_hyperparameter_error(rmsprop().epsilon(0.0), "epsilon");

    assert_hyperparameter_error(sgd().clip(GradientClip::GlobalNorm(0.0)), "global_clipnorm");
    assert_hyperparameter_error(
        adam().clip(GradientClip::GlobalNorm(f64::NAN)),
        "global_clipnorm",
    );
    assert_hyperparameter_error(rmsprop().clip(GradientClip::Value(-1.0)), "clipvalue");
    assert_hyperparameter_error(adamw().clip(GradientClip::Value(0.0)), "clipvalue");
    assert_eq!(
        sgd().clip(GradientClip::None).unwrap().gradient_clip(),
        GradientClip::None
    );
}

#[test]
fn an_invalid_learning_rate_set_later_fails_the_step_and_changes_nothing() {
    for (name, mut opt) in all_optimizers(0.1) {
        let mut model = Toy::scalar(1.0, 1.0);
        opt.set_learning_rate(-1.0);
        assert_eq!(opt.learning_rate(), -1.0);
        assert_hyperparameter_error(opt.step(&mut model), "learning_rate");
        assert_eq!(model.w(), 1.0, "{name}");
        opt.set_learning_rate(0.05);
        opt.step(&mut model).unwrap();
        assert!(model.w() < 1.0, "{name}");
    }
}

#[test]
fn learning_rate_can_be_changed_between_steps() {
    let mut model = Toy::scalar(1.0, 1.0);
    let mut sgd = Sgd::new(0.1).unwrap();
    sgd.step(&mut model).unwrap();
    sgd.set_learning_rate(0.01);
    sgd.step(&mut model).unwrap();
    assert_close(model.w(), 1.0 - 0.1 - 0.01, "w");
}

#[test]
fn a_model_whose_parameters_change_is_an_error() {
    for (name, mut opt) in all_optimizers(0.1) {
        let mut model = Toy::new(&[(&[1.0, 2.0], &[0.1, 0.2]), (&[3.0], &[0.3])]);
        opt.step(&mut model).unwrap();
        let before = model.values();

        // A parameter of another size.
        let mut resized = Toy::new(&[(&[1.0, 2.0, 5.0], &[0.1, 0.2, 0.5]), (&[3.0], &[0.3])]);
        let err = opt.step(&mut resized).unwrap_err();
        assert!(
            matches!(&err, Error::ShapeMismatch { expected, actual, .. } if *expected == vec![2] && *actual == vec![3]),
            "{name}: {err:?}"
        );
        assert_eq!(
            resized.values(),
            vec![1.0, 2.0, 5.0, 3.0],
            "{name}: changed on error"
        );

        // One parameter more, one fewer.
        let mut more = Toy::new(&[
            (&[1.0, 2.0], &[0.1, 0.2]),
            (&[3.0], &[0.3]),
            (&[4.0], &[0.4]),
        ]);
        let err = opt.step(&mut more).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidState { message, .. } if message.contains("3 parameter tensors")),
            "{name}: {err:?}"
        );
        assert_eq!(
            more.values(),
            vec![1.0, 2.0, 3.0, 4.0],
            "{name}: changed on error"
        );
        let mut fewer = Toy::new(&[(&[1.0, 2.0], &[0.1, 0.2])]);
        let err = opt.step(&mut fewer).unwrap_err();
        assert!(matches!(err, Error::InvalidState { .. }), "{name}: {err:?}");

        // The original model still steps; after a reset, so does the new one.
        opt.step(&mut model).unwrap();
        assert_ne!(model.values(), before, "{name}");
        opt.reset();
        opt.step(&mut more).unwrap();
        assert_ne!(more.values(), vec![1.0, 2.0, 3.0, 4.0], "{name}");
    }
}

#[test]
fn a_gradient_of_the_wrong_length_is_an_error() {
    for (name, mut opt) in all_optimizers(0.1) {
        let mut model = Toy::new(&[(&[1.0, 2.0], &[0.1])]);
        let err = opt.step(&mut model).unwrap_err();
        assert!(
            matches!(err, Error::ShapeMismatch { .. }),
            "{name}: {err:?}"
        );
        assert_eq!(model.values(), vec![1.0, 2.0]);
        // The failed first step built no state: a good model is accepted next.
        let mut good = Toy::new(&[(&[1.0], &[0.1]), (&[2.0], &[0.1])]);
        opt.step(&mut good).unwrap();
    }
}

#[test]
fn defaults_are_keras_defaults() {
    assert_eq!(
        Optimizer::<f32>::learning_rate(&Sgd::<f32>::default()),
        0.01
    );
    assert_eq!(
        Optimizer::<f32>::learning_rate(&Adam::<f32>::default()),
        1e-3
    );
    assert_eq!(
        Optimizer::<f32>::learning_rate(&AdamW::<f32>::default()),
        1e-3
    );
    assert_eq!(
        Optimizer::<f32>::learning_rate(&RmsProp::<f32>::default()),
        1e-3
    );

    // Default AdamW = Adam with epsilon 1e-7 after a decay of 0.004 · lr.
    let mut model = Toy::scalar(1.0, 0.5);
    AdamW::default().step(&mut model).unwrap();
    let alpha = 1e-3 * (1.0f64 - 0.999).sqrt() / (1.0 - 0.9);
    let w = 1.0 - 1.0 * 0.004 * 1e-3;
    assert_close(
        model.w(),
        w - alpha * 0.05 / (0.00025f64.sqrt() + 1e-7),
        "w",
    );
}

#[test]
fn iterations_count_steps_and_reset_clears_them() {
    let mut model = Toy::scalar(1.0, 0.5);
    let mut adam = Adam::new(0.01).unwrap();
    for _ in 0..3 {
        adam.step(&mut model).unwrap();
    }
    assert_eq!(adam.iterations(), 3);
    Optimizer::<f64>::reset(&mut adam);
    assert_eq!(adam.iterations(), 0);
    // After a reset the bias correction starts again: the first step moves by about lr.
    let mut fresh = Toy::scalar(1.0, 0.5);
    adam.step(&mut fresh).unwrap();
    assert!((fresh.w() - 0.99).abs() < 1e-6);
}

#[test]
fn f32_models_step_too() {
    #[derive(Debug)]
    struct Toy32 {
        w: Vec<f32>,
        g: Vec<f32>,
    }
    impl Parameters<f32> for Toy32 {
        fn visit_params(&mut self, visit: &mut dyn FnMut(ParamMut<'_, f32>)) {
            visit(ParamMut {
                layer: "model",
                name: "w",
                shape: TensorShape::from([self.w.len()]),
                value: &mut self.w,
                grad: &self.g,
            });
        }
    }
    let mut model = Toy32 {
        w: vec![10.0],
        g: vec![10.0],
    };
    RmsProp::new(0.1).unwrap().step(&mut model).unwrap();
    // Keras' docstring value for this example, in float32.
    assert!((model.w[0] - 9.683772).abs() < 1e-5, "{}", model.w[0]);
}

// ---------------------------------------------------------------------------------------------
// Penalties reach the gradients.

#[test]
fn dense_penalties_reach_the_kernel_gradient() {
    let mut rng = seeded_rng(5);
    let x = ndarray::array![[0.5, -1.0], [2.0, 0.25]];
    let zero = Array2::zeros((2, 3));

    let mut l2 = Dense::<2, 3, Linear, f64>::new(Linear, Initializer::GlorotUniform, &mut rng)
        .with_penalties(0.0, 0.05)
        .unwrap();
    l2.forward_train(x.view(), &mut rng).unwrap();
    l2.backward(x.view(), zero.view()).unwrap();
    let expected = l2.kernel() * (2.0 * 0.05);
    assert!(expected.iter().all(|g| g.abs() > 1e-4));
    assert!(
        (l2.kernel_grad() - &expected)
            .iter()
            .all(|d| d.abs() < 1e-15)
    );
    assert!(l2.bias_grad().iter().all(|&g| g == 0.0));

    let mut l1 = Dense::<2, 3, Linear, f64>::new(Linear, Initializer::GlorotUniform, &mut rng)
        .with_penalties(0.01, 0.05)
        .unwrap();
    l1.forward_train(x.view(), &mut rng).unwrap();
    l1.backward(x.view(), zero.view()).unwrap();
    let expected = l1.kernel().mapv(|w| 0.01 * w.signum() + 2.0 * 0.05 * w);
    assert!(
        (l1.kernel_grad() - &expected)
            .iter()
            .all(|d| d.abs() < 1e-15)
    );

    // And an optimizer step then shrinks the kernel: w -= lr · 2 l2 w.
    let before = l2.kernel().clone();
    Sgd::new(0.5).unwrap().step(&mut l2).unwrap();
    let shrunk = &before * (1.0 - 0.5 * 2.0 * 0.05);
    assert!((l2.kernel() - &shrunk).iter().all(|d| d.abs() < 1e-15));
}

// ---------------------------------------------------------------------------------------------
// Training.

/// A 1-16-1 tanh network for y = sin(x).
struct Net {
    hidden: Dense<1, 16, Tanh, f64>,
    output: Dense<16, 1, Linear, f64>,
}

impl Parameters<f64> for Net {
    fn visit_params(&mut self, visit: &mut dyn FnMut(ParamMut<'_, f64>)) {
        self.hidden.visit_params(visit);
        self.output.visit_params(visit);
    }
}

/// Trains `Net` on 32 points of sin on [-3, 3] with full batches; returns the loss before
/// training and after `steps` steps.
fn train(optimizer: &mut dyn Optimizer<f64>, steps: usize) -> (f64, f64) {
    let mut rng = seeded_rng(11);
    let mut net = Net {
        hidden: Dense::new(Tanh, Initializer::GlorotUniform, &mut rng),
        output: Dense::new(Linear, Initializer::GlorotUniform, &mut rng),
    };
    let x = Array2::from_shape_fn((32, 1), |(i, _)| -3.0 + 6.0 * i as f64 / 31.0);
    let y = x.mapv(f64::sin);
    let mut grad = Array2::zeros((32, 1));
    let mut losses = Vec::with_capacity(steps + 1);
    for step in 0..=steps {
        let hidden = net.hidden.forward_train(x.view(), &mut rng).unwrap();
        let output = net.output.forward_train(hidden, &mut rng).unwrap();
        losses.push(mean_squared_error(output, Targets::from(&y), grad.view_mut()).unwrap());
        if step == steps {
            break;
        }
        let grad_hidden = net
            .output
            .backward(net.hidden.output(), grad.view())
            .unwrap();
        net.hidden.backward(x.view(), grad_hidden).unwrap();
        optimizer.step(&mut net).unwrap();
    }
    (losses[0], losses[steps])
}

#[test]
fn every_optimizer_trains_a_small_network() {
    let optimizers: Vec<(&str, Box<dyn Optimizer<f64>>)> = vec![
        ("sgd", Box::new(Sgd::new(0.1).unwrap())),
        (
            "sgd momentum",
            Box::new(Sgd::new(0.05).unwrap().momentum(0.9).unwrap()),
        ),
        (
            "sgd nesterov",
            Box::new(
                Sgd::new(0.05)
                    .unwrap()
                    .momentum(0.9)
                    .unwrap()
                    .nesterov(true),
            ),
        ),
        ("adam", Box::new(Adam::new(0.02).unwrap())),
        ("adamw", Box::new(AdamW::new(0.02).unwrap())),
        ("rmsprop", Box::new(RmsProp::new(0.005).unwrap())),
        (
            "rmsprop centered momentum",
            Box::new(
                RmsProp::new(0.002)
                    .unwrap()
                    .centered(true)
                    .momentum(0.5)
                    .unwrap(),
            ),
        ),
        (
            "adam clipped",
            Box::new(
                Adam::new(0.02)
                    .unwrap()
                    .clip(GradientClip::GlobalNorm(0.1))
                    .unwrap(),
            ),
        ),
    ];
    for (name, mut optimizer) in optimizers {
        let (first, last) = train(optimizer.as_mut(), 400);
        eprintln!("{name}: loss {first:.4} -> {last:.6}");
        assert!(last.is_finite());
        assert!(
            last * 10.0 <= first,
            "{name}: loss fell only from {first} to {last}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Large parameters, updated in runs over the thread pool.

/// A parameter of `len` elements, its values and gradient varied, changing each step.
fn varied(len: usize, step: usize) -> (Vec<f64>, Vec<f64>) {
    let value = (0..len)
        .map(|i| ((i * 37) % 101) as f64 / 50.0 - 1.0)
        .collect();
    let grad = (0..len)
        .map(|i| (((i + step * 13) * 53) % 97) as f64 / 40.0 - 1.2)
        .collect();
    (value, grad)
}

#[test]
fn a_large_parameter_updated_in_runs_matches_the_same_values_updated_in_small_pieces() {
    use nn_runtime::optim::PARALLEL_ELEMENTS;
    let len = 3 * PARALLEL_ELEMENTS + 7;
    let piece = PARALLEL_ELEMENTS / 4;
    let mut optimizers = all_optimizers(0.01);
    optimizers.push((
        "rmsprop momentum",
        Box::new(RmsProp::new(0.01).unwrap().momentum(0.5).unwrap()),
    ));
    for (name, mut whole_optimizer) in optimizers {
        let mut pieces_optimizer = all_optimizers(0.01)
            .into_iter()
            .chain([(
                "rmsprop momentum",
                Box::new(RmsProp::new(0.01).unwrap().momentum(0.5).unwrap())
                    as Box<dyn Optimizer<f64>>,
            )])
            .find(|(other, _)| *other == name)
            .unwrap()
            .1;
        let (value, _) = varied(len, 0);
        let mut whole = Toy {
            params: vec![(value.clone(), vec![0.0; len])],
        };
        let mut pieces = Toy {
            params: value
                .chunks(piece)
                .map(|chunk| (chunk.to_vec(), vec![0.0; chunk.len()]))
                .collect(),
        };
        for step in 0..3 {
            let (_, grad) = varied(len, step);
            whole.set_grads(&[&grad]);
            let grads: Vec<&[f64]> = grad.chunks(piece).collect();
            pieces.set_grads(&grads);
            whole_optimizer.step(&mut whole).unwrap();
            pieces_optimizer.step(&mut pieces).unwrap();
            assert_eq!(whole.values(), pieces.values(), "{name}, step {step}");
        }
        assert_ne!(whole.values(), value, "{name} moved the values");
    }
}
