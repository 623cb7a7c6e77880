//! The one-sample kernel `vec_mat` (the AVX2/FMA version where the processor has it, and the
//! portable one) against an `f64` reference and against the batch GEMM, on shapes that reach
//! every column block (AVX2: 64, 32, 8 and the masked tail; AVX-512: passes of up to 256
//! columns, the last vector masked or not) and the summation chunks (256 inputs).

use ndarray::{Array1, Array2};
use nn_runtime::kernel::{
    CACHE_LINE, PaddedRows, SPLIT_WEIGHTS, matmul, simd_available, vec_mat, vec_mat_f32,
    vec_mat_f32_avx2, vec_mat_portable, vec_mat_strided,
};

const INPUTS: [usize; 7] = [1, 3, 16, 255, 256, 257, 600];
/// Below 48 the AVX2 kernel's blocks; from 48 the AVX-512 kernel's passes of 3 to 16
/// vectors, the last one full or masked.
const OUTPUTS: [usize; 25] = [
    1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 31, 32, 33, 63, 64, 65, 100, 128, 130, 177, 240, 255, 256, 257,
    300,
];

fn values(len: usize, seed: usize) -> Vec<f32> {
    (0..len)
        .map(|i| ((i * 7919 + seed * 104_729) % 2003) as f32 / 1001.5 - 1.0)
        .collect()
}

/// `x · w + bias` in `f64`, and `Σ|x_i w_ij| + |b_j|` (the scale of the rounding error).
fn reference(x: &[f32], w: &[f32], bias: &[f32]) -> (Vec<f64>, Vec<f64>) {
    let n = bias.len();
    let mut exact = vec![0.0; n];
    let mut scale = vec![0.0; n];
    for j in 0..n {
        exact[j] = f64::from(bias[j]);
        scale[j] = f64::from(bias[j]).abs();
        for (i, &xi) in x.iter().enumerate() {
            let term = f64::from(xi) * f64::from(w[i * n + j]);
            exact[j] += term;
            scale[j] += term.abs();
        }
    }
    (exact, scale)
}

fn check_against_reference(name: &str, got: &[f32], x: &[f32], w: &[f32], bias: &[f32]) {
    let (exact, scale) = reference(x, w, bias);
    let bound = |j: usize| (x.len() as f64 + 2.0) * f64::from(f32::EPSILON) * scale[j];
    for j in 0..bias.len() {
        let error = (f64::from(got[j]) - exact[j]).abs();
        assert!(
            error <= bound(j),
            "{name} {}x{}, output {j}: {} vs {} (error {error:e} > {:e})",
            x.len(),
            bias.len(),
            got[j],
            exact[j],
            bound(j)
        );
    }
}

#[test]
fn every_kernel_matches_the_f64_reference_on_every_block_shape() {
    for &k in &INPUTS {
        for &n in &OUTPUTS {
            let x = values(k, 1);
            let w = values(k * n, 2);
            let bias = values(n, 3);
            let mut out = vec![f32::NAN; n];
            vec_mat_f32(&x, &w, Some(&bias), &mut out);
            check_against_reference("vec_mat_f32", &out, &x, &w, &bias);
            vec_mat_portable(&x, &w, Some(&bias), &mut out);
            check_against_reference("vec_mat_portable", &out, &x, &w, &bias);
            vec_mat_f32_avx2(&x, &w, Some(&bias), &mut out);
            check_against_reference("vec_mat_f32_avx2", &out, &x, &w, &bias);
            let zeros = vec![0.0; n];
            let mut unbiased = vec![f32::NAN; n];
            vec_mat(&x, &w, None, &mut unbiased);
            check_against_reference("vec_mat without bias", &unbiased, &x, &w, &zeros);
        }
    }
}

/// The AVX2/FMA kernel adds in nn-gemm's order, with fused multiply-adds as nn-gemm's AVX2
/// kernel, so it gives the batch GEMM's results bit for bit (this exercises the `unsafe`
/// kernel on every block shape; on other processors it checks the portable fallback the same
/// way against the f64 reference only, above).
#[test]
fn the_simd_kernel_equals_the_batch_gemm_bit_for_bit() {
    if !simd_available() {
        eprintln!("no AVX2/FMA on this processor: the SIMD kernel is not run");
        return;
    }
    for &k in &INPUTS {
        for &n in &OUTPUTS {
            let x = values(k, 4);
            let w = values(k * n, 5);
            let bias = values(n, 6);
            let mut out = vec![f32::NAN; n];
            vec_mat_f32(&x, &w, Some(&bias), &mut out);
            let mut avx2 = vec![f32::NAN; n];
            vec_mat_f32_avx2(&x, &w, Some(&bias), &mut avx2);
            let xs = Array2::from_shape_vec((1, k), x).unwrap();
            let ws = Array2::from_shape_vec((k, n), w).unwrap();
            let mut z = Array2::zeros((1, n));
            matmul(xs.view(), ws.view(), z.view_mut());
            let expected = &z.row(0) + &Array1::from(bias);
            assert_eq!(out, expected.to_vec(), "{k}x{n}");
            assert_eq!(avx2, expected.to_vec(), "{k}x{n}, the AVX2 kernel");
        }
    }
}

/// Wide layers (`SPLIT_WEIGHTS` weights or more) are split by columns over nn-gemm's pool;
/// each block sums in the same order, so the split changes no bit either (on one core this
/// runs the unsplit kernel and checks the same equality).
#[test]
fn wide_layers_split_over_threads_still_equal_the_batch_gemm_bit_for_bit() {
    if !simd_available() {
        eprintln!("no AVX2/FMA on this processor: the SIMD kernel is not run");
        return;
    }
    for &(k, n) in &[(784, 300), (256, 256), (300, 1000), (219, 300), (505, 130)] {
        assert!(k * n >= SPLIT_WEIGHTS, "{k}x{n} is below the split");
        let x = values(k, 7);
        let w = values(k * n, 8);
        let bias = values(n, 9);
        let xs = Array2::from_shape_vec((1, k), x.clone()).unwrap();
        let ws = Array2::from_shape_vec((k, n), w.clone()).unwrap();
        let mut z = Array2::zeros((1, n));
        matmul(xs.view(), ws.view(), z.view_mut());
        let expected = (&z.row(0) + &Array1::from(bias.clone())).to_vec();
        // Back to back (the pool's threads awake) and repeatedly, so a block lost or written
        // twice by the hand-over would show.
        for _ in 0..50 {
            let mut out = vec![f32::NAN; n];
            vec_mat_f32(&x, &w, Some(&bias), &mut out);
            assert_eq!(out, expected, "{k}x{n}");
        }
    }
}

/// The one-sample path reads a dense kernel through a [`PaddedRows`] copy (every row on a
/// cache line): the padding must change no bit, on every block shape, on layers split over
/// threads, and in `f64`.
#[test]
fn padded_rows_give_the_unpadded_kernels_results_bit_for_bit() {
    let shapes = INPUTS
        .iter()
        .flat_map(|&k| OUTPUTS.iter().map(move |&n| (k, n)))
        .chain([(784, 300), (300, 100), (505, 130)]);
    for (k, n) in shapes {
        let x = values(k, 10);
        let w = values(k * n, 11);
        let bias = values(n, 12);
        let padded = PaddedRows::new(ndarray::ArrayView2::from_shape((k, n), &w).unwrap());
        let stride = padded.stride();
        assert!(
            stride >= n && stride % (CACHE_LINE / 4) == 0,
            "{k}x{n}: stride {stride}"
        );
        assert_eq!(
            padded.as_slice().as_ptr() as usize % CACHE_LINE,
            0,
            "{k}x{n}"
        );
        assert_eq!(padded.clone().as_slice().as_ptr() as usize % CACHE_LINE, 0);
        assert_eq!((padded.rows(), padded.cols()), (k, n));
        let mut plain = vec![f32::NAN; n];
        vec_mat(&x, &w, Some(&bias), &mut plain);
        for _ in 0..3 {
            let mut strided = vec![f32::NAN; n];
            vec_mat_strided(&x, padded.as_slice(), stride, Some(&bias), &mut strided);
            assert_eq!(strided, plain, "{k}x{n}");
        }
        let mut unbiased = vec![f32::NAN; n];
        vec_mat_strided(&x, padded.as_slice(), stride, None, &mut unbiased);
        let zeros = vec![0.0; n];
        check_against_reference("padded, no bias", &unbiased, &x, &w, &zeros);
    }
    let w64: Vec<f64> = values(5 * 3, 13).into_iter().map(f64::from).collect();
    let padded = PaddedRows::new(ndarray::ArrayView2::from_shape((5, 3), &w64).unwrap());
    assert_eq!(padded.stride(), CACHE_LINE / 8);
    let x64 = [0.5f64, -1.0, 2.0, 0.25, -0.75];
    let (mut plain, mut strided) = ([0.0f64; 3], [0.0f64; 3]);
    vec_mat(&x64, &w64, None, &mut plain);
    vec_mat_strided(&x64, padded.as_slice(), padded.stride(), None, &mut strided);
    assert_eq!(plain, strided);
}

#[test]
#[should_panic(expected = "more outputs than the stride")]
fn more_outputs_than_the_stride_panics() {
    let mut out = [0.0f32; 3];
    vec_mat_strided(&[1.0f32, 2.0], &[0.0; 4], 2, None, &mut out);
}

#[test]
fn f64_runs_the_portable_kernel() {
    let (x, w) = ([1.0f64, -2.0, 0.5], [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let mut out = [0.0; 2];
    vec_mat(&x, &w, Some(&[0.25, -0.25]), &mut out);
    assert_eq!(out, [1.0 - 6.0 + 2.5 + 0.25, 2.0 - 8.0 + 3.0 - 0.25]);
}

#[test]
#[should_panic(expected = "inputs x stride")]
fn a_kernel_of_the_wrong_size_panics() {
    let mut out = [0.0f32; 3];
    vec_mat(&[1.0f32, 2.0], &[0.0; 5], None, &mut out);
}
