//! The real syscalls: the 12 xattr syscalls and the calls that build the
//! objects, through `libc`, with results in the oracle's shape.
//!
//! A call's result is [`HostResult`]: the oracle's [`SysOutput`] on
//! success (built the way the oracle builds it: a get with size 0 gives
//! `Size`, with a buffer `Value`; a list gives `Size` or `Names`), or the
//! raw errno on failure. The raw number is kept because the kernel can
//! return errnos the model's `Errno` set lacks (`ELOOP`, `ENXIO`, ...).
//!
//! Every fd this module opens has `O_CLOEXEC`/`SOCK_CLOEXEC`. Sockets are
//! never connected, and are bound only to a path in the sandbox or to an
//! abstract AF_UNIX name.

use std::ffi::{CString, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::io::RawFd;

use xattr_model::errno::Errno;

use crate::syscall::{SysOutput, XattrOp};
use crate::world::{Family, SockType};

/// A real syscall's result: the output, or the raw errno.
pub type HostResult = Result<SysOutput, i32>;

/// What an xattr syscall names: a path (followed or not) or an fd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostTarget {
    Path(CString),
    LPath(CString),
    Fd(RawFd),
}

/// A path as a C string; `EINVAL` for a path with a NUL byte.
pub fn c_path(path: &str) -> Result<CString, i32> {
    CString::new(OsStr::new(path).as_bytes()).map_err(|_| libc::EINVAL)
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)
}

/// Turns a libc return value into the count it returns or the errno.
fn check(ret: libc::ssize_t) -> Result<usize, i32> {
    usize::try_from(ret).map_err(|_| last_errno())
}

/// Runs one xattr syscall.
pub fn run_xattr(target: &HostTarget, op: &XattrOp) -> HostResult {
    match op {
        XattrOp::Set { name, value, flags } => {
            let name = c_name(name)?;
            set(target, &name, value, *flags).map(|_| SysOutput::Done)
        }
        XattrOp::Remove { name } => {
            let name = c_name(name)?;
            remove(target, &name).map(|_| SysOutput::Done)
        }
        XattrOp::Get { name, size } => {
            let name = c_name(name)?;
            let mut buffer = vec![0u8; *size];
            let len = get(target, &name, &mut buffer)?;
            if *size == 0 {
                return Ok(SysOutput::Size(len));
            }
            buffer.truncate(len);
            Ok(SysOutput::Value(buffer))
        }
        XattrOp::List { size } => {
            let mut buffer = vec![0u8; *size];
            let len = list(target, &mut buffer)?;
            if *size == 0 {
                return Ok(SysOutput::Size(len));
            }
            Ok(SysOutput::Names(split_names(&buffer[..len.min(buffer.len())])))
        }
    }
}

/// A drawn name as a C string. The generator never draws a NUL byte; one
/// would be cut here the way the kernel's `strncpy_from_user` cuts it.
fn c_name(name: &str) -> Result<CString, i32> {
    let cut = name.split('\0').next().unwrap_or("");
    CString::new(cut).map_err(|_| libc::EINVAL)
}

/// Splits a listxattr buffer into its NUL-terminated names.
pub fn split_names(buffer: &[u8]) -> Vec<String> {
    let body = buffer.strip_suffix(&[0]).unwrap_or(buffer);
    if body.is_empty() {
        return Vec::new();
    }
    body.split(|byte| *byte == 0).map(|name| String::from_utf8_lossy(name).into_owned()).collect()
}

/// A buffer pointer for libc: NULL for an empty buffer, as callers of the
/// size query pass it.
fn buffer_ptr(buffer: &mut [u8]) -> *mut libc::c_void {
    if buffer.is_empty() {
        std::ptr::null_mut()
    } else {
        buffer.as_mut_ptr().cast()
    }
}

fn set(target: &HostTarget, name: &CString, value: &[u8], flags: u32) -> Result<usize, i32> {
    let value_ptr = value.as_ptr().cast::<libc::c_void>();
    // The kernel reads the flags as an int; unknown high bits must arrive
    // unchanged.
    let flags = flags as libc::c_int;
    // SAFETY: `name` and the path are NUL-terminated C strings, and
    // `value_ptr` points at `value.len()` readable bytes; all outlive the
    // call.
    let ret = unsafe {
        match target {
            HostTarget::Path(path) => libc::setxattr(path.as_ptr(), name.as_ptr(), value_ptr, value.len(), flags),
            HostTarget::LPath(path) => libc::lsetxattr(path.as_ptr(), name.as_ptr(), value_ptr, value.len(), flags),
            HostTarget::Fd(fd) => libc::fsetxattr(*fd, name.as_ptr(), value_ptr, value.len(), flags),
        }
    };
    check(ret as libc::ssize_t)
}

fn remove(target: &HostTarget, name: &CString) -> Result<usize, i32> {
    // SAFETY: `name` and the path are NUL-terminated C strings that outlive
    // the call.
    let ret = unsafe {
        match target {
            HostTarget::Path(path) => libc::removexattr(path.as_ptr(), name.as_ptr()),
            HostTarget::LPath(path) => libc::lremovexattr(path.as_ptr(), name.as_ptr()),
            HostTarget::Fd(fd) => libc::fremovexattr(*fd, name.as_ptr()),
        }
    };
    check(ret as libc::ssize_t)
}

fn get(target: &HostTarget, name: &CString, buffer: &mut [u8]) -> Result<usize, i32> {
    let len = buffer.len();
    let ptr = buffer_ptr(buffer);
    // SAFETY: `name` and the path are NUL-terminated C strings; `ptr` is
    // NULL with `len` 0, or points at `len` writable bytes.
    let ret = unsafe {
        match target {
            HostTarget::Path(path) => libc::getxattr(path.as_ptr(), name.as_ptr(), ptr, len),
            HostTarget::LPath(path) => libc::lgetxattr(path.as_ptr(), name.as_ptr(), ptr, len),
            HostTarget::Fd(fd) => libc::fgetxattr(*fd, name.as_ptr(), ptr, len),
        }
    };
    check(ret)
}

fn list(target: &HostTarget, buffer: &mut [u8]) -> Result<usize, i32> {
    let len = buffer.len();
    let ptr = buffer_ptr(buffer).cast::<libc::c_char>();
    // SAFETY: the path is a NUL-terminated C string; `ptr` is NULL with
    // `len` 0, or points at `len` writable bytes.
    let ret = unsafe {
        match target {
            HostTarget::Path(path) => libc::listxattr(path.as_ptr(), ptr, len),
            HostTarget::LPath(path) => libc::llistxattr(path.as_ptr(), ptr, len),
            HostTarget::Fd(fd) => libc::flistxattr(*fd, ptr, len),
        }
    };
    check(ret)
}

/// `creat(path, mode)` followed by `close`.
pub fn creat(path: &str, mode: u32) -> Result<(), i32> {
    let path = c_path(path)?;
    // SAFETY: `path` is a NUL-terminated C string.
    let fd = unsafe { libc::open(path.as_ptr(), libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY | libc::O_CLOEXEC, mode) };
    if fd < 0 {
        return Err(last_errno());
    }
    close(fd);
    Ok(())
}

/// `mkdir(path, mode)`.
pub fn mkdir(path: &str, mode: u32) -> Result<(), i32> {
    let path = c_path(path)?;
    // SAFETY: `path` is a NUL-terminated C string.
    zero_or_errno(unsafe { libc::mkdir(path.as_ptr(), mode) })
}

/// `mkfifo(path, mode)`.
pub fn mkfifo(path: &str, mode: u32) -> Result<(), i32> {
    let path = c_path(path)?;
    // SAFETY: `path` is a NUL-terminated C string.
    zero_or_errno(unsafe { libc::mkfifo(path.as_ptr(), mode) })
}

/// `symlink(target, path)`.
pub fn symlink(target: &str, path: &str) -> Result<(), i32> {
    let target = c_path(target)?;
    let path = c_path(path)?;
    // SAFETY: both are NUL-terminated C strings.
    zero_or_errno(unsafe { libc::symlink(target.as_ptr(), path.as_ptr()) })
}

/// `chmod(path, mode)`.
pub fn chmod(path: &str, mode: u32) -> Result<(), i32> {
    let path = c_path(path)?;
    // SAFETY: `path` is a NUL-terminated C string.
    zero_or_errno(unsafe { libc::chmod(path.as_ptr(), mode) })
}

/// `chown(path, uid, gid)`.
pub fn chown(path: &str, uid: u32, gid: u32) -> Result<(), i32> {
    let path = c_path(path)?;
    // SAFETY: `path` is a NUL-terminated C string.
    zero_or_errno(unsafe { libc::chown(path.as_ptr(), uid, gid) })
}

/// `fchown(fd, uid, gid)`.
pub fn fchown(fd: RawFd, uid: u32, gid: u32) -> Result<(), i32> {
    // SAFETY: fchown takes plain integers; a bad fd gives EBADF.
    zero_or_errno(unsafe { libc::fchown(fd, uid, gid) })
}

/// `open(path, flags | O_CLOEXEC)`.
pub fn open(path: &str, flags: libc::c_int) -> Result<RawFd, i32> {
    let path = c_path(path)?;
    // SAFETY: `path` is a NUL-terminated C string.
    let fd = unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(last_errno());
    }
    Ok(fd)
}

/// `close(fd)`; errors are ignored because nothing was written.
pub fn close(fd: RawFd) {
    // SAFETY: the caller owns `fd` and does not use it afterwards.
    unsafe { libc::close(fd) };
}

/// `socket(family, type | SOCK_CLOEXEC, protocol)`; AF_NETLINK uses
/// `NETLINK_USERSOCK`, which no kernel subsystem listens on.
pub fn socket(family: Family, sock_type: SockType) -> Result<RawFd, i32> {
    let (domain, protocol) = match family {
        Family::Unix => (libc::AF_UNIX, 0),
        Family::Inet => (libc::AF_INET, 0),
        Family::Inet6 => (libc::AF_INET6, 0),
        Family::Netlink => (libc::AF_NETLINK, libc::NETLINK_USERSOCK),
        Family::Packet => (libc::AF_PACKET, 0),
    };
    let kind = match sock_type {
        SockType::Stream => libc::SOCK_STREAM,
        SockType::Dgram => libc::SOCK_DGRAM,
        SockType::SeqPacket => libc::SOCK_SEQPACKET,
        SockType::Raw => libc::SOCK_RAW,
    };
    // SAFETY: socket takes plain integers.
    let fd = unsafe { libc::socket(domain, kind | libc::SOCK_CLOEXEC, protocol) };
    if fd < 0 {
        return Err(last_errno());
    }
    Ok(fd)
}

/// `bind` of an AF_UNIX socket to `sun_path` bytes (a leading NUL makes
/// the name abstract).
pub fn bind_unix(fd: RawFd, sun_path: &[u8]) -> Result<(), i32> {
    // SAFETY: `sockaddr_un` is plain old data; all-zero bytes are valid.
    let mut address: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    if sun_path.len() >= address.sun_path.len() {
        return Err(libc::ENAMETOOLONG);
    }
    address.sun_family = libc::AF_UNIX as libc::sa_family_t;
    for (slot, byte) in address.sun_path.iter_mut().zip(sun_path) {
        *slot = *byte as libc::c_char;
    }
    // A path name is passed with its NUL, an abstract name without one.
    let terminator = usize::from(sun_path.first() != Some(&0));
    let len = std::mem::size_of::<libc::sa_family_t>() + sun_path.len() + terminator;
    // SAFETY: `address` is a valid `sockaddr_un` and `len` is within it.
    let ret = unsafe { libc::bind(fd, std::ptr::addr_of!(address).cast(), len as libc::socklen_t) };
    zero_or_errno(ret)
}

fn zero_or_errno(ret: libc::c_int) -> Result<(), i32> {
    if ret == 0 {
        Ok(())
    } else {
        Err(last_errno())
    }
}

/// The errno's symbolic name, for the errnos the model defines and the few
/// others these syscalls can return; `errno N` otherwise.
pub fn errno_name(raw: i32) -> String {
    if let Some(errno) = Errno::from_raw(raw) {
        return errno.name().to_owned();
    }
    let name = match raw {
        libc::EFAULT => "EFAULT",
        libc::ELOOP => "ELOOP",
        libc::ENXIO => "ENXIO",
        libc::ENOTSOCK => "ENOTSOCK",
        libc::ENOTDIR => "ENOTDIR",
        libc::ENAMETOOLONG => "ENAMETOOLONG",
        libc::EAFNOSUPPORT => "EAFNOSUPPORT",
        libc::EPROTONOSUPPORT => "EPROTONOSUPPORT",
        libc::ESOCKTNOSUPPORT => "ESOCKTNOSUPPORT",
        libc::EADDRINUSE => "EADDRINUSE",
        libc::EISDIR => "EISDIR",
        _ => return format!("errno {raw}"),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_names_handles_empty_and_many() {
        assert!(split_names(b"").is_empty());
        assert_eq!(split_names(b"user.a\0trusted.b\0"), vec!["user.a".to_owned(), "trusted.b".to_owned()]);
    }

    #[test]
    fn errno_names() {
        assert_eq!(errno_name(libc::ENODATA), "ENODATA");
        assert_eq!(errno_name(libc::ELOOP), "ELOOP");
        assert_eq!(errno_name(100_000), "errno 100000");
    }
}
