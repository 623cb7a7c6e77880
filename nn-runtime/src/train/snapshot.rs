//! Copies of a network's tensors, taken and written back by early stopping and the guard.

use crate::{Float, TensorMut, TensorRef, Tensors};

/// Every tensor of a network (parameters and state), flattened in visit order; reused, so
/// taking a snapshot of the same network again allocates nothing.
#[derive(Debug, Clone, Default)]
pub(crate) struct Snapshot<T> {
    values: Vec<T>,
    taken: bool,
}

impl<T: Float> Snapshot<T> {
    /// Copies `network`'s tensors.
    pub fn take(&mut self, network: &(impl Tensors<T> + ?Sized)) {
        let values = &mut self.values;
        values.clear();
        network.visit_tensors(&mut |t: TensorRef<'_, T>| values.extend_from_slice(t.data));
        self.taken = true;
    }

    /// Whether a snapshot was taken.
    pub fn is_taken(&self) -> bool {
        self.taken
    }

    /// Writes the snapshot back into `network` (the network it was taken of).
    pub fn restore(&self, network: &mut (impl Tensors<T> + ?Sized)) {
        let mut offset = 0;
        network.visit_tensors_mut(&mut |t: TensorMut<'_, T>| {
            let end = offset + t.data.len();
            if let Some(values) = self.values.get(offset..end) {
                t.data.copy_from_slice(values);
            }
            offset = end;
        });
    }
}
