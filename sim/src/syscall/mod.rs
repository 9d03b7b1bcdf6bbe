//! Syscalls as plain data: the 12 xattr syscalls and the calls that build
//! and change the world (file creation, sockets, fds, chmod, chown).
//!
//! Kernel source: the `SYSCALL_DEFINE`s of fs/xattr.c, fs/open.c,
//! fs/namei.c and net/socket.c. A syscall is data so that scenario files,
//! fuzzers and differential testers can generate and replay it; the
//! oracle ([`crate::oracle`]) gives its result.
//!
//! Results: [`SysOutput`] is what a successful call returns, an `Errno`
//! what a failed one sets. A get with a buffer returns the value (its
//! length is the syscall's return value); a size query (size 0) returns
//! the size; a list with a buffer returns the names in order.

pub mod args;

use std::fmt;

use xattr_model::errno::Errno;

use crate::world::{Family, Fd, SockType};

/// The XATTR syscall families, for coverage tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum XattrKind {
    Set,
    Get,
    List,
    Remove,
}

/// How an xattr syscall names its object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Via {
    /// `setxattr` and friends: path lookup following a final symlink.
    Path(String),
    /// `lsetxattr` and friends: path lookup not following a final symlink.
    LPath(String),
    /// `fsetxattr` and friends.
    Fd(Fd),
}

/// The operation part of an xattr syscall.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum XattrOp {
    /// `value` is copied in full; its length is the `size` argument.
    Set { name: String, value: Vec<u8>, flags: u32 },
    /// `size` 0 is the size query.
    Get { name: String, size: usize },
    List { size: usize },
    Remove { name: String },
}

/// One xattr syscall.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct XattrCall {
    pub via: Via,
    pub op: XattrOp,
}

impl XattrCall {
    /// The syscall's name, for example `lsetxattr`.
    pub fn syscall_name(&self) -> &'static str {
        const NAMES: [[&str; 3]; 4] = [
            ["setxattr", "lsetxattr", "fsetxattr"],
            ["getxattr", "lgetxattr", "fgetxattr"],
            ["listxattr", "llistxattr", "flistxattr"],
            ["removexattr", "lremovexattr", "fremovexattr"],
        ];
        let column = match self.via {
            Via::Path(_) => 0,
            Via::LPath(_) => 1,
            Via::Fd(_) => 2,
        };
        NAMES[self.kind() as usize][column]
    }

    pub fn kind(&self) -> XattrKind {
        match self.op {
            XattrOp::Set { .. } => XattrKind::Set,
            XattrOp::Get { .. } => XattrKind::Get,
            XattrOp::List { .. } => XattrKind::List,
            XattrOp::Remove { .. } => XattrKind::Remove,
        }
    }
}

/// The names of the 12 xattr syscalls.
pub const XATTR_SYSCALLS: [&str; 12] = [
    "setxattr",
    "lsetxattr",
    "fsetxattr",
    "getxattr",
    "lgetxattr",
    "fgetxattr",
    "listxattr",
    "llistxattr",
    "flistxattr",
    "removexattr",
    "lremovexattr",
    "fremovexattr",
];

/// A call that builds or changes the world.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WorldCall {
    /// `creat(path, mode)`: a tmpfs regular file; returns nothing (the fd
    /// is closed at once).
    Creat { path: String, mode: u32 },
    Mkdir { path: String, mode: u32 },
    Symlink { target: String, path: String },
    Mkfifo { path: String, mode: u32 },
    /// `socket(family, type, 0)`: returns an fd on a new sockfs inode.
    Socket { family: Family, sock_type: SockType },
    /// `bind` to a filesystem path: creates the path's `S_IFSOCK` inode.
    Bind { fd: Fd, path: String },
    /// `bind` to an abstract AF_UNIX name: no filesystem inode.
    BindAbstract { fd: Fd, name: String },
    /// `connect(fd, path)` on an AF_UNIX socket: needs MAY_WRITE on the
    /// path's inode and queues a connection for `accept`.
    Connect { fd: Fd, path: String },
    /// `accept(fd)`: returns an fd on a new sockfs inode.
    Accept { fd: Fd },
    /// `socketpair(family, type, 0)`: returns two fds on two new inodes.
    Socketpair { family: Family, sock_type: SockType },
    /// `open(path, O_RDONLY)` or with `O_PATH`; `nofollow` adds `O_NOFOLLOW`.
    Open { path: String, o_path: bool, nofollow: bool },
    Dup { fd: Fd },
    Close { fd: Fd },
    Chmod { path: String, mode: u32 },
    Fchmod { fd: Fd, mode: u32 },
    /// `None` keeps the id, like -1 in the syscall.
    Chown { path: String, uid: Option<u32>, gid: Option<u32> },
    Fchown { fd: Fd, uid: Option<u32>, gid: Option<u32> },
    /// `chattr +i` / `+a` as an administrator (no permission check).
    SetInodeFlags { path: String, immutable: bool, append_only: bool },
    /// `pidfd_open(pid, 0)`.
    PidfdOpen { pid: u32 },
}

/// Any call the oracle can answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Syscall {
    Xattr(XattrCall),
    World(WorldCall),
}

/// What a successful call returns.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SysOutput {
    /// Return value 0 with nothing else.
    Done,
    /// A size: the size query of get or list.
    Size(usize),
    /// The value a get copied out; the return value is its length.
    Value(Vec<u8>),
    /// The names a list copied out, in output order; the return value is
    /// the sum of their lengths plus one NUL each.
    Names(Vec<String>),
    Fd(Fd),
    FdPair(Fd, Fd),
}

impl SysOutput {
    /// The syscall's return value.
    pub fn return_value(&self) -> i64 {
        let len = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        match self {
            SysOutput::Done => 0,
            SysOutput::Size(size) => len(*size),
            SysOutput::Value(value) => len(value.len()),
            SysOutput::Names(names) => len(list_bytes(names)),
            SysOutput::Fd(fd) | SysOutput::FdPair(fd, _) => i64::from(*fd),
        }
    }
}

/// The result of a call.
pub type SysResult = Result<SysOutput, Errno>;

/// Bytes a list of names takes: each name and its NUL.
pub fn list_bytes(names: &[String]) -> usize {
    names.iter().map(|name| name.len() + 1).sum()
}

impl fmt::Display for SysOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SysOutput::Done => f.write_str("0"),
            SysOutput::Size(size) => write!(f, "{size}"),
            SysOutput::Value(value) if value.len() > 64 => write!(f, "{} bytes", value.len()),
            SysOutput::Value(value) => write!(f, "{:?}", String::from_utf8_lossy(value)),
            SysOutput::Names(names) => write!(f, "{names:?}"),
            SysOutput::Fd(fd) => write!(f, "fd {fd}"),
            SysOutput::FdPair(a, b) => write!(f, "fds {a} and {b}"),
        }
    }
}

impl fmt::Display for XattrCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = match &self.via {
            Via::Path(path) | Via::LPath(path) => format!("{path:?}"),
            Via::Fd(fd) => format!("fd {fd}"),
        };
        let name = self.syscall_name();
        match &self.op {
            XattrOp::Set { name: attr, value, flags } => {
                write!(f, "{name}({target}, {attr:?}, {} bytes, {flags:#x})", value.len())
            }
            XattrOp::Get { name: attr, size } => write!(f, "{name}({target}, {attr:?}, {size})"),
            XattrOp::List { size } => write!(f, "{name}({target}, {size})"),
            XattrOp::Remove { name: attr } => write!(f, "{name}({target}, {attr:?})"),
        }
    }
}
