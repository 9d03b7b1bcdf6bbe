//! Finding the inode a syscall acts on: path lookup with or without
//! following a final symlink, and fd lookup.
//!
//! Source: fs/namei.c (`filename_lookup`, `LOOKUP_FOLLOW`), fs/file.c
//! (`fdget` rejects `FMODE_PATH` files, so every `f*xattr` call on an
//! O_PATH fd fails with `EBADF`, as does `fchmod`/`fchown`).
//!
//! # Limitations
//! Paths are exact keys of the world's flat path map. A chain of more than
//! `MAXSYMLINKS` (40) symlinks gives `ENOENT` here where the kernel gives
//! `ELOOP`, which the model's errno set lacks.

use xattr_model::errno::Errno;

use crate::world::{Dentry, Fd, FileType, World};

/// `MAXSYMLINKS`.
const MAXSYMLINKS: usize = 40;

/// Looks `path` up; follows a final symlink if `follow`.
pub fn lookup_path(world: &World, path: &str, follow: bool) -> Result<Dentry, Errno> {
    let mut current = path.to_owned();
    for _ in 0..=MAXSYMLINKS {
        let dentry = *world.paths.get(&current).ok_or(Errno::ENOENT)?;
        let inode = world.inodes.get(&dentry.inode).ok_or(Errno::ENOENT)?;
        match (&inode.symlink_target, follow) {
            (Some(target), true) if inode.file_type == FileType::Symlink => current = target.clone(),
            _ => return Ok(dentry),
        }
    }
    // NOTE: the kernel returns ELOOP here; the model's errno set lacks it.
    Err(Errno::ENOENT)
}

/// `fdget`: the open file behind `fd`, or `EBADF` if it is closed or O_PATH.
pub fn fdget(world: &World, fd: Fd) -> Result<Dentry, Errno> {
    match world.fds.get(&fd) {
        Some(file) if !file.o_path => Ok(Dentry { mount: file.mount, inode: file.inode }),
        _ => Err(Errno::EBADF),
    }
}

/// `fdget_raw`: like [`fdget`] but accepting O_PATH files (as `dup` and
/// `close` do).
pub fn fdget_raw(world: &World, fd: Fd) -> Result<Dentry, Errno> {
    world.fds.get(&fd).map(|file| Dentry { mount: file.mount, inode: file.inode }).ok_or(Errno::EBADF)
}

/// `mnt_want_write`: `EROFS` on a read-only mount.
pub fn mnt_want_write(world: &World, dentry: Dentry) -> Result<(), Errno> {
    match world.mounts.get(&dentry.mount) {
        Some(mount) if mount.read_only => Err(Errno::EROFS),
        _ => Ok(()),
    }
}
