use ndarray::{ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, Zip};

use super::{Activation, ActivationKind, ActivationSpec};
use crate::{Float, SeededRng};

/// Softmax over the feature axis: `a_j = exp(z_j - max z) / Σ_k exp(z_k - max z)`, each row a
/// probability distribution. Subtracting the row maximum keeps `exp` from overflowing.
///
/// The backward pass is the Jacobian-vector product `grad_z = a ⊙ (grad_a - ⟨grad_a, a⟩)`.
/// Paired with cross-entropy, training uses the fused gradient `p - y` instead (see
/// [`crate::loss`]). Softmax belongs on the output layer only; it pairs with the Glorot
/// initializers.
///
/// ```
/// use nn_runtime::activation::{Activation, Softmax};
/// let mut z = ndarray::array![[1.0f64, 2.0, 3.0], [1000.0, 1000.0, 1000.0]];
/// Softmax.infer_in_place(z.view_mut());
/// assert!((z.row(0).sum() - 1.0).abs() < 1e-12);
/// assert!((z[[1, 0]] - 1.0 / 3.0).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Softmax;

/// Overwrites one row of logits with its softmax.
fn softmax_row<T: Float>(mut row: ArrayViewMut1<'_, T>) {
    let max = row.fold(T::neg_infinity(), |m, &v| m.max(v));
    let mut sum = T::zero();
    row.map_inplace(|v| {
        *v = (*v - max).exp();
        sum += *v;
    });
    row.map_inplace(|v| *v /= sum);
}

impl<T: Float> Activation<T> for Softmax {
    const KIND: ActivationKind = ActivationKind::Softmax;

    fn spec(&self) -> ActivationSpec<'_, T> {
        ActivationSpec::Softmax
    }

    fn forward_train(
        &mut self,
        z: ArrayView2<'_, T>,
        mut a: ArrayViewMut2<'_, T>,
        _rng: &mut SeededRng,
    ) {
        a.assign(&z);
        self.infer_in_place(a);
    }

    fn infer_in_place(&self, mut values: ArrayViewMut2<'_, T>) {
        values.axis_iter_mut(Axis(0)).for_each(softmax_row);
    }

    fn backward(
        &mut self,
        _z: ArrayView2<'_, T>,
        a: ArrayView2<'_, T>,
        grad_a: ArrayView2<'_, T>,
        mut grad_z: ArrayViewMut2<'_, T>,
    ) {
        Zip::from(grad_z.axis_iter_mut(Axis(0)))
            .and(a.axis_iter(Axis(0)))
            .and(grad_a.axis_iter(Axis(0)))
            .for_each(|mut gz, a, ga| {
                let dot = a.dot(&ga);
                Zip::from(&mut gz)
                    .and(&a)
                    .and(&ga)
                    .for_each(|gz, &a, &ga| *gz = a * (ga - dot));
            });
    }
}
