//! `Dataset` and `Standardizer`: construction errors, selection, seeded shuffles and splits,
//! batches that cover every row once, and standardization with the training set's statistics.

use std::collections::BTreeSet;

use ndarray::{Array1, Array2, Axis, array};
use nn_runtime::data::Labels;
use nn_runtime::{Dataset, Error, Standardizer, Targets, seeded_rng};

/// `n` rows whose first feature is the row's index and whose label is `index % classes`, so a
/// row can be followed through shuffles and splits.
fn tagged(n: usize, classes: usize) -> Dataset<f64> {
    let x = Array2::from_shape_fn((n, 3), |(i, j)| (i * 10 + j) as f64);
    let labels = (0..n).map(|i| i % classes).collect();
    Dataset::classification(x, labels, classes).unwrap()
}

/// The row tags (first feature) of a dataset, checking that each row's label still fits it.
fn tags(data: &Dataset<f64>, classes: usize) -> Vec<usize> {
    let labels = data.class_labels().unwrap();
    data.features()
        .axis_iter(Axis(0))
        .zip(labels)
        .map(|(row, &label)| {
            let tag = row[0] as usize / 10;
            assert_eq!(row[1], row[0] + 1.0, "features of a row stayed together");
            assert_eq!(label, tag % classes, "label of row {tag} moved with it");
            tag
        })
        .collect()
}

fn sorted(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v
}

#[test]
fn construction_checks_lengths_emptiness_finiteness_and_labels() {
    let err = Dataset::classification(array![[1.0f32], [2.0]], vec![0], 2).unwrap_err();
    assert_eq!(
        err,
        Error::LengthMismatch {
            context: "dataset".into(),
            left_name: "features",
            left: 2,
            right_name: "labels",
            right: 1,
        }
    );
    assert_eq!(
        err.to_string(),
        "dataset: features has 2 rows but labels has 1"
    );

    let err = Dataset::regression(array![[1.0f32], [2.0]], array![[1.0f32]]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::LengthMismatch {
                right_name: "targets",
                left: 2,
                right: 1,
                ..
            }
        ),
        "{err}"
    );

    let err = Dataset::<f32>::classification(Array2::zeros((0, 3)), vec![], 2).unwrap_err();
    assert!(matches!(err, Error::EmptyBatch { minimum: 1, .. }), "{err}");

    let err = Dataset::<f32>::classification(Array2::zeros((2, 0)), vec![0, 1], 2).unwrap_err();
    assert!(
        matches!(
            err,
            Error::WidthMismatch {
                expected: 1,
                actual: 0,
                ..
            }
        ),
        "{err}"
    );

    let err = Dataset::classification(array![[1.0f32, 2.0], [3.0, f32::INFINITY]], vec![0, 1], 2)
        .unwrap_err();
    assert!(
        matches!(err, Error::NonFinite { row: 1, column: 1, value, .. } if value == f64::INFINITY),
        "{err}"
    );

    let err = Dataset::regression(array![[1.0f64], [2.0]], array![[0.0, 1.0], [f64::NAN, 2.0]])
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NonFinite {
                row: 1,
                column: 0,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().starts_with("dataset targets"), "{err}");

    let err = Dataset::regression(array![[1.0f64], [2.0]], Array2::zeros((2, 0))).unwrap_err();
    assert!(matches!(err, Error::WidthMismatch { .. }), "{err}");

    let err =
        Dataset::classification(array![[1.0f32], [2.0], [3.0]], vec![0, 1, 2], 2).unwrap_err();
    assert_eq!(
        err,
        Error::LabelOutOfRange {
            context: "dataset".into(),
            row: 2,
            label: 2,
            classes: 2,
        }
    );
}

#[test]
fn accessors_and_targets() {
    let data = Dataset::classification(array![[1.0f32, 2.0], [3.0, 4.0]], vec![1, 0], 3).unwrap();
    assert_eq!((data.len(), data.n_features()), (2, 2));
    assert!(!data.is_empty());
    assert_eq!(data.classes(), Some(3));
    assert_eq!(data.class_labels(), Some(&[1, 0][..]));
    assert!(data.real_targets().is_none());
    assert!(matches!(data.targets(), Targets::Classes(&[1, 0])));
    assert_eq!(data.features_view(), data.features().view());
    assert_eq!(
        data.labels(),
        &Labels::Classes {
            labels: vec![1, 0],
            classes: 3
        }
    );

    let y = array![[0.5f32, 1.0], [1.5, 2.0]];
    let data = Dataset::regression(array![[1.0f32], [2.0]], y.clone()).unwrap();
    assert_eq!(data.classes(), None);
    assert_eq!(data.class_labels(), None);
    assert_eq!(data.real_targets(), Some(&y));
    match data.targets() {
        Targets::Dense(view) => assert_eq!(view, y.view()),
        Targets::Classes(_) => panic!("a regression dataset gives dense targets"),
    }
    let (features, labels) = data.into_parts();
    assert_eq!(features, array![[1.0], [2.0]]);
    assert_eq!(labels, Labels::Real(y));
}

#[test]
fn non_standard_layout_is_stored_row_major() {
    let x = array![[1.0f64, 2.0, 3.0], [4.0, 5.0, 6.0]].reversed_axes();
    let data = Dataset::classification(x.clone(), vec![0, 1, 0], 2).unwrap();
    assert!(data.features().is_standard_layout());
    assert_eq!(data.features(), &x);
}

#[test]
fn select_takes_rows_in_order_and_checks_indices() {
    let data = tagged(6, 3);
    let subset = data.select(&[4, 1, 4]).unwrap();
    assert_eq!(tags(&subset, 3), [4, 1, 4]);
    assert_eq!(subset.classes(), Some(3));

    let err = data.select(&[0, 6]).unwrap_err();
    assert_eq!(
        err,
        Error::IndexOutOfRange {
            context: "dataset select".into(),
            index: 6,
            len: 6
        }
    );
    assert!(
        err.to_string()
            .contains("index 6 is out of range for 6 rows"),
        "{err}"
    );
    assert!(matches!(
        data.select(&[]).unwrap_err(),
        Error::EmptyBatch { .. }
    ));

    let regression = Dataset::regression(
        array![[1.0f32], [2.0], [3.0]],
        array![[10.0f32], [20.0], [30.0]],
    )
    .unwrap();
    let subset = regression.select(&[2, 0]).unwrap();
    assert_eq!(subset.real_targets(), Some(&array![[30.0], [10.0]]));
}

#[test]
fn shuffle_is_a_seeded_permutation() {
    let data = tagged(50, 4);
    let a = data.shuffled(11);
    let b = data.shuffled(11);
    let c = data.shuffled(12);
    assert_eq!(a, b, "same seed, same order");
    assert_ne!(a, c, "different seeds, different orders");
    assert_ne!(
        tags(&a, 4),
        (0..50).collect::<Vec<_>>(),
        "the order changed"
    );
    assert_eq!(
        sorted(tags(&a, 4)),
        (0..50).collect::<Vec<_>>(),
        "every row once"
    );

    let mut rng = seeded_rng(11);
    assert_eq!(
        data.shuffled_with(&mut rng),
        a,
        "shuffled(seed) = shuffled_with(seeded_rng(seed))"
    );
    let second = data.shuffled_with(&mut rng);
    assert_ne!(second, a, "the generator moves on");
}

#[test]
fn batches_cover_every_row_once() {
    let data = tagged(23, 5);
    for batch_size in [1, 4, 5, 22, 23, 100] {
        let batches = data.batches(batch_size).unwrap();
        assert_eq!(batches.len(), 23usize.div_ceil(batch_size));
        assert_eq!(batches.batch_size(), batch_size);
        let mut seen = Vec::new();
        let mut count = 0;
        for (k, batch) in batches.enumerate() {
            let expected = batch_size.min(23 - k * batch_size);
            assert_eq!(batch.len(), expected, "batch {k} of size {batch_size}");
            seen.extend(tags(&batch, 5));
            count += 1;
        }
        assert_eq!(count, 23usize.div_ceil(batch_size));
        assert_eq!(seen, (0..23).collect::<Vec<_>>(), "in order, each row once");
    }

    let mut rng = seeded_rng(3);
    let batches = data.shuffled_batches(4, &mut rng).unwrap();
    let order = batches.order().to_vec();
    let seen: Vec<usize> = batches.flat_map(|batch| tags(&batch, 5)).collect();
    assert_eq!(seen, order, "the batches follow the announced order");
    assert_ne!(seen, (0..23).collect::<Vec<_>>(), "shuffled");
    assert_eq!(sorted(seen), (0..23).collect::<Vec<_>>(), "each row once");

    let again: Vec<usize> = data
        .shuffled_batches(4, &mut seeded_rng(3))
        .unwrap()
        .flat_map(|batch| tags(&batch, 5))
        .collect();
    assert_eq!(again, order, "seeded");

    let mut iter = data.batches(10).unwrap();
    assert_eq!(iter.size_hint(), (3, Some(3)));
    iter.next();
    assert_eq!(iter.len(), 2);
    iter.next();
    iter.next();
    assert!(iter.next().is_none());
    assert!(iter.next().is_none(), "fused");

    let err = data.batches(0).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidHyperparameter {
                name: "batch_size",
                ..
            }
        ),
        "{err}"
    );
    assert!(data.shuffled_batches(0, &mut rng).is_err());
}

#[test]
fn split_sizes() {
    for (n, fraction, test) in [
        (10, 0.3, 3),
        (10, 0.25, 3), // 2.5 rounds away from zero
        (100, 0.2, 20),
        (7, 0.5, 4),
        (2, 0.01, 1), // at least one row in the test set
        (2, 0.99, 1), // and one in the training set
        (1000, 0.001, 1),
        (5, 0.9, 4),
    ] {
        let data = tagged(n, 3);
        let (train, test_set) = data.split(fraction, 0).unwrap();
        assert_eq!(test_set.len(), test, "n = {n}, fraction = {fraction}");
        assert_eq!(train.len(), n - test, "n = {n}, fraction = {fraction}");
    }
}

#[test]
fn split_is_seeded_disjoint_complete_and_ordered() {
    let data = tagged(101, 3);
    let (train, test) = data.split(0.3, 5).unwrap();
    let (train_tags, test_tags) = (tags(&train, 3), tags(&test, 3));
    assert_eq!(
        train_tags,
        sorted(train_tags.clone()),
        "original order kept"
    );
    assert_eq!(test_tags, sorted(test_tags.clone()), "original order kept");
    let train_set: BTreeSet<usize> = train_tags.iter().copied().collect();
    let test_set: BTreeSet<usize> = test_tags.iter().copied().collect();
    assert!(train_set.is_disjoint(&test_set));
    assert_eq!(train_set.len() + test_set.len(), 101);
    assert_eq!(
        train_set.union(&test_set).copied().collect::<Vec<_>>(),
        (0..101).collect::<Vec<_>>()
    );

    assert_eq!(
        data.split(0.3, 5).unwrap(),
        (train.clone(), test.clone()),
        "same seed"
    );
    let (_, other) = data.split(0.3, 6).unwrap();
    assert_ne!(tags(&other, 3), test_tags, "another seed, another split");

    // Regression data is split at random too, and reproducibly.
    let x = Array2::from_shape_fn((40, 1), |(i, _)| i as f32);
    let regression = Dataset::regression(x.clone(), x * 2.0).unwrap();
    let (train, test) = regression.split(0.25, 9).unwrap();
    assert_eq!((train.len(), test.len()), (30, 10));
    assert_eq!(
        regression.split(0.25, 9).unwrap(),
        (train.clone(), test.clone())
    );
    for part in [&train, &test] {
        let y = part.real_targets().unwrap();
        assert_eq!(
            y,
            &(part.features() * 2.0),
            "targets stayed with their rows"
        );
    }
    let test_rows: Vec<f32> = test.features().column(0).to_vec();
    assert_ne!(
        test_rows,
        (30..40).map(|i| i as f32).collect::<Vec<_>>(),
        "not the last rows"
    );
}

#[test]
fn split_is_stratified() {
    // 60 of class 0, 30 of class 1, 10 of class 2.
    let labels: Vec<usize> = (0..100)
        .map(|i| match i % 10 {
            0 => 2,
            1..=3 => 1,
            _ => 0,
        })
        .collect();
    let x = Array2::from_shape_fn((100, 2), |(i, j)| (i + j) as f32);
    let data = Dataset::classification(x, labels, 3).unwrap();
    for seed in 0..5 {
        let (train, test) = data.split(0.2, seed).unwrap();
        let counts: Vec<(usize, usize)> = test.class_counts().unwrap().into_iter().collect();
        assert_eq!(counts, [(0, 12), (1, 6), (2, 2)], "seed {seed}");
        let counts: Vec<(usize, usize)> = train.class_counts().unwrap().into_iter().collect();
        assert_eq!(counts, [(0, 48), (1, 24), (2, 8)], "seed {seed}");
    }
    // Uneven shares: the remainders go to the largest fractional parts; the total is exact.
    let data = tagged(10, 3); // classes of 4, 3 and 3 rows
    let (_, test) = data.split(0.5, 1).unwrap();
    assert_eq!(test.len(), 5);
    let counts: Vec<usize> = test.class_counts().unwrap().into_values().collect();
    assert_eq!(counts, [2, 2, 1]);
    // A huge class count costs nothing: the classes are gathered sparsely.
    let data = Dataset::classification(
        array![[1.0f32], [2.0], [3.0]],
        vec![usize::MAX - 1, 0, 5],
        usize::MAX,
    )
    .unwrap();
    let (train, test) = data.split(0.4, 0).unwrap();
    assert_eq!((train.len(), test.len()), (2, 1));
}

#[test]
fn split_rejects_bad_fractions_and_single_rows() {
    let data = tagged(10, 2);
    for fraction in [0.0, 1.0, -0.5, 1.5, f64::NAN, f64::INFINITY] {
        let err = data.split(fraction, 0).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidHyperparameter {
                    name: "test_fraction",
                    ..
                }
            ),
            "{fraction}: {err}"
        );
    }
    let one = tagged(1, 2);
    let err = one.split(0.5, 0).unwrap_err();
    assert!(
        matches!(
            err,
            Error::BatchTooSmall {
                minimum: 2,
                actual: 1,
                ..
            }
        ),
        "{err}"
    );
}

fn column_mean_std(x: &Array2<f64>) -> (Array1<f64>, Array1<f64>) {
    let mean = x.mean_axis(Axis(0)).unwrap();
    let std = x.std_axis(Axis(0), 0.0);
    (mean, std)
}

#[test]
fn standardizer_gives_mean_zero_std_one_on_the_training_set() {
    let mut rng = seeded_rng(0);
    use rand::RngExt;
    let x = Array2::from_shape_fn((200, 4), |(_, j)| {
        let scale = [1.0, 100.0, 0.01, 5.0][j];
        let shift = [0.0, -50.0, 3.0, 1e4][j];
        rng.random::<f64>() * scale + shift
    });
    let data = Dataset::classification(x.clone(), vec![0; 200], 1).unwrap();
    let (scaler, standardized) = Standardizer::fit_transform(&data);
    let (mean, std) = column_mean_std(standardized.features());
    for j in 0..4 {
        assert!(mean[j].abs() < 1e-12, "feature {j}: mean {}", mean[j]);
        assert!((std[j] - 1.0).abs() < 1e-12, "feature {j}: std {}", std[j]);
    }
    let (raw_mean, raw_std) = column_mean_std(&x);
    for j in 0..4 {
        assert!((scaler.mean()[j] - raw_mean[j]).abs() <= 1e-9 * raw_mean[j].abs().max(1.0));
        assert!((scaler.std()[j] - raw_std[j]).abs() <= 1e-9 * raw_std[j]);
    }
    assert_eq!(standardized.labels(), data.labels(), "labels unchanged");
    assert_eq!(Standardizer::fit(&data), scaler);
    assert_eq!(scaler.transform(&data).unwrap(), standardized);

    // f32 too, to f32 precision.
    let x32 = x.mapv(|v| v as f32);
    let data32 = Dataset::classification(x32, vec![0; 200], 1).unwrap();
    let (_, standardized32) = Standardizer::fit_transform(&data32);
    let (mean, std) = column_mean_std(&standardized32.features().mapv(f64::from));
    for j in 0..4 {
        assert!(mean[j].abs() < 1e-4, "f32 feature {j}: mean {}", mean[j]);
        assert!(
            (std[j] - 1.0).abs() < 1e-4,
            "f32 feature {j}: std {}",
            std[j]
        );
    }
}

#[test]
fn constant_feature_is_centered_not_divided_by_zero() {
    let x = array![[1.0f32, 7.5, 0.1], [2.0, 7.5, 0.1], [3.0, 7.5, 0.1]];
    let data = Dataset::classification(x, vec![0, 1, 0], 2).unwrap();
    let (scaler, standardized) = Standardizer::fit_transform(&data);
    assert_eq!(scaler.std()[1], 0.0);
    assert_eq!(scaler.std()[2], 0.0);
    assert_eq!(scaler.mean()[1], 7.5);
    assert_eq!(
        scaler.mean()[2],
        0.1,
        "the constant itself, not a rounded mean"
    );
    assert!(standardized.features().iter().all(|v| v.is_finite()));
    assert_eq!(standardized.features().column(1).to_vec(), [0.0; 3]);
    assert_eq!(standardized.features().column(2).to_vec(), [0.0; 3]);
    // Other sets keep their distance from the training constant (divided by 1).
    let test = Dataset::classification(array![[2.0f32, 9.5, 0.1]], vec![1], 2).unwrap();
    let test = scaler.transform(&test).unwrap();
    assert_eq!(test.features(), &array![[0.0, 2.0, 0.0]]);
}

#[test]
fn test_set_is_standardized_with_the_training_statistics() {
    let train = Dataset::classification(
        array![[0.0f64, 10.0], [2.0, 20.0], [4.0, 30.0], [6.0, 40.0]],
        vec![0, 1, 0, 1],
        2,
    )
    .unwrap();
    let scaler = Standardizer::fit(&train);
    // Means 3 and 25, population stds sqrt(5) and sqrt(125).
    let (m, s) = (array![3.0, 25.0], array![5.0f64.sqrt(), 125.0f64.sqrt()]);
    assert!((scaler.mean() - &m).iter().all(|d| d.abs() < 1e-12));
    assert!((scaler.std() - &s).iter().all(|d| d.abs() < 1e-12));

    let test =
        Dataset::classification(array![[3.0f64, 0.0], [100.0, 25.0]], vec![1, 0], 2).unwrap();
    let standardized = scaler.transform(&test).unwrap();
    let expected = (test.features() - &m) / &s;
    assert!(
        (standardized.features() - &expected)
            .iter()
            .all(|d| d.abs() < 1e-12),
        "{standardized:?} vs {expected:?}"
    );
    // Not the test set's own statistics: its first column is far from mean 0.
    let (mean, _) = column_mean_std(standardized.features());
    assert!(mean[0] > 10.0);
    assert_eq!(standardized.class_labels(), Some(&[1, 0][..]));

    let back = scaler
        .inverse_transform_features(standardized.features().view())
        .unwrap();
    assert!((back - test.features()).iter().all(|d| d.abs() < 1e-9));
}

#[test]
fn standardizer_errors() {
    let scaler = Standardizer::fit_features(array![[0.0f32, 1.0], [2.0, 3.0]].view()).unwrap();
    let wrong = Dataset::classification(array![[1.0f32, 2.0, 3.0]], vec![0], 1).unwrap();
    let err = scaler.transform(&wrong).unwrap_err();
    assert_eq!(
        err,
        Error::WidthMismatch {
            context: "standardizer".into(),
            expected: 2,
            actual: 3
        }
    );
    assert_eq!(
        err.to_string(),
        "standardizer: expected inputs of width 2, got width 3"
    );
    assert!(
        scaler
            .inverse_transform_features(array![[1.0f32]].view())
            .is_err()
    );

    let err = scaler
        .transform_features(array![[1.0f32, f32::NAN]].view())
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NonFinite {
                row: 0,
                column: 1,
                ..
            }
        ),
        "{err}"
    );

    // A value far from a tiny spread overflows f32: an error, not an infinity.
    let tiny = Standardizer::fit_features(array![[0.0f32], [1e-30]].view()).unwrap();
    let err = tiny
        .transform_features(array![[3e38f32]].view())
        .unwrap_err();
    assert!(matches!(err, Error::NonFinite { .. }), "{err}");

    assert!(matches!(
        Standardizer::<f32>::fit_features(Array2::zeros((0, 2)).view()).unwrap_err(),
        Error::EmptyBatch { .. }
    ));
    assert!(matches!(
        Standardizer::<f32>::fit_features(Array2::zeros((2, 0)).view()).unwrap_err(),
        Error::WidthMismatch { .. }
    ));

    let ok = Standardizer::from_parts(array![1.0f64, 2.0], array![0.5, 0.0]).unwrap();
    assert_eq!(ok.width(), 2);
    assert_eq!(
        ok.transform_features(array![[2.0, 3.0]].view()).unwrap(),
        array![[2.0, 1.0]]
    );
    assert!(matches!(
        Standardizer::from_parts(array![1.0f64, 2.0], array![1.0]).unwrap_err(),
        Error::ShapeMismatch { .. }
    ));
    assert!(matches!(
        Standardizer::from_parts(array![1.0f64], array![-1.0]).unwrap_err(),
        Error::InvalidHyperparameter { name: "std", .. }
    ));
    assert!(matches!(
        Standardizer::from_parts(array![f64::NAN], array![1.0]).unwrap_err(),
        Error::NonFinite { .. }
    ));
    assert!(matches!(
        Standardizer::<f64>::from_parts(Array1::zeros(0), Array1::zeros(0)).unwrap_err(),
        Error::WidthMismatch { .. }
    ));
}
