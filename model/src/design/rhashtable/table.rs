//! `struct bucket_table`: one array of chain heads with its own hash seed,
//! bucket locks, rehash progress and `future_tbl` link (lib/rhashtable.c,
//! include/linux/rhashtable.h).
//!
//! Chain links are pointer words (see [`RawHandle::to_word`]): an even word
//! names an entry, an odd word is a nulls marker. Every chain ends in the
//! marker of its own (array, bucket) pair, so a reader that a concurrent
//! move carried into another chain, possibly of another array, can tell
//! that it finished a chain other than the one it started. The kernel
//! derives the marker from the bucket's address, which is unique across
//! arrays for the same reason.
//!
//! Invariants:
//! - `size` is a power of two and never changes;
//! - `rehash` (buckets already moved to the future array) only grows, and
//!   only the deferred worker advances it, under the bucket lock of the
//!   bucket it just emptied;
//! - `future_tbl` is written once, from 0 to a newer array, under the lock
//!   of bucket 0 (`rhashtable_rehash_attach`).
//!
//! Limitations: the kernel's nested tables (used when a large array cannot
//! be allocated in one piece) and its lock striping (fewer locks than
//! buckets) are not modelled; every bucket has its own lock.

use std::hash::Hasher;
use std::sync::atomic::Ordering;

use siphasher::sip::SipHasher13;

use crate::arena::{ArenaObject, RawHandle};
use crate::config::Capacities;
use crate::ctx::{LockClass, OpCtx};
use crate::env::Env;
use crate::rcu::Rcu;
use crate::runtime::{AtomicUsizeApi, Runtime, TrackedCellApi};
use crate::sync::Mutex;

/// The arena kind of bucket arrays.
pub const TABLE_KIND: &str = "bucket_table";

/// Bits of a nulls marker that hold the bucket number; the array number
/// sits above them.
const BUCKET_BITS: u32 = 24;

/// Returns the nulls marker that ends chain `bucket` of array `array`.
pub fn nulls_marker(array: u64, bucket: usize) -> usize {
    let named = ((array as usize) << BUCKET_BITS) | bucket;
    (named << 1) | 1
}

/// Returns whether a pointer word is a nulls marker rather than an entry.
pub fn is_nulls(word: usize) -> bool {
    word & 1 == 1
}

/// Returns the (array, bucket) a nulls marker names, for messages.
pub fn nulls_names(word: usize) -> (u64, usize) {
    let named = word >> 1;
    ((named >> BUCKET_BITS) as u64, named & ((1 << BUCKET_BITS) - 1))
}

/// Decodes an entry or array word.
pub fn handle_of(word: usize) -> RawHandle {
    match RawHandle::from_word(word).filter(|handle| !handle.is_null()) {
        Some(handle) => handle,
        None => panic!("checker-internal error: pointer word {word:#x} is a nulls marker or null, not an object"),
    }
}

/// splitmix64: spreads the run seed and an array number into a hash seed.
pub fn mix_seed(seed: u64, array: u64) -> u64 {
    let mut z = seed ^ array.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `struct bucket_table`.
pub struct BucketTable<R: Runtime> {
    /// The array's number within its store, from 0; names its nulls markers.
    number: R::Cell<u64>,
    size: R::Cell<usize>,
    hash_rnd: R::Cell<u64>,
    /// Chain heads, as pointer words.
    pub buckets: Vec<R::AtomicUsize>,
    /// The bucket locks (bit spinlocks in the kernel).
    pub locks: Vec<Mutex<R, ()>>,
    /// Buckets `0..rehash` have been moved to the future array. Written and
    /// read under the lock of the bucket concerned, so Relaxed suffices.
    pub rehash: R::AtomicUsize,
    /// The next, newer array while a rehash is pending, as a pointer word;
    /// 0 if none.
    pub future_tbl: R::AtomicUsize,
    /// Set when the array is freed; readers load it before each access
    /// (see [`ArenaObject`]). Relaxed on both sides: it orders nothing.
    poisoned: R::AtomicUsize,
}

impl<R: Runtime> ArenaObject for BucketTable<R> {
    fn poison(&self) {
        self.poisoned.store(1, Ordering::Relaxed);
    }
}

impl<R: Runtime> BucketTable<R> {
    /// `bucket_table_alloc`: `size` empty chains and a fresh seed.
    pub fn new(number: u64, size: usize, hash_rnd: u64) -> Self {
        BucketTable {
            number: R::Cell::new(number),
            size: R::Cell::new(size),
            hash_rnd: R::Cell::new(hash_rnd),
            buckets: (0..size).map(|bucket| R::AtomicUsize::new(nulls_marker(number, bucket))).collect(),
            locks: (0..size).map(|_| Mutex::new(LockClass::Bucket, ())).collect(),
            rehash: R::AtomicUsize::new(0),
            future_tbl: R::AtomicUsize::new(0),
            poisoned: R::AtomicUsize::new(0),
        }
    }

    pub fn number(&self) -> u64 {
        self.number.with(|number| *number)
    }

    pub fn size(&self) -> usize {
        self.size.with(|size| *size)
    }

    /// Returns the marker that ends this array's chain `bucket`.
    pub fn marker(&self, bucket: usize) -> usize {
        nulls_marker(self.number(), bucket)
    }

    /// The bucket of `name`: a keyed hash of the full name, masked. The
    /// kernel uses `jhash` with the array's `hash_rnd`; any keyed hash gives
    /// the property that matters, an order that differs per array.
    pub fn bucket_of(&self, name: &str) -> usize {
        let seed = self.hash_rnd.with(|seed| *seed);
        let mut hasher = SipHasher13::new_with_keys(seed, seed.rotate_left(32));
        hasher.write(name.as_bytes());
        (hasher.finish() as usize) & (self.size() - 1)
    }
}

/// A reader's checked view of one array: every access first loads the
/// poison word and then checks with the arena whether the array was freed, so a
/// reader of an array freed too early is reported.
pub struct TableRef<'a, R: Runtime> {
    env: &'a Env<R>,
    ctx: &'a OpCtx,
    pub handle: RawHandle,
    pub table: &'a BucketTable<R>,
}

impl<'a, R: Runtime> TableRef<'a, R> {
    /// Dereferences array `word` on behalf of `ctx`.
    pub fn new(env: &'a Env<R>, ctx: &'a OpCtx, word: usize) -> Self {
        let handle = handle_of(word);
        TableRef { env, ctx, handle, table: env.arena.get(ctx, handle) }
    }

    fn touch(&self) {
        self.table.poisoned.load(Ordering::Relaxed);
        self.env.arena.check(self.ctx, self.handle);
    }

    /// `rht_ptr_rcu`: the head of chain `bucket`.
    pub fn head(&self, bucket: usize) -> usize {
        self.touch();
        Rcu::<R>::rcu_dereference(&self.table.buckets[bucket])
    }

    /// `rht_dereference_rcu(tbl->future_tbl)`; the caller issues the read
    /// barrier first.
    pub fn future(&self) -> usize {
        self.touch();
        Rcu::<R>::rcu_dereference(&self.table.future_tbl)
    }

    pub fn size(&self) -> usize {
        self.touch();
        self.table.size()
    }

    pub fn bucket_of(&self, name: &str) -> usize {
        self.touch();
        self.table.bucket_of(name)
    }

    pub fn marker(&self, bucket: usize) -> usize {
        self.table.marker(bucket)
    }
}

/// `rht_grow_above_75`: more than three quarters full.
pub fn grow_above_75(nelems: usize, size: usize) -> bool {
    nelems > size / 4 * 3
}

/// `rht_grow_above_100`: more entries than buckets.
pub fn grow_above_100(nelems: usize, size: usize) -> bool {
    nelems > size
}

/// `rht_shrink_below_30` with `automatic_shrinking`: under 30% full and
/// above the minimum size.
pub fn shrink_below_30(nelems: usize, size: usize, caps: &Capacities) -> bool {
    nelems < size * 3 / 10 && size > caps.min_buckets
}

/// The size `rhashtable_shrink` picks: `roundup_pow_of_two(nelems * 3 / 2)`,
/// at least the minimum.
pub fn shrink_target(nelems: usize, caps: &Capacities) -> usize {
    let target = if nelems == 0 { 0 } else { (nelems * 3 / 2).next_power_of_two() };
    target.max(caps.min_buckets)
}
