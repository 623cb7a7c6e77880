//! What the generated `predict` and `predict_one` need: the input check of one sample, the
//! two scratch buffers a batch goes through, and a thread-local scratch buffer for one sample
//! through a very wide network.

use std::any::Any;
use std::cell::RefCell;

use ndarray::{ArrayView2, ArrayViewMut2};

use crate::{Error, Float, Result};

/// Checks one sample coming into network `name`: every value finite.
///
/// # Errors
/// [`Error::NonFinite`] for a NaN or infinity (row 0, its column).
pub fn check_row<T: Float>(name: &str, row: &[T]) -> Result<()> {
    match row.iter().position(|value| !value.is_finite()) {
        None => Ok(()),
        Some(column) => Err(Error::NonFinite {
            context: name.to_owned(),
            row: 0,
            column,
            value: row[column].as_f64(),
        }),
    }
}

/// Two `rows x max_width` buffers that the layers of a batch inference write into in turn:
/// step 0 writes the first, step 1 reads it and writes the second, step 2 reads the second and
/// writes the first, and so on. They live in a thread-local store kept between calls
/// ([`PingPong::with`]), so only a thread's first batch (or a larger one) allocates; their
/// contents start unspecified, and each step overwrites its buffer.
///
/// ```
/// use nn_runtime::network::PingPong;
/// let sum = PingPong::<f32>::with(2, 3, |scratch| {
///     scratch.first(3).fill(1.0);
///     let (x, mut y) = scratch.step(1, 3, 2);
///     y.assign(&x.slice(ndarray::s![.., ..2]));
///     scratch.output(1, 2).sum()
/// });
/// assert_eq!(sum, 4.0);
/// ```
#[derive(Debug)]
pub struct PingPong<'a, T> {
    data: &'a mut [T],
    rows: usize,
    max_width: usize,
}

impl<T: Float> PingPong<'_, T> {
    /// Runs `f` with the buffers for `rows` samples through layers at most `max_width` wide,
    /// on this thread's kept storage (fresh storage for a nested call, from inside `f`, and
    /// for buffers over 4M values, which are not kept). Contents are unspecified until a
    /// step writes them.
    pub fn with<R>(rows: usize, max_width: usize, f: impl FnOnce(&mut PingPong<'_, T>) -> R) -> R {
        let len = 2 * rows * max_width;
        with_scratch(&BATCH_SCRATCH, len, |data| {
            f(&mut PingPong {
                data,
                rows,
                max_width,
            })
        })
    }

    fn half(&self, step: usize) -> std::ops::Range<usize> {
        let size = self.rows * self.max_width;
        let start = (step % 2) * size;
        start..start + size
    }

    /// The buffer step 0 writes: `rows x width`.
    ///
    /// # Panics
    /// If `width > max_width`.
    pub fn first(&mut self, width: usize) -> ArrayViewMut2<'_, T> {
        self.target(0, width)
    }

    fn target(&mut self, step: usize, width: usize) -> ArrayViewMut2<'_, T> {
        assert!(width <= self.max_width, "PingPong: width beyond max_width");
        let range = self.half(step);
        let len = self.rows * width;
        ArrayViewMut2::from_shape((self.rows, width), &mut self.data[range][..len])
            .expect("invariant: a half holds rows * max_width values")
    }

    /// What step `step` wrote, `rows x width`.
    ///
    /// # Panics
    /// If `width > max_width`.
    pub fn output(&self, step: usize, width: usize) -> ArrayView2<'_, T> {
        assert!(width <= self.max_width, "PingPong: width beyond max_width");
        let range = self.half(step);
        let len = self.rows * width;
        ArrayView2::from_shape((self.rows, width), &self.data[range][..len])
            .expect("invariant: a half holds rows * max_width values")
    }

    /// Step `step` (from 1): the output of step `step - 1` (`rows x input_width`) and the
    /// buffer to write (`rows x output_width`).
    ///
    /// # Panics
    /// If `step` is 0 or a width is beyond `max_width`.
    pub fn step(
        &mut self,
        step: usize,
        input_width: usize,
        output_width: usize,
    ) -> (ArrayView2<'_, T>, ArrayViewMut2<'_, T>) {
        assert!(step >= 1, "PingPong: step 0 has no input; use first");
        assert!(
            input_width <= self.max_width && output_width <= self.max_width,
            "PingPong: width beyond max_width"
        );
        let size = self.rows * self.max_width;
        let (even, odd) = self.data.split_at_mut(size);
        let (source, target) = if step % 2 == 1 {
            (even, odd)
        } else {
            (odd, even)
        };
        let rows = self.rows;
        let source = ArrayView2::from_shape((rows, input_width), &source[..rows * input_width])
            .expect("invariant: a half holds rows * max_width values");
        let target =
            ArrayViewMut2::from_shape((rows, output_width), &mut target[..rows * output_width])
                .expect("invariant: a half holds rows * max_width values");
        (source, target)
    }
}

/// Scratch vectors kept for a thread's life: one per element type.
type ScratchStore = RefCell<Vec<Box<dyn Any>>>;

thread_local! {
    /// One scratch vector per element type, kept for the thread's life.
    static ROW_SCRATCH: ScratchStore = const { RefCell::new(Vec::new()) };
    /// The same for [`PingPong`]: the layers' outputs of a batch inference.
    static BATCH_SCRATCH: ScratchStore = const { RefCell::new(Vec::new()) };
    /// The same for the layers' inference over images (`Conv2d`'s patch matrix): a separate
    /// store, so that a layer running inside [`with_row_scratch`] (a `predict_one`) finds it
    /// free.
    static IMAGE_SCRATCH: ScratchStore = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on `len` values of this thread's scratch for element type `T` (contents
/// unspecified). The storage is kept between calls, so only a thread's first call (or one
/// needing more room) allocates: the generated `predict_one` of networks too wide for the
/// stack runs its layers here. A nested call (from inside `f`) gets a fresh vector.
pub fn with_row_scratch<T: Float, R>(len: usize, f: impl FnOnce(&mut [T]) -> R) -> R {
    with_scratch(&ROW_SCRATCH, len, f)
}

/// [`with_row_scratch`] on a second thread-local store, for the scratch of a layer's
/// `forward_infer` (a `&self` method, so it cannot keep buffers of its own): `Conv2d`'s patch
/// matrix. The storage stays with the thread (as large as the largest batch's patch matrix so
/// far, up to [`KEPT_VALUES`]); a nested call gets a fresh vector.
pub(crate) fn with_image_scratch<T: Float, R>(len: usize, f: impl FnOnce(&mut [T]) -> R) -> R {
    with_scratch(&IMAGE_SCRATCH, len, f)
}

/// The most values a thread keeps in each scratch store between calls: 4M (16 MiB in `f32`).
/// A larger request gets a vector of its own, freed when it returns, so that one huge batch
/// (a `predict` over a whole dataset) does not pin its scratch for the thread's life.
const KEPT_VALUES: usize = 1 << 22;

/// The body of [`with_row_scratch`], [`with_image_scratch`] and [`PingPong::with`] on the
/// store `key`.
fn with_scratch<T: Float, R>(
    key: &'static std::thread::LocalKey<ScratchStore>,
    len: usize,
    f: impl FnOnce(&mut [T]) -> R,
) -> R {
    if len > KEPT_VALUES {
        return f(&mut vec![T::zero(); len]);
    }
    let mut f = Some(f);
    let kept = key.try_with(|cell| {
        let Ok(mut vectors) = cell.try_borrow_mut() else {
            return None;
        };
        let index = match vectors.iter().position(|v| v.is::<Vec<T>>()) {
            Some(index) => index,
            None => {
                vectors.push(Box::new(Vec::<T>::new()));
                vectors.len() - 1
            }
        };
        let vector = vectors[index].downcast_mut::<Vec<T>>()?;
        if vector.len() < len {
            vector.resize(len, T::zero());
        }
        let f = f.take()?;
        Some(f(&mut vector[..len]))
    });
    match (kept, f) {
        (Ok(Some(result)), _) => result,
        (_, Some(f)) => f(&mut vec![T::zero(); len]),
        // `f` ran (it was taken) yet gave no result: impossible, `Some(f(..))` follows `take`.
        (_, None) => unreachable!("with_scratch: the closure ran without a result"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The length of the vector of `T` this thread keeps in `key`'s store (0 if none).
    fn kept<T: Float>(key: &'static std::thread::LocalKey<ScratchStore>) -> usize {
        key.with(|cell| {
            cell.borrow()
                .iter()
                .find_map(|v| v.downcast_ref::<Vec<T>>().map(Vec::len))
                .unwrap_or(0)
        })
    }

    #[test]
    fn scratch_is_kept_up_to_the_limit_and_a_larger_request_is_not() {
        PingPong::<f32>::with(256, 300, |scratch| scratch.first(300).fill(1.0));
        assert_eq!(kept::<f32>(&BATCH_SCRATCH), 2 * 256 * 300);
        // Over the limit: served (every value writable), not kept.
        let rows = KEPT_VALUES / 600 + 1;
        let sum = PingPong::<f32>::with(rows, 300, |scratch| {
            let (_, mut target) = scratch.step(1, 300, 300);
            target.fill(1.0);
            target.sum()
        });
        assert_eq!(sum, (rows * 300) as f32);
        assert_eq!(kept::<f32>(&BATCH_SCRATCH), 2 * 256 * 300);
        // Another type has its own vector.
        with_row_scratch::<f64, _>(10, |values| values.fill(2.0));
        assert_eq!(kept::<f64>(&ROW_SCRATCH), 10);
        assert_eq!(kept::<f32>(&ROW_SCRATCH), 0);
    }
}
