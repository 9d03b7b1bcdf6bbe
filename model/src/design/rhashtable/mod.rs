//! Design B, `rhashtable-rcu`: the store since v7.1 (fs/xattr.c with
//! lib/rhashtable.c underneath).
//!
//! A hash table of buckets whose chains are linked by atomic pointer words.
//! Get and list take no lock: they run under RCU and follow links with
//! `rcu_dereference`. List walks the buckets one at a time with no snapshot,
//! so it is not atomic with respect to writers. Insert, replace and remove
//! each take the bucket lock, but the lookup that decides between them does
//! not: `simple_xattr_set` relies on the caller's inode lock to serialize
//! writers, exactly as the kernel comment says. Insert does not check for
//! duplicates (`rhashtable_insert_fast`). Replace swaps the old entry for the
//! new one with a single pointer store, so a reader sees one or the other.
//! Displaced entries are freed through `call_rcu`.
//!
//! Chains end in a nulls marker that names their bucket (an odd pointer
//! word); a lookup that ends on another bucket's marker restarts, as
//! `__rhashtable_lookup` does, because a concurrent move may have carried
//! the reader into another chain.
//!
//! Each bucket array gets its own hash seed, derived from the run seed and
//! the array's number, so runs are deterministic.
//!
//! Limitations: the table never resizes, so `future_tbl`, the deferred
//! rehash worker and the list walker's restart are not modelled yet; the
//! `rhashtable_insert_slow` fault point is reached by every insert.

use std::hash::Hasher;
use std::sync::atomic::{AtomicU64, Ordering};

use siphasher::sip::SipHasher13;

use crate::arena::{Life, RawHandle};
use crate::ctx::{LockClass, OpCtx};
use crate::design::rbtree::copy_out;
use crate::design::{DesignEntry, RHASHTABLE_RCU};
use crate::entry::simple_xattr_space;
use crate::env::Env;
use crate::errno::{Errno, XATTR_CREATE, XATTR_REPLACE};
use crate::fault::FaultPoint;
use crate::memory::{entry_items, kmalloc_size, MemoryCost};
use crate::mutant::Mutant;
use crate::rcu::Rcu;
use crate::runtime::{AtomicUsizeApi, Runtime, TrackedCellApi};
use crate::store::{GetOutput, Reclaim, Store, StoreHeader};
use crate::sync::Mutex;

/// The registry entry of design B.
pub fn entry<R: Runtime>() -> DesignEntry<R> {
    DesignEntry {
        name: RHASHTABLE_RCU,
        kernel: "v7.1 and later",
        summary: "hash table with lock-free RCU readers; displaced entries freed through call_rcu",
        new_store: |env, ctx| Box::new(RhashStore::<R>::new(env, ctx)),
        memory_cost,
    }
}

/// The arena kind of bucket arrays.
pub const TABLE_KIND: &str = "bucket_table";

/// The nulls marker that ends a chain of bucket `bucket`.
pub fn nulls_marker(bucket: usize) -> usize {
    (bucket << 1) | 1
}

/// The bucket a nulls marker names, or `None` for an entry pointer.
pub fn nulls_bucket(word: usize) -> Option<usize> {
    (word & 1 == 1).then_some(word >> 1)
}

/// `struct bucket_table`: one array of chain heads with its seed and locks.
pub struct BucketTable<R: Runtime> {
    size: R::Cell<usize>,
    hash_rnd: R::Cell<u64>,
    buckets: Vec<R::AtomicUsize>,
    /// The bucket locks (bit spinlocks in the kernel).
    locks: Vec<Mutex<R, ()>>,
}

impl<R: Runtime> crate::arena::ArenaObject for BucketTable<R> {}

impl<R: Runtime> BucketTable<R> {
    fn new(size: usize, hash_rnd: u64) -> Self {
        BucketTable {
            size: R::Cell::new(size),
            hash_rnd: R::Cell::new(hash_rnd),
            buckets: (0..size).map(|bucket| R::AtomicUsize::new(nulls_marker(bucket))).collect(),
            locks: (0..size).map(|_| Mutex::new(LockClass::Bucket, ())).collect(),
        }
    }

    pub fn size(&self) -> usize {
        self.size.with(|size| *size)
    }

    /// The bucket of `name`: a keyed hash of the full name, masked.
    pub fn bucket_of(&self, name: &str) -> usize {
        let seed = self.hash_rnd.with(|seed| *seed);
        let mut hasher = SipHasher13::new_with_keys(seed, seed.rotate_left(32));
        hasher.write(name.as_bytes());
        (hasher.finish() as usize) & (self.size() - 1)
    }
}

/// `struct simple_xattrs` since v7.1: a `struct rhashtable`.
pub struct RhashStore<R: Runtime> {
    header: R::Cell<StoreHeader>,
    /// The current bucket array, as a pointer word.
    tbl: R::AtomicUsize,
    /// Element count; Relaxed, it orders nothing.
    nelems: R::AtomicUsize,
    /// Bucket arrays created so far; numbers each array's seed.
    tables_created: AtomicU64,
}

/// splitmix64: spreads the run seed and an array number into a hash seed.
fn mix_seed(seed: u64, table_number: u64) -> u64 {
    let mut z = seed ^ table_number.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl<R: Runtime> RhashStore<R> {
    pub fn new(env: &Env<R>, ctx: &OpCtx) -> Self {
        let store = RhashStore {
            header: R::Cell::new(StoreHeader { design: RHASHTABLE_RCU, allocated_by: ctx.op_id() }),
            tbl: R::AtomicUsize::new(0),
            nelems: R::AtomicUsize::new(0),
            tables_created: AtomicU64::new(0),
        };
        let table = store.alloc_table(env, ctx, env.config.capacities.initial_buckets);
        // The store itself is not yet published, so a relaxed store suffices;
        // the store's publication orders it.
        store.tbl.store(table.to_word(), Ordering::Relaxed);
        store
    }

    fn alloc_table(&self, env: &Env<R>, ctx: &OpCtx, size: usize) -> RawHandle {
        let number = self.tables_created.fetch_add(1, Ordering::SeqCst);
        let table = BucketTable::<R>::new(size, mix_seed(env.config.seed, number));
        env.arena.alloc(ctx, &env.events, TABLE_KIND, format!("{size} buckets"), table)
    }

    fn touch_header(&self) {
        self.header.with(|header| debug_assert_eq!(header.design, RHASHTABLE_RCU));
    }

    fn table<'a>(&self, env: &'a Env<R>, ctx: &OpCtx) -> &'a BucketTable<R> {
        let word = Rcu::<R>::rcu_dereference(&self.tbl);
        env.arena.get(ctx, handle_of(word))
    }

    /// `rhashtable_lookup`: the caller holds the RCU read lock.
    fn lookup(&self, env: &Env<R>, ctx: &OpCtx, name: &str) -> Option<RawHandle> {
        let table = self.table(env, ctx);
        let bucket = table.bucket_of(name);
        'restart: loop {
            let mut word = Rcu::<R>::rcu_dereference(&table.buckets[bucket]);
            loop {
                if let Some(end) = nulls_bucket(word) {
                    if end != bucket {
                        // A move carried us into another chain: start over.
                        continue 'restart;
                    }
                    return None;
                }
                let handle = handle_of(word);
                let entry = env.entry(ctx, handle);
                if entry.name_is(name) {
                    return Some(handle);
                }
                word = entry.next_word();
            }
        }
    }

    /// Finds the link word that points at `target` in `bucket`; the caller
    /// holds the bucket lock.
    fn link_to<'a>(
        &self,
        env: &'a Env<R>,
        ctx: &'a OpCtx,
        table: &'a BucketTable<R>,
        bucket: usize,
        target: RawHandle,
    ) -> Option<&'a R::AtomicUsize> {
        let mut link = &table.buckets[bucket];
        loop {
            // Relaxed: the bucket lock orders this load after every writer's
            // store to the chain.
            let word = link.load(Ordering::Relaxed);
            if nulls_bucket(word).is_some() {
                return None;
            }
            let handle = handle_of(word);
            if handle == target {
                return Some(link);
            }
            link = env.entry(ctx, handle).link();
        }
    }

    /// `rhashtable_insert_fast`: links `new` at the head of its chain.
    fn insert(&self, env: &Env<R>, ctx: &OpCtx, new: RawHandle) -> Result<(), Errno> {
        let table = self.table(env, ctx);
        let entry = env.entry(ctx, new);
        let bucket = table.bucket_of(&entry.name());
        let guard = table.locks[bucket].lock(ctx);
        env.faults.arrive(FaultPoint::InsertSlowPath)?;

        // Relaxed: `new` is unpublished; the release below publishes it.
        entry.next.store(table.buckets[bucket].load(Ordering::Relaxed), Ordering::Relaxed);
        Rcu::<R>::rcu_assign_pointer(&table.buckets[bucket], new.to_word());
        drop(guard);

        self.nelems.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// `rhashtable_remove_fast`: unlinks `old`; `ENOENT` if it is not linked.
    fn remove(&self, env: &Env<R>, ctx: &OpCtx, old: RawHandle) -> Result<(), Errno> {
        let table = self.table(env, ctx);
        let bucket = table.bucket_of(&env.entry(ctx, old).name());
        let guard = table.locks[bucket].lock(ctx);
        let link = self.link_to(env, ctx, table, bucket, old).ok_or(Errno::ENOENT)?;
        let next = env.entry(ctx, old).next.load(Ordering::Relaxed);
        Rcu::<R>::rcu_assign_pointer(link, next);
        drop(guard);

        self.nelems.fetch_sub(1, Ordering::Relaxed);
        Ok(())
    }

    /// `rhashtable_replace_fast`: one pointer store swaps `old` for `new`.
    fn replace(&self, env: &Env<R>, ctx: &OpCtx, old: RawHandle, new: RawHandle) -> Result<(), Errno> {
        if env.config.has(Mutant::ReplaceAsRemoveInsert) {
            self.remove(env, ctx, old)?;
            return self.insert(env, ctx, new);
        }

        let table = self.table(env, ctx);
        let bucket = table.bucket_of(&env.entry(ctx, old).name());
        let guard = table.locks[bucket].lock(ctx);
        let link = self.link_to(env, ctx, table, bucket, old).ok_or(Errno::ENOENT)?;
        let next = env.entry(ctx, old).next.load(Ordering::Relaxed);
        // Relaxed: `new` is unpublished; the release below publishes it.
        env.entry(ctx, new).next.store(next, Ordering::Relaxed);
        Rcu::<R>::rcu_assign_pointer(link, new.to_word());
        drop(guard);
        Ok(())
    }

    /// Every entry handle, bucket by bucket, read outside the program.
    fn peek_entries(&self, env: &Env<R>) -> Vec<(usize, RawHandle)> {
        let table: &BucketTable<R> = env.arena.peek(handle_of(Env::<R>::peek_word(&self.tbl)));
        let mut found = Vec::new();
        for (bucket, head) in table.buckets.iter().enumerate() {
            let mut word = Env::<R>::peek_word(head);
            while nulls_bucket(word).is_none() {
                let handle = handle_of(word);
                found.push((bucket, handle));
                word = Env::<R>::peek_word(&env.peek_entry(handle).next);
            }
        }
        found
    }
}

fn handle_of(word: usize) -> RawHandle {
    match RawHandle::from_word(word) {
        Some(handle) => handle,
        None => panic!("checker-internal error: pointer word {word:#x} is a nulls marker, not an object"),
    }
}

impl<R: Runtime> Store<R> for RhashStore<R> {
    fn simple_xattr_get(&self, env: &Env<R>, ctx: &OpCtx, name: &str, size: Option<usize>) -> Result<GetOutput, Errno> {
        self.touch_header();
        env.rcu_read_lock(ctx);
        let Some(handle) = self.lookup(env, ctx, name) else {
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
        let old = self.lookup(env, ctx, name);
        env.rcu_read_unlock(ctx);

        let result = match (old, new) {
            (Some(_), _) if flags & XATTR_CREATE != 0 => Err(Errno::EEXIST),
            (Some(old), Some(new)) => self.replace(env, ctx, old, new).map(|()| Some(old)),
            (Some(old), None) => self.remove(env, ctx, old).map(|()| Some(old)),
            (None, _) if flags & XATTR_REPLACE != 0 => Err(Errno::ENODATA),
            (None, Some(new)) => self.insert(env, ctx, new).map(|()| None),
            (None, None) => Ok(None),
        };

        if let (Err(_), Some(new)) = (&result, new) {
            // Never published, so no grace period is needed.
            env.simple_xattr_free(ctx, new);
        }
        result
    }

    fn simple_xattr_list(&self, env: &Env<R>, ctx: &OpCtx, trusted_visible: bool) -> Result<Vec<String>, Errno> {
        self.touch_header();
        env.rcu_read_lock(ctx);
        let table = self.table(env, ctx);
        let mut names = Vec::new();
        for head in &table.buckets {
            let mut word = Rcu::<R>::rcu_dereference(head);
            while nulls_bucket(word).is_none() {
                let entry = env.entry(ctx, handle_of(word));
                let name = entry.name();
                if trusted_visible || !name.starts_with("trusted.") {
                    names.push(name);
                }
                word = entry.next_word();
            }
        }
        env.rcu_read_unlock(ctx);
        Ok(names)
    }

    fn simple_xattr_add(&self, env: &Env<R>, ctx: &OpCtx, name: &str, value: &[u8]) -> Result<(), Errno> {
        self.touch_header();
        let new = env.simple_xattr_alloc(ctx, name, value)?;
        self.insert(env, ctx, new).inspect_err(|_| env.simple_xattr_free(ctx, new))
    }

    fn simple_xattrs_free(&self, env: &Env<R>, ctx: &OpCtx) -> usize {
        let table_word = self.tbl.load(Ordering::Acquire);
        let mut freed = 0;
        for (_, handle) in self.peek_entries(env) {
            let entry = env.entry(ctx, handle);
            freed += simple_xattr_space(&entry.name(), entry.size());
            // No grace period: the caller guarantees no reader remains.
            env.simple_xattr_free(ctx, handle);
        }
        env.free_now(ctx, handle_of(table_word));
        freed
    }

    fn reclaim(&self) -> Reclaim {
        Reclaim::AfterGracePeriod
    }

    fn assert_invariants(&self, env: &Env<R>) -> Result<(), String> {
        let table: &BucketTable<R> = env.arena.peek(handle_of(Env::<R>::peek_word(&self.tbl)));
        let entries = self.peek_entries(env);
        let mut names = Vec::new();
        for (bucket, handle) in &entries {
            let life = env.arena.life(*handle);
            if life != Life::Live {
                return Err(format!("entry {handle} in bucket {bucket} is reachable but {life:?}"));
            }
            let name = env.peek_entry(*handle).name();
            if table.bucket_of(&name) != *bucket {
                return Err(format!("entry {name:?} is in bucket {bucket}, its hash says {}", table.bucket_of(&name)));
            }
            names.push(name);
        }
        names.sort();
        if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(format!("duplicate name {:?} in the table", pair[0]));
        }
        let nelems = Env::<R>::peek_word(&self.nelems);
        if nelems != entries.len() {
            return Err(format!("nelems is {nelems} but the chains hold {} entries", entries.len()));
        }
        Ok(())
    }

    fn contents(&self, env: &Env<R>) -> Vec<(String, Vec<u8>)> {
        let mut pairs: Vec<_> = self
            .peek_entries(env)
            .into_iter()
            .map(|(_, handle)| {
                let entry = env.peek_entry(handle);
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
