//! Checks of data coming in from outside: widths, emptiness, finiteness, matching lengths.

use std::sync::atomic::{AtomicBool, Ordering};

use ndarray::ArrayView2;

use crate::{Error, Float, Result};

/// Checks that `input` has `expected` columns and at least one row.
///
/// # Errors
/// [`Error::EmptyBatch`] for zero rows, [`Error::WidthMismatch`] for the wrong column count.
pub fn check_batch<T>(context: &str, input: &ArrayView2<'_, T>, expected: usize) -> Result<()> {
    let (rows, cols) = input.dim();
    if cols != expected {
        return Err(Error::WidthMismatch {
            context: context.to_owned(),
            expected,
            actual: cols,
        });
    }
    if rows == 0 {
        return Err(Error::EmptyBatch {
            context: context.to_owned(),
            minimum: 1,
        });
    }
    Ok(())
}

/// Contiguous values from which [`check_finite`] splits its pass over nn-gemm's thread pool,
/// one run per thread: a batch of 256 MNIST images (200k values) is checked in 17 us instead
/// of 33 on two cores. Below it, handing the runs over costs more than it saves.
const PARALLEL_CHECK: usize = 1 << 15;

/// Checks that every element of `values` is finite.
///
/// # Errors
/// [`Error::NonFinite`] naming the first NaN or infinity in row-major order.
pub fn check_finite<T: Float>(context: &str, values: &ArrayView2<'_, T>) -> Result<()> {
    // The common case in one fast pass (contiguous rows are plain slices, split over the
    // threads when long); the position only when something is wrong.
    let all_finite = match values.as_slice() {
        Some(slice) => all_finite(slice),
        None => values.iter().all(|v| v.is_finite()),
    };
    if all_finite {
        return Ok(());
    }
    for ((row, column), &value) in values.indexed_iter() {
        if !value.is_finite() {
            return Err(Error::NonFinite {
                context: context.to_owned(),
                row,
                column,
                value: value.as_f64(),
            });
        }
    }
    Ok(())
}

/// Whether every value of `values` is finite: one pass without early exit (it vectorizes), in
/// runs over the thread pool from [`PARALLEL_CHECK`] values.
fn all_finite<T: Float>(values: &[T]) -> bool {
    let pass = |values: &[T]| values.iter().fold(true, |ok, v| ok & v.is_finite());
    let runs = crate::kernel::runs_per_pass(values.len(), PARALLEL_CHECK);
    if runs <= 1 {
        return pass(values);
    }
    let run = values.len().div_ceil(runs);
    let finite = AtomicBool::new(true);
    nn_gemm::run_each(values.chunks(run), &|values| {
        if !pass(values) {
            finite.store(false, Ordering::Relaxed);
        }
    });
    finite.into_inner()
}

/// Checks that two arrays have the same shape.
///
/// # Errors
/// [`Error::ShapeMismatch`] when they differ.
#[inline]
pub fn check_same_shape(context: &str, expected: &[usize], actual: &[usize]) -> Result<()> {
    // Element by element: `expected != actual` on slices calls `memcmp`, which cost a fifth of
    // a tiny network's `predict_one` (two-element shapes compared on every layer).
    let same = expected.len() == actual.len() && expected.iter().zip(actual).all(|(e, a)| e == a);
    if !same {
        return Err(Error::ShapeMismatch {
            context: context.to_owned(),
            expected: expected.to_vec(),
            actual: actual.to_vec(),
        });
    }
    Ok(())
}

/// Checks that a hyperparameter lies in a range, given as a predicate and its description.
///
/// # Errors
/// [`Error::InvalidHyperparameter`] when `valid(value)` is false or `value` is not finite.
pub fn check_hyperparameter(
    context: &str,
    name: &'static str,
    value: f64,
    expected: &'static str,
    valid: impl Fn(f64) -> bool,
) -> Result<()> {
    if value.is_finite() && valid(value) {
        Ok(())
    } else {
        Err(Error::InvalidHyperparameter {
            context: context.to_owned(),
            name,
            value,
            expected,
        })
    }
}
