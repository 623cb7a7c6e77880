//! Cross-cutting rules: the ones that look at more than one layer. Each rule is one named
//! function with a comment saying why it exists (serde's `check.rs`). Checks that need one
//! call only (names, argument types and ranges) happen during resolution.
//!
//! Hard rules record errors; soft rules record advice, each silenced by an `allow = <kind>`
//! on the layer that triggers it. A rule skips what resolution could not determine (a
//! [`Gap`](crate::resolve::Gap)), so one typo gives one error.

mod pairing;
mod placement;
mod self_normalizing;
mod shapes;

use crate::diagnostics::Diagnostics;
use crate::model::Network;
use crate::resolve::Gaps;

pub(crate) use pairing::fits;

/// Runs every rule against `network`.
pub(crate) fn check(network: &Network, gaps: &Gaps, diagnostics: &mut Diagnostics) {
    shapes::check_declared_input_widths(network, gaps, diagnostics);
    shapes::check_declared_output_width(network, gaps, diagnostics);
    pairing::check_initializers(network, gaps, diagnostics);
    placement::check_softmax_is_output(network, gaps, diagnostics);
    placement::check_softmax_width(network, gaps, diagnostics);
    placement::check_linear_stack(network, diagnostics);
    placement::check_saturating_stack(network, diagnostics);
    self_normalizing::check_after_selu(network, diagnostics);
}
