use ndarray::{ArrayView2, ArrayViewMut2, Zip};
use rand::RngExt;

use super::{Activation, ActivationKind, ActivationSpec};
use crate::validate::check_hyperparameter;
use crate::{Buffer, Error, Float, Result, SeededRng};

/// Randomized leaky ReLU (Xu et al. 2015): `z` for `z > 0`, `slope · z` otherwise.
///
/// In training each element draws its own slope from U(lower, upper); at inference the slope is
/// the mean `(lower + upper) / 2`. The defaults are PyTorch's `nn.RReLU`: lower = 1/8,
/// upper = 1/3 (Keras has no RReLU). The slopes of the last training forward are kept for the
/// backward pass, so backward is exact for the slopes that were drawn.
///
/// ```
/// use nn_runtime::activation::{Activation, RRelu};
/// let rrelu = RRelu::<f64>::new(0.1, 0.3)?;
/// let mut z = ndarray::array![[-1.0, 2.0]];
/// rrelu.infer_in_place(z.view_mut());
/// assert!((z[[0, 0]] + 0.2).abs() < 1e-12);
/// # Ok::<(), nn_runtime::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct RRelu<T = f32> {
    lower: f64,
    upper: f64,
    slopes: Buffer<T>,
}

impl<T: Float> RRelu<T> {
    /// PyTorch's default lower bound, 1/8.
    pub const DEFAULT_LOWER: f64 = 1.0 / 8.0;
    /// PyTorch's default upper bound, 1/3.
    pub const DEFAULT_UPPER: f64 = 1.0 / 3.0;

    /// An RReLU drawing slopes from U(lower, upper).
    ///
    /// # Errors
    /// [`Error::InvalidHyperparameter`] unless `0 <= lower <= upper <= 1`, both finite.
    pub fn new(lower: f64, upper: f64) -> Result<Self> {
        check_hyperparameter("rrelu", "lower", lower, "0 <= lower <= 1", |v| {
            (0.0..=1.0).contains(&v)
        })?;
        check_hyperparameter("rrelu", "upper", upper, "0 <= upper <= 1", |v| {
            (0.0..=1.0).contains(&v)
        })?;
        if lower > upper {
            return Err(Error::InvalidHyperparameter {
                context: "rrelu".to_owned(),
                name: "upper",
                value: upper,
                expected: "upper >= lower",
            });
        }
        Ok(Self {
            lower,
            upper,
            slopes: Buffer::default(),
        })
    }

    /// The bounds `(lower, upper)` of the slope distribution.
    pub fn bounds(&self) -> (f64, f64) {
        (self.lower, self.upper)
    }

    /// The slope used at inference: `(lower + upper) / 2`.
    pub fn mean_slope(&self) -> f64 {
        0.5 * (self.lower + self.upper)
    }

    /// The slopes drawn in the last training forward (1 where `z > 0`).
    pub fn slopes(&self) -> ArrayView2<'_, T> {
        self.slopes.view()
    }
}

impl<T: Float> Default for RRelu<T> {
    fn default() -> Self {
        Self {
            lower: Self::DEFAULT_LOWER,
            upper: Self::DEFAULT_UPPER,
            slopes: Buffer::default(),
        }
    }
}

impl<T: Float> Activation<T> for RRelu<T> {
    const KIND: ActivationKind = ActivationKind::RRelu;

    fn spec(&self) -> ActivationSpec<'_, T> {
        ActivationSpec::RRelu {
            lower: self.lower,
            upper: self.upper,
        }
    }

    fn forward_train(
        &mut self,
        z: ArrayView2<'_, T>,
        a: ArrayViewMut2<'_, T>,
        rng: &mut SeededRng,
    ) {
        let (rows, cols) = z.dim();
        let (lower, width) = (self.lower, self.upper - self.lower);
        Zip::from(self.slopes.resize(rows, cols))
            .and(a)
            .and(z)
            .for_each(|slope, a, &z| {
                // One draw per element whatever its sign, so the stream does not depend on z.
                let drawn = T::cast(lower + width * rng.random::<f64>());
                *slope = if z > T::zero() { T::one() } else { drawn };
                *a = *slope * z;
            });
    }

    fn infer_in_place(&self, mut values: ArrayViewMut2<'_, T>) {
        let slope = T::cast(self.mean_slope());
        values.map_inplace(|v| {
            if *v <= T::zero() {
                *v = slope * *v;
            }
        });
    }

    fn backward(
        &mut self,
        _z: ArrayView2<'_, T>,
        _a: ArrayView2<'_, T>,
        grad_a: ArrayView2<'_, T>,
        grad_z: ArrayViewMut2<'_, T>,
    ) {
        Zip::from(grad_z)
            .and(grad_a)
            .and(self.slopes.view())
            .for_each(|gz, &ga, &slope| *gz = ga * slope);
    }
}
