//! The JSON form of a history, for saving and loading.
//!
//! ```json
//! {
//!   "format": "xattrsim-history",
//!   "version": 1,
//!   "superblocks": [ { "budget": 4096 } ],
//!   "stores": [
//!     { "superblock": 0 },
//!     { "limited_prefix": "user.",
//!       "limits": { "max_nr": 128, "max_size": 131072, "accounting": "pre-increment" },
//!       "initial": { "user.a": "old" } }
//!   ],
//!   "operations": [
//!     { "thread": 1, "store": 1, "invoked": 0, "returned": 3,
//!       "call": { "setxattr": { "name": "user.a", "value": "new", "flags": 2 } },
//!       "result": "ok" },
//!     { "thread": 2, "store": 1, "invoked": 1, "returned": 2,
//!       "call": { "getxattr": { "name": "user.a", "size": 16 } },
//!       "result": { "value": "old" } },
//!     { "thread": 3, "store": 1, "invoked": 4,
//!       "call": { "removexattr": { "name": "user.a" } } }
//!   ]
//! }
//! ```
//!
//! Fields:
//! - `superblocks` (optional): tmpfs superblocks; `budget` is the bytes all
//!   entries of its stores may use, each entry `40 + value size + name
//!   length`. A store refers to one by its index.
//! - `stores`: referred to by index. `superblock`, `limited_prefix`,
//!   `limits` (`accounting` is `pre-increment`, the default, or
//!   `net-delta`), `allocated` (whether the store exists before the history;
//!   implied by a non-empty `initial`) and `initial` (name to value) are
//!   optional.
//! - `operations`: `thread`, `store`, `invoked` and `call` are required.
//!   `returned` and `result` go together; an operation with neither is
//!   pending: its thread stopped before it returned, so it may or may not
//!   have taken effect. Times are logical: operation A precedes B when A's
//!   `returned` is less than B's `invoked`.
//! - `call` is one of `getxattr {name, size}`, `setxattr {name, value,
//!   flags}`, `removexattr {name}`, `listxattr {size, trusted_visible}` and
//!   `simple_xattr_add {name, value}`. `size` is the buffer size in bytes;
//!   0 is the size query, as in the syscalls, and an absent `size` is a
//!   buffer large enough for any answer. `flags` is a number: 1 is
//!   `XATTR_CREATE`, 2 is `XATTR_REPLACE`, default 0. `trusted_visible`
//!   defaults to true.
//! - `result` is `"ok"`, `{"value": V}`, `{"size": N}`, `{"names": [...]}`
//!   or `{"error": "ENODATA"}` (any errno name the models know).
//! - A value `V` is a JSON string (its UTF-8 bytes) or an array of byte
//!   numbers; saving writes a string when the bytes are valid UTF-8.
//!
//! Unknown fields are rejected, so a misspelt field is an error, not a
//! silent default. Syntax and type errors carry the line and column that
//! serde_json reports; errors found after parsing (an undeclared store, a
//! result that does not fit the call) name the operation or store index.
//!
//! Limitations: a fetch with a zero-byte buffer (a model `getxattr` with
//! `Some(0)`) is saved as size 0 and so loads back as the size query; the
//! kernel never passes a zero-byte buffer other than as the query.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use xattr_model::config::Accounting;
use xattr_model::errno::Errno;

use crate::store_spec::{Limits, StoreSpec, StoreState};

use super::history::{Buffer, Call, History, HistoryError, Operation, Outcome, StoreDecl, SuperblockDecl};

/// The value of the `format` field.
pub const FORMAT: &str = "xattrsim-history";
/// The only version this build reads and writes.
pub const VERSION: u32 = 1;

/// Why a history file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("invalid history JSON at line {line}, column {column}: {message}")]
    Json { line: usize, column: usize, message: String },
    #[error("unsupported history: {0}")]
    Format(String),
    #[error("invalid history: {0}")]
    Invalid(#[from] HistoryError),
}

/// Parses and validates a history.
pub fn from_str(text: &str) -> Result<History, LoadError> {
    let file: HistoryFile = serde_json::from_str(text).map_err(|error| LoadError::Json {
        line: error.line(),
        column: error.column(),
        message: strip_position(&error.to_string()),
    })?;
    if file.format != FORMAT || file.version != VERSION {
        return Err(LoadError::Format(format!(
            "format {:?} version {}, but this build reads {FORMAT:?} version {VERSION}",
            file.format, file.version
        )));
    }
    let history = file.into_history();
    history.validate()?;
    Ok(history)
}

/// Writes a history as pretty-printed JSON.
pub fn to_string(history: &History) -> String {
    let file = HistoryFile::from_history(history);
    serde_json::to_string_pretty(&file).expect("a history always serializes")
}

/// serde_json appends " at line L column C"; the error carries both apart.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryFile {
    format: String,
    version: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    superblocks: Vec<SuperblockFile>,
    stores: Vec<StoreFile>,
    operations: Vec<OperationFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuperblockFile {
    budget: usize,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    superblock: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    limited_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    limits: Option<LimitsFile>,
    #[serde(default, skip_serializing_if = "is_false")]
    allocated: bool,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    initial: BTreeMap<String, Value>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsFile {
    max_nr: usize,
    max_size: usize,
    #[serde(default)]
    accounting: AccountingFile,
}

#[derive(Serialize, Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
enum AccountingFile {
    #[default]
    PreIncrement,
    NetDelta,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OperationFile {
    thread: usize,
    store: usize,
    invoked: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    returned: Option<u64>,
    call: CallFile,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    result: Option<ResultFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum CallFile {
    Getxattr {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        size: Option<usize>,
    },
    Setxattr {
        name: String,
        value: Value,
        #[serde(default)]
        flags: u32,
    },
    Removexattr {
        name: String,
    },
    Listxattr {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        size: Option<usize>,
        #[serde(default = "yes")]
        trusted_visible: bool,
    },
    SimpleXattrAdd {
        name: String,
        value: Value,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum ResultFile {
    Ok,
    Value(Value),
    Size(usize),
    Names(Vec<String>),
    Error(ErrnoName),
}

/// Bytes written as a string when they are UTF-8, else as an array.
#[derive(Clone)]
struct Value(Vec<u8>);

/// An errno by its symbolic name.
#[derive(Clone, Copy)]
struct ErrnoName(Errno);

fn is_false(value: &bool) -> bool {
    !*value
}

fn yes() -> bool {
    true
}

impl HistoryFile {
    fn into_history(self) -> History {
        let superblocks = self.superblocks.into_iter().map(|sb| SuperblockDecl { budget: sb.budget }).collect();
        let stores = self.stores.into_iter().map(StoreFile::into_decl).collect();
        let operations = self.operations.into_iter().map(OperationFile::into_operation).collect();
        History { stores, superblocks, operations }
    }

    fn from_history(history: &History) -> Self {
        HistoryFile {
            format: FORMAT.to_owned(),
            version: VERSION,
            superblocks: history.superblocks.iter().map(|sb| SuperblockFile { budget: sb.budget }).collect(),
            stores: history.stores.iter().map(StoreFile::from_decl).collect(),
            operations: history.operations.iter().map(OperationFile::from_operation).collect(),
        }
    }
}

impl StoreFile {
    fn into_decl(self) -> StoreDecl {
        let limits = self.limits.map(|limits| Limits {
            max_nr: limits.max_nr,
            max_size: limits.max_size,
            accounting: match limits.accounting {
                AccountingFile::PreIncrement => Accounting::PreIncrement,
                AccountingFile::NetDelta => Accounting::NetDelta,
            },
        });
        let entries: BTreeMap<String, Vec<u8>> = self.initial.into_iter().map(|(name, value)| (name, value.0)).collect();
        let initial = StoreState { allocated: self.allocated || !entries.is_empty(), entries };
        StoreDecl { spec: StoreSpec { limited_prefix: self.limited_prefix, limits }, superblock: self.superblock, initial }
    }

    fn from_decl(decl: &StoreDecl) -> Self {
        let limits = decl.spec.limits.map(|limits| LimitsFile {
            max_nr: limits.max_nr,
            max_size: limits.max_size,
            accounting: match limits.accounting {
                Accounting::PreIncrement => AccountingFile::PreIncrement,
                Accounting::NetDelta => AccountingFile::NetDelta,
            },
        });
        StoreFile {
            superblock: decl.superblock,
            limited_prefix: decl.spec.limited_prefix.clone(),
            limits,
            allocated: decl.initial.allocated,
            initial: decl.initial.entries.iter().map(|(name, value)| (name.clone(), Value(value.clone()))).collect(),
        }
    }
}

impl OperationFile {
    fn into_operation(self) -> Operation {
        let call = match self.call {
            CallFile::Getxattr { name, size } => Call::Get { name, buffer: buffer_of(size) },
            CallFile::Setxattr { name, value, flags } => Call::Set { name, value: value.0, flags },
            CallFile::Removexattr { name } => Call::Remove { name },
            CallFile::Listxattr { size, trusted_visible } => Call::List { buffer: buffer_of(size), trusted_visible },
            CallFile::SimpleXattrAdd { name, value } => Call::Add { name, value: value.0 },
        };
        let response = self.result.map(|result| match result {
            ResultFile::Ok => Outcome::Done,
            ResultFile::Value(value) => Outcome::Value(value.0),
            ResultFile::Size(size) => Outcome::Size(size),
            ResultFile::Names(names) => Outcome::Names(names),
            ResultFile::Error(errno) => Outcome::Err(errno.0),
        });
        Operation { thread: self.thread, store: self.store, call, response, invoked: self.invoked, returned: self.returned }
    }

    fn from_operation(op: &Operation) -> Self {
        let call = match &op.call {
            Call::Get { name, buffer } => CallFile::Getxattr { name: name.clone(), size: size_of(buffer) },
            Call::Set { name, value, flags } => CallFile::Setxattr { name: name.clone(), value: Value(value.clone()), flags: *flags },
            Call::Remove { name } => CallFile::Removexattr { name: name.clone() },
            Call::List { buffer, trusted_visible } => {
                CallFile::Listxattr { size: size_of(buffer), trusted_visible: *trusted_visible }
            }
            Call::Add { name, value } => CallFile::SimpleXattrAdd { name: name.clone(), value: Value(value.clone()) },
        };
        let result = op.response.as_ref().map(|outcome| match outcome {
            Outcome::Done => ResultFile::Ok,
            Outcome::Value(value) => ResultFile::Value(Value(value.clone())),
            Outcome::Size(size) => ResultFile::Size(*size),
            Outcome::Names(names) => ResultFile::Names(names.clone()),
            Outcome::Err(errno) => ResultFile::Error(ErrnoName(*errno)),
        });
        OperationFile { thread: op.thread, store: op.store, invoked: op.invoked, returned: op.returned, call, result }
    }
}

fn buffer_of(size: Option<usize>) -> Buffer {
    match size {
        None => Buffer::Unbounded,
        Some(0) => Buffer::Query,
        Some(size) => Buffer::Bytes(size),
    }
}

fn size_of(buffer: &Buffer) -> Option<usize> {
    match buffer {
        Buffer::Query => Some(0),
        Buffer::Bytes(size) => Some(*size),
        Buffer::Unbounded => None,
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(&self.0) {
            Ok(text) => serializer.serialize_str(text),
            Err(_) => self.0.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a value as a string or an array of byte numbers")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Value, E> {
        Ok(Value(text.as_bytes().to_vec()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut bytes = Vec::new();
        while let Some(byte) = seq.next_element::<u8>()? {
            bytes.push(byte);
        }
        Ok(Value(bytes))
    }
}

impl Serialize for ErrnoName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.name())
    }
}

impl<'de> Deserialize<'de> for ErrnoName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Errno::from_name(&name).map(ErrnoName).ok_or_else(|| {
            let known: Vec<&str> = Errno::ALL.iter().map(|errno| errno.name()).collect();
            de::Error::custom(format!("unknown errno {name:?}; expected one of {}", known.join(", ")))
        })
    }
}
