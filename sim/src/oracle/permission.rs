//! Permission checks on the xattr paths: `xattr_permission` with
//! `may_write_xattr`, `generic_permission`, `inode_owner_or_capable`, and
//! the commoncap hooks `cap_inode_setxattr`/`cap_inode_removexattr`.
//!
//! Source: fs/xattr.c (`xattr_permission`, `may_write_xattr`,
//! `xattr_permission_error`; read in the post-series copy, which has the
//! `switch` on `S_IFMT` with `case S_IFSOCK`), fs/namei.c
//! (`generic_permission`), security/commoncap.c.
//!
//! `xattr_permission(mask)` in order:
//! 1. writes: immutable or append-only inode → `EPERM`;
//! 2. `security.*` and `system.*` → allowed, no mode-bit check;
//! 3. `trusted.*` → allowed with CAP_SYS_ADMIN, else `EPERM` on write and
//!    `ENODATA` on read; no mode-bit check;
//! 4. `user.*` → regular files, directories (writes to a sticky directory
//!    need the owner or CAP_FOWNER, else `EPERM`) and, since v7.1, sockets;
//!    any other type gives `EPERM` on write and `ENODATA` on read;
//! 5. everything that got here (`user.*` and unknown prefixes) →
//!    `inode_permission`, so `EACCES` without the mode bits. An unknown
//!    prefix therefore gives `EACCES` to a caller without permission and
//!    `EOPNOTSUPP` (from handler resolution) to one with it.
//!
//! # Limitations
//! No LSM is active: only commoncap's hooks run. `security.capability`
//! is treated like any other `security.*` name; the value conversion and
//! CAP_SETFCAP check of `cap_convert_nscap` are not modelled.

use xattr_model::errno::Errno;

use super::profile::Profile;
use crate::world::{Cred, FileType, Inode};

/// `MAY_READ` or `MAY_WRITE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mask {
    Read,
    Write,
}

/// `xattr_permission_error`: `EPERM` for a write, `ENODATA` for a read.
fn xattr_permission_error(mask: Mask) -> Errno {
    match mask {
        Mask::Write => Errno::EPERM,
        Mask::Read => Errno::ENODATA,
    }
}

/// `may_write_xattr`.
pub fn may_write_xattr(inode: &Inode) -> Result<(), Errno> {
    if inode.immutable || inode.append_only {
        return Err(Errno::EPERM);
    }
    Ok(())
}

/// `inode_owner_or_capable`.
pub fn inode_owner_or_capable(cred: &Cred, inode: &Inode) -> bool {
    cred.fsuid == inode.uid || cred.caps.fowner
}

/// `generic_permission` for one of read or write.
pub fn generic_permission(cred: &Cred, inode: &Inode, mask: Mask) -> Result<(), Errno> {
    let bits = if cred.fsuid == inode.uid {
        inode.mode >> 6
    } else if cred.in_group(inode.gid) {
        inode.mode >> 3
    } else {
        inode.mode
    };
    let wanted = match mask {
        Mask::Read => 0o4,
        Mask::Write => 0o2,
    };
    if bits & wanted != 0 {
        return Ok(());
    }

    // CAP_DAC_OVERRIDE covers read and write on every type; without
    // MAY_EXEC the exec-bit condition of the kernel does not apply.
    if cred.caps.dac_override {
        return Ok(());
    }
    if mask == Mask::Read && cred.caps.dac_read_search {
        return Ok(());
    }
    Err(Errno::EACCES)
}

/// `xattr_permission` for `name` (already cut at its NUL).
pub fn xattr_permission(profile: Profile, cred: &Cred, inode: &Inode, name: &str, mask: Mask) -> Result<(), Errno> {
    if mask == Mask::Write {
        may_write_xattr(inode)?;
    }

    if name.starts_with("security.") || name.starts_with("system.") {
        return Ok(());
    }

    if name.starts_with("trusted.") {
        return if cred.caps.sys_admin { Ok(()) } else { Err(xattr_permission_error(mask)) };
    }

    if name.starts_with("user.") {
        match inode.file_type {
            FileType::Regular => {}
            FileType::Directory => {
                if inode.is_sticky_dir() && mask == Mask::Write && !inode_owner_or_capable(cred, inode) {
                    return Err(Errno::EPERM);
                }
            }
            FileType::Socket if profile.has_socket_xattrs() => {}
            _ => return Err(xattr_permission_error(mask)),
        }
    }

    generic_permission(cred, inode, mask)
}

/// commoncap's `cap_inode_setxattr` and `cap_inode_removexattr`:
/// `security.*` writes need CAP_SYS_ADMIN. `S_PRIVATE` inodes (pidfs)
/// skip every security hook.
pub fn cap_inode_write_xattr(cred: &Cred, name: &str, private: bool) -> Result<(), Errno> {
    if private || !name.starts_with("security.") || cred.caps.sys_admin {
        return Ok(());
    }
    Err(Errno::EPERM)
}
