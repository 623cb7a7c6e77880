//! `predict` keeps its layers' outputs in a scratch buffer that stays with the thread between
//! calls: what an earlier `predict` left there (even infinities and NaN) never reaches the
//! next one's results, whatever the networks' depths and widths.

use std::thread;

use nn::prelude::*;
use nn::reexports::ndarray::Array2;

network! {
    /// Fills both halves of the scratch with NaN: the first layer's outputs overflow to
    /// infinity (in the first half), the second's are infinity minus infinity (in the second),
    /// the third's NaN again (over the first).
    Poison(4) <
        dense(512, linear, allow = linear_stack), dense(512, linear, allow = linear_stack),
        dense(512, linear, allow = linear_stack), dense(2, linear)
    >
}

network! {
    Mlp(6) < dense(32, relu), batchnorm, dense(16, tanh), dropout(0.5), relu, dense(3, softmax) >
}

network! {
    Conv(8, 8, 1) <
        conv2d(3, 3, relu, padding = same), maxpool(2), conv2d(4, 3, tanh), batchnorm,
        global_avgpool, dense(5, softmax)
    >
}

fn poison() -> Poison {
    let mut net = Poison::new(0);
    net.visit_params(&mut |p| match (p.layer, p.name) {
        ("dense_0", "kernel") => p.value.fill(f32::MAX),
        ("dense_1" | "dense_2", "kernel") => {
            for (i, w) in p.value.iter_mut().enumerate() {
                *w = if i % 2 == 0 { f32::MAX } else { -f32::MAX };
            }
        }
        _ => p.value.fill(0.0),
    });
    net
}

fn inputs(rows: usize, cols: usize) -> Array2<f32> {
    Array2::from_shape_fn((rows, cols), |(r, c)| {
        ((r * 7 + c * 5) % 11) as f32 / 11.0 - 0.4
    })
}

/// `f`'s result on a new thread (fresh scratch) and on one whose scratch holds what a large
/// poisoning `predict` left: equal bit for bit.
fn same_after_poison<F: Fn() -> Array2<f32> + Send + Copy + 'static>(f: F) {
    let fresh = thread::spawn(f).join().unwrap();
    let after = thread::spawn(move || {
        let leftovers = poison().predict(Array2::ones((64, 4)).view()).unwrap();
        assert!(
            leftovers.iter().all(|v| v.is_nan()),
            "the poison did not poison"
        );
        f()
    })
    .join()
    .unwrap();
    assert!(fresh.iter().all(|v| v.is_finite()));
    let bits = |a: &Array2<f32>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&fresh), bits(&after));
}

#[test]
fn predict_results_do_not_depend_on_what_an_earlier_predict_left_in_the_scratch() {
    same_after_poison(|| Mlp::new(1).predict(inputs(10, 6).view()).unwrap());
    same_after_poison(|| Conv::new(2).predict(inputs(7, 64).view()).unwrap());
}
