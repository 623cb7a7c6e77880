//! Tests of the whole pipeline (`analyze`), on source text.

pub(crate) mod support;

mod advice;
mod errors;
mod fuzz;
mod model;
mod pairing_table;
mod shapes;
mod snapshots;
