//! Setting a world up: tmpfs and kernfs mounts, kernfs hierarchies and
//! nodes, and the store rules of each filesystem.
//!
//! These are administrator actions done before a scenario's syscalls run,
//! so they check no permissions. The syscalls that create objects
//! (`creat`, `socket`, `bind`, ...) are in the oracle.
//!
//! Store rules per filesystem (`StoreSpec`):
//! - tmpfs and pidfs stores have no per-inode limits (tmpfs charges its
//!   per-superblock space budget instead, in the oracle);
//! - sockfs and kernfs stores limit `user.*` to `SIMPLE_XATTR_MAX_NR` (128)
//!   entries and `SIMPLE_XATTR_MAX_SIZE` (128 KiB) of values with the
//!   kernel's pre-increment rule (include/linux/xattr.h since v7.1; kernfs
//!   had the same numbers as `KERNFS_MAX_USER_XATTRS` and
//!   `KERNFS_USER_XATTR_SIZE_LIMIT` before).

use xattr_model::config::{Accounting, Capacities};

use super::{
    Dentry, FileType, FsKind, Inode, KernfsNode, KernfsNodeId, KernfsRoot, KernfsRootId, MountId, StoreId, World,
    BOGO_INODE_SIZE,
};
use crate::store_spec::{Limits, StoreSpec};

/// Why a world could not be set up as requested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("invalid mountpoint `{0}`: expected an absolute path without a trailing slash")]
    InvalidMountpoint(String),
    #[error("mountpoint `{0}` is already mounted")]
    MountpointInUse(String),
    #[error("no kernfs root with id {0}")]
    NoSuchKernfsRoot(KernfsRootId),
    #[error("invalid kernfs node name `{0}`: expected a non-empty relative path")]
    InvalidNodeName(String),
    #[error("path `{0}` already exists")]
    PathExists(String),
    #[error("no space left on tmpfs for a new inode at `{0}`")]
    NoSpace(String),
}

/// The store rules of a sockfs or kernfs inode: `user.*` is limited.
pub fn limited_user_spec() -> StoreSpec {
    let capacities = Capacities::production();
    StoreSpec {
        limited_prefix: Some("user.".to_owned()),
        limits: Some(Limits {
            max_nr: capacities.max_nr_xattrs,
            max_size: capacities.max_xattr_size,
            accounting: Accounting::PreIncrement,
        }),
    }
}

/// The store rules of a filesystem.
pub fn store_spec_for(fs: FsKind) -> StoreSpec {
    match fs {
        FsKind::Sockfs | FsKind::Kernfs => limited_user_spec(),
        FsKind::Tmpfs | FsKind::Pidfs => StoreSpec::default(),
    }
}

fn check_mountpoint(world: &World, mountpoint: &str) -> Result<(), BuildError> {
    if !mountpoint.starts_with('/') || mountpoint.ends_with('/') {
        return Err(BuildError::InvalidMountpoint(mountpoint.to_owned()));
    }
    if world.mounts.values().any(|mount| mount.mountpoint == mountpoint) {
        return Err(BuildError::MountpointInUse(mountpoint.to_owned()));
    }
    Ok(())
}

impl World {
    /// Mounts a new tmpfs at `mountpoint` with `nr_inodes` (0: unlimited);
    /// its root directory uses one inode of the budget.
    pub fn mount_tmpfs(&mut self, mountpoint: &str, nr_inodes: u64, read_only: bool) -> Result<MountId, BuildError> {
        check_mountpoint(self, mountpoint)?;
        let mount = self.add_mount(FsKind::Tmpfs, nr_inodes, None, mountpoint.to_owned(), read_only);
        let sb = self.mounts[&mount].sb;
        if let Some(sb) = self.superblocks.get_mut(&sb) {
            sb.free_ispace = sb.free_ispace.saturating_sub(if nr_inodes > 0 { BOGO_INODE_SIZE } else { 0 });
        }
        Ok(mount)
    }

    /// Creates a kernfs hierarchy.
    pub fn add_kernfs_root(&mut self, user_xattr: bool) -> KernfsRootId {
        let id = self.fresh_id();
        self.kernfs_roots.insert(id, KernfsRoot { user_xattr });
        id
    }

    /// Mounts kernfs hierarchy `root` at `mountpoint` as a new superblock:
    /// every node gets a fresh inode in it, sharing the node's store.
    pub fn mount_kernfs(&mut self, mountpoint: &str, root: KernfsRootId, read_only: bool) -> Result<MountId, BuildError> {
        check_mountpoint(self, mountpoint)?;
        if !self.kernfs_roots.contains_key(&root) {
            return Err(BuildError::NoSuchKernfsRoot(root));
        }
        let mount = self.add_mount(FsKind::Kernfs, 0, Some(root), mountpoint.to_owned(), read_only);
        let nodes: Vec<KernfsNodeId> =
            self.kernfs_nodes.iter().filter(|(_, node)| node.root == root).map(|(id, _)| *id).collect();
        for node in nodes {
            let template = self.kernfs_template(node);
            if let Some(template) = template {
                self.link_kernfs_inode(mount, node, template)?;
            }
        }
        Ok(mount)
    }

    /// Adds a kernfs node to hierarchy `root` (a file or a directory owned
    /// by `uid`:`gid` with permission bits `mode`), visible in every mount
    /// of the hierarchy.
    pub fn add_kernfs_node(
        &mut self,
        root: KernfsRootId,
        name: &str,
        file_type: FileType,
        mode: u32,
        owner: (u32, u32),
    ) -> Result<KernfsNodeId, BuildError> {
        if !self.kernfs_roots.contains_key(&root) {
            return Err(BuildError::NoSuchKernfsRoot(root));
        }
        if name.is_empty() || name.starts_with('/') || name.ends_with('/') {
            return Err(BuildError::InvalidNodeName(name.to_owned()));
        }
        let store = self.add_store(store_spec_for(FsKind::Kernfs));
        let node = self.fresh_id();
        self.kernfs_nodes.insert(node, KernfsNode { root, name: name.to_owned(), store });

        let template = kernfs_inode(0, file_type, mode & 0o7777, owner, store, node);
        let mounts: Vec<MountId> = self
            .mounts
            .iter()
            .filter(|(_, mount)| self.superblocks.get(&mount.sb).and_then(|sb| sb.kernfs_root) == Some(root))
            .map(|(id, _)| *id)
            .collect();
        for mount in mounts {
            self.link_kernfs_inode(mount, node, template.clone())?;
        }
        self.kernfs_templates_insert(node, template);
        Ok(node)
    }

    fn link_kernfs_inode(&mut self, mount: MountId, node: KernfsNodeId, mut inode: Inode) -> Result<(), BuildError> {
        let path = format!("{}/{}", self.mounts[&mount].mountpoint, self.kernfs_nodes[&node].name);
        if self.paths.contains_key(&path) {
            return Err(BuildError::PathExists(path));
        }
        inode.sb = self.mounts[&mount].sb;
        let id = self.add_inode(inode);
        self.paths.insert(path, Dentry { mount, inode: id });
        Ok(())
    }

    /// The attributes of a node, taken from any inode that shows it or from
    /// the template kept for nodes not mounted yet.
    fn kernfs_template(&self, node: KernfsNodeId) -> Option<Inode> {
        self.inodes.values().find(|inode| inode.kernfs_node == Some(node)).cloned()
    }

    fn kernfs_templates_insert(&mut self, node: KernfsNodeId, template: Inode) {
        // A node created before any mount of its hierarchy still needs its
        // attributes when the first mount appears: keep them in an inode
        // that no path or fd reaches.
        if self.kernfs_template(node).is_none() {
            self.add_inode(template);
        }
    }

    /// The store of the kernfs node `node`.
    pub fn kernfs_store(&self, node: KernfsNodeId) -> Option<StoreId> {
        self.kernfs_nodes.get(&node).map(|node| node.store)
    }
}

fn kernfs_inode(sb: u32, file_type: FileType, mode: u32, owner: (u32, u32), store: StoreId, node: KernfsNodeId) -> Inode {
    Inode {
        sb,
        file_type,
        mode,
        uid: owner.0,
        gid: owner.1,
        immutable: false,
        append_only: false,
        store,
        symlink_target: None,
        socket: None,
        kernfs_node: Some(node),
        bound_socket: None,
    }
}
