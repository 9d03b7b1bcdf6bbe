//! The world a scenario acts on: superblocks, mounts, inodes, paths, open
//! files, and the xattr stores hanging off inodes, kernfs nodes and pids.
//!
//! Kernel counterparts: `struct super_block`, `struct vfsmount`,
//! `struct inode`, `struct file` (fs.h), `struct kernfs_node`
//! (kernfs.h), `struct pid` (pid.h). Every map is a `BTreeMap`, so
//! iteration order and therefore every run is deterministic.
//!
//! Invariants:
//! - every inode's `store` names an entry of `stores`;
//! - two inodes share a store only when they show the same kernfs node
//!   through two superblocks, or the same pid;
//! - every dentry and open file names an existing inode;
//! - a tmpfs superblock's `free_ispace` never exceeds `max_inodes * 1024`.
//!
//! # Limitations
//! Paths are looked up by exact match on a flat map: there are no `..`
//! components and no directory search permission checks, as if every
//! object sat in one directory that every credential can search. Files
//! are never unlinked.

pub mod build;
pub mod cred;
pub mod object;

use std::collections::BTreeMap;

use crate::store_spec::{StoreSpec, StoreState};

pub use cred::{Caps, Cred};
pub use object::{Family, FileType, ObjectKind, SockType};

pub type SbId = u32;
pub type MountId = u32;
pub type InodeId = u32;
pub type StoreId = u32;
pub type KernfsRootId = u32;
pub type KernfsNodeId = u32;
/// A file descriptor number.
pub type Fd = i32;

/// `BOGO_INODE_SIZE` (mm/shmem.c): what one inode costs a tmpfs space
/// budget, and what one `nr_inodes` adds to it.
pub const BOGO_INODE_SIZE: u64 = 1024;

/// The filesystem type of a superblock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FsKind {
    Tmpfs,
    Sockfs,
    Kernfs,
    Pidfs,
}

/// A superblock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Superblock {
    pub fs: FsKind,
    /// tmpfs `nr_inodes`; 0 means unlimited, and then xattrs are not
    /// charged at all (`sbinfo->max_inodes == 0`).
    pub max_inodes: u64,
    /// tmpfs `free_ispace`: `max_inodes * BOGO_INODE_SIZE` minus 1024 per
    /// inode minus `simple_xattr_space` of every xattr on the superblock.
    pub free_ispace: u64,
    /// The kernfs hierarchy this superblock shows.
    pub kernfs_root: Option<KernfsRootId>,
}

/// A mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub sb: SbId,
    pub read_only: bool,
    /// Absolute path without a trailing slash; empty for internal mounts
    /// (sockfs, pidfs), which are never read-only.
    pub mountpoint: String,
}

/// The socket side of a sockfs inode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketInfo {
    pub family: Family,
    pub sock_type: SockType,
    /// The sockfs dentry name, returned by `system.sockprotoname`.
    pub protocol: String,
    /// The path it is bound to (AF_UNIX), if any.
    pub bound_path: Option<String>,
    /// Whether it is bound to an abstract name.
    pub abstract_bound: bool,
    /// Connections `connect` queued and `accept` has not taken yet.
    pub pending: usize,
}

/// An inode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inode {
    pub sb: SbId,
    pub file_type: FileType,
    /// Permission bits including `S_ISVTX` (0o1000).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// `S_IMMUTABLE`.
    pub immutable: bool,
    /// `S_APPEND`.
    pub append_only: bool,
    pub store: StoreId,
    pub symlink_target: Option<String>,
    /// Set on sockfs inodes.
    pub socket: Option<SocketInfo>,
    /// Set on kernfs inodes: the node whose attributes and store it shows.
    pub kernfs_node: Option<KernfsNodeId>,
    /// Set on the tmpfs inode a `bind` created: the sockfs inode it serves.
    pub bound_socket: Option<InodeId>,
}

impl Inode {
    /// `S_ISVTX` on a directory.
    pub fn is_sticky_dir(&self) -> bool {
        self.file_type == FileType::Directory && self.mode & 0o1000 != 0
    }
}

/// One xattr store and the rules of its filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    pub spec: StoreSpec,
    pub state: StoreState,
}

/// A kernfs hierarchy (`struct kernfs_root`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernfsRoot {
    /// `KERNFS_ROOT_SUPPORT_USER_XATTR` (cgroup sets it, sysfs does not).
    pub user_xattr: bool,
}

/// A kernfs node; its mode and owner live here, not in the inodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernfsNode {
    pub root: KernfsRootId,
    /// The node's path below the mountpoint, without a leading slash.
    pub name: String,
    pub store: StoreId,
}

/// An open file (`struct file`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenFile {
    pub inode: InodeId,
    pub mount: MountId,
    /// `O_PATH`: `FMODE_PATH` files are rejected by `fdget`.
    pub o_path: bool,
}

/// A dentry in the flat path map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dentry {
    pub mount: MountId,
    pub inode: InodeId,
}

/// The world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct World {
    pub superblocks: BTreeMap<SbId, Superblock>,
    pub mounts: BTreeMap<MountId, Mount>,
    pub inodes: BTreeMap<InodeId, Inode>,
    pub stores: BTreeMap<StoreId, Store>,
    pub paths: BTreeMap<String, Dentry>,
    pub fds: BTreeMap<Fd, OpenFile>,
    pub kernfs_roots: BTreeMap<KernfsRootId, KernfsRoot>,
    pub kernfs_nodes: BTreeMap<KernfsNodeId, KernfsNode>,
    /// One pidfs inode per pid, as pidfs stashes one dentry per `struct pid`.
    pub pids: BTreeMap<u32, InodeId>,
    /// The umask applied to files, directories, FIFOs and bound sockets.
    pub umask: u32,
    pub sockfs_mount: MountId,
    pub pidfs_mount: MountId,
    next_id: u32,
}

/// The lowest fd number `open` can return (0 to 2 are stdio).
pub const FIRST_FD: Fd = 3;

impl Default for World {
    fn default() -> Self {
        World::new()
    }
}

impl World {
    /// Creates a world with the internal sockfs and pidfs mounts and nothing else.
    pub fn new() -> World {
        let mut world = World {
            superblocks: BTreeMap::new(),
            mounts: BTreeMap::new(),
            inodes: BTreeMap::new(),
            stores: BTreeMap::new(),
            paths: BTreeMap::new(),
            fds: BTreeMap::new(),
            kernfs_roots: BTreeMap::new(),
            kernfs_nodes: BTreeMap::new(),
            pids: BTreeMap::new(),
            umask: 0o022,
            sockfs_mount: 0,
            pidfs_mount: 0,
            next_id: 1,
        };
        world.sockfs_mount = world.add_mount(FsKind::Sockfs, 0, None, String::new(), false);
        world.pidfs_mount = world.add_mount(FsKind::Pidfs, 0, None, String::new(), false);
        world
    }

    fn fresh_id(&mut self) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Adds a superblock and one mount of it.
    pub(crate) fn add_mount(
        &mut self,
        fs: FsKind,
        max_inodes: u64,
        kernfs_root: Option<KernfsRootId>,
        mountpoint: String,
        read_only: bool,
    ) -> MountId {
        let sb = self.fresh_id();
        let free_ispace = max_inodes.saturating_mul(BOGO_INODE_SIZE);
        self.superblocks.insert(sb, Superblock { fs, max_inodes, free_ispace, kernfs_root });
        let mount = self.fresh_id();
        self.mounts.insert(mount, Mount { sb, read_only, mountpoint });
        mount
    }

    /// Adds an empty store with `spec`.
    pub(crate) fn add_store(&mut self, spec: StoreSpec) -> StoreId {
        let id = self.fresh_id();
        self.stores.insert(id, Store { spec, state: StoreState::default() });
        id
    }

    /// Adds an inode; the caller links it to a path or an fd.
    pub(crate) fn add_inode(&mut self, inode: Inode) -> InodeId {
        let id = self.fresh_id();
        self.inodes.insert(id, inode);
        id
    }

    /// Installs `file` at the lowest free fd number.
    pub(crate) fn install_fd(&mut self, file: OpenFile) -> Fd {
        let mut fd = FIRST_FD;
        while self.fds.contains_key(&fd) {
            fd += 1;
        }
        self.fds.insert(fd, file);
        fd
    }

    /// Returns the filesystem of an inode.
    pub fn fs_of(&self, inode: &Inode) -> FsKind {
        self.superblocks.get(&inode.sb).map_or(FsKind::Tmpfs, |sb| sb.fs)
    }

    /// Returns the mount whose mountpoint is the longest prefix of `path`.
    pub fn mount_for_path(&self, path: &str) -> Option<MountId> {
        self.mounts
            .iter()
            .filter(|(_, mount)| !mount.mountpoint.is_empty())
            .filter(|(_, mount)| path.strip_prefix(mount.mountpoint.as_str()).is_some_and(|rest| rest.starts_with('/')))
            .max_by_key(|(_, mount)| mount.mountpoint.len())
            .map(|(id, _)| *id)
    }

    /// Returns the contents of store `store`, sorted by name.
    pub fn store_contents(&self, store: StoreId) -> Vec<(String, Vec<u8>)> {
        self.stores.get(&store).map_or_else(Vec::new, |store| {
            store.state.entries.iter().map(|(name, value)| (name.clone(), value.clone())).collect()
        })
    }
}
