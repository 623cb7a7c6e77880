//! A value between two layers, a flat row or an image, and the layout changes between them.
//!
//! The runtime's rows are channels-last images laid flat: `[batch, H · W · C]`, element
//! `(y, x, c)` at `(y · W + x) · C + c` (NHWC, the order Keras' `Flatten` reads). ONNX's `Conv`,
//! pooling and `BatchNormalization` work on NCHW tensors. The graph changes layout only where
//! a layer needs the other one:
//!
//! - row to image, before the first image layer: `Reshape([0, H, W, C])` (the 0 keeps the
//!   batch size), then `Transpose(perm = [0, 3, 1, 2])`;
//! - image to row, before a dense layer, a batch norm over units, a softmax or the graph's
//!   output: `Transpose(perm = [0, 2, 3, 1])`, then `Flatten(axis = 1)`. That is Keras'
//!   `Flatten`; a `network!`'s `flatten` moves no data and has no layer, so the graph flattens
//!   where the next layer needs a row.

use super::graph::GraphBuilder;
use super::proto::AttributeProto;
use crate::{Error, Result};

/// An image's height, width and channels.
pub(super) type Hwc = (usize, usize, usize);

/// How a value of the graph is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Layout {
    /// `[batch, width]`, the runtime's own layout.
    Flat(usize),
    /// `[batch, C, H, W]`: the image of height `H`, width `W` and `C` channels, in NCHW.
    Image(Hwc),
}

impl Layout {
    /// The number of values per sample (the width of the row the runtime holds).
    pub(super) fn width(self) -> usize {
        match self {
            Self::Flat(width) => width,
            Self::Image((h, w, c)) => h * w * c,
        }
    }
}

/// A named value of the graph and its layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Value {
    /// The value's name in the graph.
    pub(super) name: String,
    /// Its layout.
    pub(super) layout: Layout,
}

impl Value {
    /// The value `name`, a row of `width` values per sample.
    pub(super) fn flat(name: impl Into<String>, width: usize) -> Self {
        Self {
            name: name.into(),
            layout: Layout::Flat(width),
        }
    }

    /// The value `name`, an NCHW image of `shape` (height, width, channels).
    pub(super) fn image(name: impl Into<String>, shape: Hwc) -> Self {
        Self {
            name: name.into(),
            layout: Layout::Image(shape),
        }
    }

    /// This value as a row `[batch, width]`: itself if it is one, else its image transposed
    /// back to NHWC and flattened (nodes named after `layer`).
    pub(super) fn into_flat(self, graph: &mut GraphBuilder, layer: &str) -> String {
        match self.layout {
            Layout::Flat(_) => self.name,
            Layout::Image(_) => {
                let perm = vec![AttributeProto::ints("perm", &[0, 2, 3, 1])];
                let nhwc = graph.node(
                    "Transpose",
                    &[&self.name],
                    perm,
                    &format!("{layer}/to_nhwc"),
                );
                let axis = vec![AttributeProto::int("axis", 1)];
                graph.node("Flatten", &[&nhwc], axis, &format!("{layer}/flatten"))
            }
        }
    }

    /// This value as the NCHW image `shape` that `layer` takes: itself if it is that image,
    /// else its row reshaped to NHWC and transposed (through a row first if it is an image of
    /// another shape with as many values).
    ///
    /// # Errors
    /// [`Error::WidthMismatch`] naming `layer` if the value does not hold `H · W · C` values
    /// per sample.
    pub(super) fn into_image(
        self,
        graph: &mut GraphBuilder,
        shape: Hwc,
        layer: &str,
    ) -> Result<String> {
        let (h, w, c) = shape;
        let expected = h * w * c;
        if self.layout.width() != expected {
            return Err(Error::WidthMismatch {
                context: format!("to_onnx: {layer}"),
                expected,
                actual: self.layout.width(),
            });
        }
        if self.layout == Layout::Image(shape) {
            return Ok(self.name);
        }
        let row = self.into_flat(graph, layer);
        let dims = [0, h as i64, w as i64, c as i64];
        let target = graph.shape(&format!("{layer}/nhwc_shape"), &dims);
        let nhwc = graph.node(
            "Reshape",
            &[&row, &target],
            vec![],
            &format!("{layer}/to_image"),
        );
        let perm = vec![AttributeProto::ints("perm", &[0, 3, 1, 2])];
        Ok(graph.node("Transpose", &[&nhwc], perm, &format!("{layer}/to_nchw")))
    }
}
