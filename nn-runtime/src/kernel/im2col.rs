//! Convolution geometry and the im2col / col2im rearrangements that turn a convolution into
//! one GEMM.
//!
//! Images are rows of a batch in channels-last order (NHWC, Keras'): element `(y, x, c)` of an
//! `h x w x c` image is at `(y * w + x) * c + c`. A patch is laid out `(ky, kx, c)`, the order
//! of a Keras kernel `[KH, KW, IC, OC]` flattened to `[KH * KW * IC, OC]`, so
//! `im2col(x) · kernel` is the convolution, and its `[batch * OH * OW, OC]` result is already
//! the `[batch, OH * OW * OC]` output in NHWC order.

use ndarray::{ArrayView2, ArrayViewMut2, Axis};

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
pub fn im2col<T: Float>(
    geometry: &ConvGeometry,
    input: ArrayView2<'_, T>,
    mut cols: ArrayViewMut2<'_, T>,
) {
    let channels = geometry.input.2;
    let positions = geometry.positions();
    let images = cols
        .axis_chunks_iter_mut(Axis(0), positions.max(1))
        .zip(input.axis_iter(Axis(0)));
    for (mut image_cols, image) in images {
        {
            for (position, mut patch) in image_cols.axis_iter_mut(Axis(0)).enumerate() {
                let at = (position / geometry.output.1, position % geometry.output.1);
                let mut offset = 0;
                for ky in 0..geometry.kernel.0 {
                    for kx in 0..geometry.kernel.1 {
                        let mut target = patch.slice_mut(ndarray::s![offset..offset + channels]);
                        match geometry.source(at, (ky, kx)) {
                            Some(pixel) => target.assign(
                                &image.slice(ndarray::s![pixel * channels..(pixel + 1) * channels]),
                            ),
                            None => target.fill(T::zero()),
                        }
                        offset += channels;
                    }
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: overwrites `grad_input` (`[batch, H · W · C]`) with the sum, for
/// every input element, of the rows of `grad_cols` (`[batch · OH · OW, KH · KW · C]`) that
/// copied it. Padding receives nothing.
pub fn col2im<T: Float>(
    geometry: &ConvGeometry,
    grad_cols: ArrayView2<'_, T>,
    mut grad_input: ArrayViewMut2<'_, T>,
) {
    let channels = geometry.input.2;
    let positions = geometry.positions();
    grad_input.fill(T::zero());
    let images = grad_input
        .axis_iter_mut(Axis(0))
        .zip(grad_cols.axis_chunks_iter(Axis(0), positions.max(1)));
    for (mut image, image_cols) in images {
        {
            for (position, patch) in image_cols.axis_iter(Axis(0)).enumerate() {
                let at = (position / geometry.output.1, position % geometry.output.1);
                let mut offset = 0;
                for ky in 0..geometry.kernel.0 {
                    for kx in 0..geometry.kernel.1 {
                        if let Some(pixel) = geometry.source(at, (ky, kx)) {
                            let mut target = image
                                .slice_mut(ndarray::s![pixel * channels..(pixel + 1) * channels]);
                            target += &patch.slice(ndarray::s![offset..offset + channels]);
                        }
                        offset += channels;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

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
}
