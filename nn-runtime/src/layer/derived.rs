//! A value derived from a layer's parameters (a copy of a kernel laid out for inference), made
//! when first read and brought up to date when next read after a change, reusing its storage.

use std::sync::{Mutex, OnceLock, PoisonError};

/// A value derived from parameters: [`Derived::get`] makes it on the first read, and
/// [`Derived::invalidate`] (called under `&mut`, when the parameters change) sets it aside,
/// so that the next read refreshes it in place instead of making a new one.
///
/// So a change costs nothing (a training step between inferences does not pay for the copy;
/// only the next inference does, once), the value is never stale, and after the first read
/// nothing allocates. Reading is one atomic load once the value is up to date (a
/// [`OnceLock`]); only the refresh takes a lock, to take back the value set aside.
pub(super) struct Derived<C> {
    current: OnceLock<C>,
    /// The value [`Derived::invalidate`] set aside, whose storage the next read reuses.
    stale: Mutex<Option<C>>,
}

impl<C> Derived<C> {
    pub(super) fn new() -> Self {
        Self {
            current: OnceLock::new(),
            stale: Mutex::new(None),
        }
    }

    /// The value: up to date, made by `make` on the first read, and after a change the old
    /// value brought up to date by `refresh`.
    pub(super) fn get(&self, make: impl FnOnce() -> C, refresh: impl FnOnce(&mut C)) -> &C {
        self.current.get_or_init(|| {
            let stale = self
                .stale
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            match stale {
                Some(mut value) => {
                    refresh(&mut value);
                    value
                }
                None => make(),
            }
        })
    }

    /// Marks the value out of date (the parameters changed): set aside for the next read.
    pub(super) fn invalidate(&mut self) {
        if let Some(value) = self.current.take() {
            *self.stale.get_mut().unwrap_or_else(PoisonError::into_inner) = Some(value);
        }
    }

    /// Whether an up-to-date value exists.
    pub(super) fn is_current(&self) -> bool {
        self.current.get().is_some()
    }
}

impl<C: Clone> Clone for Derived<C> {
    /// The up-to-date value, if any; a value set aside is not cloned (the clone makes its own
    /// when read).
    fn clone(&self) -> Self {
        Self {
            current: self.current.clone(),
            stale: Mutex::new(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_refreshed_after_each_change_never_remade() {
        let mut derived = Derived::<Vec<u32>>::new();
        let (mut made, mut refreshed) = (0, 0);
        for source in 1..4 {
            for _ in 0..2 {
                let value = derived.get(
                    || {
                        made += 1;
                        vec![source]
                    },
                    |v| {
                        refreshed += 1;
                        v[0] = source;
                    },
                );
                assert_eq!(value, &vec![source], "source {source}");
            }
            derived.invalidate();
            assert!(!derived.is_current());
        }
        assert_eq!((made, refreshed), (1, 2));
        let copy = derived.clone();
        assert!(!copy.is_current());
    }
}
