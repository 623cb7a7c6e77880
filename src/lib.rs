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

//! # Gradient health
//!
//! [`health::diagnose`] runs one training step on a copy of a network and reports, per layer,
//! what the gradients are doing, with verdicts that name the cure:
//!
//! ```
//! use nn::prelude::*;
//!
//! network! {
//!     /// Ten sigmoid layers drawn from N(0, 0.05²): gradients vanish on the way back.
//!     Saturated(16) <
//!         dense(32, sigmoid, random_normal(0.05), allow = init_mismatch),
//!         dense(32, sigmoid, random_normal(0.05), allow = init_mismatch),
//!         dense(32, sigmoid, random_normal(0.05), allow = init_mismatch),
//!         dense(32, sigmoid, random_normal(0.05), allow = init_mismatch),
//!         dense(32, sigmoid, random_normal(0.05), allow = init_mismatch),
//!         dense(4, softmax)
//!     >
//! }
//!
//! let network = Saturated::new(1);
//! let x = nn::reexports::ndarray::Array2::<f32>::from_shape_fn((64, 16), |(i, j)| ((i * 7 + j) % 5) as f32 - 2.0);
//! let labels: Vec<usize> = (0..64).map(|i| i % 4).collect();
//! let report = diagnose(&network, x.view(), Targets::Classes(&labels), Loss::CrossEntropy, 0.1)?;
//! println!("{report}");
//! let vanishing = report.verdicts().into_iter().find(|v| v.problem == Problem::Vanishing);
//! assert!(vanishing.is_some_and(|v| v.layer == "dense_0"));
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
