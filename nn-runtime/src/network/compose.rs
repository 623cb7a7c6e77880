use ndarray::{Array2, ArrayView2};

use super::{LayerInfo, Network, Summary};
use crate::activation::ActivationKind;
use crate::layer::Inspect;
use crate::loss::GradientOf;
use crate::{Float, ParamMut, Parameters, Result, TensorMut, TensorRef, Tensors};

/// A width as a type: `Width<784>`. Networks name their input and output widths with it, so
/// the compiler can check that one network's output fits another's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Width<const N: usize>;

/// Implemented by a network for the one input width it takes: `Width<INPUT>`. The `network!`
/// macro writes the impl; [`Chain`] requires it, so composing networks whose widths differ
/// is a compile error that names both widths.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot take `{In}` as input",
    label = "the previous network's output is `{In}`",
    note = "a network's input width must equal the output width of the network feeding it"
)]
pub trait AcceptsInput<In> {}

/// Two networks, the first's output feeding the second: itself a [`Network`].
///
/// With two `network!` structs, `Chain::new(Encoder::new(1), Classifier::new(2))` compiles
/// only when `Encoder`'s output width is `Classifier`'s input width.
///
/// The parameters and tensors of both are visited in order, the first's names prefixed with
/// `0.` and the second's with `1.` by whoever saves them.
#[derive(Debug, Clone)]
pub struct Chain<A, B> {
    first: A,
    second: B,
}

impl<A, B> Chain<A, B> {
    /// Feeds `first`'s output into `second`. Compiles only when the widths agree.
    pub fn new<T: Float>(first: A, second: B) -> Self
    where
        A: Network<T>,
        B: Network<T> + AcceptsInput<A::Output>,
    {
        Self { first, second }
    }

    /// The first network.
    pub fn first(&self) -> &A {
        &self.first
    }

    /// The second network.
    pub fn second(&self) -> &B {
        &self.second
    }
}

impl<T: Float, A: Parameters<T>, B: Parameters<T>> Parameters<T> for Chain<A, B> {
    fn visit_params(&mut self, visit: &mut dyn FnMut(ParamMut<'_, T>)) {
        self.first.visit_params(visit);
        self.second.visit_params(visit);
    }
}

impl<T: Float, A: Tensors<T>, B: Tensors<T>> Tensors<T> for Chain<A, B> {
    fn visit_tensors(&self, visit: &mut dyn FnMut(TensorRef<'_, T>)) {
        self.first.visit_tensors(visit);
        self.second.visit_tensors(visit);
    }

    fn visit_tensors_mut(&mut self, visit: &mut dyn FnMut(TensorMut<'_, T>)) {
        self.first.visit_tensors_mut(visit);
        self.second.visit_tensors_mut(visit);
    }
}

impl<T, A, B> Network<T> for Chain<A, B>
where
    T: Float,
    A: Network<T>,
    B: Network<T> + AcceptsInput<A::Output>,
{
    const INPUT: usize = A::INPUT;
    const OUTPUT: usize = B::OUTPUT;
    const OUTPUT_ACTIVATION: ActivationKind = B::OUTPUT_ACTIVATION;
    type Input = A::Input;
    type Output = B::Output;

    fn forward_train(&mut self, input: ArrayView2<'_, T>) -> Result<ArrayView2<'_, T>> {
        let middle = self.first.forward_train(input)?;
        self.second.forward_train(middle)
    }

    fn output(&self) -> ArrayView2<'_, T> {
        self.second.output()
    }

    fn pre_activation(&self) -> ArrayView2<'_, T> {
        self.second.pre_activation()
    }

    fn backward(&mut self, grad: ArrayView2<'_, T>, of: GradientOf) -> Result<ArrayView2<'_, T>> {
        let middle = self.second.backward(grad, of)?;
        self.first.backward(middle, GradientOf::Output)
    }

    fn backward_parameters(&mut self, grad: ArrayView2<'_, T>, of: GradientOf) -> Result<()> {
        let middle = self.second.backward(grad, of)?;
        self.first.backward_parameters(middle, GradientOf::Output)
    }

    fn predict(&self, input: ArrayView2<'_, T>) -> Result<Array2<T>> {
        let middle = self.first.predict(input)?;
        self.second.predict(middle.view())
    }

    fn penalty(&self) -> T {
        self.first.penalty() + self.second.penalty()
    }

    fn visit_layers(&self, visit: &mut dyn FnMut(&dyn Inspect<T>)) {
        self.first.visit_layers(visit);
        self.second.visit_layers(visit);
    }

    fn summary(&self) -> Summary {
        let (a, b) = (self.first.summary(), self.second.summary());
        let layers: Vec<LayerInfo> = a.layers().iter().chain(b.layers()).copied().collect();
        Summary::new("Chain", A::INPUT, &layers)
    }
}
