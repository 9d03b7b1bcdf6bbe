//! The table walk of `simple_xattr_list`: `rhashtable_walk_enter`,
//! `_start`, `_next`, `_stop` and `_exit` as fs/xattr.c uses them, with the
//! walker semantics of lib/rhashtable.c (`rhashtable_walk_next` and
//! `__rhashtable_walk_find_next`).
//!
//! The walk holds the RCU read lock from start to stop and visits the
//! current array slot by slot, following each chain to any nulls marker
//! (it does not check which chain the marker ends). When it reaches the end
//! of an array it issues a read barrier and reads `future_tbl`; if a resize
//! attached one, `rhashtable_walk_next` rewinds to slot 0 of the new array
//! and returns `-EAGAIN`, which `simple_xattr_list` ignores, so the walk
//! goes on there.
//!
//! What a caller may rely on from a list that runs during a resize: every
//! name present for the whole walk is returned at least once, because the
//! walk ends in the newest array, which holds every entry once the moves
//! are done, and entries not yet moved sit in a bucket the walk either
//! visits or visited. What it may not rely on: a name can be returned twice
//! (once from the old array before the worker moved it, again from the new
//! array after the rewind, or when a move carries the walk into a chain of
//! the new array), the order is unspecified and differs per array because
//! each array has its own seed, and names set or removed during the walk
//! may or may not appear. Duplicates can make the output larger than a
//! preceding size query, so a caller can see a spurious `ERANGE`.
//!
//! The duplicate outcome is inferred from the walker code
//! (`rhashtable_walk_next` rewinds to slot 0 of `future_tbl`), not reported
//! against `simple_xattr_list` anywhere we know of; the kernel's own
//! comment on `rhashtable_walk_enter` says a fully stable walk needs a data
//! structure outside the hash table.
//!
//! Limitations: the walker's `skip` bookkeeping matters only when a walk is
//! stopped and restarted, which `simple_xattr_list` never does, so it is
//! not modelled.

use std::sync::atomic::Ordering;

use crate::ctx::OpCtx;
use crate::env::Env;
use crate::rcu::Rcu;
use crate::runtime::Runtime;

use super::table::{handle_of, is_nulls, TableRef};
use super::Rhashtable;

impl<R: Runtime> Rhashtable<R> {
    /// The names in walk order, `trusted.*` only if `trusted_visible`.
    pub(super) fn walk_names(&self, env: &Env<R>, ctx: &OpCtx, trusted_visible: bool) -> Vec<String> {
        let mut names = Vec::new();
        env.rcu_read_lock(ctx);
        let mut word = Rcu::<R>::rcu_dereference(&self.tbl);
        loop {
            let table = TableRef::new(env, ctx, word);
            for slot in 0..table.size() {
                let mut link = table.head(slot);
                while !is_nulls(link) {
                    let entry = env.entry(ctx, handle_of(link));
                    let name = entry.name();
                    if trusted_visible || !name.starts_with("trusted.") {
                        names.push(name);
                    }
                    link = entry.next_word();
                }
            }

            // smp_rmb in `__rhashtable_walk_find_next`: pairs with the
            // release of `future_tbl` in `rehash_attach`.
            R::fence(Ordering::Acquire);
            word = table.future();
            if word == 0 {
                break;
            }
            // -EAGAIN: rewind to slot 0 of the newer array and continue.
        }
        env.rcu_read_unlock(ctx);
        names
    }
}
