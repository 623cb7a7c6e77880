//! Runs `tests/onnx/check.py` (the ONNX checker and ONNX Runtime) on exported models.
//!
//! The interpreter is `$NN_PYTHON`, else `python3` (`scripts/test` sets `NN_PYTHON` to the
//! virtual environment it installs `tests/onnx/requirements.txt` into). If the packages are
//! missing the test fails and says how to install them; `NN_SKIP_ONNX_RUNTIME=1` skips the
//! comparison on purpose (the export itself still runs).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

/// One model to check: its bytes, the element type and the inputs to run it on.
pub struct Case {
    pub name: String,
    pub model: Vec<u8>,
    pub dtype: &'static str,
    pub inputs: Vec<Vec<f64>>,
}

/// Whether the comparison was skipped on purpose (`NN_SKIP_ONNX_RUNTIME=1`).
pub fn skipped() -> bool {
    std::env::var("NN_SKIP_ONNX_RUNTIME").is_ok_and(|v| v == "1")
}

fn scratch(tag: &str) -> PathBuf {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("onnx-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory under CARGO_TARGET_TMPDIR");
    dir
}

/// Writes the models, runs check.py on all of them, and returns each case's outputs.
pub fn run(tag: &str, cases: &[Case]) -> Vec<Vec<Vec<f64>>> {
    let dir = scratch(tag);
    let mut request = Vec::new();
    for case in cases {
        let path = dir.join(format!("{}.onnx", case.name));
        std::fs::write(&path, &case.model).expect("writing the model");
        request.push(json!({
            "name": case.name, "model": path, "dtype": case.dtype, "inputs": case.inputs,
        }));
    }
    let request_path = dir.join("request.json");
    std::fs::write(&request_path, serde_json::to_vec(&request).expect("json")).expect("write");
    let python = std::env::var("NN_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/onnx/check.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg(&request_path)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `{python}` ({e}): the ONNX Runtime comparison needs Python 3 with \
                 `python3 -m pip install -r tests/onnx/requirements.txt` (or run ./scripts/test, \
                 which installs them); set NN_SKIP_ONNX_RUNTIME=1 to skip it on purpose"
            )
        });
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => {}
        Some(3) => panic!(
            "{stderr}the ONNX Runtime comparison needs `{python} -m pip install -r \
             tests/onnx/requirements.txt` (./scripts/test does it in .venv); set \
             NN_SKIP_ONNX_RUNTIME=1 to skip it on purpose"
        ),
        _ => panic!("check.py failed ({}):\n{stderr}", output.status),
    }
    let results: Value = serde_json::from_slice(&output.stdout).expect("check.py prints JSON");
    let _ = std::fs::remove_dir_all(&dir);
    cases
        .iter()
        .map(|case| {
            let result = &results[&case.name];
            assert_eq!(
                result["opset"],
                json!(nn::onnx::OPSET),
                "{}: opset",
                case.name
            );
            assert_eq!(
                result["output_shape"][0],
                json!("batch"),
                "{}: batch axis",
                case.name
            );
            serde_json::from_value(result["outputs"].clone()).expect("outputs as rows")
        })
        .collect()
}
