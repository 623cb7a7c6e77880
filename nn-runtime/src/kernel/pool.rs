//! Pooling over windows of NHWC images (see [`super::im2col`] for the layout), width-agnostic.

use ndarray::{ArrayView2, ArrayViewMut2, Axis, Zip};

use super::ConvGeometry;
use crate::Float;

/// Max pooling: writes the maximum of each window and channel into `output` (`[batch, OH ·
/// OW · C]`) and the index (within the image's row) of the element that gave it into `argmax`
/// (`batch · OH · OW · C` entries): the first maximum on ties, as PyTorch. A NaN wins.
pub fn max_pool<T: Float>(
    geometry: &ConvGeometry,
    input: ArrayView2<'_, T>,
    mut output: ArrayViewMut2<'_, T>,
    argmax: &mut [usize],
) {
    let channels = geometry.input.2;
    let per_image = geometry.positions() * channels;
    let images = output.axis_iter_mut(Axis(0)).zip(input.axis_iter(Axis(0)));
    for ((mut out, image), argmax) in images.zip(argmax.chunks_mut(per_image.max(1))) {
        {
            for position in 0..geometry.positions() {
                let at = (position / geometry.output.1, position % geometry.output.1);
                for c in 0..channels {
                    let mut best = None::<(usize, T)>;
                    for ky in 0..geometry.kernel.0 {
                        for kx in 0..geometry.kernel.1 {
                            let Some(pixel) = geometry.source(at, (ky, kx)) else {
                                continue;
                            };
                            let index = pixel * channels + c;
                            let value = image[index];
                            match best {
                                Some((_, b)) if !(value > b || (value.is_nan() && !b.is_nan())) => {
                                }
                                _ => best = Some((index, value)),
                            }
                        }
                    }
                    let (index, value) = best.unwrap_or((0, T::zero()));
                    out[position * channels + c] = value;
                    argmax[position * channels + c] = index;
                }
            }
        }
    }
}

/// The backward pass of [`max_pool`]: overwrites `grad_input` (`[batch, H · W · C]`) with each
/// output gradient routed to its window's maximum (summed where windows overlap).
pub fn max_pool_backward<T: Float>(
    grad_output: ArrayView2<'_, T>,
    argmax: &[usize],
    mut grad_input: ArrayViewMut2<'_, T>,
) {
    grad_input.fill(T::zero());
    let per_image = grad_output.ncols().max(1);
    let images = grad_input
        .axis_iter_mut(Axis(0))
        .zip(grad_output.axis_iter(Axis(0)));
    for ((mut dx, dy), argmax) in images.zip(argmax.chunks(per_image)) {
        for (&index, &g) in argmax.iter().zip(dy.iter()) {
            dx[index] += g;
        }
    }
}

/// Average pooling: the mean of each window and channel (valid windows; padding, if any, is
/// left out of the count, as Keras' `same` average pooling).
pub fn avg_pool<T: Float>(
    geometry: &ConvGeometry,
    input: ArrayView2<'_, T>,
    mut output: ArrayViewMut2<'_, T>,
) {
    let channels = geometry.input.2;
    Zip::from(output.axis_iter_mut(Axis(0)))
        .and(input.axis_iter(Axis(0)))
        .for_each(|mut out, image| {
            for position in 0..geometry.positions() {
                let at = (position / geometry.output.1, position % geometry.output.1);
                let mut sum =
                    out.slice_mut(ndarray::s![position * channels..(position + 1) * channels]);
                sum.fill(T::zero());
                let mut count = 0usize;
                for ky in 0..geometry.kernel.0 {
                    for kx in 0..geometry.kernel.1 {
                        if let Some(pixel) = geometry.source(at, (ky, kx)) {
                            sum +=
                                &image.slice(ndarray::s![pixel * channels..(pixel + 1) * channels]);
                            count += 1;
                        }
                    }
                }
                let scale = T::one() / T::cast(count.max(1) as f64);
                sum.map_inplace(|v| *v *= scale);
            }
        });
}

/// The backward pass of [`avg_pool`]: overwrites `grad_input` with each output gradient
/// spread evenly over its window.
pub fn avg_pool_backward<T: Float>(
    geometry: &ConvGeometry,
    grad_output: ArrayView2<'_, T>,
    mut grad_input: ArrayViewMut2<'_, T>,
) {
    let channels = geometry.input.2;
    grad_input.fill(T::zero());
    Zip::from(grad_input.axis_iter_mut(Axis(0)))
        .and(grad_output.axis_iter(Axis(0)))
        .for_each(|mut dx, dy| {
            for position in 0..geometry.positions() {
                let at = (position / geometry.output.1, position % geometry.output.1);
                let window = (0..geometry.kernel.0)
                    .flat_map(|ky| (0..geometry.kernel.1).map(move |kx| (ky, kx)));
                let count = window
                    .clone()
                    .filter(|&offset| geometry.source(at, offset).is_some())
                    .count();
                let scale = T::one() / T::cast(count.max(1) as f64);
                let g = dy.slice(ndarray::s![position * channels..(position + 1) * channels]);
                for offset in window {
                    if let Some(pixel) = geometry.source(at, offset) {
                        Zip::from(
                            dx.slice_mut(ndarray::s![pixel * channels..(pixel + 1) * channels]),
                        )
                        .and(&g)
                        .for_each(|d, &g| *d += g * scale);
                    }
                }
            }
        });
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
