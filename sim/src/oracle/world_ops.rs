//! The calls that build and change the world: creating tmpfs objects,
//! sockets, binds, connections, fds, pidfds, and mode, owner and flag
//! changes.
//!
//! Sources: net/socket.c (`sock_alloc`: sockfs inodes are
//! `S_IFSOCK | 0777` owned by the creator's fsuid and fsgid, and `accept`
//! and `socketpair` allocate new inodes), net/unix/af_unix.c (`unix_bind`
//! creates an `S_IFSOCK` inode with mode `0777 & ~umask` at the path;
//! `unix_find_bsd` needs MAY_WRITE on it to connect), fs/attr.c
//! (`setattr_prepare`: chmod needs the owner or CAP_FOWNER; chown needs
//! CAP_CHOWN except to the owner's own uid or, for the owner, to one of
//! its groups), mm/shmem.c (every new tmpfs inode costs
//! `BOGO_INODE_SIZE` of the space budget), fs/pidfs.c and fs/libfs.c
//! (`prepare_anon_dentry`: a pidfs inode is `S_IFREG`, owned by root,
//! and pidfs adds `S_IRWXU`).
//!
//! # Limitations
//! Errors the model's errno set lacks are answered with the nearest one:
//! binding to a path that exists gives `EEXIST` (kernel: `EADDRINUSE`);
//! connecting to a path that is not a listening AF_UNIX socket gives
//! `EINVAL` (kernel: `ECONNREFUSED`); an unsupported family and type pair
//! gives `EINVAL` (kernel: `ESOCKTNOSUPPORT` or `EPROTONOSUPPORT`);
//! opening a FIFO or a socket without O_PATH gives `EINVAL` (kernel:
//! blocks, or `ENXIO`). `listen` is implied by `bind`. pidfs `setattr`
//! returns `EOPNOTSUPP` for chmod and chown on a pidfd.

use xattr_model::errno::Errno;

use super::lookup::{fdget, fdget_raw, lookup_path, mnt_want_write};
use super::permission::{generic_permission, inode_owner_or_capable, Mask};
use crate::syscall::{SysOutput, SysResult, WorldCall};
use crate::world::build::store_spec_for;
use crate::world::object::protocol_name;
use crate::world::{
    Cred, Dentry, Family, Fd, FileType, FsKind, Inode, InodeId, OpenFile, SockType, SocketInfo, World, BOGO_INODE_SIZE,
};

/// Runs one world call.
pub fn world_call(world: &mut World, cred: &Cred, call: &WorldCall) -> SysResult {
    match call {
        WorldCall::Creat { path, mode } => create_tmpfs(world, cred, path, FileType::Regular, *mode, None),
        WorldCall::Mkdir { path, mode } => create_tmpfs(world, cred, path, FileType::Directory, *mode, None),
        WorldCall::Mkfifo { path, mode } => create_tmpfs(world, cred, path, FileType::Fifo, *mode, None),
        WorldCall::Symlink { target, path } => create_tmpfs(world, cred, path, FileType::Symlink, 0o777, Some(target)),
        WorldCall::Socket { family, sock_type } => socket(world, cred, *family, *sock_type).map(SysOutput::Fd),
        WorldCall::Bind { fd, path } => bind(world, cred, *fd, path),
        WorldCall::BindAbstract { fd, .. } => bind_abstract(world, *fd),
        WorldCall::Connect { fd, path } => connect(world, cred, *fd, path),
        WorldCall::Accept { fd } => accept(world, cred, *fd),
        WorldCall::Socketpair { family, sock_type } => socketpair(world, cred, *family, *sock_type),
        WorldCall::Open { path, o_path, nofollow } => open(world, cred, path, *o_path, *nofollow),
        WorldCall::Dup { fd } => dup(world, *fd),
        WorldCall::Close { fd } => world.fds.remove(fd).map(|_| SysOutput::Done).ok_or(Errno::EBADF),
        WorldCall::Chmod { path, mode } => lookup_path(world, path, true).and_then(|d| chmod(world, cred, d, *mode)),
        WorldCall::Fchmod { fd, mode } => fdget(world, *fd).and_then(|d| chmod(world, cred, d, *mode)),
        WorldCall::Chown { path, uid, gid } => lookup_path(world, path, true).and_then(|d| chown(world, cred, d, *uid, *gid)),
        WorldCall::Fchown { fd, uid, gid } => fdget(world, *fd).and_then(|d| chown(world, cred, d, *uid, *gid)),
        WorldCall::SetInodeFlags { path, immutable, append_only } => {
            let dentry = lookup_path(world, path, true)?;
            update_inode(world, dentry.inode, |inode| {
                inode.immutable = *immutable;
                inode.append_only = *append_only;
            });
            Ok(SysOutput::Done)
        }
        WorldCall::PidfdOpen { pid } => pidfd_open(world, *pid).map(SysOutput::Fd),
    }
}

/// Creates a tmpfs inode at `path`, charging the superblock's budget.
fn create_tmpfs(
    world: &mut World,
    cred: &Cred,
    path: &str,
    file_type: FileType,
    mode: u32,
    target: Option<&String>,
) -> SysResult {
    if world.paths.contains_key(path) {
        return Err(Errno::EEXIST);
    }
    let mount = world.mount_for_path(path).ok_or(Errno::ENOENT)?;
    let dentry = Dentry { mount, inode: 0 };
    mnt_want_write(world, dentry)?;
    let sb = world.mounts[&mount].sb;
    if world.superblocks.get(&sb).map(|sb| sb.fs) != Some(FsKind::Tmpfs) {
        // NOTE: creating files on kernfs (cgroup mkdir) is not modelled.
        return Err(Errno::EPERM);
    }
    shmem_reserve_inode(world, sb)?;

    let mode = if file_type == FileType::Symlink { 0o777 } else { mode & 0o7777 & !world.umask };
    let store = world.add_store(store_spec_for(FsKind::Tmpfs));
    let mut inode = new_inode(sb, file_type, mode, cred, store);
    inode.symlink_target = target.cloned();
    let id = world.add_inode(inode);
    world.paths.insert(path.to_owned(), Dentry { mount, inode: id });
    Ok(SysOutput::Done)
}

fn shmem_reserve_inode(world: &mut World, sb: u32) -> Result<(), Errno> {
    let superblock = world.superblocks.get_mut(&sb).ok_or(Errno::EIO)?;
    if superblock.max_inodes == 0 {
        return Ok(());
    }
    if superblock.free_ispace < BOGO_INODE_SIZE {
        return Err(Errno::ENOSPC);
    }
    superblock.free_ispace -= BOGO_INODE_SIZE;
    Ok(())
}

fn new_inode(sb: u32, file_type: FileType, mode: u32, cred: &Cred, store: u32) -> Inode {
    Inode {
        sb,
        file_type,
        mode,
        uid: cred.fsuid,
        gid: cred.fsgid,
        immutable: false,
        append_only: false,
        store,
        symlink_target: None,
        socket: None,
        kernfs_node: None,
        bound_socket: None,
    }
}

/// `sock_alloc` plus `sock_alloc_file`: a new sockfs inode and an fd on it.
fn alloc_socket(world: &mut World, cred: &Cred, family: Family, sock_type: SockType) -> Result<Fd, Errno> {
    // NOTE: the kernel gives ESOCKTNOSUPPORT or EPROTONOSUPPORT here.
    let protocol = protocol_name(family, sock_type).ok_or(Errno::EINVAL)?;
    let sb = world.mounts[&world.sockfs_mount].sb;
    let store = world.add_store(store_spec_for(FsKind::Sockfs));
    let mut inode = new_inode(sb, FileType::Socket, 0o777, cred, store);
    inode.socket = Some(SocketInfo {
        family,
        sock_type,
        protocol: protocol.to_owned(),
        bound_path: None,
        abstract_bound: false,
        pending: 0,
    });
    let id = world.add_inode(inode);
    Ok(world.install_fd(OpenFile { inode: id, mount: world.sockfs_mount, o_path: false }))
}

fn socket(world: &mut World, cred: &Cred, family: Family, sock_type: SockType) -> Result<Fd, Errno> {
    if family == Family::Packet && !cred.caps.net_raw {
        return Err(Errno::EPERM);
    }
    alloc_socket(world, cred, family, sock_type)
}

/// The socket behind `fd`, as (inode id, socket info).
fn socket_of(world: &World, fd: Fd) -> Result<(InodeId, SocketInfo), Errno> {
    let dentry = fdget(world, fd)?;
    let socket = world.inodes.get(&dentry.inode).and_then(|inode| inode.socket.clone());
    // NOTE: the kernel gives ENOTSOCK for an fd that is not a socket.
    socket.map(|socket| (dentry.inode, socket)).ok_or(Errno::EINVAL)
}

fn bind(world: &mut World, cred: &Cred, fd: Fd, path: &str) -> SysResult {
    let (socket_inode, socket) = socket_of(world, fd)?;
    if socket.family != Family::Unix || socket.bound_path.is_some() || socket.abstract_bound {
        return Err(Errno::EINVAL);
    }
    create_tmpfs(world, cred, path, FileType::Socket, 0o777, None)?;
    let dentry = world.paths[path];
    update_inode(world, dentry.inode, |inode| inode.bound_socket = Some(socket_inode));
    update_socket(world, socket_inode, |socket| socket.bound_path = Some(path.to_owned()));
    Ok(SysOutput::Done)
}

fn bind_abstract(world: &mut World, fd: Fd) -> SysResult {
    let (socket_inode, socket) = socket_of(world, fd)?;
    if socket.family != Family::Unix || socket.bound_path.is_some() || socket.abstract_bound {
        return Err(Errno::EINVAL);
    }
    update_socket(world, socket_inode, |socket| socket.abstract_bound = true);
    Ok(SysOutput::Done)
}

/// `unix_find_bsd`: the path needs MAY_WRITE; then the listener gets a
/// pending connection.
fn connect(world: &mut World, cred: &Cred, fd: Fd, path: &str) -> SysResult {
    let (_, client) = socket_of(world, fd)?;
    let dentry = lookup_path(world, path, true)?;
    let inode = world.inodes.get(&dentry.inode).cloned().ok_or(Errno::ENOENT)?;
    generic_permission(cred, &inode, Mask::Write)?;

    // NOTE: the kernel gives ECONNREFUSED when nothing listens there.
    let listener = inode.bound_socket.ok_or(Errno::EINVAL)?;
    let listening = world.inodes.get(&listener).and_then(|inode| inode.socket.clone()).ok_or(Errno::EINVAL)?;
    if client.family != Family::Unix || listening.sock_type != client.sock_type {
        return Err(Errno::EINVAL);
    }
    if listening.sock_type.is_connection_oriented() {
        update_socket(world, listener, |socket| socket.pending += 1);
    }
    Ok(SysOutput::Done)
}

/// `accept`: a new sockfs inode owned by the caller.
fn accept(world: &mut World, cred: &Cred, fd: Fd) -> SysResult {
    let (listener, socket) = socket_of(world, fd)?;
    if !socket.sock_type.is_connection_oriented() {
        return Err(Errno::EOPNOTSUPP);
    }
    if socket.pending == 0 {
        // As a non-blocking accept would.
        return Err(Errno::EAGAIN);
    }
    update_socket(world, listener, |socket| socket.pending -= 1);
    alloc_socket(world, cred, socket.family, socket.sock_type).map(SysOutput::Fd)
}

fn socketpair(world: &mut World, cred: &Cred, family: Family, sock_type: SockType) -> SysResult {
    if family != Family::Unix {
        return Err(Errno::EOPNOTSUPP);
    }
    let first = alloc_socket(world, cred, family, sock_type)?;
    let second = alloc_socket(world, cred, family, sock_type)?;
    Ok(SysOutput::FdPair(first, second))
}

fn open(world: &mut World, cred: &Cred, path: &str, o_path: bool, nofollow: bool) -> SysResult {
    let dentry = lookup_path(world, path, !nofollow)?;
    let inode = world.inodes.get(&dentry.inode).cloned().ok_or(Errno::ENOENT)?;
    if !o_path {
        match inode.file_type {
            FileType::Regular | FileType::Directory => generic_permission(cred, &inode, Mask::Read)?,
            // NOTE: O_NOFOLLOW on a symlink gives ELOOP in the kernel; a
            // FIFO would block and a socket gives ENXIO.
            _ => return Err(Errno::EINVAL),
        }
    }
    Ok(SysOutput::Fd(world.install_fd(OpenFile { inode: dentry.inode, mount: dentry.mount, o_path })))
}

fn dup(world: &mut World, fd: Fd) -> SysResult {
    fdget_raw(world, fd)?;
    let file = world.fds[&fd].clone();
    Ok(SysOutput::Fd(world.install_fd(file)))
}

/// Checks shared by chmod and chown: read-only mount, immutable or
/// append-only inode, pidfs.
fn may_setattr(world: &World, dentry: Dentry) -> Result<Inode, Errno> {
    mnt_want_write(world, dentry)?;
    let inode = world.inodes.get(&dentry.inode).cloned().ok_or(Errno::ENOENT)?;
    if world.fs_of(&inode) == FsKind::Pidfs {
        return Err(Errno::EOPNOTSUPP);
    }
    if inode.immutable || inode.append_only {
        return Err(Errno::EPERM);
    }
    Ok(inode)
}

fn chmod(world: &mut World, cred: &Cred, dentry: Dentry, mode: u32) -> SysResult {
    let inode = may_setattr(world, dentry)?;
    if !inode_owner_or_capable(cred, &inode) {
        return Err(Errno::EPERM);
    }
    update_inode(world, dentry.inode, |inode| inode.mode = mode & 0o7777);
    Ok(SysOutput::Done)
}

fn chown(world: &mut World, cred: &Cred, dentry: Dentry, uid: Option<u32>, gid: Option<u32>) -> SysResult {
    let inode = may_setattr(world, dentry)?;
    // `chown_ok` and `chgrp_ok`: both look at the owner before the change.
    let owner = cred.fsuid == inode.uid;
    let uid_ok = uid.is_none_or(|uid| (owner && uid == inode.uid) || cred.caps.chown);
    let gid_ok = gid.is_none_or(|gid| (owner && (gid == inode.gid || cred.in_group(gid))) || cred.caps.chown);
    if !uid_ok || !gid_ok {
        return Err(Errno::EPERM);
    }
    update_inode(world, dentry.inode, |inode| {
        inode.uid = uid.unwrap_or(inode.uid);
        inode.gid = gid.unwrap_or(inode.gid);
    });
    Ok(SysOutput::Done)
}

/// `pidfd_open`: an fd on the pid's single pidfs inode.
fn pidfd_open(world: &mut World, pid: u32) -> Result<Fd, Errno> {
    if pid == 0 {
        return Err(Errno::EINVAL);
    }
    let inode = match world.pids.get(&pid) {
        Some(inode) => *inode,
        None => {
            let sb = world.mounts[&world.pidfs_mount].sb;
            let store = world.add_store(store_spec_for(FsKind::Pidfs));
            let inode = world.add_inode(new_inode(sb, FileType::Regular, 0o700, &Cred::root(), store));
            world.pids.insert(pid, inode);
            inode
        }
    };
    Ok(world.install_fd(OpenFile { inode, mount: world.pidfs_mount, o_path: false }))
}

/// Applies `change` to an inode and, for kernfs, to every inode of the
/// same node, because kernfs keeps mode and owner in the node.
fn update_inode(world: &mut World, id: InodeId, change: impl Fn(&mut Inode)) {
    let node = world.inodes.get(&id).and_then(|inode| inode.kernfs_node);
    for (inode_id, inode) in world.inodes.iter_mut() {
        if *inode_id == id || (node.is_some() && inode.kernfs_node == node) {
            change(inode);
        }
    }
}

fn update_socket(world: &mut World, id: InodeId, change: impl FnOnce(&mut SocketInfo)) {
    if let Some(socket) = world.inodes.get_mut(&id).and_then(|inode| inode.socket.as_mut()) {
        change(socket);
    }
}
