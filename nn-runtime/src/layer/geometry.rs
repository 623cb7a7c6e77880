//! The geometry check shared by the convolution and pooling layers' constructors.

use crate::kernel::{ConvGeometry, Padding};
use crate::validate::check_hyperparameter;
use crate::{Error, Result};

/// The geometry of a `window` moved by `stride` with `padding` over `input` (height, width,
/// channels), checked to give exactly `output` (height, width).
///
/// # Errors
/// [`Error::InvalidHyperparameter`] for a zero window or stride; [`Error::InvalidGeometry`]
/// when no window fits or the output differs from `output`.
pub(crate) fn checked_geometry(
    layer: &str,
    (input, output): ((usize, usize, usize), (usize, usize)),
    (window_name, window): (&'static str, (usize, usize)),
    stride: (usize, usize),
    padding: Padding,
) -> Result<ConvGeometry> {
    let positive = |v: f64| v >= 1.0;
    for (name, value) in [(window_name, window.0), (window_name, window.1)] {
        check_hyperparameter(layer, name, value as f64, "a size >= 1", positive)?;
    }
    for value in [stride.0, stride.1] {
        check_hyperparameter(layer, "stride", value as f64, "a stride >= 1", positive)?;
    }
    let (h, w, c) = input;
    let asked = format!(
        "{window_name} {}x{}, stride {}x{}, padding {} on {h}x{w}x{c}",
        window.0,
        window.1,
        stride.0,
        stride.1,
        padding.name()
    );
    if h == 0 || w == 0 || c == 0 {
        return Err(Error::InvalidGeometry {
            context: layer.to_owned(),
            message: format!("{asked}: the input has no pixels"),
        });
    }
    let geometry = ConvGeometry::new(input, window, stride, padding).ok_or_else(|| {
        Error::InvalidGeometry {
            context: layer.to_owned(),
            message: format!("{asked}: the {window_name} is larger than the input"),
        }
    })?;
    if geometry.output != output {
        let (oh, ow) = geometry.output;
        return Err(Error::InvalidGeometry {
            context: layer.to_owned(),
            message: format!(
                "{asked} gives {oh}x{ow}; the type says {}x{}",
                output.0, output.1
            ),
        });
    }
    Ok(geometry)
}
