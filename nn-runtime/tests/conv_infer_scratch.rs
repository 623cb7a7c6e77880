//! `Conv2d::forward_infer` runs its patch matrix in a thread-local scratch and writes the
//! GEMM straight into the output; `MaxPool2d::forward_infer` keeps no argmax. Both must give
//! `forward_train`'s output bit for bit, whatever the output buffer held before, its layout,
//! the batch sizes of earlier calls, and the thread.

use ndarray::{Array2, ShapeBuilder};
use nn_runtime::activation::Relu;
use nn_runtime::layer::{Conv2d, MaxPool2d, Padding};
use nn_runtime::{Layer, seeded_rng};

fn input(rows: usize, cols: usize, seed: usize) -> Array2<f32> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        ((i * 37 + j * 11 + seed * 5) % 29) as f32 / 7.0 - 2.0
    })
}

fn same_bits(a: &Array2<f32>, b: &Array2<f32>) -> bool {
    a.dim() == b.dim() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

type Conv = Conv2d<7, 6, 3, 4, 3, 5, Relu>;

fn conv() -> Conv {
    let kernel = ndarray::Array4::from_shape_fn((3, 2, 3, 5), |(a, b, c, d)| {
        ((a * 7 + b * 5 + c * 3 + d) % 11) as f32 * 0.1 - 0.5
    });
    // A non-zero bias, so that the bias path is checked too.
    let bias = ndarray::Array1::from_shape_fn(5, |i| i as f32 * 0.25 - 0.5);
    Conv::from_weights(kernel, Some(bias), (2, 2), Padding::Same, Relu).unwrap()
}

/// `forward_train`'s output of `layer` on `x`.
fn trained<L: Layer<f32> + Clone>(layer: &L, x: &Array2<f32>) -> Array2<f32> {
    let mut layer = layer.clone();
    layer
        .forward_train(x.view(), &mut seeded_rng(0))
        .unwrap()
        .to_owned()
}

#[test]
fn conv_forward_infer_equals_forward_train_in_any_output_buffer() {
    let layer = conv();
    let width = layer.output_width();
    for (rows, seed) in [(5, 1), (1, 2), (9, 3), (2, 4)] {
        let x = input(rows, layer.input_width(), seed);
        let expected = trained(&layer, &x);
        // Stale values (NaN) in the output do not leak into the result.
        let mut output = Array2::from_elem((rows, width), f32::NAN);
        layer.forward_infer(x.view(), output.view_mut()).unwrap();
        assert!(same_bits(&output, &expected), "rows {rows}");
        // A column-major output takes the copying path.
        let mut fortran = Array2::from_elem((rows, width).f(), f32::NAN);
        layer.forward_infer(x.view(), fortran.view_mut()).unwrap();
        assert!(same_bits(
            &fortran.as_standard_layout().into_owned(),
            &expected
        ));
    }
}

#[test]
fn conv_forward_infer_on_several_threads_agrees() {
    let layer = conv();
    let x = input(6, layer.input_width(), 7);
    let expected = trained(&layer, &x);
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| {
                for _ in 0..5 {
                    let mut output = Array2::zeros((6, layer.output_width()));
                    layer.forward_infer(x.view(), output.view_mut()).unwrap();
                    assert!(same_bits(&output, &expected));
                }
            });
        }
    });
}

#[test]
fn max_pool_forward_infer_equals_forward_train() {
    let layer = MaxPool2d::<7, 6, 3, 3, 5>::new((3, 2), (2, 1)).unwrap();
    let x = input(4, 7 * 6 * 3, 8);
    let expected = trained(&layer, &x);
    let mut output = Array2::from_elem((4, 3 * 5 * 3), f32::NAN);
    layer.forward_infer(x.view(), output.view_mut()).unwrap();
    assert!(same_bits(&output, &expected));
}
