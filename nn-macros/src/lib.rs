//! The `network!` macro (issue 3).
