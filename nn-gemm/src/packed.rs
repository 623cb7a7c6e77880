//! A `B` operand packed once and reused by many products: the weights of a layer at inference,
//! which stay the same from call to call while [`gemm`](crate::gemm) would pack them again on
//! each (and, split by rows over threads, once on every thread).

use ndarray::{ArrayView2, s};

use crate::Element;
use crate::blocking::{KC, NC};
use crate::kernel::Kernel;
use crate::pack::{pack_b, packed_b_len};

/// A `k x n` matrix packed as [`gemm`](crate::gemm) packs its `B` operand: panels of 3072
/// columns, each cut into blocks of [`KC`] rows laid out in the kernel's column slivers.
/// [`gemm_packed`](crate::gemm_packed) multiplies by it without packing, and gives
/// [`gemm`](crate::gemm)'s results bit for bit.
///
/// The packing is that of the kernel [`gemm`](crate::gemm) picks for `T` on this processor
/// (its sliver widths), chosen when the matrix is packed.
///
/// ```
/// use ndarray::{array, Array2};
///
/// let weights = array![[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]];
/// let mut packed = nn_gemm::PackedB::new(weights.view());
/// let x = array![[1.0f32, -1.0]];
/// let (mut y, mut direct) = (Array2::zeros((1, 3)), Array2::zeros((1, 3)));
/// nn_gemm::gemm_packed(x.view(), &packed, y.view_mut());
/// nn_gemm::gemm(x.view(), weights.view(), direct.view_mut());
/// assert_eq!(y, direct);
///
/// packed.repack((&weights * 2.0).view()); // new values, same shape: no allocation
/// nn_gemm::gemm_packed(x.view(), &packed, y.view_mut());
/// assert_eq!(y, array![[-6.0, -6.0, -6.0]]);
/// ```
pub struct PackedB<T> {
    kernel: Kernel<T>,
    rows: usize,
    cols: usize,
    /// Every block, panel after panel and within a panel block after block of rows.
    data: Vec<T>,
}

impl<T: Element> PackedB<T> {
    /// Packs `b` (any strides).
    pub fn new(b: ArrayView2<'_, T>) -> Self {
        let (rows, cols) = b.dim();
        let mut packed = Self {
            kernel: T::kernel(),
            rows,
            cols,
            data: Vec::new(),
        };
        let len = packed.layout().map(|block| block.len).sum();
        packed.data = vec![T::default(); len];
        packed.repack(b);
        packed
    }

    /// Packs new values of the same shape in place (no allocation).
    ///
    /// # Panics
    /// If `b` is not `rows() x cols()`.
    pub fn repack(&mut self, b: ArrayView2<'_, T>) {
        assert_eq!(
            b.dim(),
            (self.rows, self.cols),
            "PackedB::repack: another shape"
        );
        let (nr, nr_tail) = (self.kernel.nr, self.kernel.nr_tail);
        let layout = self.layout();
        let mut rest = self.data.as_mut_slice();
        for Block {
            jc,
            nc,
            pc,
            kc,
            len,
        } in layout
        {
            let (block, tail) = rest.split_at_mut(len);
            rest = tail;
            pack_b(b.slice(s![pc..pc + kc, jc..jc + nc]), nr, nr_tail, block);
        }
    }

    /// Rows of the matrix (the product's shared dimension).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns of the matrix.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The kernel the matrix was packed for.
    pub(crate) fn kernel(&self) -> Kernel<T> {
        self.kernel
    }

    /// The packed blocks: `(first column, columns, first row, rows, values)`, panel after
    /// panel and within a panel from the first row down.
    pub(crate) fn blocks(&self) -> impl Iterator<Item = (usize, usize, usize, usize, &[T])> {
        let mut rest = self.data.as_slice();
        self.layout().map(
            move |Block {
                      jc,
                      nc,
                      pc,
                      kc,
                      len,
                  }| {
                let (block, tail) = rest.split_at(len);
                rest = tail;
                (jc, nc, pc, kc, block)
            },
        )
    }

    /// Where each packed block comes from and how long it is, in the order they are stored:
    /// panels of [`NC`] columns, each from the first row down in blocks of [`KC`] rows.
    fn layout(&self) -> impl Iterator<Item = Block> + use<T> {
        let (nr, nr_tail) = (self.kernel.nr, self.kernel.nr_tail);
        let (rows, cols) = (self.rows, self.cols);
        (0..cols)
            .step_by(NC)
            .flat_map(move |jc| (0..rows).step_by(KC).map(move |pc| (jc, pc)))
            .map(move |(jc, pc)| {
                let (nc, kc) = (NC.min(cols - jc), KC.min(rows - pc));
                let len = packed_b_len(nc, kc, nr, nr_tail);
                Block {
                    jc,
                    nc,
                    pc,
                    kc,
                    len,
                }
            })
    }
}

/// One packed block of a [`PackedB`]: columns `jc .. jc + nc`, rows `pc .. pc + kc`, `len`
/// packed values.
struct Block {
    jc: usize,
    nc: usize,
    pc: usize,
    kc: usize,
    len: usize,
}

impl<T> Clone for PackedB<T>
where
    T: Clone,
{
    fn clone(&self) -> Self {
        Self {
            kernel: self.kernel,
            rows: self.rows,
            cols: self.cols,
            data: self.data.clone(),
        }
    }
}

impl<T> std::fmt::Debug for PackedB<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackedB")
            .field("rows", &self.rows)
            .field("cols", &self.cols)
            .field("kernel", &self.kernel.name)
            .finish_non_exhaustive()
    }
}
