//! The interop fixtures (`tests/fixtures/interop`, written by `gen_interop.py`): their paths,
//! and each JSON file's inputs and the framework's outputs; and the round trips both
//! `interop.rs` and `interop_image.rs` check.

use std::path::{Path, PathBuf};

use nn::interop::{self, Framework, Naming};
use nn::reexports::ndarray::Array2;
use nn::{Float, Network};

/// The path of a fixture file.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/interop")
        .join(name)
}

/// The fixture's inputs (for images, channels-last rows) and the framework's outputs.
pub fn samples(name: &str) -> (Array2<f64>, Array2<f64>) {
    let text = std::fs::read_to_string(fixture(name)).expect("fixture JSON");
    let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let table = |key: &str| {
        let rows: Vec<Vec<f64>> = serde_json::from_value(json[key].clone()).expect("rows");
        let width = rows[0].len();
        Array2::from_shape_vec((rows.len(), width), rows.concat()).expect("rectangular")
    };
    (table("inputs"), table("outputs"))
}

/// Exporting `original` to each framework's bytes and importing them into `fresh()` gives
/// `original`'s tensors exactly.
pub fn assert_bytes_round_trip<T: Float, N: Network<T>>(
    original: &N,
    fresh: impl Fn() -> N,
) -> nn::Result<()> {
    for framework in [Framework::PyTorch, Framework::Keras] {
        let bytes = interop::to_framework_bytes(original, framework, &Naming::Sequential)?;
        let mut copy = fresh();
        interop::from_framework_bytes(&mut copy, framework, &bytes, &Naming::Sequential)?;
        assert_eq!(nn::to_bytes(&copy)?, nn::to_bytes(original)?, "{framework}");
    }
    Ok(())
}

/// Saving `original` to a file for each framework and loading it into `fresh()` gives
/// `original`'s tensors exactly (`tag` keeps concurrent tests' files apart).
pub fn assert_file_round_trip<T: Float, N: Network<T>>(
    tag: &str,
    original: &N,
    fresh: impl Fn() -> N,
) -> nn::Result<()> {
    for framework in [Framework::PyTorch, Framework::Keras] {
        let path = std::env::temp_dir().join(format!(
            "nn-{tag}-{framework}-{}.safetensors",
            std::process::id()
        ));
        let mut copy = fresh();
        match framework {
            Framework::PyTorch => {
                interop::save_pytorch(original, &path, &Naming::Sequential)?;
                interop::load_pytorch(&mut copy, &path, &Naming::Sequential)?;
            }
            Framework::Keras => {
                interop::save_keras(original, &path, &Naming::Sequential)?;
                interop::load_keras(&mut copy, &path, &Naming::Sequential)?;
            }
        }
        std::fs::remove_file(&path).expect("cleanup");
        assert_eq!(nn::to_bytes(&copy)?, nn::to_bytes(original)?, "{framework}");
    }
    Ok(())
}
