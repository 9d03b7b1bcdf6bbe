//! The structured event log of one run: every RCU step, allocation,
//! publication, retire and free, in the order the threads performed them.
//!
//! The log is a std `Mutex<Vec<_>>` that loom and shuttle do not model; no
//! thread holds it across a modelled step, so recording adds no ordering
//! that could hide a bug. Traces for teaching are drawn from these events.

use std::fmt;
use std::sync::Mutex;

use crate::arena::RawHandle;
use crate::ctx::{OpCtx, OpId};

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// A thread started a syscall-level operation.
    OpBegin { text: String },
    /// The operation returned.
    OpEnd { result: String },
    /// `rcu_read_lock` (outermost), with the latest grace period started.
    ReaderEnter { gp: u64 },
    /// `rcu_read_unlock` (outermost).
    ReaderExit { gp: u64 },
    /// A grace period started; `readers` are the threads it waits for.
    GracePeriodStart { gp: u64, readers: Vec<usize> },
    /// Every reader the grace period waited for has left.
    GracePeriodEnd { gp: u64 },
    /// `call_rcu` queued a callback that waits for grace period `waits_for`.
    CallbackQueued { callback: u64, object: RawHandle, waits_for: u64 },
    /// A callback ran.
    CallbackRun { callback: u64, object: RawHandle },
    /// An object was allocated in the arena.
    Alloc { object: RawHandle, kind: &'static str },
    /// A store was published on an inode.
    Publish { inode: usize, store: RawHandle },
    /// An object was unlinked and waits to be freed.
    Retire { object: RawHandle },
    /// An object was freed (poisoned).
    Free { object: RawHandle },
    /// The limit counters after a change.
    Limits { inode: usize, nr_xattrs: usize, xattr_size: usize },
}

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub op: OpId,
    pub kind: EventKind,
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:>6}  {:?}", self.op.to_string(), self.kind)
    }
}

/// The append-only log shared by the threads of one run.
#[derive(Debug, Default)]
pub struct EventLog {
    events: Mutex<Vec<Event>>,
    /// Benchmarks switch recording off: the log's lock would serialize the
    /// readers being measured.
    disabled: bool,
}

impl EventLog {
    /// A log that records nothing.
    pub fn disabled() -> Self {
        EventLog { events: Mutex::new(Vec::new()), disabled: true }
    }

    pub fn record(&self, ctx: &OpCtx, kind: EventKind) {
        if self.disabled {
            return;
        }
        let event = Event { op: ctx.op_id(), kind };
        self.events.lock().unwrap_or_else(|e| e.into_inner()).push(event);
    }

    /// A copy of every event so far.
    pub fn snapshot(&self) -> Vec<Event> {
        self.events.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
