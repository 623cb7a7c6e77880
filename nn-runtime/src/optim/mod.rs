//! Optimizers (PLACEHOLDER)
