//! Lookups and the writer operations of design B's table:
//! `__rhashtable_lookup`, `rhashtable_insert_fast` with its slow path,
//! `rhashtable_remove_fast` and `rhashtable_replace_fast`
//! (include/linux/rhashtable.h, lib/rhashtable.c).
//!
//! A lookup runs under RCU with no lock. It hashes the name into the
//! current array, walks that chain, and restarts the same chain when the
//! walk ends on another chain's nulls marker, because a concurrent move
//! carried it away (commit 82208d0d54ab). Then, after a read barrier, it
//! reads `future_tbl` and repeats the search in each newer array, so an
//! entry that stayed in the table for the whole lookup is found even if the
//! deferred worker moved it meanwhile.
//!
//! Inserts go to the newest array. Remove and replace search the arrays
//! from the current one forward under each bucket's lock; once a bucket
//! lock of an older array has been taken and released, a `future_tbl` that
//! is still unset proves the entry was not moved.
//!
//! Invariants: a chain is changed only under its bucket lock; an entry is
//! linked into at most one chain at a time; `nelems` counts linked entries.
//!
//! Limitations: the insert fast path and slow path are one loop here (the
//! slow path with no future array behaves as the fast path). Every insert
//! reaches the `rhashtable_insert_slow` fault point, which stands for any
//! allocation or `-EBUSY` failure of an insert.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::arena::RawHandle;
use crate::ctx::OpCtx;
use crate::env::Env;
use crate::errno::Errno;
use crate::fault::FaultPoint;
use crate::mutant::Mutant;
use crate::rcu::Rcu;
use crate::runtime::{AtomicUsizeApi, Runtime};

use super::table::{grow_above_100, grow_above_75, handle_of, is_nulls, shrink_below_30, BucketTable, TableRef};
use super::Rhashtable;

/// The reason one insert attempt did not link the entry.
enum InsertError {
    /// `-EAGAIN`: the chain is too long or the array too full; a forced
    /// rehash was requested and the insert must be retried.
    Again,
    Failed(Errno),
}

impl<R: Runtime> Rhashtable<R> {
    /// `rhashtable_lookup`: the caller holds the RCU read lock.
    pub(super) fn lookup(&self, env: &Env<R>, ctx: &OpCtx, name: &str) -> Option<RawHandle> {
        let mut word = Rcu::<R>::rcu_dereference(&self.tbl);
        loop {
            let table = TableRef::new(env, ctx, word);
            if let Some(found) = self.lookup_in(env, ctx, &table, name) {
                return Some(found);
            }
            if env.config.has(Mutant::LookupOldTableOnly) {
                return None;
            }

            // smp_rmb: the chain loads above come before the load of
            // `future_tbl`, so a move this lookup observed implies it sees
            // the array the entry moved to. Pairs with the release of
            // `future_tbl` in `rehash_attach`.
            R::fence(Ordering::Acquire);
            word = table.future();
            if word == 0 {
                return None;
            }
        }
    }

    /// Searches one array's chain for `name`, restarting the chain when the
    /// walk ends on a foreign nulls marker.
    fn lookup_in(&self, env: &Env<R>, ctx: &OpCtx, table: &TableRef<'_, R>, name: &str) -> Option<RawHandle> {
        let bucket = table.bucket_of(name);
        let own_marker = table.marker(bucket);
        'restart: loop {
            let mut word = table.head(bucket);
            while !is_nulls(word) {
                let entry = env.entry(ctx, handle_of(word));
                if entry.name_is(name) {
                    return Some(entry.handle());
                }
                word = entry.next_word();
            }
            if word != own_marker && !env.config.has(Mutant::NoRestartOnForeignNulls) {
                // A move carried this walk into another chain, so part of
                // ours may be unseen. The yield lets loom deliver the
                // stores that moved us before the chain is read again.
                R::yield_now();
                continue 'restart;
            }
            return None;
        }
    }

    /// Finds the link word that points at `target` in `bucket`; the caller
    /// holds the bucket lock.
    pub(super) fn link_to<'a>(
        env: &'a Env<R>,
        ctx: &'a OpCtx,
        table: &'a BucketTable<R>,
        bucket: usize,
        target: RawHandle,
    ) -> Option<&'a R::AtomicUsize> {
        let mut link = &table.buckets[bucket];
        loop {
            // Relaxed: the bucket lock orders this load after every store
            // to the chain.
            let word = link.load(Ordering::Relaxed);
            if is_nulls(word) {
                return None;
            }
            let handle = handle_of(word);
            if handle == target {
                return Some(link);
            }
            link = env.entry(ctx, handle).link();
        }
    }

    /// Number of entries in chain `bucket`; the caller holds its lock.
    fn chain_len(env: &Env<R>, ctx: &OpCtx, table: &BucketTable<R>, bucket: usize) -> usize {
        let mut len = 0;
        // Relaxed: under the bucket lock, as in `link_to`.
        let mut word = table.buckets[bucket].load(Ordering::Relaxed);
        while !is_nulls(word) {
            len += 1;
            word = env.entry(ctx, handle_of(word)).link().load(Ordering::Relaxed);
        }
        len
    }

    /// `rhashtable_insert_fast` and `rhashtable_insert_slow`: links `new`
    /// at the head of its chain in the newest array, forcing a rehash and
    /// retrying when the chain is longer than the elasticity limit or the
    /// array is over 100% full.
    pub(super) fn insert(self: &Arc<Self>, env: &Env<R>, ctx: &OpCtx, new: RawHandle) -> Result<(), Errno> {
        env.faults.arrive(FaultPoint::InsertSlowPath)?;
        let name = env.entry(ctx, new).name();
        loop {
            env.rcu_read_lock(ctx);
            let attempt = self.try_insert(env, ctx, new, &name);
            env.rcu_read_unlock(ctx);
            match attempt {
                Ok(()) => return Ok(()),
                Err(InsertError::Failed(errno)) => return Err(errno),
                // The forced rehash attached a future array; retry there.
                Err(InsertError::Again) => R::yield_now(),
            }
        }
    }

    /// `rhashtable_try_insert`: one attempt, under the RCU read lock.
    fn try_insert(self: &Arc<Self>, env: &Env<R>, ctx: &OpCtx, new: RawHandle, name: &str) -> Result<(), InsertError> {
        // Take the lock of the oldest array whose bucket for `name` has not
        // been moved yet, which excludes the worker from that bucket.
        let mut word = Rcu::<R>::rcu_dereference(&self.tbl);
        let (first_table, first_bucket, first_guard) = loop {
            let table: &BucketTable<R> = env.arena.get(ctx, handle_of(word));
            let bucket = table.bucket_of(name);
            let guard = table.locks[bucket].lock(ctx);
            // Relaxed: the bucket lock orders it after the worker's update.
            if table.rehash.load(Ordering::Relaxed) <= bucket {
                break (table, bucket, guard);
            }
            drop(guard);
            word = Rcu::<R>::rcu_dereference(&table.future_tbl);
        };

        // Walk forward to the newest array, taking each bucket lock in
        // turn, and link the entry there.
        let mut table = first_table;
        let mut bucket = first_bucket;
        let mut nested = None;
        let outcome = loop {
            let future = Rcu::<R>::rcu_dereference(&table.future_tbl);
            if future != 0 {
                drop(nested.take());
                word = future;
                table = env.arena.get(ctx, handle_of(word));
                bucket = table.bucket_of(name);
                nested = Some(table.locks[bucket].lock(ctx));
                continue;
            }
            break self.insert_one(env, ctx, table, bucket, new);
        };
        drop(nested);
        drop(first_guard);

        match outcome {
            Ok(schedule) => {
                if schedule {
                    self.schedule_work(env);
                }
                Ok(())
            }
            Err(InsertError::Again) => self.insert_rehash(env, ctx, handle_of(word)).map_or_else(
                |errno| Err(InsertError::Failed(errno)),
                |()| Err(InsertError::Again),
            ),
            Err(error) => Err(error),
        }
    }

    /// `rhashtable_insert_one` on the newest array, whose bucket lock the
    /// caller holds. Returns whether a grow must be scheduled.
    fn insert_one(
        &self,
        env: &Env<R>,
        ctx: &OpCtx,
        table: &BucketTable<R>,
        bucket: usize,
        new: RawHandle,
    ) -> Result<bool, InsertError> {
        let caps = env.config.capacities;
        // Relaxed: the count is a heuristic; the kernel reads it with
        // atomic_read.
        let nelems = self.nelems.load(Ordering::Relaxed);
        if Self::chain_len(env, ctx, table, bucket) >= caps.elasticity {
            return Err(InsertError::Again);
        }
        if grow_above_100(nelems, table.size()) {
            return Err(InsertError::Again);
        }

        // Relaxed: `new` is unpublished; the release below publishes it.
        let head = table.buckets[bucket].load(Ordering::Relaxed);
        env.entry(ctx, new).link().store(head, Ordering::Relaxed);
        Rcu::<R>::rcu_assign_pointer(&table.buckets[bucket], new.to_word());

        // Relaxed: as above, the count orders nothing.
        let nelems = self.nelems.fetch_add(1, Ordering::Relaxed) + 1;
        Ok(grow_above_75(nelems, table.size()))
    }

    /// `rhashtable_remove_fast`: unlinks `old` from whichever array holds
    /// it; `ENOENT` if none does.
    pub(super) fn remove(self: &Arc<Self>, env: &Env<R>, ctx: &OpCtx, old: RawHandle) -> Result<(), Errno> {
        let name = env.entry(ctx, old).name();
        env.rcu_read_lock(ctx);
        let result = self.unlink(env, ctx, old, &name, None);
        env.rcu_read_unlock(ctx);

        let size = result?;
        // Relaxed: the count orders nothing.
        let nelems = self.nelems.fetch_sub(1, Ordering::Relaxed) - 1;
        if shrink_below_30(nelems, size, &env.config.capacities) {
            self.schedule_work(env);
        }
        Ok(())
    }

    /// `rhashtable_replace_fast`: one pointer store swaps `old` for `new`
    /// in whichever array holds `old`.
    pub(super) fn replace(&self, env: &Env<R>, ctx: &OpCtx, old: RawHandle, new: RawHandle) -> Result<(), Errno> {
        let name = env.entry(ctx, old).name();
        env.rcu_read_lock(ctx);
        let result = self.unlink(env, ctx, old, &name, Some(new));
        env.rcu_read_unlock(ctx);
        result.map(|_| ())
    }

    /// Unlinks `old`, putting `new` in its place if given, searching the
    /// arrays from the current one forward. Returns the size of the array
    /// that held it. The caller holds the RCU read lock.
    fn unlink(
        &self,
        env: &Env<R>,
        ctx: &OpCtx,
        old: RawHandle,
        name: &str,
        new: Option<RawHandle>,
    ) -> Result<usize, Errno> {
        let mut word = Rcu::<R>::rcu_dereference(&self.tbl);
        loop {
            let table: &BucketTable<R> = env.arena.get(ctx, handle_of(word));
            let bucket = table.bucket_of(name);
            let guard = table.locks[bucket].lock(ctx);
            if let Some(link) = Self::link_to(env, ctx, table, bucket, old) {
                // Relaxed: under the bucket lock.
                let next = env.entry(ctx, old).link().load(Ordering::Relaxed);
                let replacement = match new {
                    Some(new) => {
                        // Relaxed: `new` is unpublished; the release below
                        // publishes it.
                        env.entry(ctx, new).link().store(next, Ordering::Relaxed);
                        new.to_word()
                    }
                    None => next,
                };
                Rcu::<R>::rcu_assign_pointer(link, replacement);
                drop(guard);
                return Ok(table.size());
            }
            drop(guard);

            // Having held this bucket's lock, an unset `future_tbl` proves
            // the entry was never moved on.
            word = Rcu::<R>::rcu_dereference(&table.future_tbl);
            if word == 0 {
                return Err(Errno::ENOENT);
            }
        }
    }
}
