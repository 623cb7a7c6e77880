//! Loading what does not fit: every failure is an error naming the problem, never a panic,
//! and never a half-loaded model.

use nn_runtime::activation::{Linear, Relu};
use nn_runtime::{Dense, Error, Initializer, seeded_rng};

mod common;

use common::stack::{Stack, model, snapshot};

/// Loads `bytes` into a fresh f32 model (seed 100) and checks it is unchanged on error.
fn load_into_fresh(bytes: &[u8]) -> Result<(), Error> {
    let mut target = model::<6, f32>(100);
    let before = snapshot(&target);
    let result = nn_runtime::from_bytes(&mut target, bytes);
    if result.is_err() {
        assert_eq!(before, snapshot(&target), "a failed load changed the model");
    }
    result
}

#[test]
fn truncated_bytes_are_an_error() {
    let bytes = nn_runtime::to_bytes(&model::<6, f32>(1)).unwrap();
    let header = 8 + u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let cuts = [
        0,
        1,
        7,
        8,
        9,
        header / 2,
        header - 1,
        header,
        header + 1,
        bytes.len() - 4,
        bytes.len() - 1,
    ];
    for cut in cuts {
        let err = load_into_fresh(&bytes[..cut]).expect_err(&format!("cut at {cut} must fail"));
        assert!(matches!(err, Error::Format { .. }), "cut at {cut}: {err}");
        assert!(err.to_string().starts_with("safetensors bytes: "), "{err}");
    }
    load_into_fresh(&bytes).unwrap();
}

#[test]
fn garbage_bytes_are_an_error() {
    for garbage in [
        &b""[..],
        b"hello, world",
        &[0xff; 64],
        &[0; 64],
        b"\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":1}        ",
    ] {
        let err = load_into_fresh(garbage).unwrap_err();
        assert!(matches!(err, Error::Format { .. }), "{err}");
    }
}

#[test]
fn wrong_widths_are_a_shape_error_naming_the_tensor() {
    let bytes = nn_runtime::to_bytes(&model::<5, f32>(1)).unwrap();
    let err = load_into_fresh(&bytes).unwrap_err();
    assert_eq!(
        err,
        Error::ShapeMismatch {
            context: "dense_0.kernel".into(),
            expected: vec![4, 6],
            actual: vec![4, 5],
        }
    );
    assert_eq!(
        err.to_string(),
        "dense_0.kernel: expected shape [4, 6], got shape [4, 5]"
    );
}

#[test]
fn f64_file_into_f32_model_is_a_dtype_error() {
    let bytes = nn_runtime::to_bytes(&model::<6, f64>(1)).unwrap();
    let err = load_into_fresh(&bytes).unwrap_err();
    assert_eq!(
        err.to_string(),
        "dense_0.kernel: expected dtype F32, got F64"
    );
    assert!(matches!(err, Error::DtypeMismatch { .. }));
}

#[test]
fn missing_layer_in_the_file_is_a_missing_tensor_error() {
    let mut smaller = model::<6, f32>(1);
    smaller.0.pop(); // no dense_1
    let bytes = nn_runtime::to_bytes(&smaller).unwrap();
    let err = load_into_fresh(&bytes).unwrap_err();
    assert_eq!(
        err,
        Error::MissingTensor {
            context: "safetensors bytes".into(),
            name: "dense_1.kernel".into(),
            expected: "dtype F32, shape [6, 3]".into(),
        }
    );
}

#[test]
fn missing_bias_is_a_missing_tensor_error() {
    let mut rng = seeded_rng(0);
    let no_bias = Dense::<2, 2, Linear, f32>::new(Linear, Initializer::HeNormal, &mut rng)
        .named("dense_0")
        .without_bias();
    let bytes = nn_runtime::to_bytes(&no_bias).unwrap();
    let mut with_bias =
        Dense::<2, 2, Linear, f32>::new(Linear, Initializer::HeNormal, &mut rng).named("dense_0");
    let before = with_bias.kernel().clone();
    let err = nn_runtime::from_bytes(&mut with_bias, &bytes).unwrap_err();
    assert!(
        matches!(&err, Error::MissingTensor { name, .. } if name == "dense_0.bias"),
        "{err}"
    );
    assert_eq!(with_bias.kernel(), &before);
}

#[test]
fn extra_layer_in_the_file_is_an_unexpected_tensor_error() {
    let mut bigger = model::<6, f32>(1);
    let mut rng = seeded_rng(5);
    bigger.0.push(Box::new(
        Dense::<3, 2, Linear, f32>::new(Linear, Initializer::HeNormal, &mut rng).named("dense_2"),
    ));
    let bytes = nn_runtime::to_bytes(&bigger).unwrap();
    let err = load_into_fresh(&bytes).unwrap_err();
    assert_eq!(
        err,
        Error::UnexpectedTensor {
            context: "safetensors bytes".into(),
            name: "dense_2.bias".into(),
        }
    );
}

#[test]
fn renamed_layer_is_missing_tensor_error() {
    let mut rng = seeded_rng(0);
    let a = Dense::<2, 2, Relu, f32>::new(Relu, Initializer::HeNormal, &mut rng).named("dense_9");
    let bytes = nn_runtime::to_bytes(&a).unwrap();
    let mut b =
        Dense::<2, 2, Relu, f32>::new(Relu, Initializer::HeNormal, &mut rng).named("dense_0");
    let err = nn_runtime::from_bytes(&mut b, &bytes).unwrap_err();
    assert!(
        matches!(&err, Error::MissingTensor { name, .. } if name == "dense_0.kernel"),
        "{err}"
    );
}

#[test]
fn a_failed_load_after_passing_checks_on_early_tensors_leaves_the_model_unchanged() {
    // The first tensors (dense_0, batch norm) match; dense_1 has the wrong shape.
    let mut other = model::<6, f32>(1);
    other.0.pop();
    let mut rng = seeded_rng(3);
    other.0.push(Box::new(
        Dense::<6, 2, Linear, f32>::new(Linear, Initializer::HeNormal, &mut rng).named("dense_1"),
    ));
    let bytes = nn_runtime::to_bytes(&other).unwrap();
    let err = load_into_fresh(&bytes).unwrap_err();
    assert_eq!(
        err.to_string(),
        "dense_1.kernel: expected shape [6, 3], got shape [6, 2]"
    );
}

#[test]
fn duplicate_layer_names_cannot_be_saved() {
    let mut rng = seeded_rng(0);
    let twins = Stack::<f32>(vec![
        Box::new(
            Dense::<2, 2, Linear, f32>::new(Linear, Initializer::HeNormal, &mut rng).named("d"),
        ),
        Box::new(
            Dense::<2, 2, Linear, f32>::new(Linear, Initializer::HeNormal, &mut rng).named("d"),
        ),
    ]);
    let err = nn_runtime::to_bytes(&twins).unwrap_err();
    assert!(
        err.to_string().contains("two tensors named d.kernel"),
        "{err}"
    );
}

#[test]
fn missing_file_is_an_io_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.safetensors");
    let mut m = model::<6, f32>(1);
    let err = nn_runtime::load(&mut m, &path).unwrap_err();
    match &err {
        Error::Io { context, kind, .. } => {
            assert_eq!(context, &path.display().to_string());
            assert_eq!(*kind, std::io::ErrorKind::NotFound);
        }
        other => panic!("expected Error::Io, got {other:?}"),
    }
}

#[test]
fn errors_from_load_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.safetensors");
    std::fs::write(&path, b"not safetensors").unwrap();
    let mut m = model::<6, f32>(1);
    let err = nn_runtime::load(&mut m, &path).unwrap_err();
    assert!(
        err.to_string().starts_with(&path.display().to_string()),
        "{err}"
    );
}

/// A header, 8-byte length prefixed and space-padded to a multiple of 8, then `data`.
fn crafted(header: &str, data: &[u8]) -> Vec<u8> {
    let mut text = header.as_bytes().to_vec();
    while !text.len().is_multiple_of(8) {
        text.push(b' ');
    }
    let mut bytes = (text.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(&text);
    bytes.extend_from_slice(data);
    bytes
}

#[test]
fn crafted_headers_are_errors_not_panics() {
    let headers = [
        r#"{"dense_0.kernel":{"dtype":"F32","shape":[4,6],"data_offsets":[0,18446744073709551615]}}"#,
        r#"{"dense_0.kernel":{"dtype":"F32","shape":[4,6],"data_offsets":[18446744073709551615,0]}}"#,
        r#"{"dense_0.kernel":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,96]}}"#,
        r#"{"dense_0.kernel":{"dtype":"F32","shape":[4,6],"data_offsets":[0,96]},"x":{"dtype":"F32","shape":[1],"data_offsets":[18446744073709551612,18446744073709551615]}}"#,
        r#"{"dense_0.kernel":{"dtype":"F32","shape":[4,6],"data_offsets":[0,95]}}"#,
        r#"{"dense_0.kernel":{"dtype":"Q9","shape":[4,6],"data_offsets":[0,96]}}"#,
        r#"[1, 2, 3]"#,
        r#"{"#,
    ];
    for header in headers {
        let err = load_into_fresh(&crafted(header, &[0; 96])).unwrap_err();
        assert!(matches!(err, Error::Format { .. }), "{header}: {err}");
    }
    // A header length near u64::MAX.
    let mut bytes = u64::MAX.to_le_bytes().to_vec();
    bytes.extend_from_slice(b"{}");
    assert!(matches!(load_into_fresh(&bytes), Err(Error::Format { .. })));
}
