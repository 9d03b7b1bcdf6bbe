//! The filesystems' set handlers: what happens after handler resolution
//! for a set or a remove.
//!
//! - tmpfs (`shmem_xattr_handler_set`, mm/shmem.c since v6.6): with
//!   `nr_inodes` limited, a set with a value first reserves
//!   `simple_xattr_space(name, size)` = 40 + size + strlen(name) from the
//!   superblock's `free_ispace` (`ENOSPC` if less is free, so before
//!   `EEXIST`/`ENODATA`, and a replace needs the full new size free); on
//!   success the displaced entry's space is returned, on failure the
//!   reservation. The budget is per superblock, shared by every inode.
//! - sockfs (since v7.1) and kernfs `user.*`: `simple_xattr_set_limited`
//!   with the per-inode limits; the pre-increment rule is in the store
//!   specification. kernfs `user.*` sets need the root's
//!   `KERNFS_ROOT_SUPPORT_USER_XATTR`, else `EOPNOTSUPP`.
//! - pidfs (`pidfs_xattr_set`): one store per pid. Before v7.1 the store
//!   was allocated before the set even for a remove (read in fs/pidfs.c of
//!   that time), which is visible afterwards because a get on a pid
//!   without a store returned 0 instead of `ENODATA`.

use xattr_model::errno::Errno;

use super::handler::Namespace;
use super::profile::Profile;
use super::store_access::Finish;
use super::xattr::apply_store;
use super::Outcome;
use crate::store_spec::{StoreOp, StoreResult};
use crate::world::{FsKind, InodeId, World};

/// A set or remove that reached a store handler.
pub struct SetRequest<'a> {
    pub name: &'a str,
    /// `None` removes.
    pub value: Option<&'a [u8]>,
    pub flags: u32,
    pub namespace: Namespace,
}

/// `simple_xattr_space`.
pub fn simple_xattr_space(name: &str, size: usize) -> u64 {
    40 + size as u64 + name.len() as u64
}

/// Runs the filesystem's set handler.
pub fn filesystem_set(profile: Profile, world: &mut World, inode: InodeId, fs: FsKind, request: SetRequest<'_>) -> Result<Outcome, Errno> {
    let node = world.inodes.get(&inode).ok_or(Errno::EIO)?;
    let store = node.store;
    let sb = node.sb;
    let op = StoreOp::Set { name: request.name.to_owned(), value: request.value.map(<[u8]>::to_vec), flags: request.flags };

    match fs {
        FsKind::Tmpfs => shmem_set(world, sb, store, request, op),
        FsKind::Kernfs => {
            let root = world.superblocks.get(&sb).and_then(|sb| sb.kernfs_root);
            let user_xattr = root.and_then(|root| world.kernfs_roots.get(&root)).is_some_and(|root| root.user_xattr);
            if request.namespace == Namespace::User && !user_xattr {
                return Err(Errno::EOPNOTSUPP);
            }
            Ok(apply_store(world, store, op, Finish::Set))
        }
        FsKind::Pidfs => {
            if profile == Profile::V6_18 {
                if let Some(entry) = world.stores.get_mut(&store) {
                    entry.state.allocated = true;
                }
            }
            Ok(apply_store(world, store, op, Finish::Set))
        }
        FsKind::Sockfs => Ok(apply_store(world, store, op, Finish::Set)),
    }
}

/// `shmem_xattr_handler_set` with its space accounting.
fn shmem_set(world: &mut World, sb: u32, store: u32, request: SetRequest<'_>, op: StoreOp) -> Result<Outcome, Errno> {
    let accounting = world.superblocks.get(&sb).is_some_and(|sb| sb.max_inodes > 0);
    let old_size = world.stores.get(&store).and_then(|entry| entry.state.entries.get(request.name)).map(Vec::len);

    // Reserve the new entry's space before the lookup.
    let reserved = match request.value {
        Some(value) if accounting => simple_xattr_space(request.name, value.len()),
        _ => 0,
    };
    if reserved > 0 {
        let superblock = world.superblocks.get_mut(&sb).ok_or(Errno::EIO)?;
        if superblock.free_ispace < reserved {
            return Err(Errno::ENOSPC);
        }
        superblock.free_ispace -= reserved;
    }

    let outcome = apply_store(world, store, op, Finish::Set);

    // Return the displaced entry's space on success, the reservation on
    // failure.
    let succeeded = matches!(outcome.access.as_ref().map(|access| &access.result), Some(StoreResult::Done));
    let returned = match (succeeded, old_size) {
        (true, Some(old)) if accounting => simple_xattr_space(request.name, old),
        (true, _) => 0,
        (false, _) => reserved,
    };
    if let Some(superblock) = world.superblocks.get_mut(&sb) {
        superblock.free_ispace += returned;
    }
    Ok(outcome)
}
