//! Lock wrappers that count every acquisition in the caller's [`OpCtx`].
//!
//! The designs use these instead of the runtime's raw locks, so a test can
//! assert, for example, that design B's get takes no lock while design A's
//! takes one read lock.

use crate::ctx::{LockClass, OpCtx};
use crate::runtime::{MutexApi, Runtime, RwLockApi};

/// A runtime mutex of a known lock class.
pub struct Mutex<R: Runtime, T: Send + 'static> {
    class: LockClass,
    inner: R::Mutex<T>,
}

impl<R: Runtime, T: Send + 'static> Mutex<R, T> {
    pub fn new(class: LockClass, value: T) -> Self {
        Mutex { class, inner: R::Mutex::new(value) }
    }

    /// Takes the lock and counts it for the current operation of `ctx`.
    pub fn lock(&self, ctx: &OpCtx) -> <R::Mutex<T> as MutexApi<T>>::Guard<'_> {
        ctx.count_lock(self.class);
        self.inner.lock()
    }
}

/// A runtime reader-writer lock, counted as [`LockClass::StoreRead`] and
/// [`LockClass::StoreWrite`].
pub struct RwLock<R: Runtime, T: Send + Sync + 'static> {
    inner: R::RwLock<T>,
}

impl<R: Runtime, T: Send + Sync + 'static> RwLock<R, T> {
    pub fn new(value: T) -> Self {
        RwLock { inner: R::RwLock::new(value) }
    }

    pub fn read(&self, ctx: &OpCtx) -> <R::RwLock<T> as RwLockApi<T>>::ReadGuard<'_> {
        ctx.count_lock(LockClass::StoreRead);
        self.inner.read()
    }

    pub fn write(&self, ctx: &OpCtx) -> <R::RwLock<T> as RwLockApi<T>>::WriteGuard<'_> {
        ctx.count_lock(LockClass::StoreWrite);
        self.inner.write()
    }
}
