//! The runtime abstraction: one set of primitives, three implementations.
//!
//! Every store design is generic over [`Runtime`], whose associated types are
//! the mutex, reader-writer lock, condition variable, atomics, tracked cell and
//! threads of one execution engine:
//!
//! - [`StdRuntime`]: real threads from `std`, used for benchmarks;
//! - `LoomRuntime`: loom's exhaustive explorer with the C11 memory model;
//! - `ShuttleRuntime`: shuttle's random, PCT and DFS schedulers, which run
//!   every access sequentially consistent.
//!
//! The runtime is a type parameter chosen at run time by the caller (the CLI
//! matches on a name), so one binary runs all three and no `--cfg loom`
//! rebuild is needed.
//!
//! Invariants the implementations keep:
//! - every primitive is created inside the checked closure (loom panics
//!   otherwise, and shuttle silently shares state between iterations);
//! - a panic in a spawned thread fails the whole execution under loom and
//!   shuttle, so models never rely on `join` returning an error.
//!
//! Lock acquisitions are counted per operation by the wrappers in
//! [`crate::sync`], not here, so every runtime counts the same way.

mod std_rt;
#[cfg(feature = "loom")]
mod loom_rt;
#[cfg(feature = "shuttle")]
mod shuttle_rt;

use std::ops::{Deref, DerefMut};
use std::sync::atomic::Ordering;

pub use std_rt::StdRuntime;
#[cfg(feature = "loom")]
pub use loom_rt::LoomRuntime;
#[cfg(feature = "shuttle")]
pub use shuttle_rt::ShuttleRuntime;

use crate::config::Capacities;

/// A word-sized atomic integer of the runtime.
pub trait AtomicUsizeApi: Send + Sync + 'static {
    fn new(value: usize) -> Self;
    fn load(&self, order: Ordering) -> usize;
    fn store(&self, value: usize, order: Ordering);
    fn fetch_add(&self, value: usize, order: Ordering) -> usize;
    fn fetch_sub(&self, value: usize, order: Ordering) -> usize;
    fn compare_exchange(
        &self,
        current: usize,
        new: usize,
        success: Ordering,
        failure: Ordering,
    ) -> Result<usize, usize>;
}

/// A mutual-exclusion lock of the runtime.
pub trait MutexApi<T>: Send + Sync + 'static {
    type Guard<'a>: DerefMut<Target = T>
    where
        Self: 'a;
    fn new(value: T) -> Self;
    fn lock(&self) -> Self::Guard<'_>;
}

/// A reader-writer lock of the runtime.
pub trait RwLockApi<T>: Send + Sync + 'static {
    type ReadGuard<'a>: Deref<Target = T>
    where
        Self: 'a;
    type WriteGuard<'a>: DerefMut<Target = T>
    where
        Self: 'a;
    fn new(value: T) -> Self;
    fn read(&self) -> Self::ReadGuard<'_>;
    fn write(&self) -> Self::WriteGuard<'_>;
}

/// A condition variable of the runtime; waiting goes through
/// [`Runtime::condvar_wait`] because it needs the runtime's mutex guard.
pub trait CondvarApi: Send + Sync + 'static {
    fn new() -> Self;
    fn notify_one(&self);
    fn notify_all(&self);
}

/// A cell for plain (non-atomic) data whose accesses the runtime can check.
///
/// Under loom this is `loom::cell::UnsafeCell`: creating the cell counts as a
/// write, so a thread that reads it without a happens-before edge from the
/// creating thread makes loom report a causality violation. The models only
/// write cells when they create them, so the cells here are read-only
/// afterwards.
pub trait TrackedCellApi<T>: Send + Sync + 'static {
    fn new(value: T) -> Self;
    fn with<U>(&self, f: impl FnOnce(&T) -> U) -> U;
}

/// The handle of a spawned thread.
pub trait JoinApi<T> {
    fn join(self) -> T;
}

/// An execution engine: real threads, loom or shuttle.
pub trait Runtime: Sized + Send + Sync + 'static {
    /// The name used on the command line and in replay tokens.
    const NAME: &'static str;

    type AtomicUsize: AtomicUsizeApi;
    type Mutex<T: Send + 'static>: MutexApi<T>;
    type RwLock<T: Send + Sync + 'static>: RwLockApi<T>;
    type Condvar: CondvarApi;
    type Cell<T: Send + Sync + 'static>: TrackedCellApi<T>;
    type JoinHandle<T: Send + 'static>: JoinApi<T>;

    /// A memory fence of the runtime's memory model.
    fn fence(order: Ordering);

    /// Blocks on `condvar`, releasing and reacquiring the mutex of `guard`.
    fn condvar_wait<'a, T: Send + 'static>(
        condvar: &Self::Condvar,
        guard: <Self::Mutex<T> as MutexApi<T>>::Guard<'a>,
    ) -> <Self::Mutex<T> as MutexApi<T>>::Guard<'a>;

    fn spawn<T, F>(f: F) -> Self::JoinHandle<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static;

    /// Lets other threads run; spin loops call it on every iteration.
    fn yield_now();

    /// Table sizes and limits to use under this runtime (see
    /// [`Capacities`] for the production values beside the shrunk ones).
    fn capacities() -> Capacities;
}

/// Implements the primitive traits for one runtime's `sync` module. The std,
/// loom and shuttle modules share the same method names and signatures, so
/// one body serves all three.
macro_rules! impl_sync_primitives {
    ($sync:path) => {
        use std::sync::PoisonError;
        use $sync as rt_sync;

        impl $crate::runtime::AtomicUsizeApi for rt_sync::atomic::AtomicUsize {
            fn new(value: usize) -> Self {
                rt_sync::atomic::AtomicUsize::new(value)
            }
            fn load(&self, order: std::sync::atomic::Ordering) -> usize {
                rt_sync::atomic::AtomicUsize::load(self, order)
            }
            fn store(&self, value: usize, order: std::sync::atomic::Ordering) {
                rt_sync::atomic::AtomicUsize::store(self, value, order)
            }
            fn fetch_add(&self, value: usize, order: std::sync::atomic::Ordering) -> usize {
                rt_sync::atomic::AtomicUsize::fetch_add(self, value, order)
            }
            fn fetch_sub(&self, value: usize, order: std::sync::atomic::Ordering) -> usize {
                rt_sync::atomic::AtomicUsize::fetch_sub(self, value, order)
            }
            fn compare_exchange(
                &self,
                current: usize,
                new: usize,
                success: std::sync::atomic::Ordering,
                failure: std::sync::atomic::Ordering,
            ) -> Result<usize, usize> {
                rt_sync::atomic::AtomicUsize::compare_exchange(self, current, new, success, failure)
            }
        }

        impl<T: Send + 'static> $crate::runtime::MutexApi<T> for rt_sync::Mutex<T> {
            type Guard<'a> = rt_sync::MutexGuard<'a, T>;
            fn new(value: T) -> Self {
                rt_sync::Mutex::new(value)
            }
            fn lock(&self) -> Self::Guard<'_> {
                // A poisoned lock only means another thread panicked; the
                // explorer already reports that panic as the failure.
                rt_sync::Mutex::lock(self).unwrap_or_else(PoisonError::into_inner)
            }
        }

        impl<T: Send + Sync + 'static> $crate::runtime::RwLockApi<T> for rt_sync::RwLock<T> {
            type ReadGuard<'a> = rt_sync::RwLockReadGuard<'a, T>;
            type WriteGuard<'a> = rt_sync::RwLockWriteGuard<'a, T>;
            fn new(value: T) -> Self {
                rt_sync::RwLock::new(value)
            }
            fn read(&self) -> Self::ReadGuard<'_> {
                rt_sync::RwLock::read(self).unwrap_or_else(PoisonError::into_inner)
            }
            fn write(&self) -> Self::WriteGuard<'_> {
                rt_sync::RwLock::write(self).unwrap_or_else(PoisonError::into_inner)
            }
        }

        impl $crate::runtime::CondvarApi for rt_sync::Condvar {
            fn new() -> Self {
                rt_sync::Condvar::new()
            }
            fn notify_one(&self) {
                rt_sync::Condvar::notify_one(self)
            }
            fn notify_all(&self) {
                rt_sync::Condvar::notify_all(self)
            }
        }

        fn wait_on<'a, T>(
            condvar: &rt_sync::Condvar,
            guard: rt_sync::MutexGuard<'a, T>,
        ) -> rt_sync::MutexGuard<'a, T> {
            condvar.wait(guard).unwrap_or_else(PoisonError::into_inner)
        }
    };
}
pub(crate) use impl_sync_primitives;

/// Implements [`Runtime`] for one engine whose `thread` module mirrors std's.
macro_rules! impl_runtime {
    ($runtime:ty, $name:literal, $thread:path, $cell:ident, $capacities:expr) => {
        use $thread as rt_thread;

        impl<T: Send + 'static> $crate::runtime::JoinApi<T> for rt_thread::JoinHandle<T> {
            fn join(self) -> T {
                match rt_thread::JoinHandle::join(self) {
                    Ok(value) => value,
                    // Only the std runtime gets here: loom and shuttle fail
                    // the execution at the panic itself.
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
        }

        impl $crate::runtime::Runtime for $runtime {
            const NAME: &'static str = $name;

            type AtomicUsize = rt_sync::atomic::AtomicUsize;
            type Mutex<T: Send + 'static> = rt_sync::Mutex<T>;
            type RwLock<T: Send + Sync + 'static> = rt_sync::RwLock<T>;
            type Condvar = rt_sync::Condvar;
            type Cell<T: Send + Sync + 'static> = $cell<T>;
            type JoinHandle<T: Send + 'static> = rt_thread::JoinHandle<T>;

            fn fence(order: std::sync::atomic::Ordering) {
                rt_sync::atomic::fence(order)
            }

            fn condvar_wait<'a, T: Send + 'static>(
                condvar: &Self::Condvar,
                guard: <Self::Mutex<T> as $crate::runtime::MutexApi<T>>::Guard<'a>,
            ) -> <Self::Mutex<T> as $crate::runtime::MutexApi<T>>::Guard<'a> {
                wait_on(condvar, guard)
            }

            fn spawn<T, F>(f: F) -> Self::JoinHandle<T>
            where
                T: Send + 'static,
                F: FnOnce() -> T + Send + 'static,
            {
                rt_thread::spawn(f)
            }

            fn yield_now() {
                rt_thread::yield_now()
            }

            fn capacities() -> $crate::config::Capacities {
                $capacities
            }
        }
    };
}
pub(crate) use impl_runtime;

/// A cell for the runtimes that do not track plain accesses (std and
/// shuttle). Values are written only at creation, and the arena publishes
/// each object with its own release store, so reads need no lock.
#[derive(Debug)]
pub struct PlainCell<T>(T);

impl<T: Send + Sync + 'static> TrackedCellApi<T> for PlainCell<T> {
    fn new(value: T) -> Self {
        PlainCell(value)
    }
    fn with<U>(&self, f: impl FnOnce(&T) -> U) -> U {
        f(&self.0)
    }
}
