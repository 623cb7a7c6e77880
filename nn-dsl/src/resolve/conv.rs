//! `conv2d(filters, kernel, activation?, initializer?, stride = .., padding = valid|same,
//! bias = ..)` and `maxpool(window, stride = ..)` / `avgpool(window, stride = ..)`.

use super::args::{bind_call, bind_keywords_only, size_value, split, value_span, width_value};
use super::dense::{DenseSlots, resolve_dense_slot};
use super::layer_signature;
use crate::diagnostics::Diagnostics;
use crate::model::{Allow, Conv2d, Padding, Pool};
use crate::syntax::{LayerCall, Value};
use crate::vocab;

/// A convolution (shapes are inferred later), its opt-outs, and whether an activation or
/// initializer argument was unknown.
pub(super) fn resolve_conv2d(
    call: &LayerCall,
    diagnostics: &mut Diagnostics,
) -> (Conv2d, Vec<Allow>, bool) {
    let split = split(call.args.as_ref(), diagnostics);
    let mut positional = split.positional.iter();
    let filters = match positional.next() {
        None => {
            diagnostics.error(
                call.name.span(),
                "`conv2d` needs a number of filters and a kernel size, like `conv2d(32, 3, relu)`",
            );
            (None, call.name.span())
        }
        Some(Value::Call(first)) => {
            diagnostics.error(
                first.name.span(),
                format!(
                    "`conv2d` needs its number of filters and kernel size first, like `conv2d(32, 3, {})`",
                    first.name
                ),
            );
            (None, first.name.span())
        }
        Some(value) => (
            width_value(value, "`conv2d` filters", diagnostics),
            value_span(value),
        ),
    };
    let kernel = match positional.next() {
        Some(value @ (Value::Number(_) | Value::Tuple { .. })) => (
            size_value(value, "`conv2d` kernel", diagnostics),
            value_span(value),
        ),
        other => {
            let span = other.map_or(call.name.span(), |value| value_span(value));
            diagnostics.error(
                span,
                "`conv2d` needs a kernel size after the filters: `3` for 3x3, or `(3, 5)` for \
                 height 3 and width 5, like `conv2d(32, 3, relu)`",
            );
            (None, span)
        }
    };
    let mut slots = DenseSlots::default();
    for value in positional {
        resolve_dense_slot(value, vocab::CONV2D, &mut slots, diagnostics);
    }
    let keywords = bind_keywords_only(
        &split.keywords,
        layer_signature(vocab::CONV2D, vocab::CONV2D_PARAMS),
        diagnostics,
    );
    let padding = match keywords.choice("padding") {
        Some(vocab::SAME) => Padding::Same,
        _ => Padding::Valid,
    };
    let conv = Conv2d {
        weights: slots.weights((filters.0.unwrap_or(0), filters.1), keywords.bool("bias")),
        kernel: kernel.0.unwrap_or((0, 0)),
        kernel_span: kernel.1,
        stride: keywords.size("stride").map_or((1, 1), |(stride, _)| stride),
        padding,
    };
    (conv, keywords.allow, slots.unknown)
}

/// A pooling layer (`owner` is `maxpool` or `avgpool`): its window and stride (the window
/// by default, as in Keras), and its opt-outs.
pub(super) fn resolve_pool(
    call: &LayerCall,
    owner: &'static str,
    diagnostics: &mut Diagnostics,
) -> (Pool, Vec<Allow>) {
    let binding = bind_call(
        call,
        layer_signature(owner, vocab::POOL_PARAMS),
        diagnostics,
    );
    let (window, window_span) = binding.size("window").unwrap_or(((0, 0), call.name.span()));
    let stride = binding.size("stride").map_or(window, |(stride, _)| stride);
    let pool = Pool {
        window,
        window_span,
        stride,
    };
    (pool, binding.allow)
}
