//! The one numeric trait every layer is generic over.

use ndarray::NdFloat;

/// A floating-point element type the runtime computes in: `f32` (the default) or `f64`.
///
/// Every layer, activation, loss and optimizer is generic over `Float`, so the same code runs
/// in `f32` for training and in `f64` for finite-difference checks. All randomness (initial
/// weights, dropout masks, RReLU slopes) is drawn in `f64` and then cast, so one seed gives the
/// same numbers (up to rounding) in both precisions.
///
/// ```
/// use nn_runtime::Float;
/// assert_eq!(f32::cast(0.5), 0.5f32);
/// assert_eq!(<f64 as Float>::DTYPE, "F64");
/// ```
pub trait Float: NdFloat + Default + std::iter::Sum + nn_gemm::Element + 'static {
    /// The safetensors dtype name of this type (`"F32"` or `"F64"`).
    const DTYPE: &'static str;

    /// Converts an `f64` constant or hyperparameter to this type (rounding for `f32`).
    fn cast(value: f64) -> Self;

    /// Widens this value to `f64`.
    fn as_f64(self) -> f64;

    /// The Gauss error function, erf(x).
    fn erf(self) -> Self;

    /// `out = x · w[.., ..out.len()] + bias` for one sample, `w` row-major
    /// `[x.len(), stride]`: the kernel behind [`crate::kernel::vec_mat`] and
    /// [`crate::kernel::vec_mat_strided`]. The portable loop by default; `f32` picks an
    /// AVX-512 or AVX2/FMA version at run time where the processor has them.
    ///
    /// # Panics
    /// If `w.len() != x.len() * stride`, `out.len() > stride` or the bias is not `out.len()`
    /// long.
    fn vec_mat(x: &[Self], w: &[Self], stride: usize, bias: Option<&[Self]>, out: &mut [Self]) {
        crate::kernel::vec_mat_portable_strided(x, w, stride, bias, out);
    }
}

impl Float for f32 {
    const DTYPE: &'static str = "F32";

    #[inline]
    fn cast(value: f64) -> Self {
        value as f32
    }

    #[inline]
    fn as_f64(self) -> f64 {
        f64::from(self)
    }

    #[inline]
    fn erf(self) -> Self {
        libm::erff(self)
    }

    #[inline]
    fn vec_mat(x: &[Self], w: &[Self], stride: usize, bias: Option<&[Self]>, out: &mut [Self]) {
        crate::kernel::vec_mat_f32_strided(x, w, stride, bias, out);
    }
}

impl Float for f64 {
    const DTYPE: &'static str = "F64";

    #[inline]
    fn cast(value: f64) -> Self {
        value
    }

    #[inline]
    fn as_f64(self) -> f64 {
        self
    }

    #[inline]
    fn erf(self) -> Self {
        libm::erf(self)
    }
}
