//! The loom runtime: loom's primitives under its C11 memory model, explored
//! exhaustively up to a preemption bound.
//!
//! Plain data lives in `loom::cell::UnsafeCell`, so loom reports a read that
//! is not ordered after the write that created the value.

use crate::config::Capacities;
use crate::runtime::TrackedCellApi;

/// loom's threads, `loom::sync` primitives and `loom::cell::UnsafeCell`.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoomRuntime;

/// A loom-tracked cell that is written once, when it is created.
#[derive(Debug)]
pub struct LoomCell<T> {
    value: loom::cell::UnsafeCell<T>,
}

// SAFETY: the value is only read through shared references after creation
// (there is no `with_mut`), and loom checks that every read is ordered after
// the creating write, so sharing the cell between threads is sound.
unsafe impl<T: Send + Sync> Sync for LoomCell<T> {}

impl<T: Send + Sync + 'static> TrackedCellApi<T> for LoomCell<T> {
    fn new(value: T) -> Self {
        LoomCell { value: loom::cell::UnsafeCell::new(value) }
    }
    fn with<U>(&self, f: impl FnOnce(&T) -> U) -> U {
        // SAFETY: nothing ever writes the cell after `new`, so no mutable
        // reference can exist while this shared one does.
        self.value.with(|ptr| f(unsafe { &*ptr }))
    }
}

crate::runtime::impl_sync_primitives!(loom::sync);
crate::runtime::impl_runtime!(LoomRuntime, "loom", loom::thread, LoomCell, Capacities::explorer());
