//! The `Store` trait: the kernel's `simple_xattr_*` operations on one
//! allocated store, implemented by every design.
//!
//! The lazily allocated store pointer, the inode lock and the limits live
//! one level up in [`crate::inode`], exactly as in the kernel, where
//! `simple_xattrs_lazy_alloc` and `simple_xattr_set_limited` wrap the store.

use crate::arena::RawHandle;
use crate::ctx::OpCtx;
use crate::env::Env;
use crate::errno::Errno;
use crate::runtime::Runtime;

/// The result of `simple_xattr_get`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GetOutput {
    /// The size query (a NULL buffer): the value's length.
    Size(usize),
    /// The value, copied into a buffer that was large enough.
    Value(Vec<u8>),
}

/// The step `simple_xattr_set` takes once it has looked the name up: `P`
/// stands for the entry found, `N` for the new entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetStep<P, N> {
    Fail(Errno),
    Replace(P, N),
    Remove(P),
    Insert(N),
    /// A remove of a missing name without `XATTR_REPLACE`: nothing to do.
    Nothing,
}

/// Decides `simple_xattr_set`'s step from the lookup's result, the new
/// entry (`None` removes) and the flags, in the kernel's order:
/// `XATTR_CREATE` on a present name fails with `EEXIST`, `XATTR_REPLACE` on
/// a missing one with `ENODATA`, so both flags together always fail.
pub fn set_step<P, N>(found: Option<P>, new: Option<N>, flags: u32) -> SetStep<P, N> {
    use crate::errno::{XATTR_CREATE, XATTR_REPLACE};
    match (found, new) {
        (Some(_), _) if flags & XATTR_CREATE != 0 => SetStep::Fail(Errno::EEXIST),
        (Some(old), Some(new)) => SetStep::Replace(old, new),
        (Some(old), None) => SetStep::Remove(old),
        (None, _) if flags & XATTR_REPLACE != 0 => SetStep::Fail(Errno::ENODATA),
        (None, Some(new)) => SetStep::Insert(new),
        (None, None) => SetStep::Nothing,
    }
}

/// How a design frees the entry a set displaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reclaim {
    /// `simple_xattr_free` at once: readers are excluded by a lock.
    Immediate,
    /// `simple_xattr_free_rcu`: readers may still stand on it.
    AfterGracePeriod,
}

/// One store design.
///
/// Errors are the kernel's errno values. `simple_xattr_set` returns the
/// entry it displaced (replaced or removed), which the caller frees as
/// [`Store::reclaim`] says and uses for accounting.
pub trait Store<R: Runtime>: Send + Sync + 'static {
    /// `simple_xattr_get`: `size` is `None` for the size query, otherwise the
    /// caller's buffer size (`ERANGE` if the value does not fit).
    fn simple_xattr_get(&self, env: &Env<R>, ctx: &OpCtx, name: &str, size: Option<usize>)
        -> Result<GetOutput, Errno>;

    /// `simple_xattr_set`: `value` `None` removes. Flags are `XATTR_CREATE`
    /// and `XATTR_REPLACE`.
    fn simple_xattr_set(
        &self,
        env: &Env<R>,
        ctx: &OpCtx,
        name: &str,
        value: Option<&[u8]>,
        flags: u32,
    ) -> Result<Option<RawHandle>, Errno>;

    /// The store part of `simple_xattr_list`: the names in the design's
    /// order, without `trusted.*` unless `trusted_visible`.
    fn simple_xattr_list(&self, env: &Env<R>, ctx: &OpCtx, trusted_visible: bool) -> Result<Vec<String>, Errno>;

    /// `simple_xattr_add`: inserts without checking for duplicates.
    fn simple_xattr_add(&self, env: &Env<R>, ctx: &OpCtx, name: &str, value: &[u8]) -> Result<(), Errno>;

    /// `simple_xattrs_free`: frees every entry at once, with no grace period,
    /// and the design's internal objects; returns the freed
    /// `simple_xattr_space`. The caller guarantees exclusivity.
    fn simple_xattrs_free(&self, env: &Env<R>, ctx: &OpCtx) -> usize;

    /// Waits for the design's background work (design B's deferred rehash
    /// worker) and runs any that is still pending, so the store is at rest
    /// for [`Store::assert_invariants`]. Called on the main thread once the
    /// program's threads have joined. Designs without background work keep
    /// the default, which does nothing.
    fn quiesce(&self, _env: &Env<R>, _ctx: &OpCtx) {}

    /// How displaced entries must be freed.
    fn reclaim(&self) -> Reclaim;

    /// Checks the design's structural invariants; only valid while no
    /// thread is running.
    fn assert_invariants(&self, env: &Env<R>) -> Result<(), String>;

    /// The live (name, value) pairs, read outside the modelled program;
    /// only valid while no thread is running.
    fn contents(&self, env: &Env<R>) -> Vec<(String, Vec<u8>)>;
}

/// The arena payload of a store object.
pub struct StoreBox<R: Runtime>(pub Box<dyn Store<R>>);

impl<R: Runtime> crate::arena::ArenaObject for StoreBox<R> {}

/// The arena kind of store objects.
pub const STORE_KIND: &str = "simple_xattrs";

/// Plain fields every store writes before it is published and every
/// operation reads, so a store published without release ordering is
/// reported by loom on the first read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreHeader {
    pub design: &'static str,
    /// The operation that allocated the store.
    pub allocated_by: crate::ctx::OpId,
}
