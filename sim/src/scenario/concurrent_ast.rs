//! The parsed form of the concurrent part of a scenario: threads, explorer
//! budgets, knobs and expectations.
//!
//! A concurrent scenario keeps the single-threaded `ops` blocks as the
//! setup that runs before the threads start. The threads then run at the
//! same time, each as one credential. [`super::concurrent`] turns this into
//! a [`crate::plan::Plan`].
//!
//! Invariants the parser establishes: a loom preemption bound is at most
//! [`MAX_LOOM_PREEMPTION_BOUND`]; a fault's errno is one its point can
//! inject; an operation target names an index (`T2.0`), never a bare
//! thread. Names of threads, objects and credentials are resolved later,
//! by the translation, which reports unknown ones with their position.

use xattr_model::config::{Accounting, Publication};
use xattr_model::explore::Explorer;
use xattr_model::fault::Fault;
use xattr_model::inode::Access;
use xattr_model::mutant::Mutant;

use super::ast::{Arg, Call, Check};
use super::error::Pos;

/// The largest loom preemption bound a scenario may ask for: beyond 3,
/// exhaustive exploration of even two threads takes minutes.
pub const MAX_LOOM_PREEMPTION_BOUND: usize = 3;

/// Everything a scenario declares beyond its single-threaded part.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Concurrent {
    pub threads: Vec<ThreadBlock>,
    pub explorers: Vec<(Pos, Explorer)>,
    pub knobs: Vec<(Pos, Knob)>,
    pub expectations: Vec<Expectation>,
}

impl Concurrent {
    /// Returns whether the scenario declares anything concurrent.
    pub fn is_empty(&self) -> bool {
        self.threads.is_empty() && self.explorers.is_empty() && self.knobs.is_empty() && self.expectations.is_empty()
    }
}

/// `thread NAME as CRED { ... }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadBlock {
    pub pos: Pos,
    pub name: String,
    pub cred: String,
    pub ops: Vec<ThreadOp>,
}

/// One operation of a thread, with the results it may give in any
/// schedule (one of the alternatives must hold).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadOp {
    pub pos: Pos,
    pub action: ThreadAction,
    pub expect: Option<Vec<Vec<Check>>>,
}

/// The action of a thread operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadAction {
    /// A syscall; `access` is [`Access::RcuOnly`] after the `rcu_only`
    /// prefix (a reader that holds no inode reference).
    Call { call: Call, access: Access },
    /// `evict_inode(OBJECT)`: drops the owner's inode reference, so the
    /// inode is torn down once no operation holds it.
    Evict { target: (Pos, Arg) },
    /// `synchronize_rcu()`.
    SynchronizeRcu,
}

/// A knob: a model configuration choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Knob {
    /// `writers=serialized|unserialized`: whether set and remove take the
    /// inode lock.
    WritersSerialized(bool),
    Publication(Publication),
    Accounting(Accounting),
    /// Per-inode limits on `user.*` of sockfs and kernfs stores.
    Limits { max_nr: Option<usize>, max_size: Option<usize> },
    Fault(Fault),
    Mutant(Mutant),
    /// `rehash=thread|at-finish`: when design B's deferred rehash runs.
    Rehash(xattr_model::config::RehashWorker),
}

/// One `expect` line, limited to some designs with `on DESIGN...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    pub pos: Pos,
    /// The designs it applies to; empty for every design.
    pub designs: Vec<String>,
    pub kind: ExpectKind,
}

impl Expectation {
    /// Returns whether the expectation applies to runs of `design`.
    pub fn applies_to(&self, design: &str) -> bool {
        self.designs.is_empty() || self.designs.iter().any(|name| name == design)
    }
}

/// The requirement of an expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectKind {
    /// `expect always PROPERTY`.
    Property(Property),
    /// `expect always|sometimes|never TARGET => CHECKS [or CHECKS]...`.
    Result { modality: Modality, target: Target, alternatives: Vec<Vec<Check>> },
    /// `expect finds CLASS`: some schedule must show this report class.
    Finds(String),
}

/// A property every schedule must keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Property {
    NoUseAfterFree,
    NoDoubleFree,
    NoLeak,
    Invariants,
    Linearizable,
}

impl Property {
    pub const ALL: [Property; 5] =
        [Property::NoUseAfterFree, Property::NoDoubleFree, Property::NoLeak, Property::Invariants, Property::Linearizable];

    /// Returns the name used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Property::NoUseAfterFree => "no-use-after-free",
            Property::NoDoubleFree => "no-double-free",
            Property::NoLeak => "no-leak",
            Property::Invariants => "invariants",
            Property::Linearizable => "linearizable",
        }
    }

    /// Returns the arena report class the property forbids, if it is one.
    pub fn report_class(self) -> Option<&'static str> {
        match self {
            Property::NoUseAfterFree => Some("use-after-free"),
            Property::NoDoubleFree => Some("double-free"),
            Property::NoLeak => Some("leak"),
            Property::Invariants => Some("invariant"),
            Property::Linearizable => None,
        }
    }
}

/// The report classes `expect finds` accepts, as
/// `xattr_model::report::Report::class` names them.
pub const FINDING_CLASSES: [&str; 4] = ["use-after-free", "double-free", "leak", "invariant"];

/// How often a result expectation must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Modality {
    /// In every schedule.
    Always,
    /// In at least one schedule of the exploration.
    Sometimes,
    /// In no schedule.
    Never,
}

/// The subject of a result expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `THREAD.INDEX`: the syscall result of a thread's operation,
    /// counting from 0.
    Op { thread: String, index: usize },
    /// `final OBJECT`: the names in the object's store after the threads
    /// joined; the object is an fd name or a path.
    Final { object: (Pos, Arg) },
}
