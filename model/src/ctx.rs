//! The per-thread context every modelled operation runs with: who is acting,
//! which operation it is, the locks it took and its RCU read-side state.
//!
//! A context belongs to one thread and is never shared, so its fields are
//! plain `Cell`s that no explorer models.

use std::cell::{Cell, RefCell};
use std::fmt;

/// A lock class, counted separately so tests can assert which operations
/// take which locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockClass {
    /// The inode lock (`i_rwsem`) that the VFS takes around set and remove.
    Inode,
    /// The read side of design A's store lock.
    StoreRead,
    /// The write side of design A's store lock.
    StoreWrite,
    /// A bucket lock of design B's hash table.
    Bucket,
    /// The table mutex that serializes resizes (`ht->mutex`).
    Table,
    /// The RCU model's own bookkeeping lock (never taken by readers).
    RcuInternal,
}

impl LockClass {
    pub const ALL: [LockClass; 6] = [
        LockClass::Inode,
        LockClass::StoreRead,
        LockClass::StoreWrite,
        LockClass::Bucket,
        LockClass::Table,
        LockClass::RcuInternal,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// Lock acquisitions by class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LockCounts([u32; 6]);

impl LockCounts {
    pub fn get(&self, class: LockClass) -> u32 {
        self.0[class.index()]
    }

    /// Acquisitions of the store's own locks: design A's lock and design B's
    /// bucket and table locks. RCU bookkeeping and the inode lock are apart.
    pub fn store_locks(&self) -> u32 {
        self.get(LockClass::StoreRead)
            + self.get(LockClass::StoreWrite)
            + self.get(LockClass::Bucket)
            + self.get(LockClass::Table)
    }
}

/// Which operation of which thread, for reports and events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct OpId {
    pub thread: usize,
    pub seq: usize,
}

impl fmt::Display for OpId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "T{}#{}", self.thread, self.seq)
    }
}

/// An operation's identity and its description, for example
/// `T1#2 setxattr(inode 0, "user.a")`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpLabel {
    pub id: OpId,
    pub text: String,
}

impl fmt::Display for OpLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.id, self.text)
    }
}

/// The RCU read-side state of one thread.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReaderState {
    /// Nesting depth of `rcu_read_lock`.
    pub depth: u32,
    /// The number of the latest grace period started when the outermost
    /// section was entered.
    pub entered_in_gp: u64,
    /// The thread's section counter while inside (odd), as published in its
    /// reader slot.
    pub section: usize,
}

/// The context of one thread of a modelled program.
#[derive(Debug)]
pub struct OpCtx {
    thread: usize,
    next_seq: Cell<usize>,
    op: RefCell<OpLabel>,
    locks: Cell<LockCounts>,
    reader: Cell<ReaderState>,
}

impl OpCtx {
    /// A context for thread number `thread` (0 is the program's main thread).
    pub fn new(thread: usize) -> Self {
        OpCtx {
            thread,
            next_seq: Cell::new(0),
            op: RefCell::new(OpLabel { id: OpId { thread, seq: 0 }, text: "setup".into() }),
            locks: Cell::new(LockCounts::default()),
            reader: Cell::new(ReaderState::default()),
        }
    }

    pub fn thread(&self) -> usize {
        self.thread
    }

    /// Starts a new operation: gives it the next id and zeroes the lock counts.
    pub fn begin_op(&self, text: impl Into<String>) -> OpId {
        let seq = self.next_seq.get();
        self.next_seq.set(seq + 1);
        let id = OpId { thread: self.thread, seq };
        *self.op.borrow_mut() = OpLabel { id, text: text.into() };
        self.locks.set(LockCounts::default());
        id
    }

    /// The current operation.
    pub fn op(&self) -> OpLabel {
        self.op.borrow().clone()
    }

    pub fn op_id(&self) -> OpId {
        self.op.borrow().id
    }

    /// Lock acquisitions of the current operation so far.
    pub fn locks(&self) -> LockCounts {
        self.locks.get()
    }

    pub(crate) fn count_lock(&self, class: LockClass) {
        let mut counts = self.locks.get();
        counts.0[class.index()] += 1;
        self.locks.set(counts);
    }

    pub fn reader(&self) -> ReaderState {
        self.reader.get()
    }

    pub(crate) fn set_reader(&self, state: ReaderState) {
        self.reader.set(state);
    }
}
