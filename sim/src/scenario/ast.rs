//! The parsed form of a scenario file.
//!
//! A scenario has a header (name, profiles, designs), credentials, the
//! setup of its filesystems, and blocks of operations that run one after
//! another, each as one credential (`ops as CRED { ... }`). Each operation
//! is a call, optionally binding the fds it returns to names, with an
//! optional expectation, which may differ per kernel profile.
//!
//! The concurrent part of the format (`thread NAME as CRED { ... }`
//! blocks, explorer budgets, knobs, expectations over schedules) is in
//! [`Scenario::concurrent`]; see [`super::concurrent_ast`].

use std::collections::BTreeMap;

use super::error::Pos;
use crate::oracle::Profile;
use crate::world::{Cred, FileType};

/// A scenario.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scenario {
    /// The file name used in messages.
    pub file: String,
    pub name: Option<String>,
    /// Profiles to run under; both when the file lists none.
    pub profiles: Vec<Profile>,
    /// Registered design names to route store operations to; both
    /// built-in designs when the file lists none.
    pub designs: Vec<String>,
    pub creds: BTreeMap<String, Cred>,
    pub setup: Vec<(Pos, Setup)>,
    pub blocks: Vec<OpsBlock>,
    /// Threads, explorers, knobs and expectations; empty for a
    /// single-threaded scenario.
    pub concurrent: super::concurrent_ast::Concurrent,
}

/// A setup declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setup {
    Umask(u32),
    Tmpfs { mountpoint: String, nr_inodes: u64, read_only: bool },
    KernfsRoot { name: String, user_xattr: bool },
    Kernfs { mountpoint: String, root: String, read_only: bool },
    KernfsNode { root: String, name: String, file_type: FileType, mode: u32, uid: u32, gid: u32 },
}

/// `ops as CRED { ... }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpsBlock {
    pub pos: Pos,
    pub cred: String,
    pub stmts: Vec<Stmt>,
}

/// One operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stmt {
    pub pos: Pos,
    /// Names for the fds the call returns: one, or two for `socketpair`.
    pub bind: Vec<String>,
    pub call: Call,
    pub expect: Option<Expect>,
}

/// A call as written: a function name and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub name: String,
    pub args: Vec<(Pos, Arg)>,
}

/// An argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Bytes(Vec<u8>),
    Int(i64),
    /// Words joined by `|`: constants (`XATTR_CREATE|XATTR_REPLACE`) or an
    /// fd name.
    Words(Vec<String>),
}

/// The expected result of a call, for every profile or per profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    All(Vec<Check>),
    PerProfile(Vec<(Profile, Vec<Check>)>),
}

impl Expect {
    /// Returns the checks that apply under `profile`, none if the profile
    /// is not listed.
    pub fn for_profile(&self, profile: Profile) -> &[Check] {
        match self {
            Expect::All(checks) => checks,
            Expect::PerProfile(cases) => {
                cases.iter().find(|(case, _)| *case == profile).map_or(&[], |(_, checks)| checks.as_slice())
            }
        }
    }
}

/// One check on a result; an expectation holds when all its checks do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// Any success.
    Ok,
    Errno(xattr_model::errno::Errno),
    /// The return value.
    Returns(i64),
    /// The value a get copied out.
    Value(Vec<u8>),
    /// A list containing each of these names.
    Contains(Vec<String>),
    /// A list containing none of these names.
    Lacks(Vec<String>),
    /// A list equal to this set of names.
    Names(Vec<String>),
    /// A list that names some name more than once (design B's walk during
    /// a table resize).
    Duplicates,
}
