//! Interleaving 12 rows of `f32` into a packed sliver with AVX2 shuffles: 8 columns at a
//! time, an 8 x 8 transpose for the first 8 rows and a 4 x 8 one for the last 4, instead of
//! one scalar load and store per element.

/// `dst[p · 12 + r] = rows[r][p]` for `p < dst.len() / 12`, with AVX2 when the processor has
/// it; `false` (and nothing written) without.
///
/// # Panics
/// If `dst.len()` is not a multiple of 12 or a row is shorter than `dst.len() / 12`.
pub fn interleave_12_f32(rows: &[&[f32]; 12], dst: &mut [f32]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        assert!(dst.len().is_multiple_of(12), "interleave: whole columns");
        let depth = dst.len() / 12;
        let rows = rows.map(|row| &row[..depth]);
        // SAFETY: the processor has AVX2, and every row holds `depth` values for the
        // `depth · 12` of `dst` (checked above), the lengths `avx2::interleave` requires.
        unsafe { avx2::interleave(&rows, dst, depth) };
        return true;
    }
    let _ = (rows, dst);
    false
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m256, _mm_storeu_ps, _mm256_castps256_ps128, _mm256_extractf128_ps, _mm256_loadu_ps,
        _mm256_permute2f128_ps, _mm256_shuffle_ps, _mm256_storeu_ps, _mm256_unpackhi_ps,
        _mm256_unpacklo_ps,
    };

    /// Columns `p`'s rows `r0 .. r0 + 4` for the four registers' columns `p .. p + 8`:
    /// `[column p, column p + 4]`, `[p + 1, p + 5]`, `[p + 2, p + 6]`, `[p + 3, p + 7]`, each
    /// half four rows.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn quads(r: [__m256; 4]) -> [__m256; 4] {
        let t0 = _mm256_unpacklo_ps(r[0], r[1]);
        let t1 = _mm256_unpackhi_ps(r[0], r[1]);
        let t2 = _mm256_unpacklo_ps(r[2], r[3]);
        let t3 = _mm256_unpackhi_ps(r[2], r[3]);
        [
            _mm256_shuffle_ps::<0x44>(t0, t2),
            _mm256_shuffle_ps::<0xEE>(t0, t2),
            _mm256_shuffle_ps::<0x44>(t1, t3),
            _mm256_shuffle_ps::<0xEE>(t1, t3),
        ]
    }

    /// # Safety
    /// The processor must support AVX2; every row has at least `depth` values and `dst`
    /// exactly `depth · 12`. The loads read `rows[r][p .. p + 8]` with `p + 8 <= depth`; the
    /// stores write `dst[(p + j) · 12 ..][.. 12]` with `p + j < depth`; the scalar tail
    /// indexes with bounds checks.
    #[target_feature(enable = "avx2")]
    pub unsafe fn interleave(rows: &[&[f32]; 12], dst: &mut [f32], depth: usize) {
        let out = dst.as_mut_ptr();
        let mut p = 0;
        while p + 8 <= depth {
            // SAFETY: `p + 8 <= depth <= rows[r].len()`, so each load reads 8 values of a row;
            // each store writes within `dst[(p + j) * 12 .. (p + j) * 12 + 12]`, `p + j <
            // depth`, inside `dst` (the caller's guarantee).
            unsafe {
                let load = |r: usize| _mm256_loadu_ps(rows[r].as_ptr().add(p));
                let upper = quads([load(0), load(1), load(2), load(3)]);
                let lower = quads([load(4), load(5), load(6), load(7)]);
                let last = quads([load(8), load(9), load(10), load(11)]);
                for j in 0..4 {
                    // Column p + j: rows 0-3 in `upper[j]`'s low half, 4-7 in `lower[j]`'s.
                    let front = _mm256_permute2f128_ps::<0x20>(upper[j], lower[j]);
                    let back = _mm256_permute2f128_ps::<0x31>(upper[j], lower[j]);
                    _mm256_storeu_ps(out.add((p + j) * 12), front);
                    _mm256_storeu_ps(out.add((p + j + 4) * 12), back);
                    _mm_storeu_ps(out.add((p + j) * 12 + 8), _mm256_castps256_ps128(last[j]));
                    _mm_storeu_ps(
                        out.add((p + j + 4) * 12 + 8),
                        _mm256_extractf128_ps::<1>(last[j]),
                    );
                }
            }
            p += 8;
        }
        for p in p..depth {
            for (r, row) in rows.iter().enumerate() {
                dst[p * 12 + r] = row[p];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::interleave_12_f32;

    #[test]
    fn interleaving_puts_each_value_at_its_column_and_row() {
        for depth in [0, 1, 7, 8, 9, 16, 23, 256] {
            let data: Vec<Vec<f32>> = (0..12)
                .map(|r| (0..depth + 3).map(|p| (r * 1000 + p) as f32).collect())
                .collect();
            let rows: [&[f32]; 12] = std::array::from_fn(|r| data[r].as_slice());
            let mut dst = vec![f32::NAN; depth * 12];
            if !interleave_12_f32(&rows, &mut dst) {
                eprintln!("no AVX2: nothing to check");
                return;
            }
            for p in 0..depth {
                for r in 0..12 {
                    assert_eq!(dst[p * 12 + r], data[r][p], "depth {depth}, [{p}, {r}]");
                }
            }
        }
    }
}
