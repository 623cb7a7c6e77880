//! `gemm_packed` (a `B` packed once, `PackedB`) against `gemm`, bit for bit: shapes across the
//! block sizes and the column panels, transposed operands, both directions of the threaded
//! split (columns crossing a panel boundary), repacking, and empty shapes.

use ndarray::{Array2, ArrayView2, ShapeBuilder};
use nn_gemm::{KC, PARALLEL_THRESHOLD, PackedB, gemm, gemm_packed};

/// Deterministic values in [-1, 1) without a random-number crate.
fn matrix(rows: usize, cols: usize, seed: u64) -> Array2<f32> {
    let mut state = seed
        .wrapping_mul(2862933555777941757)
        .wrapping_add(3037000493);
    Array2::from_shape_fn((rows, cols), |_| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    })
}

fn both(a: ArrayView2<'_, f32>, b: ArrayView2<'_, f32>) -> (Array2<f32>, Array2<f32>) {
    let (m, n) = (a.nrows(), b.ncols());
    let mut direct = Array2::from_elem((m, n), f32::NAN);
    gemm(a, b, direct.view_mut());
    let mut packed = Array2::from_elem((m, n), f32::NAN);
    gemm_packed(a, &PackedB::new(b), packed.view_mut());
    (direct, packed)
}

#[test]
fn equals_gemm_bit_for_bit_across_block_sizes() {
    for &m in &[1, 7, 12, 13, 40] {
        for &k in &[1, 255, KC, KC + 1, 600] {
            for &n in &[1, 15, 16, 17, 31, 32, 33, 100, 300] {
                let a = matrix(m, k, 1);
                let b = matrix(k, n, 2);
                let (direct, packed) = both(a.view(), b.view());
                assert_eq!(packed, direct, "{m} x {k} x {n}");
                // A column-major `B` (a transposed row-major matrix) packs the same.
                let bt = matrix(n, k, 3).reversed_axes();
                let (direct, packed) = both(a.view(), bt.view());
                assert_eq!(packed, direct, "{m} x {k} x {n}, B column-major");
            }
        }
    }
}

#[test]
fn equals_gemm_bit_for_bit_in_f64_and_past_a_column_panel() {
    // 3100 columns: two panels of NC = 3072 columns.
    let a = matrix(5, 300, 4).mapv(f64::from);
    let b = matrix(300, 3100, 5).mapv(f64::from);
    let mut direct = Array2::zeros((5, 3100));
    gemm(a.view(), b.view(), direct.view_mut());
    let mut packed = Array2::from_elem((5, 3100), f64::NAN);
    gemm_packed(a.view(), &PackedB::new(b.view()), packed.view_mut());
    assert_eq!(packed, direct);
}

/// Products above the threshold are split over the pool: by rows (every thread reads all of
/// the packed `B`) or by columns (each its slivers; the second part here starts inside the
/// first panel and crosses into the second). Repeated, so that a part lost or run twice would
/// show.
#[test]
fn the_threaded_split_equals_gemm_bit_for_bit_both_ways() {
    for &(m, k, n) in &[(256, 784, 300), (8, 784, 3100), (64, 300, 1000)] {
        assert!(
            m * k * n >= PARALLEL_THRESHOLD,
            "{m} x {k} x {n} is not split"
        );
        let a = matrix(m, k, 6);
        let b = matrix(k, n, 7);
        let packed = PackedB::new(b.view());
        let mut direct = Array2::zeros((m, n));
        gemm(a.view(), b.view(), direct.view_mut());
        for _ in 0..20 {
            let mut c = Array2::from_elem((m, n), f32::NAN);
            gemm_packed(a.view(), &packed, c.view_mut());
            assert_eq!(c, direct, "{m} x {k} x {n}");
        }
        // Into a column-major `C` too.
        let mut c = Array2::from_elem((m, n).f(), f32::NAN);
        gemm_packed(a.view(), &packed, c.view_mut());
        assert_eq!(c, direct, "{m} x {k} x {n}, C column-major");
    }
}

#[test]
fn repacking_in_place_gives_the_new_products() {
    let a = matrix(20, 300, 8);
    let mut packed = PackedB::new(matrix(300, 100, 9).view());
    let b = matrix(300, 100, 10);
    packed.repack(b.view());
    let mut direct = Array2::zeros((20, 100));
    gemm(a.view(), b.view(), direct.view_mut());
    let mut c = Array2::zeros((20, 100));
    gemm_packed(a.view(), &packed, c.view_mut());
    assert_eq!(c, direct);
    assert_eq!((packed.rows(), packed.cols()), (300, 100));
}

#[test]
fn an_empty_shared_dimension_gives_zeros_and_empty_results_are_fine() {
    let packed = PackedB::new(Array2::<f32>::zeros((0, 4)).view());
    let mut c = Array2::from_elem((3, 4), f32::NAN);
    gemm_packed(Array2::zeros((3, 0)).view(), &packed, c.view_mut());
    assert_eq!(c, Array2::zeros((3, 4)));
    let packed = PackedB::new(matrix(5, 4, 11).view());
    let mut empty = Array2::zeros((0, 4));
    gemm_packed(Array2::zeros((0, 5)).view(), &packed, empty.view_mut());
}

#[test]
#[should_panic(expected = "another shape")]
fn repacking_another_shape_panics() {
    let mut packed = PackedB::new(matrix(3, 4, 12).view());
    packed.repack(matrix(4, 3, 13).view());
}

#[test]
#[should_panic(expected = "but b has 4 rows")]
fn a_mismatched_shared_dimension_panics() {
    let packed = PackedB::new(matrix(4, 3, 14).view());
    let mut c = Array2::zeros((2, 3));
    gemm_packed(matrix(2, 5, 15).view(), &packed, c.view_mut());
}
