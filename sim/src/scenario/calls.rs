//! Turning a written call into a [`Syscall`]: the call names, their
//! arguments, and the constants they accept.
//!
//! | call | arguments |
//! |---|---|
//! | `setxattr`, `lsetxattr` | path, name, value, flags |
//! | `fsetxattr` | fd, name, value, flags |
//! | `getxattr`, `lgetxattr` / `fgetxattr` | path / fd, name, size |
//! | `listxattr`, `llistxattr` / `flistxattr` | path / fd, size |
//! | `removexattr`, `lremovexattr` / `fremovexattr` | path / fd, name |
//! | `creat`, `mkdir`, `mkfifo` | path, mode |
//! | `symlink` | target, path |
//! | `socket`, `socketpair` | family, type (a protocol may follow and is ignored) |
//! | `bind`, `connect` | fd, path |
//! | `bind_abstract` | fd, name |
//! | `accept`, `dup`, `close` | fd |
//! | `open` | path, flags (`O_RDONLY`, `O_PATH`, `O_NOFOLLOW`) |
//! | `chmod` / `fchmod` | path / fd, mode |
//! | `chown` / `fchown` | path / fd, uid, gid (-1 keeps) |
//! | `chattr` | path, `"+i"`, `"+a"`, `"+ia"` or `"-"` |
//! | `pidfd_open` | pid |
//!
//! An fd argument is a name bound earlier (`s = socket(...)`) or a number.

use std::collections::{BTreeMap, BTreeSet};

use xattr_model::errno::{XATTR_CREATE, XATTR_REPLACE};

use super::ast::{Arg, Call};
use super::error::Pos;
use crate::syscall::{Syscall, Via, WorldCall, XattrCall, XattrOp};
use crate::world::{Family, Fd, SockType};

/// A problem with a call: where, what was expected, what was found.
pub type CallError = (Option<Pos>, String, String);

/// Builds the syscall for `call`, with fd names looked up in `fds`.
pub fn build_syscall(call: &Call, fds: &BTreeMap<String, Fd>) -> Result<Syscall, CallError> {
    let args = Args { call, fds };
    let name = call.name.as_str();
    if let Some(syscall) = xattr_call(name, &args)? {
        return Ok(Syscall::Xattr(syscall));
    }
    world_call(name, &args).map(Syscall::World)
}

/// Checks `call` at parse time: known call, argument types, fd names bound
/// before, and a binding that matches what the call returns.
pub fn validate_call(call: &Call, fd_names: &BTreeSet<String>, bound: usize) -> Result<(), CallError> {
    let fds: BTreeMap<String, Fd> = fd_names.iter().map(|name| (name.clone(), 0)).collect();
    let syscall = build_syscall(call, &fds)?;
    let returns = match &syscall {
        Syscall::World(WorldCall::Socketpair { .. }) => 2,
        Syscall::World(
            WorldCall::Socket { .. } | WorldCall::Accept { .. } | WorldCall::Open { .. } | WorldCall::Dup { .. } | WorldCall::PidfdOpen { .. },
        ) => 1,
        _ => 0,
    };
    if bound != 0 && bound != returns {
        let expected = format!("{returns} name(s) to bind, as `{}` returns {returns} fd(s)", call.name);
        return Err((None, expected, format!("{bound}")));
    }
    Ok(())
}

struct Args<'a> {
    call: &'a Call,
    fds: &'a BTreeMap<String, Fd>,
}

impl Args<'_> {
    fn count(&self, expected: &[usize]) -> Result<(), CallError> {
        if expected.contains(&self.call.args.len()) {
            return Ok(());
        }
        let counts: Vec<String> = expected.iter().map(ToString::to_string).collect();
        Err((None, format!("{} argument(s) for `{}`", counts.join(" or "), self.call.name), self.call.args.len().to_string()))
    }

    fn get(&self, index: usize) -> Result<(Pos, &Arg), CallError> {
        self.call.args.get(index).map(|(pos, arg)| (*pos, arg)).ok_or_else(|| (None, format!("argument {} of `{}`", index + 1, self.call.name), "nothing".to_owned()))
    }

    fn text(&self, index: usize, what: &str) -> Result<String, CallError> {
        match self.get(index)? {
            (pos, Arg::Bytes(bytes)) => String::from_utf8(bytes.clone()).map_err(|_| (Some(pos), format!("{what} in UTF-8"), "invalid UTF-8".to_owned())),
            (pos, other) => Err((Some(pos), format!("{what} as a string"), describe(other))),
        }
    }

    fn bytes(&self, index: usize, what: &str) -> Result<Vec<u8>, CallError> {
        match self.get(index)? {
            (_, Arg::Bytes(bytes)) => Ok(bytes.clone()),
            (pos, other) => Err((Some(pos), format!("{what} as a string"), describe(other))),
        }
    }

    fn int(&self, index: usize, what: &str) -> Result<i64, CallError> {
        match self.get(index)? {
            (_, Arg::Int(value)) => Ok(*value),
            (pos, other) => Err((Some(pos), format!("{what} as a number"), describe(other))),
        }
    }

    fn unsigned(&self, index: usize, what: &str) -> Result<u32, CallError> {
        let (pos, _) = self.get(index)?;
        let value = self.int(index, what)?;
        u32::try_from(value).map_err(|_| (Some(pos), format!("{what} between 0 and 2^32-1"), value.to_string()))
    }

    fn size(&self, index: usize) -> Result<usize, CallError> {
        let (pos, _) = self.get(index)?;
        let value = self.int(index, "a buffer size")?;
        usize::try_from(value).map_err(|_| (Some(pos), "a buffer size of 0 or more".to_owned(), value.to_string()))
    }

    fn id(&self, index: usize, what: &str) -> Result<Option<u32>, CallError> {
        match self.int(index, what)? {
            -1 => Ok(None),
            _ => self.unsigned(index, what).map(Some),
        }
    }

    fn fd(&self, index: usize) -> Result<Fd, CallError> {
        match self.get(index)? {
            (pos, Arg::Int(value)) => Fd::try_from(*value).map_err(|_| (Some(pos), "an fd number".to_owned(), value.to_string())),
            (pos, Arg::Words(words)) if words.len() == 1 => {
                self.fds.get(&words[0]).copied().ok_or_else(|| (Some(pos), "an fd name bound by an earlier call".to_owned(), format!("`{}`", words[0])))
            }
            (pos, other) => Err((Some(pos), "an fd name or number".to_owned(), describe(other))),
        }
    }

    /// Constants joined by `|`, each mapped by `lookup`.
    fn flags(&self, index: usize, what: &str, lookup: impl Fn(&str) -> Option<u32>) -> Result<u32, CallError> {
        match self.get(index)? {
            (pos, Arg::Int(value)) => u32::try_from(*value).map_err(|_| (Some(pos), format!("{what} as a number"), value.to_string())),
            (pos, Arg::Words(words)) => words.iter().try_fold(0, |flags, word| {
                lookup(word).map(|flag| flags | flag).ok_or_else(|| (Some(pos), what.to_owned(), format!("`{word}`")))
            }),
            (pos, other) => Err((Some(pos), what.to_owned(), describe(other))),
        }
    }

    fn constant<T>(&self, index: usize, what: &str, lookup: impl Fn(&str) -> Option<T>) -> Result<T, CallError> {
        match self.get(index)? {
            (pos, Arg::Words(words)) if words.len() == 1 => lookup(&words[0]).ok_or_else(|| (Some(pos), what.to_owned(), format!("`{}`", words[0]))),
            (pos, other) => Err((Some(pos), what.to_owned(), describe(other))),
        }
    }
}

fn describe(arg: &Arg) -> String {
    match arg {
        Arg::Bytes(_) => "a string".to_owned(),
        Arg::Int(value) => format!("number {value}"),
        Arg::Words(words) => format!("`{}`", words.join("|")),
    }
}

fn xattr_flag(word: &str) -> Option<u32> {
    match word {
        "XATTR_CREATE" => Some(XATTR_CREATE),
        "XATTR_REPLACE" => Some(XATTR_REPLACE),
        _ => None,
    }
}

fn xattr_call(name: &str, args: &Args<'_>) -> Result<Option<XattrCall>, CallError> {
    let (base, variant) = match name {
        "setxattr" | "getxattr" | "listxattr" | "removexattr" => (name, 'p'),
        _ => match (name.strip_prefix('l'), name.strip_prefix('f')) {
            (Some(base @ ("setxattr" | "getxattr" | "listxattr" | "removexattr")), _) => (base, 'l'),
            (_, Some(base @ ("setxattr" | "getxattr" | "listxattr" | "removexattr"))) => (base, 'f'),
            _ => return Ok(None),
        },
    };
    let via = match variant {
        'p' => Via::Path(args.text(0, "a path")?),
        'l' => Via::LPath(args.text(0, "a path")?),
        _ => Via::Fd(args.fd(0)?),
    };
    let op = match base {
        "setxattr" => {
            args.count(&[4])?;
            let flags = args.flags(3, "XATTR_CREATE, XATTR_REPLACE or a number", xattr_flag)?;
            XattrOp::Set { name: args.text(1, "an xattr name")?, value: args.bytes(2, "a value")?, flags }
        }
        "getxattr" => {
            args.count(&[3])?;
            XattrOp::Get { name: args.text(1, "an xattr name")?, size: args.size(2)? }
        }
        "listxattr" => {
            args.count(&[2])?;
            XattrOp::List { size: args.size(1)? }
        }
        _ => {
            args.count(&[2])?;
            XattrOp::Remove { name: args.text(1, "an xattr name")? }
        }
    };
    Ok(Some(XattrCall { via, op }))
}

fn world_call(name: &str, args: &Args<'_>) -> Result<WorldCall, CallError> {
    let family = |index| args.constant(index, "an address family (AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET)", Family::from_name);
    let sock_type =
        |index| args.constant(index, "a socket type (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW)", SockType::from_name);
    let call = match name {
        "creat" | "mkdir" | "mkfifo" => {
            args.count(&[2])?;
            let (path, mode) = (args.text(0, "a path")?, args.unsigned(1, "a mode")?);
            match name {
                "creat" => WorldCall::Creat { path, mode },
                "mkdir" => WorldCall::Mkdir { path, mode },
                _ => WorldCall::Mkfifo { path, mode },
            }
        }
        "symlink" => {
            args.count(&[2])?;
            WorldCall::Symlink { target: args.text(0, "a symlink target")?, path: args.text(1, "a path")? }
        }
        "socket" | "socketpair" => {
            args.count(&[2, 3])?;
            let (family, sock_type) = (family(0)?, sock_type(1)?);
            if name == "socket" {
                WorldCall::Socket { family, sock_type }
            } else {
                WorldCall::Socketpair { family, sock_type }
            }
        }
        "bind" | "connect" => {
            args.count(&[2])?;
            let (fd, path) = (args.fd(0)?, args.text(1, "a path")?);
            if name == "bind" {
                WorldCall::Bind { fd, path }
            } else {
                WorldCall::Connect { fd, path }
            }
        }
        "bind_abstract" => {
            args.count(&[2])?;
            WorldCall::BindAbstract { fd: args.fd(0)?, name: args.text(1, "an abstract socket name")? }
        }
        "accept" | "dup" | "close" => {
            args.count(&[1])?;
            let fd = args.fd(0)?;
            match name {
                "accept" => WorldCall::Accept { fd },
                "dup" => WorldCall::Dup { fd },
                _ => WorldCall::Close { fd },
            }
        }
        "open" => {
            args.count(&[2])?;
            let flags = args.flags(1, "O_RDONLY, O_PATH or O_NOFOLLOW", |word| match word {
                "O_RDONLY" => Some(0),
                "O_PATH" => Some(1),
                "O_NOFOLLOW" => Some(2),
                _ => None,
            })?;
            WorldCall::Open { path: args.text(0, "a path")?, o_path: flags & 1 != 0, nofollow: flags & 2 != 0 }
        }
        "chmod" => {
            args.count(&[2])?;
            WorldCall::Chmod { path: args.text(0, "a path")?, mode: args.unsigned(1, "a mode")? }
        }
        "fchmod" => {
            args.count(&[2])?;
            WorldCall::Fchmod { fd: args.fd(0)?, mode: args.unsigned(1, "a mode")? }
        }
        "chown" => {
            args.count(&[3])?;
            WorldCall::Chown { path: args.text(0, "a path")?, uid: args.id(1, "a uid")?, gid: args.id(2, "a gid")? }
        }
        "fchown" => {
            args.count(&[3])?;
            WorldCall::Fchown { fd: args.fd(0)?, uid: args.id(1, "a uid")?, gid: args.id(2, "a gid")? }
        }
        "chattr" => {
            args.count(&[2])?;
            let (pos, _) = args.get(1)?;
            let flags = args.text(1, "inode flags")?;
            let (immutable, append_only) = match flags.as_str() {
                "+i" => (true, false),
                "+a" => (false, true),
                "+ia" | "+ai" => (true, true),
                "-" => (false, false),
                _ => return Err((Some(pos), "inode flags \"+i\", \"+a\", \"+ia\" or \"-\"".to_owned(), format!("{flags:?}"))),
            };
            WorldCall::SetInodeFlags { path: args.text(0, "a path")?, immutable, append_only }
        }
        "pidfd_open" => {
            args.count(&[1])?;
            WorldCall::PidfdOpen { pid: args.unsigned(0, "a pid")? }
        }
        _ => return Err((None, "a known call (an xattr syscall, creat, mkdir, mkfifo, symlink, socket, socketpair, bind, bind_abstract, connect, accept, open, dup, close, chmod, fchmod, chown, fchown, chattr, pidfd_open)".to_owned(), format!("`{name}`"))),
    };
    Ok(call)
}
