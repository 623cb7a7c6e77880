//! The inference bodies: `predict` on a batch and `predict_one` on one sample.
//!
//! Dropout is the identity at inference, so dropout layers get no step. `predict` writes the
//! layers' outputs into two scratch buffers in turn (`PingPong`, kept by the thread between
//! calls) and the last layer straight into the returned array: one allocation per call (the
//! result), whatever the depth, after a thread's first batch of that size.
//! `predict_one` runs every layer's `infer_row` on fixed-size arrays on the stack when the
//! hidden widths add up to at most [`STACK_ELEMENTS`] values (no allocation, no ndarray), and
//! otherwise on two halves of a thread-local scratch buffer (no allocation after the first
//! call on a thread).

use proc_macro2::TokenStream;
use quote::quote;

use super::types::int;
use crate::model::{Layer, LayerKind, Network};

/// The most values (the sum of the hidden layers' widths) `predict_one` keeps on the stack:
/// 32 KiB in `f32`, 64 KiB in `f64`, well inside the 2 MiB a spawned thread gets. Wider
/// networks use the thread-local scratch; they spend their time in the weights anyway.
pub(super) const STACK_ELEMENTS: usize = 8192;

/// The layers that compute something at inference: every layer but the dropouts and
/// `flatten` (which has no field: an image row already is the flat row).
fn infer_layers(network: &Network) -> Vec<&Layer> {
    network
        .layers
        .iter()
        .filter(|layer| {
            layer.has_field()
                && !matches!(
                    layer.kind,
                    LayerKind::Dropout { .. } | LayerKind::AlphaDropout { .. }
                )
        })
        .collect()
}

/// The body of `Network::predict` (after the input check): `input` in, `Ok(Array2)` out.
pub(super) fn predict_body(network: &Network) -> TokenStream {
    let layers = infer_layers(network);
    let output = int(network.output_width());
    let Some((last, hidden)) = layers.split_last() else {
        return quote!(Ok(input.to_owned()));
    };
    let last_field = &last.field;
    let new_output = quote! {
        let mut __output = ::nn::__private::ndarray::Array2::<T>::zeros((input.nrows(), #output));
    };
    let Some((first, _)) = hidden.split_first() else {
        return quote! {
            #new_output
            ::nn::Layer::forward_infer(&self.#last_field, input, __output.view_mut())?;
            Ok(__output)
        };
    };
    let widest = int(hidden
        .iter()
        .map(|layer| layer.out_width)
        .max()
        .unwrap_or(0));
    let first_field = &first.field;
    let first_width = int(first.out_width);
    let middle = hidden.windows(2).enumerate().map(|(index, pair)| {
        let [before, layer] = pair else {
            return TokenStream::new();
        };
        let (step, field) = (int(index + 1), &layer.field);
        let (in_width, out_width) = (int(before.out_width), int(layer.out_width));
        quote! {
            let (__x, __y) = __scratch.step(#step, #in_width, #out_width);
            ::nn::Layer::forward_infer(&self.#field, __x, __y)?;
        }
    });
    let last_step = int(hidden.len() - 1);
    let last_input = int(hidden.last().map_or(0, |layer| layer.out_width));
    quote! {
        ::nn::network::PingPong::<T>::with(input.nrows(), #widest, |__scratch| {
            ::nn::Layer::forward_infer(&self.#first_field, input, __scratch.first(#first_width))?;
            #(#middle)*
            #new_output
            ::nn::Layer::forward_infer(
                &self.#last_field,
                __scratch.output(#last_step, #last_input),
                __output.view_mut(),
            )?;
            Ok(__output)
        })
    }
}

/// The body of `predict_one` (after the input check): `input: &[T; INPUT]` in,
/// `Ok([T; OUTPUT])` out.
pub(super) fn predict_one_body(network: &Network) -> TokenStream {
    let layers = infer_layers(network);
    let output = int(network.output_width());
    let Some((last, hidden)) = layers.split_last() else {
        return quote!(Ok(*input));
    };
    let last_field = &last.field;
    let hidden_sum: usize = hidden.iter().map(|layer| layer.out_width).sum();
    if hidden_sum <= STACK_ELEMENTS {
        let steps = hidden.iter().map(|layer| {
            let (field, width) = (&layer.field, int(layer.out_width));
            quote! {
                let mut __y = [T::zero(); #width];
                ::nn::Layer::infer_row(&self.#field, __x, &mut __y)?;
                let __x: &[T] = &__y;
            }
        });
        return quote! {
            let __x: &[T] = input;
            #(#steps)*
            let mut __output = [T::zero(); #output];
            ::nn::Layer::infer_row(&self.#last_field, __x, &mut __output)?;
            Ok(__output)
        };
    }
    let widest = hidden
        .iter()
        .map(|layer| layer.out_width)
        .max()
        .unwrap_or(0);
    let steps = hidden.iter().enumerate().map(|(index, layer)| {
        let (field, width) = (&layer.field, int(layer.out_width));
        // Even steps write the first half, odd steps the second.
        let (target, source) = if index % 2 == 0 {
            (quote!(__even), quote!(__odd))
        } else {
            (quote!(__odd), quote!(__even))
        };
        let input = match index.checked_sub(1).and_then(|before| hidden.get(before)) {
            None => quote!(input),
            Some(before) => {
                let width = int(before.out_width);
                quote!(&#source[..#width])
            }
        };
        quote! {
            ::nn::Layer::infer_row(&self.#field, #input, &mut #target[..#width])?;
        }
    });
    let last_source = if hidden.len() % 2 == 1 {
        quote!(__even)
    } else {
        quote!(__odd)
    };
    let last_input = int(hidden.last().map_or(0, |layer| layer.out_width));
    let widest_int = int(widest);
    let scratch = int(2 * widest);
    quote! {
        ::nn::network::with_row_scratch::<T, _>(#scratch, |__scratch| {
            let (__even, __odd) = __scratch.split_at_mut(#widest_int);
            #(#steps)*
            let mut __output = [T::zero(); #output];
            ::nn::Layer::infer_row(&self.#last_field, &#last_source[..#last_input], &mut __output)?;
            Ok(__output)
        })
    }
}
