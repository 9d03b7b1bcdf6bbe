//! Named injected bugs (mutants): each one is a mistake a reviewer could
//! plausibly write into the store, its RCU use or its limit accounting.
//!
//! A mutant is a plain enumerable value so scenario files, replay tokens and
//! the kill matrix can name it. The checks that kill each one are listed in
//! [`Mutant::killed_by`].

use std::fmt;
use std::str::FromStr;

/// An injected bug, switched on per run through
/// [`ModelConfig::mutants`](crate::config::ModelConfig::mutants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mutant {
    /// Design B frees a displaced entry at once instead of through
    /// `call_rcu`, so a reader still standing on it reads freed memory.
    FreeWithoutGracePeriod,
    /// `call_rcu` attaches its callback to the grace period already in
    /// progress, which may have scanned the readers before the entry was
    /// unlinked.
    CallbackOnCurrentGracePeriod,
    /// Design B's get copies the value after `rcu_read_unlock`.
    ReadAfterUnlock,
    /// `rcu_read_lock` publishes the reader without `fence(SeqCst)`, so a
    /// grace-period scan can miss it (a weak-memory bug: loom only).
    ReaderWithoutFence,
    /// The lazily allocated store is published with a relaxed store instead
    /// of `smp_store_release` (loom only: shuttle is sequentially consistent).
    RelaxedStorePublish,
    /// The limit check loads, compares and stores instead of using one
    /// atomic read-modify-write, so racing sets overshoot the limit.
    NonAtomicLimitCheck,
    /// Design B replaces an entry by removing it and then inserting the new
    /// one, so a concurrent get can return `ENODATA`.
    ReplaceAsRemoveInsert,
    /// Design B's lookup searches only the array it started in and never
    /// follows `future_tbl`, so an entry the worker already moved is
    /// missed during a resize.
    LookupOldTableOnly,
    /// Design B's lookup treats any nulls marker as the end of its own
    /// chain, so a walk a move carried into another chain does not restart.
    NoRestartOnForeignNulls,
    /// Design B's rehash moves an entry by linking a copy into the new
    /// array and freeing the original through RCU, so a writer holding the
    /// original from its lookup finds it nowhere.
    RehashCopiesEntries,
    /// Design B's rehash frees the old bucket array at once instead of
    /// through `call_rcu`, so a reader still walking it reads freed memory.
    FreeTableWithoutGracePeriod,
}

impl Mutant {
    /// Every mutant, in catalog order.
    pub const ALL: [Mutant; 11] = [
        Mutant::FreeWithoutGracePeriod,
        Mutant::CallbackOnCurrentGracePeriod,
        Mutant::ReadAfterUnlock,
        Mutant::ReaderWithoutFence,
        Mutant::RelaxedStorePublish,
        Mutant::NonAtomicLimitCheck,
        Mutant::ReplaceAsRemoveInsert,
        Mutant::LookupOldTableOnly,
        Mutant::NoRestartOnForeignNulls,
        Mutant::RehashCopiesEntries,
        Mutant::FreeTableWithoutGracePeriod,
    ];

    /// The name used in scenario files, tokens and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Mutant::FreeWithoutGracePeriod => "free-without-grace-period",
            Mutant::CallbackOnCurrentGracePeriod => "callback-on-current-grace-period",
            Mutant::ReadAfterUnlock => "read-after-unlock",
            Mutant::ReaderWithoutFence => "reader-without-fence",
            Mutant::RelaxedStorePublish => "relaxed-store-publish",
            Mutant::NonAtomicLimitCheck => "non-atomic-limit-check",
            Mutant::ReplaceAsRemoveInsert => "replace-as-remove-insert",
            Mutant::LookupOldTableOnly => "lookup-old-table-only",
            Mutant::NoRestartOnForeignNulls => "no-restart-on-foreign-nulls",
            Mutant::RehashCopiesEntries => "rehash-copies-entries",
            Mutant::FreeTableWithoutGracePeriod => "free-table-without-grace-period",
        }
    }

    /// The explorers that kill the mutant and the check that reports it.
    pub fn killed_by(self) -> &'static str {
        match self {
            Mutant::FreeWithoutGracePeriod => "loom, shuttle: arena use-after-free",
            Mutant::CallbackOnCurrentGracePeriod => "loom, shuttle: arena use-after-free",
            Mutant::ReadAfterUnlock => "loom, shuttle: arena use-after-free",
            Mutant::ReaderWithoutFence => "loom: arena use-after-free",
            Mutant::RelaxedStorePublish => "loom: causality violation on the store's cell",
            Mutant::NonAtomicLimitCheck => "loom, shuttle: committed counters over the limit",
            Mutant::ReplaceAsRemoveInsert => "loom, shuttle: get returns ENODATA during a replace",
            Mutant::LookupOldTableOnly => "loom, shuttle: get returns ENODATA for an entry present during a grow",
            Mutant::NoRestartOnForeignNulls => {
                "none: equivalent in this model. Rehash moves take a chain's tail first and every lookup also \
                 searches future_tbl, so a carried walk has already seen the rest of its chain; the restart \
                 matters only when callers move objects between tables, which simple_xattr never does"
            }
            Mutant::RehashCopiesEntries => "loom, shuttle: a remove during a move fails or frees the entry twice",
            Mutant::FreeTableWithoutGracePeriod => "loom, shuttle: arena use-after-free of a bucket_table",
        }
    }
}

impl fmt::Display for Mutant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error for an unknown mutant name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown mutant `{0}`; known mutants: {known}", known = Mutant::ALL.map(Mutant::name).join(", "))]
pub struct UnknownMutant(pub String);

impl FromStr for Mutant {
    type Err = UnknownMutant;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Mutant::ALL
            .into_iter()
            .find(|mutant| mutant.name() == name)
            .ok_or_else(|| UnknownMutant(name.to_owned()))
    }
}
