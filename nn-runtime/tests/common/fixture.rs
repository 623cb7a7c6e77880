//! Reading the JSON fixtures (`{"shape", "data"}` tensors) and comparing against them.

use ndarray::{Array1, Array2, Array4};
use nn_runtime::Float;
use serde_json::Value;

/// Tolerance of the runtime in `f32` (mixed absolute/relative: `|got - expected| <= tol ·
/// max(1, |expected|)`).
pub const F32_TOLERANCE: f64 = 1e-5;
/// Tolerance of the runtime in `f64`.
pub const F64_TOLERANCE: f64 = 1e-9;

/// The fixture at `path`, parsed.
pub fn load(path: &str) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read fixture {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {path} is not JSON: {e}"))
}

/// `value[key]`, panicking with the key's name if it is missing.
pub fn at<'a>(value: &'a Value, key: &str) -> &'a Value {
    value
        .get(key)
        .unwrap_or_else(|| panic!("fixture has no key `{key}`"))
}

/// A list of sizes (`[6, 5, 3]`).
pub fn sizes(value: &Value) -> Vec<usize> {
    value
        .as_array()
        .expect("a list of sizes")
        .iter()
        .map(|v| v.as_u64().expect("a size") as usize)
        .collect()
}

/// The flat data of a `{"shape", "data"}` tensor.
pub fn data(tensor: &Value) -> Vec<f64> {
    at(tensor, "data")
        .as_array()
        .expect("`data` is a list")
        .iter()
        .map(|v| v.as_f64().expect("`data` holds numbers"))
        .collect()
}

/// The shape of a `{"shape", "data"}` tensor.
pub fn shape(tensor: &Value) -> Vec<usize> {
    sizes(at(tensor, "shape"))
}

fn cast<T: Float>(values: &[f64]) -> Vec<T> {
    values.iter().map(|&v| T::cast(v)).collect()
}

/// A rank-2 tensor, cast to `T`.
pub fn matrix<T: Float>(tensor: &Value) -> Array2<T> {
    let dims = shape(tensor);
    assert_eq!(dims.len(), 2, "expected a matrix, got shape {dims:?}");
    Array2::from_shape_vec((dims[0], dims[1]), cast(&data(tensor))).expect("shape matches data")
}

/// A rank-1 tensor, cast to `T`.
pub fn vector<T: Float>(tensor: &Value) -> Array1<T> {
    Array1::from(cast(&data(tensor)))
}

/// A rank-4 tensor, cast to `T`.
pub fn tensor4<T: Float>(tensor: &Value) -> Array4<T> {
    let d = shape(tensor);
    assert_eq!(d.len(), 4, "expected rank 4, got shape {d:?}");
    Array4::from_shape_vec((d[0], d[1], d[2], d[3]), cast(&data(tensor)))
        .expect("shape matches data")
}

/// Collects comparisons of one test in one precision and reports every failure at the end.
pub struct Checker {
    label: String,
    tolerance: f64,
    checked: usize,
    worst: f64,
    failures: Vec<String>,
}

impl Checker {
    /// A checker for the runtime in `T` (the fixtures are float64).
    pub fn new<T: Float>(label: &str) -> Self {
        let tolerance = match T::DTYPE {
            "F32" => F32_TOLERANCE,
            _ => F64_TOLERANCE,
        };
        Self {
            label: format!("{label} ({})", T::DTYPE),
            tolerance,
            checked: 0,
            worst: 0.0,
            failures: Vec::new(),
        }
    }

    /// Checks `got` against the `{"shape", "data"}` tensor `expected`, element by element.
    pub fn close<'a, T: Float>(
        &mut self,
        what: &str,
        got: impl IntoIterator<Item = &'a T>,
        expected: &Value,
    ) {
        let got: Vec<f64> = got.into_iter().map(|v| v.as_f64()).collect();
        let expected = data(expected);
        if got.len() != expected.len() {
            let (g, e) = (got.len(), expected.len());
            self.failures
                .push(format!("{what}: {g} values, expected {e}"));
            return;
        }
        for (i, (&g, &e)) in got.iter().zip(&expected).enumerate() {
            self.checked += 1;
            let diff = (g - e).abs();
            let bound = self.tolerance * e.abs().max(1.0);
            self.worst = self.worst.max(diff / e.abs().max(1.0));
            if diff.is_nan() || diff > bound {
                self.failures.push(format!(
                    "{what}[{i}]: got {g:.17e}, expected {e:.17e}, |diff| {diff:.3e}"
                ));
            }
        }
    }

    /// Panics listing every failure, if any; returns the worst mixed error.
    pub fn finish(self) -> f64 {
        assert!(self.checked > 0, "{}: nothing was checked", self.label);
        assert!(
            self.failures.is_empty(),
            "{}: {} of {} values out of tolerance {:.0e}:\n  {}",
            self.label,
            self.failures.len(),
            self.checked,
            self.tolerance,
            self.failures.join("\n  ")
        );
        eprintln!(
            "{}: {} values within {:.0e} (worst {:.1e})",
            self.label, self.checked, self.tolerance, self.worst
        );
        self.worst
    }
}
