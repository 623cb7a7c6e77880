//! Saving and loading round trips: bit-identical tensors and identical outputs.

use ndarray::Array2;
use nn_runtime::{Float, seeded_rng};

mod common;

use common::stack::{Stack, model, snapshot};

impl<T: Float> Stack<T> {
    fn forward_train(&mut self, x: &Array2<T>) {
        let mut rng = seeded_rng(99);
        let mut current = x.clone();
        for layer in &mut self.0 {
            current = layer
                .forward_train(current.view(), &mut rng)
                .unwrap()
                .to_owned();
        }
    }

    fn forward_infer(&self, x: &Array2<T>) -> Array2<T> {
        let mut current = x.clone();
        for layer in &self.0 {
            let mut out = Array2::zeros((current.nrows(), layer.output_width()));
            layer.forward_infer(current.view(), out.view_mut()).unwrap();
            current = out;
        }
        current
    }
}

fn input<T: Float>() -> Array2<T> {
    Array2::from_shape_fn((5, 4), |(i, j)| {
        T::cast((i as f64 - 2.0) * 0.7 + (j as f64) * 0.3 - 0.4)
    })
}

#[test]
fn save_then_load_gives_bit_identical_tensors_and_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    let mut a = model::<6, f32>(1);
    a.forward_train(&input());
    a.forward_train(&input::<f32>().mapv(|v| v * 2.0 + 1.0));
    nn_runtime::save(&a, &path).unwrap();

    let mut b = model::<6, f32>(2);
    assert_ne!(
        snapshot(&a),
        snapshot(&b),
        "differently seeded models must differ"
    );
    nn_runtime::load(&mut b, &path).unwrap();
    assert_eq!(snapshot(&a), snapshot(&b));

    let x = input::<f32>();
    let (ya, yb) = (a.forward_infer(&x), b.forward_infer(&x));
    assert_eq!(ya.mapv(f32::to_bits), yb.mapv(f32::to_bits));
}

#[test]
fn batch_norm_running_statistics_survive() {
    let mut a = model::<6, f32>(3);
    let fresh = snapshot(&a);
    a.forward_train(&input());
    let trained = snapshot(&a);
    let running = |s: &[(String, Vec<usize>, Vec<u64>)], key: &str| {
        s.iter().find(|(k, _, _)| k == key).unwrap().2.clone()
    };
    for key in [
        "batch_normalization_0.moving_mean",
        "batch_normalization_0.moving_variance",
    ] {
        assert_ne!(
            running(&fresh, key),
            running(&trained, key),
            "{key} must move"
        );
    }

    let bytes = nn_runtime::to_bytes(&a).unwrap();
    let mut b = model::<6, f32>(3);
    nn_runtime::from_bytes(&mut b, &bytes).unwrap();
    let loaded = snapshot(&b);
    for key in [
        "batch_normalization_0.moving_mean",
        "batch_normalization_0.moving_variance",
    ] {
        assert_eq!(running(&trained, key), running(&loaded, key));
    }
}

#[test]
fn to_bytes_from_bytes_round_trip_and_is_deterministic() {
    let a = model::<6, f32>(4);
    let bytes = nn_runtime::to_bytes(&a).unwrap();
    assert_eq!(bytes, nn_runtime::to_bytes(&a).unwrap());
    let mut b = model::<6, f32>(5);
    nn_runtime::from_bytes(&mut b, &bytes).unwrap();
    assert_eq!(snapshot(&a), snapshot(&b));
    assert_eq!(bytes, nn_runtime::to_bytes(&b).unwrap());
}

#[test]
fn file_is_standard_safetensors_with_metadata() {
    let a = model::<6, f32>(6);
    let bytes = nn_runtime::to_bytes(&a).unwrap();
    let (_, metadata) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let meta = metadata.metadata().clone().unwrap();
    assert_eq!(meta.get("format").map(String::as_str), Some("nn"));
    assert_eq!(meta.get("version").map(String::as_str), Some("1"));

    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut names = file.names();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "batch_normalization_0.beta",
            "batch_normalization_0.gamma",
            "batch_normalization_0.moving_mean",
            "batch_normalization_0.moving_variance",
            "dense_0.bias",
            "dense_0.kernel",
            "dense_1.bias",
            "dense_1.kernel",
            "p_re_lu_0.alpha",
        ]
    );
    let kernel = file.tensor("dense_0.kernel").unwrap();
    assert_eq!(kernel.dtype(), safetensors::Dtype::F32);
    assert_eq!(kernel.shape(), &[4, 6]);
    // Little-endian, row-major: element [1, 2] is the 8th value.
    let expected = snapshot(&a)
        .into_iter()
        .find(|(k, _, _)| k == "dense_0.kernel")
        .unwrap()
        .2[8];
    let raw: [u8; 4] = kernel.data()[8 * 4..9 * 4].try_into().unwrap();
    assert_eq!(f64::from(f32::from_le_bytes(raw)).to_bits(), expected);
}

#[test]
fn f64_model_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model64.safetensors");
    let mut a = model::<5, f64>(7);
    a.forward_train(&input());
    nn_runtime::save(&a, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    assert_eq!(
        file.tensor("dense_1.kernel").unwrap().dtype(),
        safetensors::Dtype::F64
    );

    let mut b = model::<5, f64>(8);
    nn_runtime::load(&mut b, &path).unwrap();
    assert_eq!(snapshot(&a), snapshot(&b));
    let x = input::<f64>();
    assert_eq!(
        a.forward_infer(&x).mapv(f64::to_bits),
        b.forward_infer(&x).mapv(f64::to_bits)
    );
}

#[test]
fn saving_over_an_existing_file_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    nn_runtime::save(&model::<6, f32>(1), &path).unwrap();
    let second = model::<6, f32>(2);
    nn_runtime::save(&second, &path).unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        nn_runtime::to_bytes(&second).unwrap()
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}
