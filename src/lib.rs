//! `nn`: neural networks written as Rust macros and checked by the compiler.
//!
//! This facade is the crate users depend on. It re-exports the runtime ([`nn_runtime`]):
//! layers, activations, initializers, losses and optimizers on ndarray, generic over `f32`
//! and `f64`. The `network!` macro joins it as the front door.
//!
//! ```
//! use nn::prelude::*;
//!
//! let mut rng = seeded_rng(42);
//! let mut hidden = Dense::<4, 8, Relu>::new(Relu, Initializer::HeNormal, &mut rng);
//! let x = nn::reexports::ndarray::Array2::<f32>::ones((2, 4));
//! let h = hidden.forward_train(x.view(), &mut rng)?;
//! assert_eq!(h.dim(), (2, 8));
//! # Ok::<(), nn::Error>(())
//! ```

pub use nn_macros::network;
pub use nn_runtime::*;

pub mod prelude;

/// What the code `network!` generates needs from the runtime; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use nn_runtime::reexports::ndarray;

    /// Unwraps a constructor result whose arguments the `network!` macro has already checked
    /// (a dropout rate in [0, 1), a positive epsilon, ...), so the error branch cannot run.
    #[track_caller]
    pub fn checked<T>(result: nn_runtime::Result<T>) -> T {
        match result {
            Ok(value) => value,
            Err(error) => {
                unreachable!("network! checked this value, yet the runtime rejects it: {error}")
            }
        }
    }
}
