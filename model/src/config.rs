//! Model configuration: table sizes and limits per runtime, and the knobs a
//! user turns to compare the kernel's choices with alternatives.
//!
//! Capacities shrink under loom and shuttle so that rare paths (a table
//! resize, a limit) are reachable within a few operations and a small
//! preemption bound. Each shrunk value is documented beside the production
//! value it stands for.

use crate::fault::FaultPlan;
use crate::mutant::Mutant;

/// Table sizes and per-inode limits.
///
/// | field | production (kernel) | under loom and shuttle |
/// |---|---|---|
/// | `initial_buckets` | 64 (`HASH_DEFAULT_SIZE`, lib/rhashtable.c) | 4 |
/// | `min_buckets` | 4 (`HASH_MIN_SIZE`) | 2 |
/// | `elasticity` | 16 (`RHT_ELASTICITY`) | 2 |
/// | `max_nr_xattrs` | 128 (`SIMPLE_XATTR_MAX_NR`) | 3 |
/// | `max_xattr_size` | 131072 (`SIMPLE_XATTR_MAX_SIZE`, 128 KiB of values) | 8 bytes |
/// | `max_threads` | 64 threads in RCU's reader table | 6 (loom allows 4 spawned threads plus the main one) |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacities {
    pub initial_buckets: usize,
    pub min_buckets: usize,
    pub elasticity: usize,
    pub max_nr_xattrs: usize,
    pub max_xattr_size: usize,
    pub max_threads: usize,
}

impl Capacities {
    /// The kernel's values.
    pub const fn production() -> Self {
        Capacities {
            initial_buckets: 64,
            min_buckets: 4,
            elasticity: 16,
            max_nr_xattrs: 128,
            max_xattr_size: 128 << 10,
            max_threads: 64,
        }
    }

    /// Shrunk values for loom and shuttle.
    pub const fn explorer() -> Self {
        Capacities {
            initial_buckets: 4,
            min_buckets: 2,
            elasticity: 2,
            max_nr_xattrs: 3,
            max_xattr_size: 8,
            max_threads: 6,
        }
    }
}

/// How the lazily allocated store pointer is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Publication {
    /// `smp_store_release`, as the kernel does; correct only when writers are
    /// serialized by the inode lock.
    #[default]
    ReleaseStore,
    /// `cmpxchg`: a loser frees its store and uses the winner's.
    CompareExchange,
}

/// How a replace is charged against the per-inode limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Accounting {
    /// The kernel's speculative pre-increment: a replace first charges one
    /// more entry and the full new size, then returns the old entry's share.
    #[default]
    PreIncrement,
    /// Charge only the net change on a replace, so a replace at the limit
    /// succeeds when the result fits.
    NetDelta,
}

/// When design B's deferred rehash work runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RehashWorker {
    /// A worker thread is spawned when a resize is scheduled and runs beside
    /// the program's threads, so explorers interleave the rehash with
    /// readers and writers. Under loom this multiplies the state space of
    /// any program that crosses a resize threshold.
    Thread,
    /// The scheduled work runs only when the program's threads have
    /// finished, as a workqueue that runs it late may. The table still
    /// grows, shrinks and retires arrays, but never during an operation.
    #[default]
    AtFinish,
}

/// Everything that shapes one model run besides the program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelConfig {
    /// Registered design name, for example `rbtree-rwlock`.
    pub design: String,
    pub capacities: Capacities,
    /// Whether set and remove take the inode lock (`i_rwsem`) as the VFS does.
    pub writers_serialized: bool,
    pub publication: Publication,
    pub accounting: Accounting,
    /// When design B's rehash work runs; resize checks choose
    /// [`RehashWorker::Thread`].
    pub rehash_worker: RehashWorker,
    /// Seed of design B's hash; runs stay deterministic because nothing else
    /// seeds it.
    pub seed: u64,
    pub mutants: Vec<Mutant>,
    pub faults: FaultPlan,
    /// Whether the event log records; off only for benchmarks.
    pub record_events: bool,
}

impl ModelConfig {
    /// The kernel's configuration of `design` with the runtime's capacities.
    pub fn new(design: &str, capacities: Capacities) -> Self {
        ModelConfig {
            design: design.to_owned(),
            capacities,
            writers_serialized: true,
            publication: Publication::default(),
            accounting: Accounting::default(),
            rehash_worker: RehashWorker::default(),
            seed: 0,
            mutants: Vec::new(),
            faults: FaultPlan::default(),
            record_events: true,
        }
    }

    /// Whether `mutant` is switched on for this run.
    pub fn has(&self, mutant: Mutant) -> bool {
        self.mutants.contains(&mutant)
    }
}
