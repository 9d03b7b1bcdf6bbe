//! Concurrent histories: one invocation and one response per operation.
//!
//! A [`History`] declares the stores it acts on (each with its sequential
//! specification and initial contents), the tmpfs superblocks whose space
//! budget the stores share, and the operations: thread, store, call with
//! arguments, response and the logical times of invocation and response.
//! This is the history of Herlihy & Wing's definition of linearizability
//! (1990); an operation whose thread was stopped before it responded is
//! *pending* and may or may not have taken effect.
//!
//! [`History::from_execution`] turns one model run into a history with no
//! work by the caller: store `n` is inode `n` of the program, and thread 0 is
//! the program's setup.
//!
//! Invariants, checked by [`History::validate`]: every store and superblock
//! id exists, `invoked <= returned`, an operation has a response exactly when
//! it has a response time, and the response fits the call (a get returns a
//! value, a size or an errno; a set returns 0 or an errno; and so on).
//!
//! Limitations: eviction and `synchronize_rcu` have no store-level
//! specification, so [`History::from_execution`] rejects the first and skips
//! the second.

use std::fmt;

use xattr_model::config::ModelConfig;
use xattr_model::errno::{Errno, XATTR_CREATE, XATTR_REPLACE};
use xattr_model::program::{Execution, ModelOp, Program};

use crate::store_spec::{Limits, StoreSpec, StoreState};

pub use xattr_model::program::Outcome;

/// The buffer a get or list call passes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Buffer {
    /// Size 0 in the syscall, which returns the size the full result needs.
    Query,
    /// A buffer of this many bytes; a larger result gives `ERANGE`.
    Bytes(usize),
    /// A buffer that fits any result, as the model's calls pass.
    Unbounded,
}

/// One call with its arguments.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Call {
    /// `getxattr`.
    Get { name: String, buffer: Buffer },
    /// `setxattr` with `XATTR_CREATE`/`XATTR_REPLACE` flags.
    Set { name: String, value: Vec<u8>, flags: u32 },
    /// `removexattr` (a set with no value and `XATTR_REPLACE`).
    Remove { name: String },
    /// `listxattr`; `trusted.*` names are listed only if `trusted_visible`.
    List { buffer: Buffer, trusted_visible: bool },
    /// `simple_xattr_add`: an insert with no limit or budget check, as
    /// `shmem_initxattrs` uses it after reserving the space itself.
    Add { name: String, value: Vec<u8> },
}

impl Call {
    /// Returns whether the call can change a store.
    pub fn is_write(&self) -> bool {
        matches!(self, Call::Set { .. } | Call::Remove { .. } | Call::Add { .. })
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Call::Get { name, buffer } => write!(f, "getxattr({name:?}, {buffer})"),
            Call::Set { name, value, flags } => {
                write!(f, "setxattr({name:?}, {:?}{})", String::from_utf8_lossy(value), flag_names(*flags))
            }
            Call::Remove { name } => write!(f, "removexattr({name:?})"),
            Call::List { buffer, .. } => write!(f, "listxattr({buffer})"),
            Call::Add { name, value } => write!(f, "simple_xattr_add({name:?}, {:?})", String::from_utf8_lossy(value)),
        }
    }
}

impl fmt::Display for Buffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Buffer::Query => write!(f, "size 0"),
            Buffer::Bytes(size) => write!(f, "size {size}"),
            Buffer::Unbounded => write!(f, "any size"),
        }
    }
}

fn flag_names(flags: u32) -> String {
    let mut text = String::new();
    if flags & XATTR_CREATE != 0 {
        text.push_str(", XATTR_CREATE");
    }
    if flags & XATTR_REPLACE != 0 {
        text.push_str(", XATTR_REPLACE");
    }
    text
}

/// One operation of a history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    pub thread: usize,
    /// Index into [`History::stores`].
    pub store: usize,
    pub call: Call,
    /// `None` for a pending operation, which never responded.
    pub response: Option<Outcome>,
    /// Logical time of the invocation.
    pub invoked: u64,
    /// Logical time of the response; `None` exactly when `response` is.
    pub returned: Option<u64>,
}

impl Operation {
    /// Returns whether the operation never responded.
    pub fn is_pending(&self) -> bool {
        self.response.is_none()
    }
}

/// One store: its specification, superblock and contents before the history.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StoreDecl {
    pub spec: StoreSpec,
    /// Index into [`History::superblocks`]; `None` when no shared budget
    /// applies (tmpfs with `nr_inodes=0`, or a filesystem without one).
    pub superblock: Option<usize>,
    pub initial: StoreState,
}

/// A tmpfs superblock whose space budget its stores share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuperblockDecl {
    /// Bytes the stores' entries may use in total, counting the initial
    /// entries; each entry uses `40 + value size + full name length`.
    pub budget: usize,
}

/// A concurrent history.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct History {
    pub stores: Vec<StoreDecl>,
    pub superblocks: Vec<SuperblockDecl>,
    pub operations: Vec<Operation>,
}

/// The reasons a history is invalid or cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HistoryError {
    #[error("operation {operation}: {message}")]
    InvalidOperation { operation: usize, message: String },
    #[error("store {store}: {message}")]
    InvalidStore { store: usize, message: String },
    #[error("thread {thread} operation {index}: {op} has no sequential specification in the checker")]
    UnsupportedModelOp { thread: usize, index: usize, op: String },
}

impl History {
    /// Builds the history of one model execution: store `n` is inode `n`,
    /// limited as the program and configuration set.
    pub fn from_execution(program: &Program, config: &ModelConfig, execution: &Execution) -> Result<History, HistoryError> {
        let limits = Limits {
            max_nr: config.capacities.max_nr_xattrs,
            max_size: config.capacities.max_xattr_size,
            accounting: config.accounting,
        };
        let stores = program
            .inodes
            .iter()
            .map(|inode| {
                let limits = inode.limited_prefix.as_ref().map(|_| limits);
                let spec = StoreSpec { limited_prefix: inode.limited_prefix.clone(), limits };
                StoreDecl { spec, superblock: None, initial: StoreState::default() }
            })
            .collect();

        let mut operations = Vec::with_capacity(execution.records.len());
        for record in &execution.records {
            let unsupported =
                || HistoryError::UnsupportedModelOp { thread: record.thread, index: record.index, op: record.op.to_string() };
            let Some((store, call)) = call_of(&record.op).ok_or_else(unsupported)? else { continue };
            operations.push(Operation {
                thread: record.thread,
                store,
                call,
                response: Some(record.outcome.clone()),
                invoked: record.invoked,
                returned: Some(record.returned),
            });
        }
        operations.sort_by_key(|op| (op.invoked, op.thread));
        let history = History { stores, superblocks: Vec::new(), operations };
        history.validate()?;
        Ok(history)
    }

    /// Checks the invariants listed in the module documentation.
    pub fn validate(&self) -> Result<(), HistoryError> {
        for (store, decl) in self.stores.iter().enumerate() {
            if let Some(superblock) = decl.superblock.filter(|sb| *sb >= self.superblocks.len()) {
                let message = format!("superblock {superblock} is not declared ({} declared)", self.superblocks.len());
                return Err(HistoryError::InvalidStore { store, message });
            }
        }
        for (index, op) in self.operations.iter().enumerate() {
            validate_operation(self, op).map_err(|message| HistoryError::InvalidOperation { operation: index, message })?;
        }
        Ok(())
    }

    /// Returns the threads that appear in the history, ascending.
    pub fn threads(&self) -> Vec<usize> {
        let mut threads: Vec<usize> = self.operations.iter().map(|op| op.thread).collect();
        threads.sort_unstable();
        threads.dedup();
        threads
    }

    /// Returns the same declarations with only the operations `keep` selects.
    pub fn with_operations(&self, keep: impl Fn(usize, &Operation) -> bool) -> History {
        let operations = self.operations.iter().enumerate().filter(|(index, op)| keep(*index, op)).map(|(_, op)| op.clone());
        History { stores: self.stores.clone(), superblocks: self.superblocks.clone(), operations: operations.collect() }
    }
}

/// Maps a model operation to (store, call): `Some(None)` for an operation
/// with no store effect, `None` for one the checker cannot specify.
fn call_of(op: &ModelOp) -> Option<Option<(usize, Call)>> {
    let call = match op {
        ModelOp::Get { inode, name, size, .. } => {
            let buffer = size.map_or(Buffer::Query, Buffer::Bytes);
            (*inode, Call::Get { name: name.clone(), buffer })
        }
        ModelOp::Set { inode, name, value, flags } => (*inode, Call::Set { name: name.clone(), value: value.clone(), flags: *flags }),
        ModelOp::Remove { inode, name } => (*inode, Call::Remove { name: name.clone() }),
        ModelOp::List { inode, trusted_visible, .. } => {
            (*inode, Call::List { buffer: Buffer::Unbounded, trusted_visible: *trusted_visible })
        }
        ModelOp::Add { inode, name, value } => (*inode, Call::Add { name: name.clone(), value: value.clone() }),
        ModelOp::SynchronizeRcu => return Some(None),
        ModelOp::Evict { .. } => return None,
    };
    Some(Some(call))
}

fn validate_operation(history: &History, op: &Operation) -> Result<(), String> {
    if op.store >= history.stores.len() {
        return Err(format!("store {} is not declared ({} declared)", op.store, history.stores.len()));
    }
    match (&op.response, op.returned) {
        (Some(_), None) => return Err("has a result but no response time (`returned`)".into()),
        (None, Some(_)) => return Err("has a response time but no result".into()),
        (_, Some(returned)) if returned < op.invoked => {
            return Err(format!("returned at {returned}, before its invocation at {}", op.invoked))
        }
        _ => {}
    }
    if let Call::Set { flags, .. } = &op.call {
        if flags & !(XATTR_CREATE | XATTR_REPLACE) != 0 {
            return Err(format!("flags {flags:#x} are not a combination of XATTR_CREATE (0x1) and XATTR_REPLACE (0x2)"));
        }
    }
    match &op.response {
        Some(outcome) if !response_fits(&op.call, outcome) => Err(format!("{} cannot return {outcome}", op.call)),
        _ => Ok(()),
    }
}

// A table of the allowed (call, result) pairs reads better than one
// `matches!` with a long pattern.
#[allow(clippy::match_like_matches_macro)]
fn response_fits(call: &Call, outcome: &Outcome) -> bool {
    match (call, outcome) {
        (_, Outcome::Err(_)) => true,
        (Call::Get { buffer: Buffer::Query, .. }, Outcome::Size(_)) => true,
        (Call::Get { buffer: Buffer::Bytes(_) | Buffer::Unbounded, .. }, Outcome::Value(_)) => true,
        (Call::List { buffer: Buffer::Query, .. }, Outcome::Size(_)) => true,
        (Call::List { buffer: Buffer::Bytes(_) | Buffer::Unbounded, .. }, Outcome::Names(_)) => true,
        (Call::Set { .. } | Call::Remove { .. } | Call::Add { .. }, Outcome::Done) => true,
        _ => false,
    }
}

/// Returns the bytes one entry uses against a tmpfs budget (`simple_xattr_space()`).
pub fn entry_space(name: &str, value_len: usize) -> usize {
    40 + value_len + name.len()
}

/// Returns the bytes one name uses in a `listxattr` buffer, with its NUL.
pub fn list_weight(name: &str) -> usize {
    name.len() + 1
}

/// Whether `errno` is one a get or list can return for a too-small buffer.
pub fn is_erange(outcome: &Outcome) -> bool {
    *outcome == Outcome::Err(Errno::ERANGE)
}
