//! Design B, `rhashtable-rcu`: the store since v7.1 (fs/xattr.c with
//! lib/rhashtable.c and include/linux/rhashtable.h underneath).
//!
//! A resizable hash table whose chains are linked by atomic pointer words.
//! Get and list take no lock: they run under RCU and follow links with
//! `rcu_dereference`. Insert, replace and remove each take a bucket lock,
//! but the lookup that decides between them does not: `simple_xattr_set`
//! relies on the caller's inode lock to serialize writers, exactly as the
//! kernel comment states. Insert does not check for duplicates
//! (`rhashtable_insert_fast`). Replace swaps the old entry for the new one
//! with a single pointer store, so a reader sees one or the other.
//! Displaced entries are freed through `call_rcu`.
//!
//! The table resizes incrementally while readers run. The parts live in
//! one file per concept:
//! - `table`: a bucket array with its own seed, locks, nulls markers and
//!   the grow and shrink thresholds;
//! - `lookup`: lookups across the current and future arrays, with the
//!   restart on a foreign nulls marker, and insert, remove and replace;
//! - `resize`: the deferred worker that moves entries bucket by bucket
//!   by relinking the same node, and the forced rehash;
//! - `walk`: the list walk, which can return a name twice during a resize.
//!
//! Sizes, production against loom and shuttle (from
//! [`Capacities`](crate::config::Capacities)):
//!
//! | parameter | kernel (`Capacities::production`) | explorers (`Capacities::explorer`) |
//! |---|---|---|
//! | first array | 64 buckets (`HASH_DEFAULT_SIZE`) | 4 buckets |
//! | minimum size (automatic shrinking stops here) | 4 (`HASH_MIN_SIZE`) | 2 |
//! | elasticity (chain length that forces a rehash) | 16 (`RHT_ELASTICITY`) | 2 |
//! | grow | above 75% full, to twice the size | same rule: the 4th entry of 4 buckets |
//! | shrink | below 30% full, to `roundup_pow_of_two(nelems * 3 / 2)` | same rule: 8 buckets shrink at 1 entry |
//!
//! Invariants, checked by [`Store::assert_invariants`] once the program's
//! threads and the worker have finished: every entry is linked into exactly
//! one chain of the current array, the one its hash in that array names;
//! every chain ends in its own nulls marker; no `future_tbl` is left and no
//! retired or freed array is reachable from the table; `nelems` equals the
//! number of linked entries; names are unique.
//!
//! Limitations: every insert reaches the `rhashtable_insert_slow` fault
//! point; array allocation never fails; nested tables are not modelled.

mod lookup;
mod resize;
mod table;
mod walk;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::arena::{Life, RawHandle};
use crate::ctx::{LockClass, OpCtx};
use crate::design::rbtree::copy_out;
use crate::design::{DesignEntry, RHASHTABLE_RCU};
use crate::entry::simple_xattr_space;
use crate::env::Env;
use crate::errno::Errno;
use crate::memory::{entry_items, kmalloc_size, MemoryCost};
use crate::mutant::Mutant;
use crate::runtime::{AtomicUsizeApi, Runtime, TrackedCellApi};
use crate::store::{set_step, GetOutput, Reclaim, SetStep, Store, StoreHeader};
use crate::sync::Mutex;

pub use table::{is_nulls, mix_seed, nulls_marker, BucketTable, TABLE_KIND};

/// The registry entry of design B.
pub fn entry<R: Runtime>() -> DesignEntry<R> {
    DesignEntry {
        name: RHASHTABLE_RCU,
        kernel: "v7.1 and later",
        summary: "resizable hash table with lock-free RCU readers; displaced entries freed through call_rcu",
        new_store: |env, ctx| Box::new(RhashStore::<R>::new(env, ctx)),
        memory_cost,
    }
}

/// `struct rhashtable`: shared with the deferred worker thread, which
/// outlives the call that spawned it.
pub struct Rhashtable<R: Runtime> {
    /// `ht->tbl`: the current bucket array, as a pointer word.
    tbl: R::AtomicUsize,
    /// `ht->nelems`: linked entries. Updated with relaxed atomics, as the
    /// kernel's `atomic_inc`; it only steers resizes.
    nelems: R::AtomicUsize,
    /// Bucket arrays created so far; numbers each array for its seed and
    /// nulls markers. Not modelled: it only names arrays.
    tables_created: AtomicU64,
    /// `ht->mutex`: serializes the worker's resizes.
    mutex: Mutex<R, ()>,
    /// `ht->run_work`.
    work: resize::Work<R>,
}

/// `struct simple_xattrs` since v7.1: a `struct rhashtable`.
pub struct RhashStore<R: Runtime> {
    header: R::Cell<StoreHeader>,
    ht: Arc<Rhashtable<R>>,
}

impl<R: Runtime> Rhashtable<R> {
    /// `rhashtable_init`: one empty array of the initial size.
    fn new(env: &Env<R>, ctx: &OpCtx) -> Self {
        let ht = Rhashtable {
            tbl: R::AtomicUsize::new(0),
            nelems: R::AtomicUsize::new(0),
            tables_created: AtomicU64::new(0),
            mutex: Mutex::new(LockClass::Table, ()),
            work: resize::Work::new(),
        };
        let table = ht.alloc_table(env, ctx, env.config.capacities.initial_buckets);
        // The store is not yet published, so a relaxed store suffices; the
        // store's publication orders it.
        ht.tbl.store(table.to_word(), Ordering::Relaxed);
        ht
    }

    /// `bucket_table_alloc`: an array of `size` buckets with a fresh seed
    /// drawn from the run seed and the array's number.
    fn alloc_table(&self, env: &Env<R>, ctx: &OpCtx, size: usize) -> RawHandle {
        let number = self.tables_created.fetch_add(1, Ordering::SeqCst);
        let table = BucketTable::<R>::new(number, size, mix_seed(env.config.seed, number));
        env.arena.alloc(ctx, &env.events, TABLE_KIND, format!("{size} buckets, array {number}"), table)
    }

    /// The arrays from `ht->tbl` along `future_tbl`, read outside the
    /// program.
    fn peek_tables(&self, env: &Env<R>) -> Vec<RawHandle> {
        let mut tables = Vec::new();
        let mut word = Env::<R>::peek_word(&self.tbl);
        while word != 0 && tables.len() <= env.arena.len() {
            let handle = table::handle_of(word);
            tables.push(handle);
            word = Env::<R>::peek_word(&env.arena.peek::<BucketTable<R>>(handle).future_tbl);
        }
        tables
    }

    /// Every (array, bucket, entry) linked in the arrays from `ht->tbl`
    /// on, with the marker each chain ends in, read outside the program.
    /// A chain longer than the arena is reported as a cycle.
    fn peek_chains(&self, env: &Env<R>) -> Result<Vec<PeekedChain>, String> {
        let mut chains = Vec::new();
        for handle in self.peek_tables(env) {
            let table: &BucketTable<R> = env.arena.peek(handle);
            for (bucket, head) in table.buckets.iter().enumerate() {
                let mut entries = Vec::new();
                let mut word = Env::<R>::peek_word(head);
                while !is_nulls(word) {
                    if entries.len() > env.arena.len() {
                        return Err(format!("chain {bucket} of bucket array {handle} is a cycle"));
                    }
                    let entry = table::handle_of(word);
                    entries.push(entry);
                    word = Env::<R>::peek_word(&env.peek_entry(entry).next);
                }
                chains.push(PeekedChain { table: handle, bucket, entries, marker: word });
            }
        }
        Ok(chains)
    }
}

/// One chain as the invariant check reads it.
struct PeekedChain {
    table: RawHandle,
    bucket: usize,
    entries: Vec<RawHandle>,
    marker: usize,
}

impl<R: Runtime> RhashStore<R> {
    pub fn new(env: &Env<R>, ctx: &OpCtx) -> Self {
        RhashStore {
            header: R::Cell::new(StoreHeader { design: RHASHTABLE_RCU, allocated_by: ctx.op_id() }),
            ht: Arc::new(Rhashtable::new(env, ctx)),
        }
    }

    /// Reads the header the way every operation does, so a store published
    /// without release ordering is caught by loom.
    fn touch_header(&self) {
        self.header.with(|header| debug_assert_eq!(header.design, RHASHTABLE_RCU));
    }

    fn replace(&self, env: &Env<R>, ctx: &OpCtx, old: RawHandle, new: RawHandle) -> Result<(), Errno> {
        if env.config.has(Mutant::ReplaceAsRemoveInsert) {
            self.ht.remove(env, ctx, old)?;
            return self.ht.insert(env, ctx, new);
        }
        self.ht.replace(env, ctx, old, new)
    }
}

impl<R: Runtime> Store<R> for RhashStore<R> {
    fn simple_xattr_get(&self, env: &Env<R>, ctx: &OpCtx, name: &str, size: Option<usize>) -> Result<GetOutput, Errno> {
        self.touch_header();
        env.rcu_read_lock(ctx);
        let Some(handle) = self.ht.lookup(env, ctx, name) else {
            env.rcu_read_unlock(ctx);
            return Err(Errno::ENODATA);
        };

        if env.config.has(Mutant::ReadAfterUnlock) {
            env.rcu_read_unlock(ctx);
            return copy_out(&env.entry(ctx, handle), size);
        }
        // The value is copied inside the read-side section, as in the kernel.
        let result = copy_out(&env.entry(ctx, handle), size);
        env.rcu_read_unlock(ctx);
        result
    }

    fn simple_xattr_set(
        &self,
        env: &Env<R>,
        ctx: &OpCtx,
        name: &str,
        value: Option<&[u8]>,
        flags: u32,
    ) -> Result<Option<RawHandle>, Errno> {
        self.touch_header();
        let new = value.map(|value| env.simple_xattr_alloc(ctx, name, value)).transpose()?;

        // rhashtable_lookup_fast: its own RCU section, no bucket lock held
        // across the modification that follows.
        env.rcu_read_lock(ctx);
        let old = self.ht.lookup(env, ctx, name);
        env.rcu_read_unlock(ctx);

        let result = match set_step(old, new, flags) {
            SetStep::Fail(errno) => Err(errno),
            SetStep::Replace(old, new) => self.replace(env, ctx, old, new).map(|()| Some(old)),
            SetStep::Remove(old) => self.ht.remove(env, ctx, old).map(|()| Some(old)),
            SetStep::Insert(new) => self.ht.insert(env, ctx, new).map(|()| None),
            SetStep::Nothing => Ok(None),
        };

        if let (Err(_), Some(new)) = (&result, new) {
            // Never published, so no grace period is needed.
            env.simple_xattr_free(ctx, new);
        }
        result
    }

    fn simple_xattr_list(&self, env: &Env<R>, ctx: &OpCtx, trusted_visible: bool) -> Result<Vec<String>, Errno> {
        self.touch_header();
        Ok(self.ht.walk_names(env, ctx, trusted_visible))
    }

    fn simple_xattr_add(&self, env: &Env<R>, ctx: &OpCtx, name: &str, value: &[u8]) -> Result<(), Errno> {
        self.touch_header();
        let new = env.simple_xattr_alloc(ctx, name, value)?;
        self.ht.insert(env, ctx, new).inspect_err(|_| env.simple_xattr_free(ctx, new))
    }

    /// `rhashtable_free_and_destroy`: cancels the worker, then frees every
    /// entry and every array from `ht->tbl` along `future_tbl` at once.
    fn simple_xattrs_free(&self, env: &Env<R>, ctx: &OpCtx) -> usize {
        self.ht.cancel_work_sync();
        // Acquire pairs with the worker's publication of `ht->tbl`; the wait
        // for the worker already ordered it, this keeps loom's view explicit.
        self.ht.tbl.load(Ordering::Acquire);

        let mut freed = 0;
        let chains = self.ht.peek_chains(env).unwrap_or_default();
        for handle in chains.iter().flat_map(|chain| chain.entries.iter().copied()) {
            let entry = env.entry(ctx, handle);
            freed += simple_xattr_space(&entry.name(), entry.size());
            // No grace period: the caller guarantees no reader remains.
            env.simple_xattr_free(ctx, handle);
        }
        for table in self.ht.peek_tables(env) {
            env.free_now(ctx, table);
        }
        freed
    }

    fn quiesce(&self, env: &Env<R>, ctx: &OpCtx) {
        self.ht.quiesce(env, ctx);
    }

    fn reclaim(&self) -> Reclaim {
        Reclaim::AfterGracePeriod
    }

    fn assert_invariants(&self, env: &Env<R>) -> Result<(), String> {
        let tables = self.ht.peek_tables(env);
        for table in &tables {
            let life = env.arena.life(*table);
            if life != Life::Live {
                return Err(format!("bucket array {table} is reachable from the table but {life:?}"));
            }
        }
        if tables.len() > 1 {
            return Err(format!("a rehash is still pending after quiescence: {} bucket arrays are chained", tables.len()));
        }

        let chains = self.ht.peek_chains(env)?;
        let mut seen = BTreeSet::new();
        let mut names = BTreeSet::new();
        for chain in &chains {
            let table: &BucketTable<R> = env.arena.peek(chain.table);
            if chain.marker != table.marker(chain.bucket) {
                let (array, bucket) = table::nulls_names(chain.marker);
                return Err(format!(
                    "chain {} of bucket array {} ends in the nulls marker of array {array}, bucket {bucket}",
                    chain.bucket, chain.table
                ));
            }
            for handle in &chain.entries {
                let life = env.arena.life(*handle);
                if life != Life::Live {
                    return Err(format!("entry {handle} in bucket {} is reachable but {life:?}", chain.bucket));
                }
                if !seen.insert(*handle) {
                    return Err(format!("entry {handle} is linked into more than one chain"));
                }
                let name = env.peek_entry(*handle).name();
                let hashed = table.bucket_of(&name);
                if hashed != chain.bucket {
                    return Err(format!("entry {name:?} is in bucket {}, its hash says {hashed}", chain.bucket));
                }
                if !names.insert(name.clone()) {
                    return Err(format!("duplicate name {name:?} in the table"));
                }
            }
        }

        let nelems = Env::<R>::peek_word(&self.ht.nelems);
        if nelems != seen.len() {
            return Err(format!("nelems is {nelems} but the chains hold {} entries", seen.len()));
        }
        Ok(())
    }

    fn contents(&self, env: &Env<R>) -> Vec<(String, Vec<u8>)> {
        let chains = self.ht.peek_chains(env).unwrap_or_default();
        let mut pairs: Vec<_> = chains
            .iter()
            .flat_map(|chain| chain.entries.iter())
            .map(|handle| {
                let entry = env.peek_entry(*handle);
                (entry.name(), entry.value())
            })
            .collect();
        pairs.sort();
        pairs
    }
}

/// v7.1 struct sizes (x86_64, no lockdep): `struct rhashtable` is 136 bytes
/// (kzalloc'd by `simple_xattrs_alloc`); `struct bucket_table` has a
/// 64-byte header (its bucket array is cache-line aligned) plus 8 bytes per
/// bucket, 64 buckets until the table grows past 75% full;
/// `struct simple_xattr` is rhash_head (8) + rcu_head (16) + name pointer
/// (8) + size (8).
fn memory_cost(entries: &[(usize, usize)]) -> MemoryCost {
    if entries.is_empty() {
        return MemoryCost { items: Vec::new(), published: None };
    }
    let mut buckets = 64;
    while entries.len() * 4 > buckets * 3 {
        buckets *= 2;
    }
    let mut items = vec![
        ("struct simple_xattrs (struct rhashtable, 136)".to_owned(), kmalloc_size(136)),
        (format!("struct bucket_table (64 + {buckets} x 8)"), kmalloc_size(64 + buckets * 8)),
    ];
    items.extend(entries.iter().flat_map(|(name_len, value_len)| entry_items(40, *name_len, *value_len)));
    MemoryCost { items, published: Some((1296, "v7.1-rc2, one user.test=foo, commit 1e7cd8a53b72")) }
}
