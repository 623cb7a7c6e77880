//! `predict_one` (fixed-size arrays, the vec-mat kernel, AVX2/FMA where the processor has it)
//! against `predict` (the batch GEMM path) on the same networks and samples: equal within
//! 1e-6 relative, on the stack path, the thread-local scratch path, in `f32` and `f64`.

use nn::prelude::*;
use nn::reexports::ndarray::{Array2, ArrayView1};

network! {
    Tiny(16) < dense(32, relu), dense(32, relu), dense(4) >
}

network! {
    Mixed(20) <
        dense(48, he_normal), batchnorm, relu, dropout(0.2),
        dense(33, tanh), dense(7, elu(1.0)), dense(5, softmax)
    >
}

network! {
    /// Hidden widths adding up to more than `predict_one` keeps on the stack, and a first
    /// layer with more inputs than one summation chunk (256).
    Wide(300) < dense(4200, relu), dense(4100, swish), dense(3) >
}

/// Deterministic samples in roughly [-1, 1).
fn samples(rows: usize, cols: usize, seed: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(r, c)| {
        ((r * 7919 + c * 104_729 + seed * 31) % 2003) as f64 / 1001.5 - 1.0
    })
}

/// Every element of `one` within `1e-6` relative of `batch` (with a floor of 1e-30 for
/// exact zeros).
fn assert_close<T: Float>(one: &[T], batch: ArrayView1<'_, T>, what: &str) {
    for (column, (&a, &b)) in one.iter().zip(batch.iter()).enumerate() {
        let (a, b) = (a.as_f64(), b.as_f64());
        assert!(
            (a - b).abs() <= 1e-6 * b.abs().max(1e-30),
            "{what}, output {column}: predict_one {a} vs predict {b}"
        );
    }
}

macro_rules! check {
    ($net:expr, $t:ty, $inputs:expr, $rows:expr, $what:expr) => {{
        let net = $net;
        let x = samples($rows, $inputs, 1).mapv(|v| v as $t);
        let batch = net.predict(x.view()).unwrap();
        for (row, expected) in x.rows().into_iter().zip(batch.rows()) {
            let input: [$t; $inputs] = row.to_vec().try_into().unwrap();
            let one = net.predict_one(&input).unwrap();
            assert_close(&one, expected, $what);
        }
    }};
}

#[test]
fn predict_one_equals_predict_on_the_stack_path() {
    check!(Tiny::new(1), f32, 16, 64, "Tiny f32");
    check!(Tiny::<f64>::seeded(1), f64, 16, 64, "Tiny f64");
    check!(Mixed::new(2), f32, 20, 64, "Mixed f32");
    check!(Mixed::<f64>::seeded(2), f64, 20, 64, "Mixed f64");
}

#[test]
fn predict_one_equals_predict_on_the_scratch_path() {
    check!(Wide::new(3), f32, 300, 4, "Wide f32");
}

#[test]
fn trained_batch_norm_statistics_are_used_by_both_paths() {
    let mut net = Mixed::new(4);
    let x = samples(32, 20, 5).mapv(|v| v as f32);
    let labels: Vec<usize> = (0..32).map(|i| i % 5).collect();
    let data = Dataset::classification(x.clone(), labels, 5).unwrap();
    let mut config = FitConfig::new(Loss::CrossEntropy)
        .epochs(3)
        .batch_size(8)
        .progress(Progress::Quiet);
    net.fit(&data, &mut config).unwrap();
    let batch = net.predict(x.view()).unwrap();
    for (row, expected) in x.rows().into_iter().zip(batch.rows()) {
        let input: [f32; 20] = row.to_vec().try_into().unwrap();
        assert_close(&net.predict_one(&input).unwrap(), expected, "trained Mixed");
    }
}

/// `predict_one` reads a row-aligned copy of each dense kernel, made on its first call: every
/// way of changing the weights afterwards (training, loading, an optimizer visiting them) must
/// reach it, and a clone must carry the weights it was cloned with.
#[test]
fn predict_one_sees_every_change_of_the_weights_after_its_first_call() {
    let x = samples(8, 300, 6).mapv(|v| v as f32);
    let first: [f32; 300] = x.row(0).to_vec().try_into().unwrap();
    let agrees = |net: &Wide, what: &str| {
        let batch = net.predict(x.view()).unwrap();
        assert_close(&net.predict_one(&first).unwrap(), batch.row(0), what);
        net.predict_one(&first).unwrap()
    };
    let mut net = Wide::new(7);
    let before = agrees(&net, "fresh");

    let labels: Vec<usize> = (0..8).map(|i| i % 3).collect();
    let data = Dataset::classification(x.clone(), labels, 3).unwrap();
    let mut config = FitConfig::new(Loss::MeanSquaredError)
        .epochs(1)
        .batch_size(8)
        .optimizer(Sgd::new(0.05).unwrap())
        .progress(Progress::Quiet);
    net.fit(&data, &mut config).unwrap();
    let trained = agrees(&net, "after fit");
    assert_ne!(trained, before, "training changed nothing predict_one sees");

    let snapshot = net.clone();
    nn::from_bytes(&mut net, &nn::to_bytes(&Wide::new(8)).unwrap()).unwrap();
    let loaded = agrees(&net, "after from_bytes");
    assert_ne!(loaded, trained, "loading changed nothing predict_one sees");
    assert_eq!(agrees(&snapshot, "a clone"), trained);

    net.visit_params(&mut |p| p.value.iter_mut().for_each(|v| *v *= 0.5));
    assert_ne!(agrees(&net, "after visit_params"), loaded);
}

#[test]
fn predict_one_rejects_non_finite_inputs() {
    let net = Tiny::new(1);
    let mut input = [0.5f32; 16];
    input[3] = f32::NAN;
    match net.predict_one(&input) {
        Err(Error::NonFinite { column, .. }) => assert_eq!(column, 3),
        other => panic!("expected NonFinite at column 3, got {other:?}"),
    }
}
