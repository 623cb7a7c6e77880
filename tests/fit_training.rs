//! `fit`, `evaluate` and `predict_classes` on small networks and seeded synthetic data.

use nn::prelude::*;
use nn::reexports::ndarray::Array2;
use nn::reexports::rand_distr::{Distribution, Normal};

network! { Net(4) < dense(16, relu), dense(3, softmax) > }

network! { Normed(4) -> 3 < dense(8), batchnorm, relu, dense(3, softmax) > }

network! { Regressor(2) < dense(8, tanh), dense(1) > }

/// `n` points per class around three well separated centres in 4-D.
fn blobs(n: usize, seed: u64) -> Dataset {
    let mut rng = seeded_rng(seed);
    let noise = Normal::new(0.0f32, 0.5).unwrap();
    let mut x = Array2::zeros((3 * n, 4));
    let mut labels = Vec::with_capacity(3 * n);
    for i in 0..3 * n {
        let class = i % 3;
        for j in 0..4 {
            let centre = if j == class { 3.0 } else { 0.0 };
            x[[i, j]] = centre + noise.sample(&mut rng);
        }
        labels.push(class);
    }
    Dataset::classification(x, labels, 3).unwrap()
}

fn tensors<N: Tensors<f32>>(net: &N) -> Vec<f32> {
    let mut all = Vec::new();
    net.visit_tensors(&mut |t| all.extend_from_slice(t.data));
    all
}

fn config() -> FitConfig {
    FitConfig::new(Loss::CrossEntropy)
        .optimizer(Adam::new(0.01).unwrap())
        .epochs(15)
        .batch_size(16)
        .seed(3)
        .progress(Progress::Quiet)
}

#[test]
fn fit_learns_separable_blobs() {
    let (train, test) = (blobs(60, 1), blobs(30, 2));
    let mut net = Net::new(7);
    let history = net.fit(&train, &mut config()).unwrap();
    assert_eq!(history.records().len(), 15);
    assert!(!history.stopped_early());
    let first = history.records()[0];
    let last = *history.last().unwrap();
    assert!(last.loss < first.loss, "{first:?} -> {last:?}");
    assert!(last.accuracy.unwrap() > 0.95, "{last:?}");
    assert_eq!(last.val_loss, None);

    let metrics = net.evaluate(&test, Loss::CrossEntropy).unwrap();
    assert!(metrics.accuracy.unwrap() > 0.95, "{metrics:?}");
    let classes = net.predict_classes(test.features_view()).unwrap();
    let right = classes
        .iter()
        .zip(test.class_labels().unwrap())
        .filter(|(a, b)| a == b)
        .count();
    assert_eq!(right as f64 / test.len() as f64, metrics.accuracy.unwrap());
    let free = nn::train::predict_classes(&net, test.features_view()).unwrap();
    assert_eq!(free, classes);
}

#[test]
fn the_same_seeds_give_bit_identical_histories_and_weights() {
    let train = blobs(40, 1);
    let run = |seed: u64| {
        let mut net = Net::new(7);
        let mut config = config()
            .epochs(4)
            .seed(seed)
            .validation(Validation::Split(0.25));
        let history = net.fit(&train, &mut config).unwrap();
        let records: Vec<EpochRecord> = history
            .records()
            .iter()
            .map(|r| EpochRecord { seconds: 0.0, ..*r })
            .collect();
        (records, tensors(&net))
    };
    let (a, b, c) = (run(5), run(5), run(6));
    assert_eq!(a, b);
    for (x, y) in a.0.iter().zip(&b.0) {
        assert_eq!(x.loss.to_bits(), y.loss.to_bits());
    }
    assert_ne!(a.1, c.1);
}

#[test]
fn a_validation_split_gives_validation_metrics() {
    let train = blobs(40, 1);
    let mut net = Net::new(7);
    let mut config = config().epochs(3).validation(Validation::Split(0.25));
    let history = net.fit(&train, &mut config).unwrap();
    for record in history.records() {
        assert!(record.val_loss.unwrap().is_finite());
        assert!((0.0..=1.0).contains(&record.val_accuracy.unwrap()));
    }
    // The held-out rows are those `Dataset::split` gives with the config's seed.
    let (_, held_out) = train.split(0.25, 3).unwrap();
    let metrics = net.evaluate(&held_out, Loss::CrossEntropy).unwrap();
    assert_eq!(Some(metrics.loss), history.last().unwrap().val_loss);
    assert_eq!(history.monitor(), Monitor::ValLoss);
    assert!(history.best_epoch().is_some());
}

#[test]
fn validation_data_is_evaluated_every_epoch() {
    let (train, val) = (blobs(30, 1), blobs(10, 9));
    let mut net = Net::new(7);
    let mut config = config().epochs(2).validation(Validation::Data(val.clone()));
    let history = net.fit(&train, &mut config).unwrap();
    let metrics = nn::train::evaluate(&net, &val, Loss::CrossEntropy).unwrap();
    assert_eq!(history.last().unwrap().val_loss, Some(metrics.loss));
    assert_eq!(history.last().unwrap().val_accuracy, metrics.accuracy);
}

#[test]
fn the_history_writes_csv() {
    let mut net = Net::new(7);
    let mut config = config().epochs(3).validation(Validation::Split(0.2));
    let history = net.fit(&blobs(20, 1), &mut config).unwrap();
    let mut out = Vec::new();
    history.write_csv(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds"
    );
    assert_eq!(lines.len(), 4);
    for (i, line) in lines[1..].iter().enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), 7);
        assert_eq!(fields[0], i.to_string());
        assert!(fields.iter().all(|f| !f.is_empty()), "{line}");
    }
    let path = std::env::temp_dir().join(format!("nn-fit-history-{}.csv", std::process::id()));
    history.to_csv(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn early_stopping_stops_and_restores_the_best_epoch() {
    let (train, val) = (blobs(30, 1), blobs(10, 9));
    let mut net = Net::new(7);
    // A `min_delta` no epoch can beat: epoch 0 stays the best, training stops after
    // `patience` more epochs, and epoch 0's weights come back.
    let mut config = config()
        .epochs(20)
        .validation(Validation::Data(val.clone()))
        .early_stopping(EarlyStopping {
            monitor: Monitor::ValLoss,
            patience: 2,
            min_delta: 100.0,
            restore_best: true,
        });
    let history = net.fit(&train, &mut config).unwrap();
    assert!(history.stopped_early());
    assert_eq!(history.records().len(), 3);
    let best = history.best_epoch().unwrap();
    assert_eq!(best.epoch, 0);
    let metrics = net.evaluate(&val, Loss::CrossEntropy).unwrap();
    assert_eq!(Some(metrics.loss), best.val_loss);
    assert_ne!(history.last().unwrap().val_loss, best.val_loss);
}

#[test]
fn early_stopping_on_accuracy_keeps_the_best_weights_of_a_batch_norm_net() {
    let (train, val) = (blobs(30, 1), blobs(10, 9));
    let mut net = Normed::new(3);
    let mut config = config()
        .epochs(12)
        .batch_size(89) // 90 rows: a last batch of one row joins the one before
        .validation(Validation::Data(val.clone()))
        .early_stopping(EarlyStopping {
            monitor: Monitor::ValAccuracy,
            patience: 3,
            ..EarlyStopping::default()
        });
    let history = net.fit(&train, &mut config).unwrap();
    let best = history.best_epoch().unwrap();
    let metrics = net.evaluate(&val, Loss::CrossEntropy).unwrap();
    assert_eq!(Some(metrics.loss), best.val_loss);
    assert_eq!(metrics.accuracy, best.val_accuracy);
}

#[test]
fn schedules_set_the_learning_rate_of_every_epoch() {
    let train = blobs(10, 1);
    for (schedule, expected) in [
        (
            Schedule::Step {
                every: 2,
                factor: 0.5,
            },
            [0.1, 0.1, 0.05, 0.05, 0.025],
        ),
        (
            Schedule::Exponential { rate: 0.5 },
            [0.1, 0.05, 0.025, 0.0125, 0.00625],
        ),
    ] {
        let mut net = Net::new(7);
        let mut config = config()
            .optimizer(Sgd::new(0.1).unwrap())
            .epochs(5)
            .schedule(schedule);
        let history = net.fit(&train, &mut config).unwrap();
        let rates: Vec<f64> = history.records().iter().map(|r| r.learning_rate).collect();
        assert_eq!(rates, expected);
        assert_eq!(config.get_optimizer().learning_rate(), expected[4]);
    }
}

#[test]
fn the_callback_sees_every_epoch_and_can_stop() {
    use std::sync::{Arc, Mutex};
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let mut net = Net::new(7);
    let mut config = config().epochs(10).on_epoch_end(move |record| {
        log.lock().unwrap().push(record.epoch);
        if record.epoch == 2 {
            Control::Stop
        } else {
            Control::Continue
        }
    });
    let history = net.fit(&blobs(10, 1), &mut config).unwrap();
    assert_eq!(*seen.lock().unwrap(), [0, 1, 2]);
    assert_eq!(history.records().len(), 3);
    assert!(history.stopped_early());
}

#[test]
fn fit_trains_a_regression_with_a_visible_progress_bar() {
    let mut rng = seeded_rng(4);
    let noise = Normal::new(0.0f32, 1.0).unwrap();
    let x = Array2::from_shape_fn((64, 2), |_| noise.sample(&mut rng));
    let y = Array2::from_shape_fn((64, 1), |(i, _)| 0.5 * x[[i, 0]] - 0.3 * x[[i, 1]]);
    let data = Dataset::regression(x, y).unwrap();
    let mut net = Regressor::new(1);
    let mut config = FitConfig::new(Loss::MeanSquaredError)
        .optimizer(Adam::new(0.02).unwrap())
        .epochs(30)
        .batch_size(8)
        .progress(Progress::Bar);
    let history = net.fit(&data, &mut config).unwrap();
    let (first, last) = (history.records()[0], *history.last().unwrap());
    assert_eq!(last.accuracy, None);
    assert!(last.loss < 0.2 * first.loss, "{first:?} -> {last:?}");
    let metrics = net.evaluate(&data, Loss::MeanSquaredError).unwrap();
    assert_eq!(metrics.accuracy, None);
    assert!(metrics.loss < 0.2 * first.loss);
}

network! { Binary(2) < dense(8, relu), dense(1, sigmoid) > }

#[test]
fn binary_cross_entropy_trains_a_sigmoid_output_on_labels() {
    let mut rng = seeded_rng(8);
    let noise = Normal::new(0.0f32, 1.0).unwrap();
    let x = Array2::from_shape_fn((120, 2), |_| noise.sample(&mut rng));
    let labels: Vec<usize> = x
        .rows()
        .into_iter()
        .map(|r| usize::from(r[0] + r[1] > 0.0))
        .collect();
    let data = Dataset::classification(x, labels, 2).unwrap();
    let mut net = Binary::new(2);
    let mut config = FitConfig::new(Loss::BinaryCrossEntropy)
        .optimizer(Adam::new(0.03).unwrap())
        .epochs(30)
        .batch_size(16)
        .progress(Progress::Quiet);
    let history = net.fit(&data, &mut config).unwrap();
    assert!(
        history.last().unwrap().accuracy.unwrap() > 0.9,
        "{history:?}"
    );
    let metrics = net.evaluate(&data, Loss::BinaryCrossEntropy).unwrap();
    assert!(metrics.accuracy.unwrap() > 0.9, "{metrics:?}");
    let classes = net.predict_classes(data.features_view()).unwrap();
    assert!(classes.iter().all(|&c| c < 2));
}

#[test]
fn the_history_draws_its_curves_as_svg() {
    let mut net = Net::new(7);
    let mut config = config().epochs(3).validation(Validation::Split(0.2));
    let history = net.fit(&blobs(20, 1), &mut config).unwrap();
    let path = std::env::temp_dir().join(format!("nn-fit-history-{}.svg", std::process::id()));
    history.plot_svg(&path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(svg.contains("<svg"), "not an SVG file");
    // Four curves: loss, val_loss, accuracy, val_accuracy, plus their legend lines.
    assert!(
        svg.matches("<polyline").count() >= 4,
        "{} polylines",
        svg.matches("<polyline").count()
    );
    assert!(svg.contains("val_loss") && svg.contains("accuracy"));

    let empty = nn::train::History::default();
    assert!(
        empty
            .plot_svg(std::env::temp_dir().join("nn-empty.svg"))
            .is_err()
    );
}
