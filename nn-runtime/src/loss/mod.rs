//! Losses (PLACEHOLDER)
