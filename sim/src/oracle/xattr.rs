//! The 12 xattr syscalls, step by step in the kernel's order.
//!
//! Source: fs/xattr.c (`path_setxattrat`, `path_getxattrat`,
//! `path_listxattrat`, `path_removexattrat` and what they call), read in
//! the post-series copy; the v6.18 differences are the profile checks.
//!
//! Set and remove: argument copy → lookup (`ENOENT`/`EBADF`) →
//! `mnt_want_write` (`EROFS`) → POSIX ACL diversion → `xattr_permission`
//! (MAY_WRITE) → commoncap → handler resolution → the filesystem's set.
//! Get: name copy → lookup → ACL diversion → `xattr_permission` (MAY_READ)
//! → handler resolution → the filesystem's get. List: lookup → the
//! filesystem's list; no permission check.
//!
//! # Limitations
//! POSIX ACL names (`system.posix_acl_access`, `system.posix_acl_default`)
//! are not modelled: the oracle answers `EOPNOTSUPP` where the kernel runs
//! `do_set_acl`/`do_get_acl`/`vfs_remove_acl`.

use xattr_model::errno::{Errno, XATTR_REPLACE};

use super::fs_set::{filesystem_set, SetRequest};
use super::handler::{is_posix_acl_xattr, xattr_resolve_name, Handler, SOCKPROTONAME};
use super::lookup::{fdget, lookup_path, mnt_want_write};
use super::permission::{cap_inode_write_xattr, xattr_permission, Mask};
use super::profile::Profile;
use super::store_access::{finish_list, Finish, StoreAccess};
use super::Outcome;
use crate::store_spec::{StoreOp, StoreSpec};
use crate::syscall::args::{getxattr_size, import_xattr_name, promote_getxattr_erange, setxattr_copy};
use crate::syscall::{SysOutput, Via, XattrCall, XattrOp};
use crate::world::{Cred, Dentry, FsKind, Inode, World};

/// Runs one xattr syscall on `world`.
pub fn xattr_syscall(profile: Profile, world: &mut World, cred: &Cred, call: &XattrCall) -> Outcome {
    let result = match &call.op {
        XattrOp::Set { name, value, flags } => {
            setxattr_copy(name, value, *flags).and_then(|name| set_or_remove(profile, world, cred, &call.via, name, Some(value), *flags))
        }
        XattrOp::Remove { name } => {
            import_xattr_name(name).and_then(|name| set_or_remove(profile, world, cred, &call.via, name, None, XATTR_REPLACE))
        }
        XattrOp::Get { name, size } => import_xattr_name(name).and_then(|name| get(profile, world, cred, &call.via, name, *size)),
        XattrOp::List { size } => list(profile, world, cred, &call.via, *size),
    };
    result.unwrap_or_else(|errno| Outcome::plain(Err(errno)))
}

fn resolve(world: &World, via: &Via) -> Result<Dentry, Errno> {
    match via {
        Via::Path(path) => lookup_path(world, path, true),
        Via::LPath(path) => lookup_path(world, path, false),
        Via::Fd(fd) => fdget(world, *fd),
    }
}

fn inode_and_fs(world: &World, dentry: Dentry) -> Result<(Inode, FsKind), Errno> {
    let inode = world.inodes.get(&dentry.inode).cloned().ok_or(Errno::ENOENT)?;
    let fs = world.fs_of(&inode);
    Ok((inode, fs))
}

/// `setxattr` (value `Some`) and `removexattr` (value `None`, flags
/// `XATTR_REPLACE` as `__vfs_removexattr` passes them).
fn set_or_remove(
    profile: Profile,
    world: &mut World,
    cred: &Cred,
    via: &Via,
    name: &str,
    value: Option<&Vec<u8>>,
    flags: u32,
) -> Result<Outcome, Errno> {
    let dentry = resolve(world, via)?;
    mnt_want_write(world, dentry)?;
    if is_posix_acl_xattr(name) {
        return Err(Errno::EOPNOTSUPP);
    }

    let (inode, fs) = inode_and_fs(world, dentry)?;
    xattr_permission(profile, cred, &inode, name, Mask::Write)?;
    cap_inode_write_xattr(cred, name, fs == FsKind::Pidfs)?;

    match xattr_resolve_name(profile, fs, name)? {
        Handler::SockProtoName => Err(Errno::EOPNOTSUPP),
        // `__vfs_setxattr_noperm` turns the handler's -EAGAIN into a call
        // to the LSM, which (none being active) gives EOPNOTSUPP; but
        // `__vfs_removexattr` returns the handler's -EAGAIN unchanged.
        Handler::SockfsSecurity if value.is_some() => Err(Errno::EOPNOTSUPP),
        Handler::SockfsSecurity => Err(Errno::EAGAIN),
        Handler::Store(namespace) => {
            let request = SetRequest { name, value: value.map(Vec::as_slice), flags, namespace };
            filesystem_set(profile, world, dentry.inode, fs, request)
        }
    }
}

fn get(profile: Profile, world: &mut World, cred: &Cred, via: &Via, name: &str, size: usize) -> Result<Outcome, Errno> {
    let dentry = resolve(world, via)?;
    if is_posix_acl_xattr(name) {
        return Err(Errno::EOPNOTSUPP);
    }
    let (inode, fs) = inode_and_fs(world, dentry)?;
    xattr_permission(profile, cred, &inode, name, Mask::Read)?;

    // `security.*` goes to the LSM first; with none active it falls
    // through to the filesystem.
    match xattr_resolve_name(profile, fs, name)? {
        Handler::SockProtoName => sockprotoname_get(&inode, size).map(|output| Outcome::plain(Ok(output))),
        Handler::SockfsSecurity => Err(Errno::EOPNOTSUPP),
        Handler::Store(_) => {
            let state = &world.stores.get(&inode.store).ok_or(Errno::EIO)?.state;
            if fs == FsKind::Pidfs && profile == Profile::V6_18 && !state.allocated {
                // Before v7.1 `pidfs_xattr_get` returned 0 when the pid had
                // no store yet, instead of ENODATA.
                let output = if size == 0 { SysOutput::Size(0) } else { SysOutput::Value(Vec::new()) };
                return Ok(Outcome::plain(Ok(output)));
            }
            let op = StoreOp::Get { name: name.to_owned(), size: getxattr_size(size) };
            Ok(apply_store(world, inode.store, op, Finish::Get { size }))
        }
    }
}

/// `sockfs_xattr_get`: the dentry name with its NUL.
fn sockprotoname_get(inode: &Inode, size: usize) -> Result<SysOutput, Errno> {
    let protocol = inode.socket.as_ref().map_or("", |socket| socket.protocol.as_str());
    let mut value = protocol.as_bytes().to_vec();
    value.push(0);
    match getxattr_size(size) {
        None => Ok(SysOutput::Size(value.len())),
        Some(buffer) if buffer < value.len() => Err(promote_getxattr_erange(Errno::ERANGE, size)),
        Some(_) => Ok(SysOutput::Value(value)),
    }
}

fn list(profile: Profile, world: &mut World, cred: &Cred, via: &Via, size: usize) -> Result<Outcome, Errno> {
    let dentry = resolve(world, via)?;
    let (inode, fs) = inode_and_fs(world, dentry)?;
    let trailing = if fs == FsKind::Sockfs { vec![SOCKPROTONAME.to_owned()] } else { Vec::new() };

    if fs == FsKind::Sockfs && !profile.has_socket_xattrs() {
        // Before v7.1 `sockfs_listxattr` listed only the LSM names (none)
        // and `system.sockprotoname`; it had no store.
        return Ok(Outcome::plain(finish_list(trailing, size)));
    }

    // `simple_xattr_list` hides `trusted.*` unless the caller has
    // CAP_SYS_ADMIN in the initial user namespace.
    let op = StoreOp::List { trusted_visible: cred.caps.sys_admin };
    let descending = profile.list_is_ordered();
    Ok(apply_store(world, inode.store, op, Finish::List { size, trailing, descending }))
}

/// Applies `op` to store `store` with the store specification and records
/// the access.
pub(crate) fn apply_store(world: &mut World, store: u32, op: StoreOp, finish: Finish) -> Outcome {
    let Some(entry) = world.stores.get_mut(&store) else {
        return Outcome::plain(Err(Errno::EIO));
    };
    let spec: &StoreSpec = &entry.spec;
    let (next, result) = spec.apply(&entry.state, &op);
    entry.state = next;
    let sys = finish.apply(&result);
    Outcome { result: sys, access: Some(StoreAccess { store, op, result, finish }) }
}
