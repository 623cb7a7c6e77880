use ndarray::ArrayView2;

use crate::validate::{check_batch, check_finite};
use crate::{Buffer, Error, Float, Result, SeededRng, seeded_rng};

/// What a generated network keeps besides its layers: the RNG its training-mode layers draw
/// from (dropout masks, RReLU slopes) and a copy of the last training input, which the first
/// layer's backward pass needs.
///
/// One seed gives the initial weights and, after them, the training stream: `Net::new(seed)`
/// is reproducible end to end.
#[derive(Debug, Clone)]
pub struct NetworkState<T: Float = f32> {
    name: &'static str,
    rng: SeededRng,
    input: Buffer<T>,
}

impl<T: Float> NetworkState<T> {
    /// The state of network `name`, its RNG seeded with `seed`.
    pub fn new(name: &'static str, seed: u64) -> Self {
        Self {
            name,
            rng: seeded_rng(seed),
            input: Buffer::default(),
        }
    }

    /// The network's name (the struct's name), used in error messages.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The RNG, for initializers and training-mode layers.
    pub fn rng(&mut self) -> &mut SeededRng {
        &mut self.rng
    }

    /// Checks a batch coming into a network of input width `width`.
    ///
    /// # Errors
    /// [`Error::WidthMismatch`], [`Error::EmptyBatch`] or [`Error::NonFinite`].
    pub fn check_input(&self, input: &ArrayView2<'_, T>, width: usize) -> Result<()> {
        check_batch(self.name, input, width)?;
        check_finite(self.name, input)
    }

    /// Checks `input` and keeps a copy of it for the backward pass; returns the RNG and the
    /// kept input, borrowed together so the first layer can use both.
    ///
    /// # Errors
    /// As [`NetworkState::check_input`].
    pub fn begin_training_step(
        &mut self,
        input: ArrayView2<'_, T>,
        width: usize,
    ) -> Result<(&mut SeededRng, ArrayView2<'_, T>)> {
        self.check_input(&input, width)?;
        self.input.resize(input.nrows(), width).assign(&input);
        Ok((&mut self.rng, self.input.view()))
    }

    /// The input of the last training forward pass.
    ///
    /// # Errors
    /// [`Error::InvalidState`] before any training forward pass.
    pub fn training_input(&self) -> Result<ArrayView2<'_, T>> {
        if self.input.is_empty() {
            return Err(Error::InvalidState {
                context: self.name.to_owned(),
                message: "backward called before a training forward pass".to_owned(),
            });
        }
        Ok(self.input.view())
    }
}
