//! The facade as users see it: everything a training loop needs comes from `nn` and its prelude.

use nn::loss::{Loss, Targets};
use nn::optim::{Optimizer, Sgd};
use nn::prelude::*;
use nn::reexports::ndarray::{Array2, array};

/// XOR: not linearly separable, so the hidden layer must do real work.
#[test]
fn a_hand_built_network_learns_xor_through_the_facade() -> Result<(), Error> {
    let mut rng = seeded_rng(5);
    let mut hidden = Dense::<2, 8, Tanh>::new(Tanh, Initializer::GlorotUniform, &mut rng);
    let mut output = Dense::<8, 1, Sigmoid>::new(Sigmoid, Initializer::GlorotUniform, &mut rng);
    let mut sgd = Sgd::new(0.5)?.momentum(0.9)?;
    let x = array![[0.0f32, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let labels = [0usize, 1, 1, 0];
    let mut grad = Array2::zeros((4, 1));

    struct Pair<'a>(&'a mut Dense<2, 8, Tanh>, &'a mut Dense<8, 1, Sigmoid>);
    impl Parameters<f32> for Pair<'_> {
        fn visit_params(&mut self, visit: &mut dyn FnMut(nn::ParamMut<'_, f32>)) {
            self.0.visit_params(visit);
            self.1.visit_params(visit);
        }
    }

    let mut losses = Vec::new();
    for _ in 0..500 {
        let h = hidden.forward_train(x.view(), &mut rng)?;
        output.forward_train(h, &mut rng)?;
        let (loss, _) = Loss::BinaryCrossEntropy.evaluate(
            nn::activation::ActivationKind::Sigmoid,
            output.output(),
            output.pre_activation(),
            Targets::Classes(&labels),
            grad.view_mut(),
        )?;
        losses.push(loss);
        let g = output.backward_from_pre_activation(hidden.output(), grad.view())?;
        hidden.backward(x.view(), g)?;
        sgd.step(&mut Pair(&mut hidden, &mut output))?;
    }
    assert!(losses[0] > 0.5, "starts near chance: {}", losses[0]);
    assert!(losses[499] < 0.05, "learns XOR: final loss {}", losses[499]);

    let mut h = Array2::zeros((4, 8));
    hidden.forward_infer(x.view(), h.view_mut())?;
    let mut p = Array2::zeros((4, 1));
    output.forward_infer(h.view(), p.view_mut())?;
    for (row, &label) in labels.iter().enumerate() {
        assert_eq!(
            p[[row, 0]] > 0.5,
            label == 1,
            "sample {row}: p = {}",
            p[[row, 0]]
        );
    }
    Ok(())
}

#[test]
fn bad_input_is_an_error_that_says_what_and_where() {
    let mut rng = seeded_rng(0);
    let mut dense =
        Dense::<3, 2>::new(Linear, Initializer::GlorotUniform, &mut rng).named("dense_0");
    let wrong = Array2::<f32>::zeros((4, 5));
    let err = dense.forward_train(wrong.view(), &mut rng).unwrap_err();
    assert_eq!(
        err.to_string(),
        "dense_0: expected inputs of width 3, got width 5"
    );
    let empty = Array2::<f32>::zeros((0, 3));
    assert!(matches!(
        dense.forward_train(empty.view(), &mut rng),
        Err(Error::EmptyBatch { .. })
    ));
}
