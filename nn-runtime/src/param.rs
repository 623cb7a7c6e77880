//! Visiting parameters and tensors: how optimizers, gradient clipping and persistence see a model.

use crate::Float;

/// The shape of one parameter or state tensor (rank 1 to 4), copyable and allocation-free.
///
/// Built from an array of one to four dimensions, so the rank is checked by the compiler:
///
/// ```
/// let shape = nn_runtime::TensorShape::from([784, 300]);
/// assert_eq!(shape.dims(), &[784, 300]);
/// assert_eq!(shape.len(), 784 * 300);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TensorShape {
    dims: [usize; 4],
    rank: usize,
}

impl TensorShape {
    /// The dimensions.
    pub fn dims(&self) -> &[usize] {
        &self.dims[..self.rank]
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.dims().iter().product()
    }

    /// Whether the tensor has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

macro_rules! shape_from_array {
    ($($rank:literal),*) => {$(
        impl From<[usize; $rank]> for TensorShape {
            fn from(dims: [usize; $rank]) -> Self {
                let mut all = [1; 4];
                all[..$rank].copy_from_slice(&dims);
                Self { dims: all, rank: $rank }
            }
        }
    )*};
}

shape_from_array!(1, 2, 3, 4);

/// Whether a tensor is learned (a parameter with a gradient) or kept state (running statistics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TensorKind {
    /// Learned by the optimizer; has a gradient.
    Parameter,
    /// Updated by the layer itself during training (batch norm's running mean and variance).
    State,
}

/// A parameter and its gradient, as an optimizer sees it.
///
/// `value` and `grad` are the flattened (row-major) contents of the tensor. `layer` and
/// `name` together identify it (`dense_0.kernel`).
#[derive(Debug)]
pub struct ParamMut<'a, T> {
    /// The name of the layer holding it (`dense_0`): with `name`, a stable key (`dense_0.kernel`).
    pub layer: &'static str,
    /// The parameter's name within its layer (`kernel`, `bias`, `gamma`, `beta`, `alpha`).
    pub name: &'static str,
    /// The parameter's shape.
    pub shape: TensorShape,
    /// The values, to be updated in place.
    pub value: &'a mut [T],
    /// The gradient of the loss with respect to the values, from the last backward pass.
    pub grad: &'a [T],
}

/// A read-only view of any tensor a layer holds (parameters and state), for saving.
#[derive(Debug)]
pub struct TensorRef<'a, T> {
    /// The name of the layer holding it (`dense_0`): with `name`, a stable key (`dense_0.kernel`).
    pub layer: &'static str,
    /// The tensor's name within its layer.
    pub name: &'static str,
    /// Parameter or state.
    pub kind: TensorKind,
    /// The tensor's shape.
    pub shape: TensorShape,
    /// The flattened (row-major) values.
    pub data: &'a [T],
}

/// A writable view of any tensor a layer holds (parameters and state), for loading.
#[derive(Debug)]
pub struct TensorMut<'a, T> {
    /// The name of the layer holding it (`dense_0`): with `name`, a stable key (`dense_0.kernel`).
    pub layer: &'static str,
    /// The tensor's name within its layer.
    pub name: &'static str,
    /// Parameter or state.
    pub kind: TensorKind,
    /// The tensor's shape.
    pub shape: TensorShape,
    /// The flattened (row-major) values.
    pub data: &'a mut [T],
}

/// Anything whose learned parameters an optimizer can update: a layer or a whole network.
pub trait Parameters<T: Float> {
    /// Calls `visit` once for every parameter with its gradient, always in the same order.
    fn visit_params(&mut self, visit: &mut dyn FnMut(ParamMut<'_, T>));
}

/// Anything that holds named tensors to save and load: a layer or a whole network.
pub trait Tensors<T: Float> {
    /// Calls `visit` once for every tensor (parameters and state), always in the same order.
    fn visit_tensors(&self, visit: &mut dyn FnMut(TensorRef<'_, T>));

    /// Calls `visit` once for every tensor, writable, in the order of [`Tensors::visit_tensors`].
    fn visit_tensors_mut(&mut self, visit: &mut dyn FnMut(TensorMut<'_, T>));

    /// The total number of learned scalars (state such as running statistics is not counted).
    fn parameter_count(&self) -> usize {
        let mut count = 0;
        self.visit_tensors(&mut |t| {
            if t.kind == TensorKind::Parameter {
                count += t.data.len();
            }
        });
        count
    }
}
