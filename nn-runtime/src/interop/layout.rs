//! The order of a tensor's values in PyTorch's layouts, as positions in the twin's tensor:
//! `framework[k] = twin[order[k]]`, both row-major.
//!
//! The twin keeps images channels last (`(h, w, c)`, Keras' order); PyTorch keeps them
//! channels first, so its `nn.Flatten` numbers an image's features `(c, h, w)`, and the
//! layers that read them (a linear weight's input axis, a batch norm's or PReLU's features)
//! hold their values in that order.

/// An image's height, width and channels.
pub(super) type Image = (usize, usize, usize);

/// Where feature `j` of PyTorch's `(c, h, w)` flattening of `image` sits in the twin's
/// `(h, w, c)` flattening.
fn channels_last_index(j: usize, (height, width, channels): Image) -> usize {
    let plane = height * width;
    let (channel, pixel) = (j / plane, j % plane);
    pixel * channels + channel
}

/// The order of `count` features flattened channels first from `image` (`count` is its
/// size).
pub(super) fn channels_first_features(count: usize, image: Image) -> Vec<usize> {
    (0..count).map(|j| channels_last_index(j, image)).collect()
}

/// The order of PyTorch's `Linear.weight [out, in]` for the twin's kernel `[rows, cols]`
/// (`[in, out]`), its input features flattened channels first from `image` if given.
pub(super) fn linear_weight(rows: usize, cols: usize, image: Option<Image>) -> Vec<usize> {
    let input = |j: usize| image.map_or(j, |image| channels_last_index(j, image));
    (0..cols)
        .flat_map(|out| (0..rows).map(move |j| input(j) * cols + out))
        .collect()
}

/// The order of PyTorch's `Conv2d.weight [out, in, kh, kw]` for the twin's kernel
/// `[kh, kw, in, out]` (Keras' layout).
pub(super) fn conv_weight((kh, kw, ic, oc): (usize, usize, usize, usize)) -> Vec<usize> {
    let mut order = Vec::with_capacity(kh * kw * ic * oc);
    for out in 0..oc {
        for input in 0..ic {
            for y in 0..kh {
                for x in 0..kw {
                    order.push(((y * kw + x) * ic + input) * oc + out);
                }
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_first_features_walk_each_channel_plane_in_turn() {
        // A 2x3 image of 2 channels: the twin's feature of (y, x, c) is (y * 3 + x) * 2 + c.
        let order = channels_first_features(12, (2, 3, 2));
        assert_eq!(order, [0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11]);
    }

    #[test]
    fn a_linear_weight_without_an_image_is_the_transpose() {
        // Kernel [2, 3]: weight[o][j] = kernel[j][o] at j * 3 + o.
        assert_eq!(linear_weight(2, 3, None), [0, 3, 1, 4, 2, 5]);
    }

    #[test]
    fn a_linear_weight_after_a_flatten_reorders_its_inputs() {
        // Kernel [4, 1] after a 1x2x2 image: PyTorch's inputs are (c0 x0, c0 x1, c1 x0, c1 x1).
        assert_eq!(linear_weight(4, 1, Some((1, 2, 2))), [0, 2, 1, 3]);
    }

    #[test]
    fn a_conv_weight_is_the_kernel_with_axes_out_in_kh_kw() {
        let (kh, kw, ic, oc) = (2, 3, 2, 4);
        let order = conv_weight((kh, kw, ic, oc));
        let mut seen = order.clone();
        seen.sort_unstable();
        assert_eq!(
            seen,
            (0..kh * kw * ic * oc).collect::<Vec<_>>(),
            "a permutation"
        );
        // weight[o=3][i=1][y=1][x=2] is kernel[1][2][1][3].
        let k = ((3 * ic + 1) * kh + 1) * kw + 2;
        assert_eq!(order[k], ((kw + 2) * ic + 1) * oc + 3);
    }
}
