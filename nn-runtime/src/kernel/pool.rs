//! Pooling over windows of NHWC images (see [`super::im2col`] for the layout), width-agnostic.

use ndarray::{Array2, ArrayView2, ArrayViewMut2, Axis, Zip};

use super::ConvGeometry;
use crate::Float;

/// Max pooling: writes the maximum of each window and channel into `output` (`[batch, OH ·
/// OW · C]`) and the index (within the image's row) of the element that gave it into `argmax`
/// (`batch · OH · OW · C` entries): the first maximum on ties, as PyTorch. A NaN wins.
///
/// The channels are the inner loop: each window pixel's `C` contiguous values are compared
/// with the running maxima at once, in the window's `(ky, kx)` order (so the ties and NaNs
/// resolve as a per-element scan would).
pub fn max_pool<T: Float>(
    geometry: &ConvGeometry,
    input: ArrayView2<'_, T>,
    output: ArrayViewMut2<'_, T>,
    argmax: &mut [usize],
) {
    max_pool_rows::<T, true>(geometry, input, output, argmax);
}

/// [`max_pool`] without the argmax: the maxima only, for inference (allocates nothing when
/// `output` is in standard layout).
pub fn max_pool_infer<T: Float>(
    geometry: &ConvGeometry,
    input: ArrayView2<'_, T>,
    output: ArrayViewMut2<'_, T>,
) {
    max_pool_rows::<T, false>(geometry, input, output, &mut []);
}

/// [`max_pool`] over the batch; the argmax is written only when `ARGMAX`.
fn max_pool_rows<T: Float, const ARGMAX: bool>(
    geometry: &ConvGeometry,
    input: ArrayView2<'_, T>,
    output: ArrayViewMut2<'_, T>,
    argmax: &mut [usize],
) {
    let image_len = input.ncols();
    let input = input.as_standard_layout();
    let input = input.as_slice().expect("invariant: standard layout");
    let per_image = geometry.positions() * geometry.input.2;
    with_slice_mut(output, |out| {
        if per_image == 0 {
            return;
        }
        for (b, (out, image)) in out
            .chunks_mut(per_image)
            .zip(input.chunks(image_len.max(1)))
            .enumerate()
        {
            let argmax = if ARGMAX {
                &mut argmax[b * per_image..(b + 1) * per_image]
            } else {
                &mut []
            };
            max_pool_image::<T, ARGMAX>(geometry, image, out, argmax);
        }
    });
}

/// One image of [`max_pool_rows`]: `out` and (when `ARGMAX`) `argmax` hold `OH · OW · C`.
#[inline]
fn max_pool_image<T: Float, const ARGMAX: bool>(
    geometry: &ConvGeometry,
    image: &[T],
    out: &mut [T],
    argmax: &mut [usize],
) {
    let channels = geometry.input.2;
    let (width, row_len) = (geometry.input.1, geometry.output.1 * channels);
    for (oy, out_row) in out.chunks_exact_mut(row_len).enumerate() {
        let ys = geometry.window_span(0, oy);
        for (ox, best) in out_row.chunks_exact_mut(channels).enumerate() {
            let xs = geometry.window_span(1, ox);
            let at = (oy * geometry.output.1 + ox) * channels;
            let best_index: &mut [usize] = if ARGMAX {
                &mut argmax[at..at + channels]
            } else {
                &mut []
            };
            // The window's pixels inside the image, in the scan's (ky, kx) order.
            let mut pixels = ys
                .clone()
                .flat_map(|y| xs.clone().map(move |x| (y * width + x) * channels));
            let Some(start) = pixels.next() else {
                // No window pixel inside the image (not reachable with Keras' paddings).
                best.fill(T::zero());
                best_index.fill(0);
                continue;
            };
            best.copy_from_slice(&image[start..start + channels]);
            if ARGMAX {
                for (c, index) in best_index.iter_mut().enumerate() {
                    *index = start + c;
                }
            }
            for start in pixels {
                let values = &image[start..start + channels];
                if ARGMAX {
                    for (c, ((b, index), &value)) in best
                        .iter_mut()
                        .zip(best_index.iter_mut())
                        .zip(values)
                        .enumerate()
                    {
                        let take = takes_over(value, *b);
                        *index = if take { start + c } else { *index };
                        *b = if take { value } else { *b };
                    }
                } else {
                    for (b, &value) in best.iter_mut().zip(values) {
                        *b = if takes_over(value, *b) { value } else { *b };
                    }
                }
            }
        }
    }
}

impl ConvGeometry {
    /// The image rows (`axis` 0) or columns (`axis` 1) that window `index` covers along that
    /// axis, the padding left out, in increasing order: what [`ConvGeometry::source`] gives
    /// `Some` for.
    #[inline]
    fn window_span(&self, axis: usize, index: usize) -> std::ops::Range<usize> {
        let (stride, kernel, pad, size) = if axis == 0 {
            (self.stride.0, self.kernel.0, self.pad.0, self.input.0)
        } else {
            (self.stride.1, self.kernel.1, self.pad.1, self.input.1)
        };
        let first = index * stride;
        let low = first.max(pad) - pad;
        let high = ((first + kernel).min(pad + size)).saturating_sub(pad);
        low..high.max(low)
    }
}

/// Whether `value` replaces the running maximum `best` of a scan: larger, or the first NaN.
/// Without short-circuits and branches, so that the channel loops compile to vector selects
/// (random data made the branches mispredict half the time).
#[inline(always)]
fn takes_over<T: Float>(value: T, best: T) -> bool {
    (value > best) | (value.is_nan() & !best.is_nan())
}

/// The backward pass of [`max_pool`]: overwrites `grad_input` (`[batch, H · W · C]`) with each
/// output gradient routed to its window's maximum (summed where windows overlap).
pub fn max_pool_backward<T: Float>(
    grad_output: ArrayView2<'_, T>,
    argmax: &[usize],
    grad_input: ArrayViewMut2<'_, T>,
) {
    let per_image = grad_output.ncols().max(1);
    let grad_output = grad_output.as_standard_layout();
    let grad_output = grad_output.as_slice().expect("invariant: standard layout");
    let image_len = grad_input.ncols().max(1);
    with_slice_mut(grad_input, |grad_input| {
        grad_input.fill(T::zero());
        let images = grad_input
            .chunks_mut(image_len)
            .zip(grad_output.chunks(per_image));
        for ((dx, dy), argmax) in images.zip(argmax.chunks(per_image)) {
            for (&index, &g) in argmax.iter().zip(dy) {
                dx[index] += g;
            }
        }
    });
}

/// Average pooling: the mean of each window and channel (valid windows; padding, if any, is
/// left out of the count, as Keras' `same` average pooling).
pub fn avg_pool<T: Float>(
    geometry: &ConvGeometry,
    input: ArrayView2<'_, T>,
    output: ArrayViewMut2<'_, T>,
) {
    let channels = geometry.input.2;
    let image_len = input.ncols();
    let input = input.as_standard_layout();
    let input = input.as_slice().expect("invariant: standard layout");
    let per_image = geometry.positions() * channels;
    with_slice_mut(output, |out| {
        if per_image == 0 {
            return;
        }
        for (out, image) in out
            .chunks_mut(per_image)
            .zip(input.chunks(image_len.max(1)))
        {
            for (position, sum) in out.chunks_exact_mut(channels).enumerate() {
                let at = (position / geometry.output.1, position % geometry.output.1);
                sum.fill(T::zero());
                let mut count = 0usize;
                for ky in 0..geometry.kernel.0 {
                    for kx in 0..geometry.kernel.1 {
                        if let Some(pixel) = geometry.source(at, (ky, kx)) {
                            let values = &image[pixel * channels..(pixel + 1) * channels];
                            for (s, &v) in sum.iter_mut().zip(values) {
                                *s += v;
                            }
                            count += 1;
                        }
                    }
                }
                let scale = T::one() / T::cast(count.max(1) as f64);
                for s in sum.iter_mut() {
                    *s *= scale;
                }
            }
        }
    });
}

/// The backward pass of [`avg_pool`]: overwrites `grad_input` with each output gradient
/// spread evenly over its window.
pub fn avg_pool_backward<T: Float>(
    geometry: &ConvGeometry,
    grad_output: ArrayView2<'_, T>,
    grad_input: ArrayViewMut2<'_, T>,
) {
    let channels = geometry.input.2;
    let grad_output = grad_output.as_standard_layout();
    let grad_output = grad_output.as_slice().expect("invariant: standard layout");
    let image_len = grad_input.ncols().max(1);
    let per_image = geometry.positions() * channels;
    with_slice_mut(grad_input, |grad_input| {
        grad_input.fill(T::zero());
        if per_image == 0 {
            return;
        }
        for (dx, dy) in grad_input
            .chunks_mut(image_len)
            .zip(grad_output.chunks(per_image))
        {
            for (position, g) in dy.chunks_exact(channels).enumerate() {
                let at = (position / geometry.output.1, position % geometry.output.1);
                let window = (0..geometry.kernel.0)
                    .flat_map(|ky| (0..geometry.kernel.1).map(move |kx| (ky, kx)));
                let count = window
                    .clone()
                    .filter(|&offset| geometry.source(at, offset).is_some())
                    .count();
                let scale = T::one() / T::cast(count.max(1) as f64);
                for offset in window {
                    if let Some(pixel) = geometry.source(at, offset) {
                        let target = &mut dx[pixel * channels..(pixel + 1) * channels];
                        for (d, &g) in target.iter_mut().zip(g) {
                            *d += g * scale;
                        }
                    }
                }
            }
        }
    });
}

/// Runs `f` on `view`'s values as one row-major slice: `view`'s own storage when it is in
/// standard layout, else a copy that is written back afterwards.
fn with_slice_mut<T: Float>(mut view: ArrayViewMut2<'_, T>, f: impl FnOnce(&mut [T])) {
    match view.as_slice_mut() {
        Some(slice) => f(slice),
        None => {
            let mut copy: Array2<T> = view.as_standard_layout().into_owned();
            f(copy
                .as_slice_mut()
                .expect("invariant: an owned array is standard layout"));
            view.assign(&copy);
        }
    }
}

/// Global average pooling: `output[b, c]` (`[batch, C]`) is the mean of channel `c` over all
/// the positions of image `b` of `input` (`[batch, positions · C]`).
pub fn global_avg_pool<T: Float>(input: ArrayView2<'_, T>, mut output: ArrayViewMut2<'_, T>) {
    let channels = output.ncols();
    let scale = T::one() / T::cast((input.ncols() / channels.max(1)).max(1) as f64);
    Zip::from(output.axis_iter_mut(Axis(0)))
        .and(input.axis_iter(Axis(0)))
        .for_each(|mut out, image| {
            out.fill(T::zero());
            for pixel in image.exact_chunks(channels) {
                out += &pixel;
            }
            out.map_inplace(|v| *v *= scale);
        });
}

/// The backward pass of [`global_avg_pool`]: each position of `grad_input` gets its channel's
/// gradient divided by the number of positions.
pub fn global_avg_pool_backward<T: Float>(
    grad_output: ArrayView2<'_, T>,
    mut grad_input: ArrayViewMut2<'_, T>,
) {
    let channels = grad_output.ncols();
    let scale = T::one() / T::cast((grad_input.ncols() / channels.max(1)).max(1) as f64);
    Zip::from(grad_input.axis_iter_mut(Axis(0)))
        .and(grad_output.axis_iter(Axis(0)))
        .for_each(|mut dx, dy| {
            for pixel in dx.exact_chunks_mut(channels) {
                Zip::from(pixel).and(&dy).for_each(|d, &g| *d = g * scale);
            }
        });
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;

    use super::*;
    use crate::kernel::Padding;

    /// Pooling windows 1 to 3 (and 2x3), strides 1 to 3, both paddings, channels 1, 3 and 16,
    /// on images with and without borders.
    fn geometries() -> Vec<ConvGeometry> {
        let mut all = Vec::new();
        for (h, w) in [(1, 1), (4, 4), (5, 7), (8, 8)] {
            for channels in [1, 3, 16] {
                for kernel in [(1, 1), (2, 2), (3, 3), (2, 3)] {
                    for stride in [(1, 1), (2, 2), (3, 3), (2, 1)] {
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

    /// Values with ties (few distinct values), NaNs and infinities.
    fn values(rows: usize, cols: usize, seed: usize) -> Array2<f64> {
        Array2::from_shape_fn((rows, cols), |(i, j)| {
            match (i * 131 + j * 71 + seed * 17) % 23 {
                0 => f64::NAN,
                1 => f64::NEG_INFINITY,
                2 => f64::INFINITY,
                k => (k % 7) as f64 - 3.0,
            }
        })
    }

    fn same_bits(a: &Array2<f64>, b: &Array2<f64>) -> bool {
        a.dim() == b.dim() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
    }

    /// The straightforward max pooling: per output element, a scan of its window.
    fn max_pool_scalar(geometry: &ConvGeometry, input: &Array2<f64>) -> (Array2<f64>, Vec<usize>) {
        let c = geometry.input.2;
        let per_image = geometry.positions() * c;
        let mut out = Array2::zeros((input.nrows(), per_image));
        let mut argmax = vec![0; input.nrows() * per_image];
        for (b, image) in input.outer_iter().enumerate() {
            for position in 0..geometry.positions() {
                let at = (position / geometry.output.1, position % geometry.output.1);
                for ch in 0..c {
                    let mut best = None::<(usize, f64)>;
                    for ky in 0..geometry.kernel.0 {
                        for kx in 0..geometry.kernel.1 {
                            let Some(pixel) = geometry.source(at, (ky, kx)) else {
                                continue;
                            };
                            let index = pixel * c + ch;
                            let value = image[index];
                            match best {
                                Some((_, b)) if !(value > b || (value.is_nan() && !b.is_nan())) => {
                                }
                                _ => best = Some((index, value)),
                            }
                        }
                    }
                    let (index, value) = best.unwrap_or((0, 0.0));
                    out[(b, position * c + ch)] = value;
                    argmax[b * per_image + position * c + ch] = index;
                }
            }
        }
        (out, argmax)
    }

    /// The straightforward average pooling and its backward pass, element by element.
    fn avg_pool_scalar(
        geometry: &ConvGeometry,
        input: &Array2<f64>,
        grad_output: &Array2<f64>,
    ) -> (Array2<f64>, Array2<f64>) {
        let c = geometry.input.2;
        let mut out = Array2::zeros((input.nrows(), geometry.positions() * c));
        let mut grad_input = Array2::zeros(input.dim());
        for b in 0..input.nrows() {
            for position in 0..geometry.positions() {
                let at = (position / geometry.output.1, position % geometry.output.1);
                let window: Vec<usize> = (0..geometry.kernel.0)
                    .flat_map(|ky| (0..geometry.kernel.1).map(move |kx| (ky, kx)))
                    .filter_map(|offset| geometry.source(at, offset))
                    .collect();
                let scale = 1.0 / window.len().max(1) as f64;
                for ch in 0..c {
                    let mut sum = 0.0;
                    for &pixel in &window {
                        sum += input[(b, pixel * c + ch)];
                    }
                    out[(b, position * c + ch)] = sum * scale;
                    for &pixel in &window {
                        grad_input[(b, pixel * c + ch)] +=
                            grad_output[(b, position * c + ch)] * scale;
                    }
                }
            }
        }
        (out, grad_input)
    }

    #[test]
    fn max_pool_matches_the_per_element_scan() {
        for geometry in geometries() {
            let (h, w, c) = geometry.input;
            let x = values(3, h * w * c, 1);
            let (expected, expected_argmax) = max_pool_scalar(&geometry, &x);
            let mut out = Array2::from_elem(expected.dim(), 9.0);
            let mut argmax = vec![usize::MAX; expected_argmax.len()];
            max_pool(&geometry, x.view(), out.view_mut(), &mut argmax);
            assert!(same_bits(&out, &expected), "{geometry:?}");
            assert_eq!(argmax, expected_argmax, "{geometry:?}");

            let mut infer = Array2::from_elem(expected.dim(), 9.0);
            max_pool_infer(&geometry, x.view(), infer.view_mut());
            assert!(same_bits(&infer, &expected), "{geometry:?}");
            // Into a non-contiguous output (a column-major array).
            let mut fortran = Array2::from_shape_vec(
                ndarray::ShapeBuilder::f(expected.dim()),
                vec![9.0; expected.len()],
            )
            .unwrap();
            max_pool_infer(&geometry, x.view(), fortran.view_mut());
            assert!(same_bits(
                &fortran.as_standard_layout().into_owned(),
                &expected
            ));

            // The backward pass against the argmax, summed where windows overlap.
            let g = values(3, expected.ncols(), 2).mapv(|v| if v.is_finite() { v } else { 0.5 });
            let mut back = Array2::from_elem(x.dim(), 9.0);
            max_pool_backward(g.view(), &argmax, back.view_mut());
            let mut expected_back = Array2::<f64>::zeros(x.dim());
            for (k, &index) in argmax.iter().enumerate() {
                let (b, j) = (k / g.ncols(), k % g.ncols());
                expected_back[(b, index)] += g[(b, j)];
            }
            assert!(same_bits(&back, &expected_back), "{geometry:?}");
        }
    }

    #[test]
    fn avg_pool_matches_the_per_element_sum() {
        for geometry in geometries() {
            let (h, w, c) = geometry.input;
            let x = values(2, h * w * c, 3).mapv(|v| if v.is_finite() { v * 0.3 } else { 0.1 });
            let g = values(2, geometry.positions() * c, 4)
                .mapv(|v| if v.is_finite() { v * 0.7 } else { -0.2 });
            let (expected, expected_back) = avg_pool_scalar(&geometry, &x, &g);
            let mut out = Array2::from_elem(expected.dim(), 9.0);
            avg_pool(&geometry, x.view(), out.view_mut());
            assert!(same_bits(&out, &expected), "{geometry:?}");
            let mut back = Array2::from_elem(x.dim(), 9.0);
            avg_pool_backward(&geometry, g.view(), back.view_mut());
            assert!(same_bits(&back, &expected_back), "{geometry:?}");
        }
    }
}
