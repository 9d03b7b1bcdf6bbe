//! The runtime primitives behave the same under std, loom and shuttle: a
//! condition-variable handoff and a reader-writer lock, checked by each
//! engine's own explorer.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use xattr_model::runtime::{AtomicUsizeApi, CondvarApi, JoinApi, MutexApi, Runtime, RwLockApi, StdRuntime};

/// One thread publishes a value under a mutex and signals; the other waits
/// for it. Returns what the waiter saw.
fn handoff<R: Runtime>() -> usize {
    let shared = Arc::new((R::Mutex::new(0usize), R::Condvar::new()));
    let producer = {
        let shared = Arc::clone(&shared);
        R::spawn(move || {
            *shared.0.lock() = 42;
            shared.1.notify_all();
        })
    };
    let mut guard = shared.0.lock();
    while *guard == 0 {
        guard = R::condvar_wait::<usize>(&shared.1, guard);
    }
    let seen = *guard;
    drop(guard);
    producer.join();
    seen
}

/// A writer and a reader on an rwlock plus a release/acquire flag.
fn rwlock_and_flag<R: Runtime>() {
    let shared = Arc::new((R::RwLock::new(0usize), R::AtomicUsize::new(0)));
    let writer = {
        let shared = Arc::clone(&shared);
        R::spawn(move || {
            *shared.0.write() = 7;
            shared.1.store(1, Ordering::Release);
        })
    };
    if shared.1.load(Ordering::Acquire) == 1 {
        assert_eq!(*shared.0.read(), 7);
    }
    writer.join();
    assert_eq!(*shared.0.read(), 7);
}

#[test]
fn condvar_handoff_on_std() {
    assert_eq!(handoff::<StdRuntime>(), 42);
}

#[test]
fn condvar_handoff_under_loom() {
    loom::model(|| assert_eq!(handoff::<xattr_model::runtime::LoomRuntime>(), 42));
}

#[test]
fn condvar_handoff_under_shuttle() {
    shuttle::check_pct(|| assert_eq!(handoff::<xattr_model::runtime::ShuttleRuntime>(), 42), 200, 3);
}

#[test]
fn rwlock_and_flag_on_all_runtimes() {
    rwlock_and_flag::<StdRuntime>();
    loom::model(rwlock_and_flag::<xattr_model::runtime::LoomRuntime>);
    shuttle::check_random(rwlock_and_flag::<xattr_model::runtime::ShuttleRuntime>, 200);
}
