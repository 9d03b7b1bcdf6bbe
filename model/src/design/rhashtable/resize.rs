//! Incremental resize of design B's table: the deferred worker
//! (`rht_deferred_worker`), `rhashtable_rehash_table` and its helpers, the
//! forced rehash of the insert slow path (`rhashtable_insert_rehash`), and
//! the work item's life: scheduled, run, cancelled (lib/rhashtable.c).
//!
//! A resize attaches a new, empty array as `future_tbl` of the newest one.
//! From then on inserts go to the new array, while lookups and removes check
//! both. The worker then moves the old array bucket by bucket, each bucket
//! under its lock, tail entry first, by relinking the same node into the
//! new array (never by copying), so a reader standing on a node is carried
//! into a chain of the new array. When every bucket is moved it publishes
//! the new array as `ht->tbl` and retires the old one through `call_rcu`.
//!
//! The work item follows `schedule_work`: a request while the item is
//! pending does nothing, and a request while it runs makes it run once
//! more. With [`RehashWorker::Thread`] the first request spawns a worker
//! thread with [`Runtime::spawn`];
//! the thread runs the item until no request is pending and exits. It never
//! waits or spins for work. Threads are joined at teardown
//! (`simple_xattrs_free`, as `cancel_work_sync` does in
//! `rhashtable_free_and_destroy`) or when the program finishes
//! ([`Store::quiesce`](crate::store::Store::quiesce)).
//!
//! With the default [`RehashWorker::AtFinish`] no thread is spawned and the
//! pending work runs when the program finishes.
//!
//! Worker threads count against the run's thread budget
//! ([`Env::take_spare_thread`]); loom allows only 4 spawned threads. When
//! the budget is spent the request stays pending and runs when the program
//! finishes, which is a schedule the kernel allows too: a workqueue may run
//! work arbitrarily late. Worker contexts use thread number
//! `max_threads - 1`, past every program thread. Workers never enter an RCU
//! read-side section (they hold `ht->mutex` and bucket locks instead, as in
//! the kernel), so two stores' workers sharing the number is harmless; the
//! number only labels their events and reports.
//!
//! Thresholds (see [`Capacities`](crate::config::Capacities) for the sizes):
//! grow to twice the size above 75% full; shrink, with automatic shrinking,
//! below 30% full to `roundup_pow_of_two(nelems * 3 / 2)` but not below the
//! minimum; an insert that finds its chain at the elasticity limit or the
//! array over 100% full forces a rehash into a new array of the same size
//! (twice the size if above 75%) with a fresh seed.
//!
//! Limitations: `-ENOMEM` from a bucket array allocation is not modelled;
//! the kernel's walker list (`rhashtable_walk_stop` and `_start` across a
//! resize) is not needed because `simple_xattr_list` never stops a walk.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::arena::RawHandle;
use crate::config::RehashWorker;
use crate::ctx::OpCtx;
use crate::env::Env;
use crate::errno::Errno;
use crate::events::EventKind;
use crate::mutant::Mutant;
use crate::rcu::Rcu;
use crate::runtime::{AtomicUsizeApi, CondvarApi, MutexApi, Runtime};

use super::table::{grow_above_75, handle_of, is_nulls, shrink_below_30, shrink_target, BucketTable};
use super::Rhashtable;

/// The state of the table's one work item (`ht->run_work`).
#[derive(Debug, Default)]
pub struct WorkState {
    /// Requested and not yet started (the workqueue's PENDING bit).
    pending: bool,
    /// A worker thread, or the finishing program, is running the item.
    running: bool,
    /// `cancel_work_sync` has run: nothing is scheduled any more.
    cancelled: bool,
    /// Worker threads spawned and not yet exited.
    threads: usize,
}

/// The work item and the completion of the threads that ran it.
///
/// A thread is joined by waiting on `exited` until `WorkState::threads` is
/// 0. The runtime's join handle is not known to be `Send` in generic code,
/// so the store cannot keep it; the wait gives the same happens-before edge
/// from everything the worker did.
pub struct Work<R: Runtime> {
    /// A workqueue-internal lock, not a lock of the store, so it is the
    /// runtime's raw mutex and not counted per operation.
    state: R::Mutex<WorkState>,
    exited: R::Condvar,
}

impl<R: Runtime> Work<R> {
    pub fn new() -> Self {
        Work { state: R::Mutex::new(WorkState::default()), exited: R::Condvar::new() }
    }

    /// Waits until every worker thread has exited; returns the state locked.
    fn join_threads(&self) -> <R::Mutex<WorkState> as MutexApi<WorkState>>::Guard<'_> {
        let mut state = self.state.lock();
        while state.threads > 0 {
            state = R::condvar_wait(&self.exited, state);
        }
        state
    }
}

impl<R: Runtime> Default for Work<R> {
    fn default() -> Self {
        Self::new()
    }
}

/// The reason a run of the worker must be repeated.
#[derive(Debug)]
enum Retry {
    /// Another resize attached a future array first (`-EEXIST`); the
    /// pending rehash still runs.
    Exists,
    /// The new array already has a future array (`-EAGAIN`).
    Again,
}

impl<R: Runtime> Rhashtable<R> {
    /// `schedule_work(&ht->run_work)`.
    pub(super) fn schedule_work(self: &Arc<Self>, env: &Env<R>) {
        let mut state = self.work.state.lock();
        if state.pending || state.cancelled {
            return;
        }
        state.pending = true;
        if state.running {
            // The running worker reads the request before it exits.
            return;
        }
        if env.config.rehash_worker == RehashWorker::AtFinish {
            return;
        }
        let Some(shared_env) = env.shared() else { return };
        if !env.take_spare_thread() {
            // NOTE: with no thread left in the run's budget the request
            // waits until the program finishes, as if the workqueue ran it
            // late.
            return;
        }
        state.running = true;
        state.threads += 1;
        drop(state);

        let table = Arc::clone(self);
        // The handle is dropped: `join_threads` waits for the exit instead.
        let _detached = R::spawn(move || table.worker_thread(&shared_env));
    }

    /// Runs the item on a worker thread while it is requested, then exits.
    fn worker_thread(self: &Arc<Self>, env: &Env<R>) {
        let ctx = OpCtx::new(env.config.capacities.max_threads - 1);
        loop {
            let mut state = self.work.state.lock();
            if !state.pending || state.cancelled {
                // NOTE: under the std runtime a panic in the worker skips
                // this exit, and `join_threads` then waits forever; loom and
                // shuttle fail the execution at the panic instead.
                state.running = false;
                state.threads -= 1;
                self.work.exited.notify_all();
                return;
            }
            state.pending = false;
            drop(state);

            ctx.begin_op("rht_deferred_worker");
            env.events.record(&ctx, EventKind::OpBegin { text: "rht_deferred_worker".into() });
            self.rht_deferred_worker(env, &ctx);
            env.events.record(&ctx, EventKind::OpEnd { result: "0".into() });
        }
    }

    /// Joins every worker thread, then runs any request still pending on
    /// the caller's thread, until none is left. Called when the program's
    /// threads have finished.
    pub(super) fn quiesce(self: &Arc<Self>, env: &Env<R>, ctx: &OpCtx) {
        loop {
            let mut state = self.work.join_threads();
            if !state.pending || state.cancelled {
                return;
            }
            state.pending = false;
            state.running = true;
            drop(state);

            self.rht_deferred_worker(env, ctx);
            self.work.state.lock().running = false;
        }
    }

    /// `cancel_work_sync`: drops a pending request, waits for a running
    /// worker, and stops any later request from scheduling.
    pub(super) fn cancel_work_sync(&self) {
        let mut state = self.work.state.lock();
        state.cancelled = true;
        state.pending = false;
        drop(state);
        drop(self.work.join_threads());
    }

    /// `rht_deferred_worker`: grows, shrinks or finishes a forced rehash,
    /// under `ht->mutex`.
    fn rht_deferred_worker(self: &Arc<Self>, env: &Env<R>, ctx: &OpCtx) {
        let guard = self.mutex.lock(ctx);
        let caps = env.config.capacities;
        let newest = self.last_table(env, ctx);
        let table: &BucketTable<R> = env.arena.get(ctx, newest);
        // Relaxed: the count is a heuristic, read with atomic_read.
        let nelems = self.nelems.load(Ordering::Relaxed);

        let attached = if grow_above_75(nelems, table.size()) {
            self.rehash_alloc(env, ctx, newest, table.size() * 2)
        } else if shrink_below_30(nelems, table.size(), &caps) {
            self.rhashtable_shrink(env, ctx, nelems)
        } else {
            Ok(())
        };
        // As in current lib/rhashtable.c, `-EEXIST` still runs the pending
        // rehash and then reschedules. The older copy at 0026129c skipped
        // the rehash and only rescheduled; modelled that way, the worker
        // rescheduled itself endlessly once a forced rehash had attached
        // the future array.
        let result = match attached {
            Ok(()) => self.rehash_table(env, ctx),
            Err(Retry::Exists) => self.rehash_table(env, ctx).and(Err(Retry::Exists)),
            Err(retry) => Err(retry),
        };
        drop(guard);

        if result.is_err() {
            self.schedule_work(env);
        }
    }

    /// `rhashtable_last_table` from `ht->tbl`: the newest array. The caller
    /// holds `ht->mutex` or the RCU read lock.
    fn last_table(&self, env: &Env<R>, ctx: &OpCtx) -> RawHandle {
        let mut handle = handle_of(Rcu::<R>::rcu_dereference(&self.tbl));
        loop {
            let table: &BucketTable<R> = env.arena.get(ctx, handle);
            let future = Rcu::<R>::rcu_dereference(&table.future_tbl);
            if future == 0 {
                return handle;
            }
            handle = handle_of(future);
        }
    }

    /// `rhashtable_shrink`: attaches a smaller array if the current one is
    /// larger than the target.
    fn rhashtable_shrink(&self, env: &Env<R>, ctx: &OpCtx, nelems: usize) -> Result<(), Retry> {
        let current = handle_of(Rcu::<R>::rcu_dereference(&self.tbl));
        let table: &BucketTable<R> = env.arena.get(ctx, current);
        let size = shrink_target(nelems, &env.config.capacities);
        if table.size() <= size {
            return Ok(());
        }
        if Rcu::<R>::rcu_dereference(&table.future_tbl) != 0 {
            return Err(Retry::Exists);
        }
        self.rehash_alloc(env, ctx, current, size)
    }

    /// `rhashtable_rehash_alloc`: allocates an array of `size` buckets and
    /// attaches it to `old`.
    fn rehash_alloc(&self, env: &Env<R>, ctx: &OpCtx, old: RawHandle, size: usize) -> Result<(), Retry> {
        let new = self.alloc_table(env, ctx, size);
        if self.rehash_attach(env, ctx, old, new) {
            Ok(())
        } else {
            // Never published, so no grace period is needed.
            env.free_now(ctx, new);
            Err(Retry::Exists)
        }
    }

    /// `rhashtable_rehash_attach`: publishes `new` as `future_tbl` of
    /// `old` unless another resize did first. From this store on, inserts
    /// go to `new`.
    fn rehash_attach(&self, env: &Env<R>, ctx: &OpCtx, old: RawHandle, new: RawHandle) -> bool {
        let table: &BucketTable<R> = env.arena.get(ctx, old);
        // The lock of bucket 0 protects `future_tbl`.
        let guard = table.locks[0].lock(ctx);
        // Relaxed: under the bucket 0 lock, which every attach takes.
        if table.future_tbl.load(Ordering::Relaxed) != 0 {
            return false;
        }
        // Pairs with the acquire fence and load of `future_tbl` in lookups
        // and the list walk.
        Rcu::<R>::rcu_assign_pointer(&table.future_tbl, new.to_word());
        drop(guard);
        true
    }

    /// `rhashtable_rehash_table`: moves every bucket of `ht->tbl` to the
    /// newest array, publishes the next array as `ht->tbl` and retires the
    /// old one.
    fn rehash_table(&self, env: &Env<R>, ctx: &OpCtx) -> Result<(), Retry> {
        let old = handle_of(Rcu::<R>::rcu_dereference(&self.tbl));
        let old_table: &BucketTable<R> = env.arena.get(ctx, old);
        let next = Rcu::<R>::rcu_dereference(&old_table.future_tbl);
        if next == 0 {
            return Ok(());
        }

        for bucket in 0..old_table.size() {
            self.rehash_chain(env, ctx, old_table, bucket);
        }

        // Publishes the new array; pairs with the acquire in every
        // `rcu_dereference(ht->tbl)`.
        Rcu::<R>::rcu_assign_pointer(&self.tbl, next);
        if env.config.has(Mutant::FreeTableWithoutGracePeriod) {
            env.free_now(ctx, old);
        } else {
            // Readers may still walk the old array: free it after a grace
            // period.
            env.call_rcu_free(ctx, old);
        }

        let next_table: &BucketTable<R> = env.arena.get(ctx, handle_of(next));
        match Rcu::<R>::rcu_dereference(&next_table.future_tbl) {
            0 => Ok(()),
            _ => Err(Retry::Again),
        }
    }

    /// `rhashtable_rehash_chain`: moves every entry of one bucket, then
    /// marks the bucket moved, all under its lock.
    fn rehash_chain(&self, env: &Env<R>, ctx: &OpCtx, old: &BucketTable<R>, bucket: usize) {
        let guard = old.locks[bucket].lock(ctx);
        while self.rehash_one(env, ctx, old, bucket) {}
        // Relaxed: read only under this bucket's lock (`try_insert`).
        let moved = old.rehash.load(Ordering::Relaxed);
        old.rehash.store(moved + 1, Ordering::Relaxed);
        drop(guard);
    }

    /// `rhashtable_rehash_one`: moves the tail entry of `bucket` to the
    /// newest array; false when the chain is empty. The caller holds the
    /// old bucket's lock.
    fn rehash_one(&self, env: &Env<R>, ctx: &OpCtx, old: &BucketTable<R>, bucket: usize) -> bool {
        // Find the tail entry and the link that points at it.
        // Relaxed: every load here is under the old bucket's lock.
        let mut pprev = &old.buckets[bucket];
        let mut word = pprev.load(Ordering::Relaxed);
        if is_nulls(word) {
            return false;
        }
        let entry = loop {
            let entry = env.entry(ctx, handle_of(word));
            let next = entry.link().load(Ordering::Relaxed);
            if is_nulls(next) {
                break entry;
            }
            pprev = entry.link();
            word = next;
        };
        // Relaxed: under the old bucket's lock.
        let old_marker = entry.link().load(Ordering::Relaxed);

        let newest = self.last_table(env, ctx);
        let new: &BucketTable<R> = env.arena.get(ctx, newest);
        let name = entry.name();
        let new_bucket = new.bucket_of(&name);
        let guard = new.locks[new_bucket].lock(ctx);
        // Relaxed: under the new bucket's lock.
        let head = new.buckets[new_bucket].load(Ordering::Relaxed);

        let moved = if env.config.has(Mutant::RehashCopiesEntries) {
            self.copy_entry(env, ctx, entry.handle(), &name)
        } else {
            entry.handle()
        };
        // Release where the kernel uses RCU_INIT_POINTER: a reader carried
        // through this link must see the new chain it leads to. Pairs with
        // the acquire in `next_word`.
        Rcu::<R>::rcu_assign_pointer(env.entry(ctx, moved).link(), head);
        Rcu::<R>::rcu_assign_pointer(&new.buckets[new_bucket], moved.to_word());
        drop(guard);

        // Unlink from the old chain; the old chain keeps its own marker.
        Rcu::<R>::rcu_assign_pointer(pprev, old_marker);
        if moved != entry.handle() {
            env.call_rcu_free(ctx, entry.handle());
        }
        true
    }

    /// Allocates a copy of the entry for the new array (the broken move).
    fn copy_entry(&self, env: &Env<R>, ctx: &OpCtx, original: RawHandle, name: &str) -> RawHandle {
        let value = env.entry(ctx, original).value();
        match env.simple_xattr_alloc(ctx, name, &value) {
            Ok(copy) => copy,
            // An injected allocation failure falls back to relinking.
            Err(_) => original,
        }
    }

    /// `rhashtable_insert_rehash`: the forced rehash of an insert that found
    /// its chain too long or `table` over 100% full. `Ok` means retry.
    pub(super) fn insert_rehash(self: &Arc<Self>, env: &Env<R>, ctx: &OpCtx, target: RawHandle) -> Result<(), Errno> {
        let current = Rcu::<R>::rcu_dereference(&self.tbl);
        let table: &BucketTable<R> = env.arena.get(ctx, target);
        // Relaxed: the count is a heuristic.
        let nelems = self.nelems.load(Ordering::Relaxed);
        let mut size = table.size();

        if grow_above_75(nelems, size) {
            size *= 2;
        } else if current != target.to_word() {
            // Do not schedule more than one rehash.
            return match Rcu::<R>::rcu_dereference(&table.future_tbl) {
                0 => Err(Errno::EBUSY),
                _ => Ok(()),
            };
        }

        let new = self.alloc_table(env, ctx, size);
        if self.rehash_attach(env, ctx, target, new) {
            self.schedule_work(env);
        } else {
            // Someone else attached one first; never published.
            env.free_now(ctx, new);
        }
        Ok(())
    }
}
