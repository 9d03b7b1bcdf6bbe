//! Builders shared by the linearizability checker's tests: short
//! constructors for calls and results, and a history builder.

#![allow(dead_code)]

use std::time::Duration;

use xattr_model::errno::Errno;
use xattr_sim::lincheck::{
    check, Budget, Buffer, Call, History, ListSpec, Operation, Options, Outcome, Report, StoreDecl, SuperblockDecl, Verdict,
};
use xattr_sim::store_spec::{Limits, StoreSpec};

/// A history under construction.
pub struct Builder {
    history: History,
}

impl Builder {
    /// Starts a history over `stores` empty, unlimited stores.
    pub fn new(stores: usize) -> Self {
        Builder { history: History { stores: vec![StoreDecl::default(); stores], ..History::default() } }
    }

    /// Gives `store` the entry `name` before the history starts.
    pub fn initial(mut self, store: usize, name: &str, value: &str) -> Self {
        let initial = &mut self.history.stores[store].initial;
        initial.allocated = true;
        initial.entries.insert(name.into(), value.as_bytes().to_vec());
        self
    }

    /// Limits `user.*` names of `store` with the kernel's pre-increment rule.
    pub fn limits(mut self, store: usize, max_nr: usize, max_size: usize) -> Self {
        let limits = Limits { max_nr, max_size, accounting: Default::default() };
        self.history.stores[store].spec = StoreSpec { limited_prefix: Some("user.".into()), limits: Some(limits) };
        self
    }

    /// Charges `stores` to one tmpfs superblock of `budget` bytes.
    pub fn superblock(mut self, budget: usize, stores: &[usize]) -> Self {
        let id = self.history.superblocks.len();
        self.history.superblocks.push(SuperblockDecl { budget });
        for store in stores {
            self.history.stores[*store].superblock = Some(id);
        }
        self
    }

    /// Adds a completed operation.
    pub fn op(mut self, thread: usize, store: usize, call: Call, result: Outcome, invoked: u64, returned: u64) -> Self {
        self.history.operations.push(Operation {
            thread,
            store,
            call,
            response: Some(result),
            invoked,
            returned: Some(returned),
        });
        self
    }

    /// Adds an operation that never responded.
    pub fn pending(mut self, thread: usize, store: usize, call: Call, invoked: u64) -> Self {
        self.history.operations.push(Operation { thread, store, call, response: None, invoked, returned: None });
        self
    }

    pub fn build(self) -> History {
        self.history
    }
}

pub fn set(name: &str, value: &str) -> Call {
    Call::Set { name: name.into(), value: value.as_bytes().to_vec(), flags: 0 }
}

pub fn set_flags(name: &str, value: &str, flags: u32) -> Call {
    Call::Set { name: name.into(), value: value.as_bytes().to_vec(), flags }
}

pub fn get(name: &str) -> Call {
    Call::Get { name: name.into(), buffer: Buffer::Unbounded }
}

pub fn get_size(name: &str) -> Call {
    Call::Get { name: name.into(), buffer: Buffer::Query }
}

pub fn remove(name: &str) -> Call {
    Call::Remove { name: name.into() }
}

pub fn list() -> Call {
    Call::List { buffer: Buffer::Unbounded, trusted_visible: true }
}

pub fn list_size() -> Call {
    Call::List { buffer: Buffer::Query, trusted_visible: true }
}

pub fn list_into(size: usize) -> Call {
    Call::List { buffer: Buffer::Bytes(size), trusted_visible: true }
}

pub fn ok() -> Outcome {
    Outcome::Done
}

pub fn value(text: &str) -> Outcome {
    Outcome::Value(text.as_bytes().to_vec())
}

pub fn size(bytes: usize) -> Outcome {
    Outcome::Size(bytes)
}

pub fn names(list: &[&str]) -> Outcome {
    Outcome::Names(list.iter().map(|name| name.to_string()).collect())
}

pub fn err(errno: Errno) -> Outcome {
    Outcome::Err(errno)
}

/// Options with a short budget and shrinking on.
pub fn options(list_spec: ListSpec) -> Options {
    Options {
        list_spec,
        partitioned: true,
        budget: Budget { time: Some(Duration::from_secs(20)), max_configurations: 1_000_000 },
        shrink_time: Some(Duration::from_secs(5)),
    }
}

pub fn strict(history: &History) -> Report {
    check(history, &options(ListSpec::Strict)).expect("the test history is valid")
}

pub fn weak(history: &History) -> Report {
    check(history, &options(ListSpec::Weak)).expect("the test history is valid")
}

pub fn is_violation(report: &Report) -> bool {
    matches!(report.verdict, Verdict::Violation(_))
}
