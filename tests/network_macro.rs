//! Networks written with `network!`: they compile, train, predict and describe themselves.

use nn::prelude::*;
use nn::reexports::ndarray::Array2;

network! {
    /// The design card's network.
    pub Mnist(784) < dense(300, relu, he_normal), batchnorm, dense(100, selu, lecun_normal), dense(10, softmax) >
}

network! {
    Small(4) -> 3 < dense(8, he_normal), batchnorm, relu, dropout(0.2), dense(3, softmax) >
}

#[test]
fn the_design_card_network_has_the_declared_shape() {
    let net = Mnist::new(42);
    assert_eq!((Mnist::INPUT, Mnist::OUTPUT), (784, 10));
    let summary = net.summary();
    assert_eq!(
        summary.total_params(),
        784 * 300 + 300 + 600 + 300 * 100 + 100 + 100 * 10 + 10
    );
    println!("{summary}");
    let p = net.predict_one(&[0.5; 784]).unwrap();
    assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
}

#[test]
fn a_small_network_trains() {
    let mut net = Small::new(1);
    let mut adam = Adam::new(0.01).unwrap();
    let x = Array2::from_shape_fn((30, 4), |(i, j)| ((i * 7 + j * 3) % 11) as f32 / 11.0 - 0.5);
    let labels: Vec<usize> = x
        .rows()
        .into_iter()
        .map(|r| {
            if r[0] > 0.0 {
                0
            } else if r[1] > 0.0 {
                1
            } else {
                2
            }
        })
        .collect();
    let mut grad = Array2::zeros((30, 3));
    let mut first = None;
    let mut last = 0.0;
    for _ in 0..200 {
        net.forward_train(x.view()).unwrap();
        let (loss, of) = Loss::CrossEntropy
            .evaluate(
                <Small as Network>::OUTPUT_ACTIVATION,
                net.output(),
                net.pre_activation(),
                Targets::Classes(&labels),
                grad.view_mut(),
            )
            .unwrap();
        assert_eq!(of, GradientOf::PreActivation);
        first.get_or_insert(loss);
        last = loss;
        net.backward(grad.view(), of).unwrap();
        adam.step(&mut net).unwrap();
    }
    assert!(last < 0.5 * first.unwrap(), "{first:?} -> {last}");
}
