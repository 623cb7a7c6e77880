//! An optimizer's per-parameter state, kept element by element, and the update of one
//! parameter split into runs of elements over nn-gemm's thread pool.
//!
//! Every update rule here is element-wise: element `i` of a parameter changes with element `i`
//! of its gradient and of each state slot, and nothing else (the global norm that clipping
//! needs is measured before the update). So a large parameter can be cut into contiguous runs,
//! each updated on its own thread, with the very same results as one pass over it.

use crate::Float;

/// The most element-wise state slots an optimizer keeps per parameter: Adam's `m` and `v`,
/// RMSprop's velocity, mean gradient and momentum.
pub(super) const SLOTS: usize = 3;

/// One parameter's state: [`SLOTS`] buffers, each as long as the parameter once its optimizer
/// uses it (allocated at the first step), empty otherwise.
pub(super) type Slots<T> = [Vec<T>; SLOTS];

/// Parameters of at least this many elements (64 KiB of `f32`) are updated in parts over the
/// thread pool; a smaller update takes less time than handing a part to a thread. The MLP
/// 784-300-100-10's SGD step splits its first two kernels (235,200 and 30,000 elements).
pub const PARALLEL_ELEMENTS: usize = 1 << 14;

/// Runs are cut at multiples of this many elements (a 64-byte cache line of `f32`), so two
/// threads never write the same line of a parameter or a slot.
const RUN_ALIGN: usize = 16;

/// A run of one parameter's elements, with the same run of its gradient and of each of its
/// state slots (empty for the slots the optimizer does not use).
pub(super) struct Run<'a, T> {
    /// The values, updated in place.
    pub value: &'a mut [T],
    /// Their gradient, as the backward pass wrote it (not yet clipped).
    pub grad: &'a [T],
    /// The state slots, indexed as the optimizer numbers them.
    pub slots: [&'a mut [T]; SLOTS],
}

/// Sizes the slots `used` marks to `value`'s length (zeros when first sized), then calls
/// `update` on runs that together cover every element once: one run for a parameter under
/// [`PARALLEL_ELEMENTS`], else one per thread of the pool (see [`nn_gemm::run_each`]).
///
/// # Panics
/// If `grad` is not as long as `value` (the optimizer's step checks it first), or `update`
/// panics.
pub(super) fn update_in_runs<T: Float>(
    value: &mut [T],
    grad: &[T],
    slots: &mut Slots<T>,
    used: [bool; SLOTS],
    update: &(dyn Fn(Run<'_, T>) + Sync),
) {
    let len = value.len();
    assert_eq!(grad.len(), len, "update_in_runs: gradient length");
    // The used slots sized to the parameter (zeros when first sized), the others empty.
    let mut used = used.into_iter();
    let slots = slots.each_mut().map(|slot| -> &mut [T] {
        if used.next() != Some(true) {
            return &mut [];
        }
        if slot.len() != len {
            slot.clear();
            slot.resize(len, T::zero());
        }
        slot
    });
    let parts = crate::kernel::runs_per_pass(len, PARALLEL_ELEMENTS);
    if parts <= 1 {
        update(Run { value, grad, slots });
        return;
    }
    let run = len.div_ceil(parts).next_multiple_of(RUN_ALIGN);
    let mut slot_runs = slots.map(|slot| runs(slot, run));
    let runs = value
        .chunks_mut(run)
        .zip(grad.chunks(run))
        .map(|(value, grad)| Run {
            value,
            grad,
            slots: slot_runs
                .each_mut()
                .map(|runs| runs.next().unwrap_or(&mut [])),
        });
    nn_gemm::run_each(runs, update);
}

/// `slot` in runs of `run` elements, then empty runs for ever (an unused slot is all empty
/// runs).
fn runs<T>(slot: &mut [T], run: usize) -> impl Iterator<Item = &mut [T]> {
    slot.chunks_mut(run)
        .chain(std::iter::repeat_with(|| -> &mut [T] { &mut [] }))
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Records every run's first index (from the value pointer) and length, and checks that
    /// the gradient and used slots are the same run.
    fn covered(len: usize, used: [bool; SLOTS]) -> (Vec<(usize, usize)>, Slots<f32>) {
        let mut value: Vec<f32> = (0..len).map(|i| i as f32).collect();
        let grad: Vec<f32> = (0..len).map(|i| i as f32 * 2.0).collect();
        let mut slots = Slots::<f32>::default();
        let seen = Mutex::new(Vec::new());
        update_in_runs(&mut value, &grad, &mut slots, used, &|run| {
            let first = run.value[0] as usize;
            assert_eq!(run.grad.len(), run.value.len());
            assert_eq!(run.grad[0], first as f32 * 2.0);
            for (slot, used) in run.slots.into_iter().zip(used) {
                assert_eq!(slot.len(), if used { run.value.len() } else { 0 });
                slot.fill(first as f32);
            }
            for v in run.value.iter_mut() {
                *v = -*v;
            }
            seen.lock().unwrap().push((first, run.value.len()));
        });
        assert!(value.iter().enumerate().all(|(i, &v)| v == -(i as f32)));
        let mut seen = seen.into_inner().unwrap();
        seen.sort_unstable();
        (seen, slots)
    }

    #[test]
    fn small_parameters_are_one_run() {
        let (runs, slots) = covered(PARALLEL_ELEMENTS - 1, [true, false, false]);
        assert_eq!(runs, vec![(0, PARALLEL_ELEMENTS - 1)]);
        assert_eq!(slots[0].len(), PARALLEL_ELEMENTS - 1);
        assert!(slots[1].is_empty() && slots[2].is_empty());
    }

    #[test]
    fn large_parameters_are_cut_into_aligned_runs_covering_every_element_once() {
        let len = PARALLEL_ELEMENTS * 3 + 5;
        let (runs, slots) = covered(len, [true, false, true]);
        let threads = nn_gemm::available_threads();
        assert_eq!(runs.len(), threads.min(len));
        let mut next = 0;
        for &(first, run) in &runs {
            assert_eq!(first, next, "runs are contiguous, in order");
            assert!(first % RUN_ALIGN == 0);
            next += run;
        }
        assert_eq!(next, len);
        // Each used slot holds, in each run, the run's first index: the runs of a slot are
        // the runs of the value.
        for &(first, run) in &runs {
            assert!(
                slots[0][first..first + run]
                    .iter()
                    .all(|&s| s == first as f32)
            );
            assert!(
                slots[2][first..first + run]
                    .iter()
                    .all(|&s| s == first as f32)
            );
        }
        assert!(slots[1].is_empty());
    }
}
