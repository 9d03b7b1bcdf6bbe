//! Handler resolution per filesystem (`xattr_resolve_name`, fs/xattr.c).
//!
//! The first handler whose prefix matches wins; a name equal to a prefix
//! with nothing after it is `EINVAL`; an exact-name handler matches only
//! the whole name; no match is `EOPNOTSUPP`. Every modelled inode has
//! `IOP_XATTR` (its superblock has `s_xattr`), so `EIO` never arises.
//!
//! Handler tables, in order:
//! - tmpfs (mm/shmem.c since v6.6): `security.`, `trusted.`, `user.`;
//! - sockfs (net/socket.c): `system.sockprotoname` (exact, get only),
//!   `security.` (set returns `-EAGAIN` for the LSM), and since v7.1
//!   `user.`;
//! - kernfs (fs/kernfs/inode.c): `trusted.`, `security.`, `user.` (set
//!   needs `KERNFS_ROOT_SUPPORT_USER_XATTR`, get does not);
//! - pidfs (fs/pidfs.c): `trusted.` only.
//!
//! POSIX ACL names never reach a handler: the VFS diverts them first.

use xattr_model::errno::Errno;

use super::profile::Profile;
use crate::world::FsKind;

/// `XATTR_NAME_SOCKPROTONAME`.
pub const SOCKPROTONAME: &str = "system.sockprotoname";

/// A resolved handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handler {
    /// A prefix handler backed by the inode's simple_xattr store.
    Store(Namespace),
    /// sockfs `system.sockprotoname`: get only.
    SockProtoName,
    /// sockfs `security.`: no get; set returns `-EAGAIN`.
    SockfsSecurity,
}

/// The namespace of a store handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Namespace {
    Security,
    Trusted,
    User,
}

enum Entry {
    Prefix(&'static str, Handler),
    Exact(&'static str, Handler),
}

fn handlers(profile: Profile, fs: FsKind) -> Vec<Entry> {
    use Entry::{Exact, Prefix};
    use Namespace::{Security, Trusted, User};
    match fs {
        FsKind::Tmpfs => vec![
            Prefix("security.", Handler::Store(Security)),
            Prefix("trusted.", Handler::Store(Trusted)),
            Prefix("user.", Handler::Store(User)),
        ],
        FsKind::Sockfs => {
            let mut table = vec![
                Exact(SOCKPROTONAME, Handler::SockProtoName),
                Prefix("security.", Handler::SockfsSecurity),
            ];
            if profile.has_socket_xattrs() {
                table.push(Prefix("user.", Handler::Store(User)));
            }
            table
        }
        FsKind::Kernfs => vec![
            Prefix("trusted.", Handler::Store(Trusted)),
            Prefix("security.", Handler::Store(Security)),
            Prefix("user.", Handler::Store(User)),
        ],
        FsKind::Pidfs => vec![Prefix("trusted.", Handler::Store(Trusted))],
    }
}

/// `xattr_resolve_name` for a full name.
pub fn xattr_resolve_name(profile: Profile, fs: FsKind, name: &str) -> Result<Handler, Errno> {
    for entry in handlers(profile, fs) {
        match entry {
            Entry::Exact(exact, handler) if name == exact => return Ok(handler),
            Entry::Prefix(prefix, handler) => match name.strip_prefix(prefix) {
                Some("") => return Err(Errno::EINVAL),
                Some(_) => return Ok(handler),
                None => {}
            },
            Entry::Exact(..) => {}
        }
    }
    Err(Errno::EOPNOTSUPP)
}

/// `is_posix_acl_xattr`.
pub fn is_posix_acl_xattr(name: &str) -> bool {
    name == "system.posix_acl_access" || name == "system.posix_acl_default"
}
