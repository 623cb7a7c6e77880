//! A small model for the persistence tests: boxed runtime layers, visited in order.

use nn_runtime::activation::{Linear, PRelu, Relu};
use nn_runtime::{
    ActivationLayer, BatchNorm, Dense, Float, Initializer, Layer, TensorMut, TensorRef, Tensors,
    seeded_rng,
};

/// A small model: boxed runtime layers, visited in order.
pub struct Stack<T: Float>(pub Vec<Box<dyn Layer<T>>>);

impl<T: Float> Tensors<T> for Stack<T> {
    fn visit_tensors(&self, visit: &mut dyn FnMut(TensorRef<'_, T>)) {
        for layer in &self.0 {
            layer.visit_tensors(visit);
        }
    }

    fn visit_tensors_mut(&mut self, visit: &mut dyn FnMut(TensorMut<'_, T>)) {
        for layer in &mut self.0 {
            layer.visit_tensors_mut(visit);
        }
    }
}

/// dense_0 (4 -> H, ReLU), batch_normalization_0, p_re_lu_0, dense_1 (H -> 3); seeded weights
/// and PReLU slopes.
pub fn model<const H: usize, T: Float>(seed: u64) -> Stack<T> {
    let mut rng = seeded_rng(seed);
    let dense_0 =
        Dense::<4, H, Relu, T>::new(Relu, Initializer::HeNormal, &mut rng).named("dense_0");
    let bn = BatchNorm::<H, T>::new().named("batch_normalization_0");
    let mut prelu = ActivationLayer::<H, PRelu<T>, T>::new(PRelu::default()).named("p_re_lu_0");
    for (i, a) in prelu.activation_mut().alpha_mut().iter_mut().enumerate() {
        *a = T::cast(0.1 + 0.01 * (seed as f64) + 0.001 * i as f64);
    }
    let dense_1 = Dense::<H, 3, Linear, T>::new(Linear, Initializer::GlorotUniform, &mut rng)
        .named("dense_1");
    Stack(vec![
        Box::new(dense_0),
        Box::new(bn),
        Box::new(prelu),
        Box::new(dense_1),
    ])
}

/// Every tensor of a model, keyed, as raw f64 bits (bit-exact comparison).
pub fn snapshot<T: Float>(model: &impl Tensors<T>) -> Vec<(String, Vec<usize>, Vec<u64>)> {
    let mut out = Vec::new();
    model.visit_tensors(&mut |t| {
        out.push((
            format!("{}.{}", t.layer, t.name),
            t.shape.dims().to_vec(),
            t.data.iter().map(|v| v.as_f64().to_bits()).collect(),
        ));
    });
    out
}
