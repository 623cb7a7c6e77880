//! The interop fixtures (`tests/fixtures/interop`, written by `gen_interop.py`): their paths,
//! and each JSON file's inputs and the framework's outputs. Shared by `interop.rs` and
//! `interop_image.rs`.

use std::path::{Path, PathBuf};

use nn::reexports::ndarray::Array2;

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
