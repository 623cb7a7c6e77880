//! `gemm` against a plain triple loop, on every kind of view: shapes across the block sizes,
//! transposed, strided and reversed operands, the threaded split, concurrent callers; and the
//! order of the sums, bit for bit.

use ndarray::{Array2, ArrayView2, ShapeBuilder, s};
use nn_gemm::{
    KC, Out, TileOfC, gemm, gemm_single_thread, gemm_with_kernel, kernels, simd_available,
};
use proptest::prelude::*;

/// Deterministic values in [-1, 1) without a random-number crate.
fn matrix(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    Array2::from_shape_fn((rows, cols), |_| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    })
}

/// `a · b` in the documented order: per output a running sum over each block of `KC` terms
/// in order (fused multiply-adds when `fused`), the block sums added in order.
fn ordered<T>(a: ArrayView2<'_, T>, b: ArrayView2<'_, T>, fused: bool) -> Array2<T>
where
    T: Copy + Default + std::ops::Add<Output = T> + std::ops::Mul<Output = T> + MulAdd,
{
    let (m, k) = a.dim();
    let n = b.ncols();
    Array2::from_shape_fn((m, n), |(i, j)| {
        let mut total = T::default();
        for start in (0..k).step_by(KC) {
            let mut sum = T::default();
            for p in start..(start + KC).min(k) {
                sum = if fused {
                    a[[i, p]].mul_add(b[[p, j]], sum)
                } else {
                    sum + a[[i, p]] * b[[p, j]]
                };
            }
            total = if start == 0 { sum } else { sum + total };
        }
        total
    })
}

trait MulAdd {
    fn mul_add(self, b: Self, c: Self) -> Self;
}
impl MulAdd for f32 {
    fn mul_add(self, b: Self, c: Self) -> Self {
        f32::mul_add(self, b, c)
    }
}
impl MulAdd for f64 {
    fn mul_add(self, b: Self, c: Self) -> Self {
        f64::mul_add(self, b, c)
    }
}

fn product(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>) -> Array2<f64> {
    let mut c = Array2::from_elem((a.nrows(), b.ncols()), f64::NAN);
    gemm(a, b, c.view_mut());
    c
}

/// Shapes on both sides of every block boundary: tiles (6 x 16 / 6 x 8 and 12 x 32 / 12 x 16),
/// `KC` (256), `MC` (192).
const SHAPES: [(usize, usize, usize); 14] = [
    (1, 1, 1),
    (1, 784, 300),
    (6, 256, 16),
    (7, 257, 17),
    (5, 3, 9),
    (13, 1, 31),
    (120, 512, 8),
    (121, 513, 15),
    (128, 784, 300),
    (300, 128, 100),
    (33, 1000, 2),
    (250, 70, 250),
    (24, 513, 64),
    (193, 300, 96),
];

#[test]
fn every_shape_is_bit_identical_to_the_documented_order() {
    for &(m, k, n) in &SHAPES {
        let a = matrix(m, k, 1);
        let b = matrix(k, n, 2);
        assert_eq!(
            product(a.view(), b.view()),
            ordered(a.view(), b.view(), simd_available()),
            "{m}x{k}x{n}"
        );
        let (a32, b32) = (a.mapv(|v| v as f32), b.mapv(|v| v as f32));
        let mut c32 = Array2::from_elem((m, n), f32::NAN);
        gemm(a32.view(), b32.view(), c32.view_mut());
        assert_eq!(
            c32,
            ordered(a32.view(), b32.view(), simd_available()),
            "f32 {m}x{k}x{n}"
        );
    }
}

#[test]
fn every_kernel_of_this_processor_sums_in_the_same_order() {
    // AVX-512, AVX2 (fused) and portable (not) wherever the processor has them; the portable
    // kernel always.
    assert!(!kernels::<f32>().last().unwrap().fused);
    for &(m, k, n) in &SHAPES {
        let a = matrix(m, k, 3);
        let b = matrix(k, n, 4);
        every_kernel_in_the_documented_order(a.view(), b.view());
    }
}

/// `a · b` with every kernel of this processor, in `f64` and in `f32` (the values cast),
/// against the documented order of the sums, bit for bit.
fn every_kernel_in_the_documented_order(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>) {
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    for kernel in kernels::<f64>() {
        let mut c = Array2::from_elem((m, n), f64::NAN);
        gemm_with_kernel(kernel, a, b, c.view_mut());
        assert_eq!(
            c,
            ordered(a, b, kernel.fused),
            "{} {m}x{k}x{n}",
            kernel.name
        );
    }
    // Cast with the operands' layouts kept (`map` keeps a transposed view's).
    let (a32, b32) = (a.map(|&v| v as f32), b.map(|&v| v as f32));
    assert_eq!((a32.strides(), b32.strides()), (a.strides(), b.strides()));
    let (a, b) = (a32, b32);
    for kernel in kernels::<f32>() {
        let mut c = Array2::from_elem((m, n), f32::NAN);
        gemm_with_kernel(kernel, a.view(), b.view(), c.view_mut());
        assert_eq!(
            c,
            ordered(a.view(), b.view(), kernel.fused),
            "{} {m}x{k}x{n}",
            kernel.name
        );
    }
}

/// Kernel gradients `xᵀ · g` of layers with few outputs: `a` column-major, `c` narrower than a
/// sliver of `B`, which the loop nest computes as `cᵀ = gᵀ · x`; across `KC`, the tile
/// heights and one output.
const NARROW_KERNEL_GRADIENTS: [(usize, usize, usize); 7] = [
    (100, 128, 10),
    (784, 128, 10),
    (300, 128, 1),
    (33, 513, 5),
    (193, 300, 15),
    (13, 7, 12),
    (40, 64, 31),
];

#[test]
fn kernel_gradients_of_narrow_layers_sum_in_the_documented_order_with_every_kernel() {
    for &(m, k, n) in &NARROW_KERNEL_GRADIENTS {
        // `x` is `k x m` row-major (a batch of `k` rows), `a = xᵀ` a column-major view.
        let x = matrix(k, m, 9);
        let g = matrix(k, n, 10);
        every_kernel_in_the_documented_order(x.t(), g.view());
        let (x, g) = (x.mapv(|v| v as f32), g.mapv(|v| v as f32));
        // The threaded split (the largest shapes are over the threshold), into a column-major
        // and a row-reversed `c`.
        let expected = ordered(x.t(), g.view(), simd_available());
        let mut c = Array2::from_elem((m, n).f(), f32::NAN);
        gemm(x.t(), g.view(), c.view_mut());
        assert_eq!(c, expected, "f32 {m}x{k}x{n} into a column-major c");
        let mut c = Array2::from_elem((m, n), f32::NAN);
        gemm(x.t(), g.view(), c.slice_mut(s![..;-1, ..]));
        assert_eq!(c.slice(s![..;-1, ..]), expected, "f32 {m}x{k}x{n} reversed");
    }
}

#[test]
fn transposed_strided_and_reversed_views_give_the_same_product() {
    let (m, k, n) = (37, 300, 45);
    let a = matrix(m, k, 5);
    let b = matrix(k, n, 6);
    let expected = product(a.view(), b.view());
    // Column-major copies: the same matrices seen through transposed strides.
    let a_f = Array2::from_shape_vec((m, k).f(), a.t().iter().copied().collect()).unwrap();
    let b_f = Array2::from_shape_vec((k, n).f(), b.t().iter().copied().collect()).unwrap();
    assert_eq!(a_f, a);
    assert_eq!(product(a_f.view(), b_f.view()), expected);
    // Every other row and column of a matrix twice the size.
    let mut a_wide = Array2::zeros((2 * m, 2 * k));
    a_wide.slice_mut(s![..;2, ..;2]).assign(&a);
    let mut b_wide = Array2::zeros((2 * k, 2 * n));
    b_wide.slice_mut(s![..;2, ..;2]).assign(&b);
    assert_eq!(
        product(a_wide.slice(s![..;2, ..;2]), b_wide.slice(s![..;2, ..;2])),
        expected
    );
    // Reversed: negative strides on both operands and the output.
    let a_rev = a.slice(s![..;-1, ..]).to_owned();
    let b_rev = b.slice(s![.., ..;-1]).to_owned();
    let mut c = Array2::from_elem((m, n), f64::NAN);
    gemm(
        a_rev.slice(s![..;-1, ..]),
        b_rev.slice(s![.., ..;-1]),
        c.slice_mut(s![..;-1, ..;-1]),
    );
    assert_eq!(c.slice(s![..;-1, ..;-1]), expected);
    // Rows reversed, columns contiguous: whole tiles are written in place, at a negative row
    // stride.
    let (m, k, n) = (2 * 12 + 5, 2 * KC + 3, 3 * 32 + 7);
    let (a, b) = (matrix(m, k, 7), matrix(k, n, 8));
    let mut c = Array2::from_elem((m, n), f64::NAN);
    gemm(a.view(), b.view(), c.slice_mut(s![..;-1, ..]));
    assert_eq!(c.slice(s![..;-1, ..]), product(a.view(), b.view()));
    let (a, b) = (a.mapv(|v| v as f32), b.mapv(|v| v as f32));
    let mut c = Array2::from_elem((m, n), f32::NAN);
    gemm(a.view(), b.view(), c.slice_mut(s![..;-1, ..]));
    assert_eq!(
        c.slice(s![..;-1, ..]),
        ordered(a.view(), b.view(), simd_available())
    );
}

#[test]
fn an_empty_shared_dimension_gives_zeros_and_empty_outputs_are_fine() {
    let mut c = Array2::from_elem((3, 4), 7.0f32);
    gemm(
        Array2::<f32>::zeros((3, 0)).view(),
        Array2::zeros((0, 4)).view(),
        c.view_mut(),
    );
    assert_eq!(c, Array2::zeros((3, 4)));
    let mut empty = Array2::<f64>::zeros((0, 5));
    gemm(
        Array2::zeros((0, 3)).view(),
        matrix(3, 5, 1).view(),
        empty.view_mut(),
    );
}

#[test]
#[should_panic(expected = "a is 2 x 3 but b has 4 rows")]
fn disagreeing_shapes_panic_with_the_shapes() {
    let mut c = Array2::<f32>::zeros((2, 5));
    gemm(
        Array2::zeros((2, 3)).view(),
        Array2::zeros((4, 5)).view(),
        c.view_mut(),
    );
}

#[test]
fn the_threaded_split_changes_no_bit() {
    // Both split directions: wide (by columns) and tall (by rows), above the threshold.
    for &(m, k, n) in &[(128, 784, 300), (900, 300, 64), (64, 300, 901)] {
        let a = matrix(m, k, 7).mapv(|v| v as f32);
        let b = matrix(k, n, 8).mapv(|v| v as f32);
        let mut one = Array2::zeros((m, n));
        gemm_single_thread(a.view(), b.view(), one.view_mut());
        let mut many = Array2::from_elem((m, n), f32::NAN);
        gemm(a.view(), b.view(), many.view_mut());
        assert_eq!(many, one, "{m}x{k}x{n}");
    }
}

#[test]
fn concurrent_callers_each_get_their_product() {
    // Several threads at once: one holds the pool, the others run their products themselves.
    let a = matrix(200, 300, 9).mapv(|v| v as f32);
    let b = matrix(300, 200, 10).mapv(|v| v as f32);
    let mut expected = Array2::zeros((200, 200));
    gemm_single_thread(a.view(), b.view(), expected.view_mut());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..20 {
                    let mut c = Array2::from_elem((200, 200), f32::NAN);
                    gemm(a.view(), b.view(), c.view_mut());
                    assert_eq!(c, expected);
                }
            });
        }
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any shape and any mix of transposed operands, against the triple loop within rounding.
    #[test]
    fn random_shapes_match_the_triple_loop(
        m in 1usize..40, k in 1usize..300, n in 1usize..40,
        transpose_a: bool, transpose_b: bool, seed in 0u64..1000,
    ) {
        let a = matrix(m, k, seed);
        let b = matrix(k, n, seed + 1);
        let a_t = a.t().to_owned();
        let b_t = b.t().to_owned();
        let a_view = if transpose_a { a_t.t() } else { a.view() };
        let b_view = if transpose_b { b_t.t() } else { b.view() };
        let c = product(a_view, b_view);
        let naive = Array2::from_shape_fn((m, n), |(i, j)| (0..k).map(|p| a[[i, p]] * b[[p, j]]).sum::<f64>());
        for (got, want) in c.iter().zip(&naive) {
            prop_assert!((got - want).abs() <= 1e-12 * k as f64, "{got} vs {want}");
        }
    }
}

#[test]
fn every_kernel_writes_a_block_of_c_in_place_and_refuses_one_of_another_shape() {
    for kernel in kernels::<f32>() {
        let (mr, nr) = (kernel.mr, kernel.nr);
        // One step of the shared dimension: sum [i][j] = a[i] · b[j].
        let a: Vec<f32> = (0..mr).map(|i| i as f32 + 1.0).collect();
        let b: Vec<f32> = (0..nr).map(|j| j as f32 * 0.5).collect();
        // C is (mr + 1) x (nr + 3); the block is rows 1.., columns 2 .. nr + 2.
        let stride = nr + 3;
        let mut c = vec![-1.0f32; (mr + 1) * stride];
        for accumulate in [false, true] {
            // SAFETY: rows 1 ..= mr and columns 2 .. nr + 2 of `c` (stride `nr + 3`), all
            // inside it; `c` is borrowed mutably for the call and reached through nothing else.
            let block = unsafe {
                TileOfC::new(
                    c.as_mut_ptr().add(stride + 2),
                    stride as isize,
                    (mr, nr),
                    accumulate,
                )
            };
            (kernel.run)(1, &a, &b, Out::C(block));
        }
        for (index, &value) in c.iter().enumerate() {
            let (i, j) = (index / stride, index % stride);
            let expected = if i >= 1 && (2..nr + 2).contains(&j) {
                // Overwritten with the sum, then the sum added to it.
                2.0 * (a[i - 1] * b[j - 2])
            } else {
                -1.0
            };
            assert_eq!(value, expected, "{} at [{i}, {j}]", kernel.name);
        }
        let wrong = std::panic::catch_unwind(|| {
            let mut c = vec![0.0f32; mr * nr];
            // SAFETY: the first `mr - 1` rows of `nr` elements of `c`, all inside it, borrowed
            // mutably for the call.
            let block = unsafe { TileOfC::new(c.as_mut_ptr(), nr as isize, (mr - 1, nr), false) };
            (kernel.run)(1, &a, &b, Out::C(block));
        });
        let message = wrong.expect_err("a block of the wrong shape is refused");
        let message = message.downcast_ref::<String>().unwrap();
        assert!(message.contains("TileOfC"), "{message}");
    }
}
