//! Convolution geometry and the im2col / col2im rearrangements that turn a convolution into
//! one GEMM.
//!
//! Images are rows of a batch in channels-last order (NHWC, Keras'): element `(y, x, c)` of an
//! `h x w x c` image is at `(y * w + x) * c + c`. A patch is laid out `(ky, kx, c)`, the order
//! of a Keras kernel `[KH, KW, IC, OC]` flattened to `[KH * KW * IC, OC]`, so
//! `im2col(x) · kernel` is the convolution, and its `[batch * OH * OW, OC]` result is already
//! the `[batch, OH * OW * OC]` output in NHWC order.

use ndarray::{Array2, ArrayView2, ArrayViewMut2};

use crate::Float;

/// How a convolution treats the border (Keras' `padding`).
///
/// - `Valid`: no padding; the output is `floor((in - k) / stride) + 1` (the window stays
///   inside the image).
/// - `Same`: the output is `ceil(in / stride)`; the input is padded with zeros by
///   `max((out - 1) · stride + k - in, 0)` in total, half of it (rounded down) before and the
///   rest after, as TensorFlow and Keras do. PyTorch's `padding='same'` agrees for stride 1;
///   for larger strides, pad explicitly (`F.pad(x, (left, right, top, bottom))`).
///
/// ```
/// use nn_runtime::layer::Padding;
/// assert_eq!(Padding::Same.output_size(7, 3, 2), Some((4, 1)));   // pad 1 before, 1 after
/// assert_eq!(Padding::Same.output_size(8, 3, 2), Some((4, 0)));   // pad 0 before, 1 after
/// assert_eq!(Padding::Valid.output_size(8, 3, 2), Some((3, 0)));
/// assert_eq!(Padding::Valid.output_size(2, 3, 1), None);          // the kernel does not fit
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Padding {
    /// No padding: only windows inside the image.
    Valid,
    /// Zero padding so that the output is `ceil(in / stride)` (TensorFlow's split).
    Same,
}

impl Padding {
    /// The padding's name in Keras and the `network!` DSL (`"valid"`, `"same"`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Same => "same",
        }
    }

    /// The output size along one axis of an input of `size` under a window `kernel` moved by
    /// `stride`, with the padding before the first element; `None` when no window fits (or
    /// `kernel` or `stride` is 0).
    pub fn output_size(self, size: usize, kernel: usize, stride: usize) -> Option<(usize, usize)> {
        if kernel == 0 || stride == 0 || size == 0 {
            return None;
        }
        match self {
            Self::Valid => (size >= kernel).then(|| ((size - kernel) / stride + 1, 0)),
            Self::Same => {
                let out = size.div_ceil(stride);
                let total = ((out - 1) * stride + kernel).saturating_sub(size);
                Some((out, total / 2))
            }
        }
    }
}

/// The geometry of one 2-d convolution or pooling window, as runtime values, so that one copy
/// of the rearrangements serves every layer size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvGeometry {
    /// Input height, width and channels.
    pub input: (usize, usize, usize),
    /// Window (kernel) height and width.
    pub kernel: (usize, usize),
    /// Strides along the height and the width.
    pub stride: (usize, usize),
    /// Zero padding before the first row and the first column.
    pub pad: (usize, usize),
    /// Output height and width.
    pub output: (usize, usize),
}

impl ConvGeometry {
    /// The geometry of a window `kernel` moved by `stride` over an `input` (height, width,
    /// channels) with `padding`; `None` when no window fits.
    pub fn new(
        input: (usize, usize, usize),
        kernel: (usize, usize),
        stride: (usize, usize),
        padding: Padding,
    ) -> Option<Self> {
        let (oh, pad_top) = padding.output_size(input.0, kernel.0, stride.0)?;
        let (ow, pad_left) = padding.output_size(input.1, kernel.1, stride.1)?;
        Some(Self {
            input,
            kernel,
            stride,
            pad: (pad_top, pad_left),
            output: (oh, ow),
        })
    }

    /// The length of one patch: `KH · KW · C`.
    pub fn patch_len(&self) -> usize {
        self.kernel.0 * self.kernel.1 * self.input.2
    }

    /// The number of output positions of one image: `OH · OW`.
    pub fn positions(&self) -> usize {
        self.output.0 * self.output.1
    }

    /// The input row (pixel) under window position `(oy, ox)` at offset `(ky, kx)`, or `None`
    /// where it falls in the padding.
    #[inline]
    pub fn source(&self, (oy, ox): (usize, usize), (ky, kx): (usize, usize)) -> Option<usize> {
        let y = (oy * self.stride.0 + ky).checked_sub(self.pad.0)?;
        let x = (ox * self.stride.1 + kx).checked_sub(self.pad.1)?;
        (y < self.input.0 && x < self.input.1).then_some(y * self.input.1 + x)
    }
}

/// Writes the patches of every image of `input` (`[batch, H · W · C]`) as the rows of `cols`
/// (`[batch · OH · OW, KH · KW · C]`), zeros where a window covers padding.
///
/// A window row (`KW` pixels of `C` channels) that lies inside the image is `KW · C`
/// contiguous values of the NHWC row and is copied at once; only window rows that cross the
/// left or right border are copied pixel by pixel (zeros for the padding).
pub fn im2col<T: Float>(
    geometry: &ConvGeometry,
    input: ArrayView2<'_, T>,
    mut cols: ArrayViewMut2<'_, T>,
) {
    let input = input.as_standard_layout();
    let input = input.as_slice().expect("invariant: standard layout");
    let image_len = geometry.input.0 * geometry.input.1 * geometry.input.2;
    let patch_len = geometry.patch_len();
    let mut standard = cols
        .as_slice_mut()
        .is_none()
        .then(|| Array2::zeros(cols.dim()));
    let out = match standard.as_mut() {
        Some(standard) => standard.as_slice_mut(),
        None => cols.as_slice_mut(),
    }
    .expect("invariant: standard layout");
    let per_image = geometry.positions() * patch_len;
    let channels = geometry.input.2;
    let run_len = geometry.kernel.1 * channels;
    if per_image > 0 && image_len > 0 {
        for (image_cols, image) in out.chunks_mut(per_image).zip(input.chunks(image_len)) {
            for (position, patch) in image_cols.chunks_mut(patch_len).enumerate() {
                for (ky, run) in patch.chunks_exact_mut(run_len).enumerate() {
                    match geometry.window_row(position, ky) {
                        WindowRow::Inside(start) => {
                            nn_gemm::copy_short(run, &image[start..start + run_len])
                        }
                        WindowRow::Padding => run.fill(T::zero()),
                        WindowRow::Border { row, x0 } => {
                            for (kx, pixel) in run.chunks_exact_mut(channels).enumerate() {
                                match geometry.column(row, x0, kx) {
                                    Some(start) => {
                                        nn_gemm::copy_short(pixel, &image[start..start + channels]);
                                    }
                                    None => pixel.fill(T::zero()),
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    if let Some(standard) = standard {
        cols.assign(&standard);
    }
}

/// Where one window row (kernel row `ky` of an output position: `KW` pixels, `KW · C` values
/// of the patch) reads from in the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WindowRow {
    /// Wholly inside the image: the `KW · C` values from this offset of the image's row.
    Inside(usize),
    /// In the padding above or below the image: zeros.
    Padding,
    /// On image row `row`, but crossing the left or right border: the window's first column
    /// is `x0` (negative in the left padding).
    Border {
        /// The image row (`y`).
        row: usize,
        /// The window's first column, before the padding is taken off.
        x0: isize,
    },
}

impl ConvGeometry {
    /// Where kernel row `ky` of output `position`'s window reads from.
    #[inline]
    fn window_row(&self, position: usize, ky: usize) -> WindowRow {
        let (oy, ox) = (position / self.output.1, position % self.output.1);
        let Some(y) = (oy * self.stride.0 + ky).checked_sub(self.pad.0) else {
            return WindowRow::Padding;
        };
        if y >= self.input.0 {
            return WindowRow::Padding;
        }
        let left = ox * self.stride.1;
        match left.checked_sub(self.pad.1) {
            Some(x) if x + self.kernel.1 <= self.input.1 => {
                WindowRow::Inside((y * self.input.1 + x) * self.input.2)
            }
            _ => WindowRow::Border {
                row: y,
                x0: left as isize - self.pad.1 as isize,
            },
        }
    }

    /// The offset in the image of pixel `kx` of a [`WindowRow::Border`] row, or `None` in the
    /// padding.
    #[inline]
    fn column(&self, row: usize, x0: isize, kx: usize) -> Option<usize> {
        let x = usize::try_from(x0 + kx as isize).ok()?;
        (x < self.input.1).then(|| (row * self.input.1 + x) * self.input.2)
    }
}

/// Adds `source` into `target` element by element (equal lengths).
#[inline(always)]
fn add_run<T: Float>(target: &mut [T], source: &[T]) {
    assert_eq!(target.len(), source.len(), "add_run: lengths differ");
    for (t, &s) in target.iter_mut().zip(source) {
        *t += s;
    }
}

/// The adjoint of [`im2col`]: overwrites `grad_input` (`[batch, H · W · C]`) with the sum, for
/// every input element, of the rows of `grad_cols` (`[batch · OH · OW, KH · KW · C]`) that
/// copied it. Padding receives nothing.
///
/// The sums are taken in the order of the patches (output positions, then `(ky, kx)`), as a
/// pixel-by-pixel loop would; window rows inside the image are added `KW · C` values at once.
pub fn col2im<T: Float>(
    geometry: &ConvGeometry,
    grad_cols: ArrayView2<'_, T>,
    mut grad_input: ArrayViewMut2<'_, T>,
) {
    let grad_cols = grad_cols.as_standard_layout();
    let grad_cols = grad_cols.as_slice().expect("invariant: standard layout");
    let channels = geometry.input.2;
    let image_len = geometry.input.0 * geometry.input.1 * channels;
    let patch_len = geometry.patch_len();
    let mut standard = grad_input
        .as_slice_mut()
        .is_none()
        .then(|| Array2::zeros(grad_input.dim()));
    let out = match standard.as_mut() {
        Some(standard) => standard.as_slice_mut(),
        None => grad_input.as_slice_mut(),
    }
    .expect("invariant: standard layout");
    out.fill(T::zero());
    let per_image = geometry.positions() * patch_len;
    let run_len = geometry.kernel.1 * channels;
    if per_image > 0 && image_len > 0 {
        for (image, image_cols) in out.chunks_mut(image_len).zip(grad_cols.chunks(per_image)) {
            for (position, patch) in image_cols.chunks(patch_len).enumerate() {
                for (ky, run) in patch.chunks_exact(run_len).enumerate() {
                    match geometry.window_row(position, ky) {
                        WindowRow::Inside(start) => {
                            add_run(&mut image[start..start + run_len], run)
                        }
                        WindowRow::Padding => {}
                        WindowRow::Border { row, x0 } => {
                            for (kx, pixel) in run.chunks_exact(channels).enumerate() {
                                if let Some(start) = geometry.column(row, x0, kx) {
                                    add_run(&mut image[start..start + channels], pixel);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    if let Some(standard) = standard {
        grad_input.assign(&standard);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_padding_splits_as_tensorflow() {
        // in 5, k 4, stride 1: out 5, total pad 3 -> 1 before, 2 after.
        assert_eq!(Padding::Same.output_size(5, 4, 1), Some((5, 1)));
        // in 6, k 1, stride 2: out 3, no pad.
        assert_eq!(Padding::Same.output_size(6, 1, 2), Some((3, 0)));
        assert_eq!(Padding::Valid.output_size(5, 0, 1), None);
        assert_eq!(Padding::Same.output_size(5, 3, 0), None);
    }

    #[test]
    fn col2im_is_the_adjoint_of_im2col() {
        // <im2col(x), g> == <x, col2im(g)> for any x and g.
        let geometry = ConvGeometry::new((5, 4, 2), (3, 2), (2, 1), Padding::Same).unwrap();
        let x = Array2::from_shape_fn((2, 5 * 4 * 2), |(i, j)| ((i * 7 + j * 3) % 11) as f64);
        let rows = 2 * geometry.positions();
        let g = Array2::from_shape_fn((rows, geometry.patch_len()), |(i, j)| {
            ((i * 5 + j) % 13) as f64 - 6.0
        });
        let mut cols = Array2::zeros((rows, geometry.patch_len()));
        im2col(&geometry, x.view(), cols.view_mut());
        let mut back = Array2::zeros(x.dim());
        col2im(&geometry, g.view(), back.view_mut());
        assert_eq!((&cols * &g).sum(), (&x * &back).sum());
    }

    /// Every geometry of the fast-path tests: sizes with and without room for the kernel,
    /// channels 1, 3 and 16, kernels 1 to 5 (square and not), strides 1 to 3, both paddings.
    fn geometries() -> Vec<ConvGeometry> {
        let sizes = [(1, 1), (4, 5), (7, 6), (9, 9)];
        let kernels = [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (1, 3), (5, 2)];
        let mut all = Vec::new();
        for &(h, w) in &sizes {
            for channels in [1, 3, 16] {
                for &kernel in &kernels {
                    for stride in [(1, 1), (2, 2), (3, 3), (1, 2), (3, 1)] {
                        for padding in [Padding::Valid, Padding::Same] {
                            if let Some(g) =
                                ConvGeometry::new((h, w, channels), kernel, stride, padding)
                            {
                                all.push(g);
                            }
                        }
                    }
                }
            }
        }
        all
    }

    /// The straightforward im2col: pixel by pixel through `ConvGeometry::source`.
    fn im2col_per_pixel(geometry: &ConvGeometry, input: &Array2<f64>) -> Array2<f64> {
        let c = geometry.input.2;
        let mut cols = Array2::from_elem(
            (input.nrows() * geometry.positions(), geometry.patch_len()),
            f64::NAN,
        );
        for (b, image) in input.outer_iter().enumerate() {
            for position in 0..geometry.positions() {
                let at = (position / geometry.output.1, position % geometry.output.1);
                let mut row = cols.row_mut(b * geometry.positions() + position);
                for ky in 0..geometry.kernel.0 {
                    for kx in 0..geometry.kernel.1 {
                        for ch in 0..c {
                            row[(ky * geometry.kernel.1 + kx) * c + ch] =
                                match geometry.source(at, (ky, kx)) {
                                    Some(p) => image[p * c + ch],
                                    None => 0.0,
                                };
                        }
                    }
                }
            }
        }
        cols
    }

    /// The straightforward col2im: pixel by pixel, in the patches' order.
    fn col2im_per_pixel(geometry: &ConvGeometry, grad_cols: &Array2<f64>) -> Array2<f64> {
        let c = geometry.input.2;
        let batch = grad_cols.nrows() / geometry.positions();
        let image_len = geometry.input.0 * geometry.input.1 * c;
        let mut out = Array2::zeros((batch, image_len));
        for b in 0..batch {
            for position in 0..geometry.positions() {
                let at = (position / geometry.output.1, position % geometry.output.1);
                let row = grad_cols.row(b * geometry.positions() + position);
                for ky in 0..geometry.kernel.0 {
                    for kx in 0..geometry.kernel.1 {
                        if let Some(p) = geometry.source(at, (ky, kx)) {
                            for ch in 0..c {
                                out[(b, p * c + ch)] += row[(ky * geometry.kernel.1 + kx) * c + ch];
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// Values whose sums depend on the order of the additions (so a reordering shows).
    fn values(rows: usize, cols: usize, seed: usize) -> Array2<f64> {
        Array2::from_shape_fn((rows, cols), |(i, j)| {
            let k = (i * 131 + j * 71 + seed * 17) % 97;
            (k as f64 - 48.0) * 0.1 + 1e-9 * (k * k) as f64
        })
    }

    #[test]
    fn im2col_matches_the_per_pixel_copy() {
        for geometry in geometries() {
            let (h, w, c) = geometry.input;
            let x = values(2, h * w * c, 1);
            let mut cols = Array2::from_elem((2 * geometry.positions(), geometry.patch_len()), 7.0);
            im2col(&geometry, x.view(), cols.view_mut());
            assert_eq!(cols, im2col_per_pixel(&geometry, &x), "{geometry:?}");
            // A non-contiguous target (every other row of a wider matrix) gives the same.
            let mut wide = Array2::zeros((4 * geometry.positions(), geometry.patch_len()));
            im2col(&geometry, x.view(), wide.slice_mut(ndarray::s![..;2, ..]));
            assert_eq!(wide.slice(ndarray::s![..;2, ..]), cols, "{geometry:?}");
        }
    }

    #[test]
    fn col2im_matches_the_per_pixel_sum_bit_for_bit() {
        for geometry in geometries() {
            let (h, w, c) = geometry.input;
            let g = values(2 * geometry.positions(), geometry.patch_len(), 2);
            let mut back = Array2::from_elem((2, h * w * c), 7.0);
            col2im(&geometry, g.view(), back.view_mut());
            let expected = col2im_per_pixel(&geometry, &g);
            let same = back
                .iter()
                .zip(&expected)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{geometry:?}");
        }
    }
}
