//! `struct simple_xattr`: one immutable name-value entry.
//!
//! Entries are never edited after they are created; a replace allocates a
//! new entry and swaps it in. Name and value live in tracked cells, so under
//! loom a reader that finds an entry without a happens-before edge from its
//! creator is reported.

use std::sync::atomic::Ordering;

use crate::arena::{Arena, ArenaObject, RawHandle};
use crate::ctx::OpCtx;
use crate::env::Env;
use crate::errno::Errno;
use crate::fault::FaultPoint;
use crate::runtime::{AtomicUsizeApi, Runtime, TrackedCellApi};

/// `struct simple_xattr`. Design A ignores `next`; hash designs use it as
/// the chain link (`struct rhash_head`).
pub struct SimpleXattr<R: Runtime> {
    name: R::Cell<String>,
    value: R::Cell<Vec<u8>>,
    /// The next entry of the chain, or a nulls marker, as a pointer word.
    pub next: R::AtomicUsize,
    /// Set when the entry is freed; readers load it before each access
    /// (see [`ArenaObject`]). Relaxed on both sides: it orders nothing.
    poisoned: R::AtomicUsize,
}

impl<R: Runtime> ArenaObject for SimpleXattr<R> {
    fn poison(&self) {
        self.poisoned.store(1, Ordering::Relaxed);
    }
}

impl<R: Runtime> SimpleXattr<R> {
    pub fn name(&self) -> String {
        self.name.with(|name| name.clone())
    }

    pub fn name_is(&self, other: &str) -> bool {
        self.name.with(|name| name == other)
    }

    pub fn value(&self) -> Vec<u8> {
        self.value.with(|value| value.clone())
    }

    pub fn size(&self) -> usize {
        self.value.with(|value| value.len())
    }
}

/// A checked reference to an entry: every read re-checks the entry's life
/// on behalf of the reader. It dereferences to the entry for the chain link,
/// which writers use under the bucket lock.
pub struct EntryRef<'a, R: Runtime> {
    arena: &'a Arena,
    ctx: &'a OpCtx,
    handle: RawHandle,
    entry: &'a SimpleXattr<R>,
}

impl<'a, R: Runtime> EntryRef<'a, R> {
    pub fn handle(&self) -> RawHandle {
        self.handle
    }

    /// The chain link itself, for writers that hold the bucket lock.
    pub fn link(&self) -> &'a R::AtomicUsize {
        &self.entry.next
    }

    /// The access's preemption point: a load that conflicts with the free.
    fn touch(&self) {
        self.entry.poisoned.load(Ordering::Relaxed);
    }

    pub fn name(&self) -> String {
        self.touch();
        self.entry.name.with(|name| {
            self.arena.check(self.ctx, self.handle);
            name.clone()
        })
    }

    pub fn name_is(&self, other: &str) -> bool {
        self.touch();
        self.entry.name.with(|name| {
            self.arena.check(self.ctx, self.handle);
            name == other
        })
    }

    pub fn value(&self) -> Vec<u8> {
        self.touch();
        self.entry.value.with(|value| {
            self.arena.check(self.ctx, self.handle);
            value.clone()
        })
    }

    pub fn size(&self) -> usize {
        self.touch();
        self.entry.value.with(|value| {
            self.arena.check(self.ctx, self.handle);
            value.len()
        })
    }

    /// `rcu_dereference` of the chain link, checked after the load.
    pub fn next_word(&self) -> usize {
        let word = crate::rcu::Rcu::<R>::rcu_dereference(&self.entry.next);
        self.arena.check(self.ctx, self.handle);
        word
    }
}

impl<R: Runtime> std::ops::Deref for EntryRef<'_, R> {
    type Target = SimpleXattr<R>;

    fn deref(&self) -> &SimpleXattr<R> {
        self.entry
    }
}

/// `simple_xattr_space`: the kernel's deterministic estimate of an entry's
/// footprint, 40 bytes of header plus the value and the full name.
pub fn simple_xattr_space(name: &str, size: usize) -> usize {
    40 + size + name.len()
}

/// The arena kind of entries.
pub const ENTRY_KIND: &str = "simple_xattr";

impl<R: Runtime> Env<R> {
    /// `simple_xattr_alloc` plus the name copy: allocates an unlinked entry
    /// before any lock is taken. Fails with `ENOMEM` at the
    /// `simple_xattr_alloc` fault point.
    pub fn simple_xattr_alloc(&self, ctx: &OpCtx, name: &str, value: &[u8]) -> Result<RawHandle, Errno> {
        self.faults.arrive(FaultPoint::SimpleXattrAlloc)?;
        let entry = SimpleXattr::<R> {
            name: R::Cell::new(name.to_owned()),
            value: R::Cell::new(value.to_vec()),
            next: R::AtomicUsize::new(0),
            poisoned: R::AtomicUsize::new(0),
        };
        Ok(self.arena.alloc(ctx, &self.events, ENTRY_KIND, format!("{name:?}"), entry))
    }

    /// Dereferences an entry on behalf of `ctx`. The arena checks the
    /// entry's life now and again at every read through the returned
    /// reference, after the read's preemption point, so a free that lands
    /// between finding an entry and reading it is reported.
    pub fn entry<'a>(&'a self, ctx: &'a OpCtx, handle: RawHandle) -> EntryRef<'a, R> {
        EntryRef { arena: &self.arena, ctx, handle, entry: self.arena.get(ctx, handle) }
    }

    /// Reads an entry for an invariant check, outside the modelled program.
    pub fn peek_entry(&self, handle: RawHandle) -> &SimpleXattr<R> {
        self.arena.peek(handle)
    }

    /// Frees an entry at once (`simple_xattr_free`).
    pub fn simple_xattr_free(&self, ctx: &OpCtx, handle: RawHandle) {
        self.free_now(ctx, handle);
    }

    /// Frees an entry after a grace period (`simple_xattr_free_rcu`).
    pub fn simple_xattr_free_rcu(&self, ctx: &OpCtx, handle: RawHandle) {
        self.call_rcu_free(ctx, handle);
    }

    /// Relaxed load of a pointer word for invariant walks; only valid when
    /// no thread is running.
    pub fn peek_word(word: &R::AtomicUsize) -> usize {
        word.load(Ordering::Relaxed)
    }
}
