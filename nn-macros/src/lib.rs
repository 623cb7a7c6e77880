//! The `network!` proc-macro of `nn`. The implementation is the library `nn-dsl` (parse ->
//! resolve -> check -> expand, on `proc_macro2`), which tests and fuzz targets can link; this
//! crate only converts token streams.

use proc_macro::TokenStream;

/// Defines a neural network as a struct with one field per layer, checked at compile time.
///
/// ```text
/// network! {
///     /// Classifies handwritten digits.
///     pub Mnist(784) -> 10 <
///         dense(300, relu, he_normal), batchnorm, dense(100, selu, lecun_normal), dense(10, softmax)
///     >
/// }
/// ```
///
/// # Grammar
///
/// ```text
/// network     := outer-attribute* visibility NAME "(" INT ")" ( "->" INT )? "<" layer ( "," layer )* ","? ">"
/// layer       := "dense" "(" INT ( "," activation )? ( "," initializer )? ( "," dense-option )* ")"
///              | "batchnorm" ( "(" ( bn-option ( "," bn-option )* )? ")" )?
///              | "dropout" "(" rate ")" | "alpha_dropout" "(" rate ")"
///              | activation
/// activation  := "relu" | "leaky_relu" ( "(" alpha ")" )? | "prelu" | "rrelu" ( "(" lower ( "," upper )? ")" )?
///              | "elu" ( "(" alpha ")" )? | "selu" | "sigmoid" | "tanh" | "softmax"
///              | "gelu" ( "(" ( "tanh" | "none" ) ")" )? | "swish" | "linear"
/// initializer := "glorot_normal" | "glorot_uniform" | "lecun_normal" | "lecun_uniform" | "he_normal"
///              | "he_uniform" | "zeros" | "ones" | "random_normal" "(" stddev ")" | "random_uniform" "(" limit ")"
/// dense-option := "l1" "=" NUMBER | "l2" "=" NUMBER | "bias" "=" BOOL | "input" "=" INT | allow
/// bn-option   := "momentum" "=" NUMBER | "epsilon" "=" NUMBER | allow
/// allow       := "allow" "=" ( NAME | "[" NAME ( "," NAME )* ","? "]" )
/// ```
///
/// Every parameter may also be written by name (`dropout(rate = 0.5)`, `leaky_relu(alpha = 0.2)`,
/// `gelu(approximate = tanh)`), and `allow = ...` may follow the arguments of `dropout`,
/// `sigmoid` and `tanh` layers too. An initializer may stand where the activation would:
/// `dense(300, he_normal)` is a linear dense layer with He initialization, whose kernel feeds
/// the next activation after batch norm and dropouts.
///
/// # Checks
///
/// | rule | kind | opt-out |
/// |---|---|---|
/// | the initializer fits the activation the kernel feeds (Glorot: linear, tanh, sigmoid, softmax; He: the ReLU family; LeCun: SELU; constants and `random_*` fit nothing) | error | `allow = init_mismatch` |
/// | names are known (with "did you mean"); argument counts, types and ranges; no repeated options | error | |
/// | widths are at least 1; `input = N` and `-> N` match the inferred widths | error | |
/// | `softmax` only on the output layer, and over more than one unit | error | |
/// | no `batchnorm` or `dropout` after `selu` | advice | `allow = self_normalization` |
/// | no dense layer without activation straight into another | advice | `allow = linear_stack` |
/// | no 4 `sigmoid`/`tanh` layers in a row without `batchnorm` | advice | `allow = saturating_stack` |
///
/// An omitted initializer is the one that fits: `he_normal` for the ReLU family, `lecun_normal`
/// for SELU, `glorot_uniform` (Keras' default) otherwise. A linear dense layer straight before
/// `batchnorm` has no bias unless `bias = true` is written.
#[proc_macro]
pub fn network(input: TokenStream) -> TokenStream {
    nn_dsl::network(proc_macro2::TokenStream::from(input)).into()
}
