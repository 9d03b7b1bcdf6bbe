//! The objects host-diff creates, created twice in step: on the host with
//! real syscalls and in the oracle's world with the matching world calls.
//!
//! Per execution, in a fresh area `A` (see the sandbox module):
//! - `A/file` (regular file), `A/dir`, `A/sticky` (mode 01777 before the
//!   drawn chmod), `A/link` -> `A/file`, `A/dangling` -> `A/missing`,
//!   `A/fifo`;
//! - `A/sock/stream`, `A/sock/dgram`, `A/sock/seqpacket`: AF_UNIX sockets
//!   bound to paths in their own directory;
//! - an AF_UNIX stream socket bound to a random abstract name;
//! - one unbound socket per family and type the oracle models (AF_UNIX,
//!   AF_INET, AF_INET6, AF_NETLINK with `NETLINK_USERSOCK`, AF_PACKET
//!   with protocol 0, so it receives nothing);
//! - fds: `O_RDONLY` on the file and both directories, `O_RDONLY |
//!   O_NONBLOCK` on the FIFO, `O_PATH` on every path object (with
//!   `O_NOFOLLOW` on the symlinks).
//!
//! The set-up runs as the thread running it (root in the privileged
//! runs); it then gives objects to the test user and sets their modes as
//! the sequence's plan says. A socket the host refuses (AF_PACKET without
//! CAP_NET_RAW, a family the kernel lacks) is left out, with the reason.
//!
//! # Limitations
//! The oracle cannot open a FIFO without O_PATH (the call would block), so
//! the FIFO's `O_NONBLOCK` fd is installed in the oracle's world directly.
//! kernfs nodes and pidfds, which the oracle also models, are not created:
//! host-diff never touches kernfs mounts or other processes.

use std::collections::BTreeMap;
use std::os::unix::io::RawFd;

use rand::Rng;
use xattr_model::errno::Errno;

use super::generator::SetupPlan;
use super::runner::{self, errno_name, HostTarget};
#[cfg(test)]
use super::runner::HostResult;
use crate::oracle::world_ops::world_call;
use crate::syscall::{SysOutput, Via, WorldCall, XattrCall, XattrOp};
use crate::world::{Cred, Family, Fd, ObjectKind, OpenFile, SockType, World};

/// How an xattr syscall reaches its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    /// `setxattr` and friends.
    Path,
    /// `lsetxattr` and friends.
    LPath,
    /// `fsetxattr` and friends on an fd opened for I/O (or the socket).
    Fd,
    /// `fsetxattr` and friends on an `O_PATH` fd.
    OPathFd,
}

/// The object kinds host-diff creates: every kind the oracle models except
/// kernfs nodes and pidfds.
pub fn host_objects() -> Vec<ObjectKind> {
    ObjectKind::all()
        .into_iter()
        .filter(|kind| !matches!(kind, ObjectKind::KernfsNode { .. } | ObjectKind::KernfsNodeTwoSuperblocks | ObjectKind::Pidfd))
        .collect()
}

/// The accesses an object kind offers.
pub fn accesses(kind: ObjectKind) -> &'static [Access] {
    match kind {
        ObjectKind::TmpfsRegular
        | ObjectKind::TmpfsDirectory
        | ObjectKind::TmpfsStickyDirectory
        | ObjectKind::TmpfsFifo
        | ObjectKind::PathUnixSocket(_) => &[Access::Path, Access::LPath, Access::Fd, Access::OPathFd],
        ObjectKind::TmpfsSymlink | ObjectKind::TmpfsDanglingSymlink => &[Access::Path, Access::LPath, Access::OPathFd],
        _ => &[Access::Fd],
    }
}

/// An fd in both worlds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdPair {
    pub oracle: Fd,
    pub host: RawFd,
}

/// One created object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Handle {
    pub path: Option<String>,
    pub fd: Option<FdPair>,
    pub opath_fd: Option<FdPair>,
}

/// A set-up step where the oracle and the kernel disagreed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupMismatch {
    pub object: ObjectKind,
    pub call: String,
    pub oracle: String,
    pub kernel: String,
}

/// The objects of one execution, in both worlds.
#[derive(Debug)]
pub struct Objects {
    pub world: World,
    pub handles: BTreeMap<ObjectKind, Handle>,
    /// Objects the host could not create, with the reason.
    pub missing: BTreeMap<ObjectKind, String>,
    pub mismatches: Vec<SetupMismatch>,
    host_fds: Vec<RawFd>,
}

/// Who set-up gives objects to, and who runs it.
#[derive(Debug, Clone)]
pub struct Owners {
    /// The credential of the thread running the set-up.
    pub setup: Cred,
    /// The unprivileged test user, if set-up may chown to it.
    pub test_user: Option<(u32, u32)>,
}

impl Objects {
    /// Creates every object in `area` with `nr_inodes` for the oracle's
    /// tmpfs, following `plan`.
    pub fn create(area: &str, nr_inodes: u64, plan: &SetupPlan, owners: &Owners) -> Result<Objects, String> {
        let mut world = World::new();
        world.mount_tmpfs(area, nr_inodes, false).map_err(|error| error.to_string())?;
        let mut objects =
            Objects { world, handles: BTreeMap::new(), missing: BTreeMap::new(), mismatches: Vec::new(), host_fds: Vec::new() };
        objects.create_tmpfs_objects(area, &owners.setup);
        objects.create_sockets(area, &owners.setup);
        objects.apply_plan(plan, owners);
        Ok(objects)
    }

    /// Runs `call` in the oracle and `host` on the kernel, records a
    /// mismatch, and returns both results.
    fn mirror(&mut self, object: ObjectKind, cred: &Cred, call: WorldCall, host: impl FnOnce() -> Result<i32, i32>) -> (Result<SysOutput, Errno>, Result<i32, i32>) {
        let oracle = world_call(&mut self.world, cred, &call);
        let kernel = host();
        if let Ok(fd) = kernel {
            if fd >= 0 {
                self.host_fds.push(fd);
            }
        }
        let agree = match (&oracle, &kernel) {
            (Ok(_), Ok(_)) => true,
            (Err(errno), Err(raw)) => errno.raw() == *raw,
            _ => false,
        };
        if !agree {
            let oracle = oracle.as_ref().map_or_else(|errno| errno.name().to_owned(), |output| output.to_string());
            let kernel = kernel.map_or_else(errno_name, |value| value.to_string());
            self.mismatches.push(SetupMismatch { object, call: format!("{call:?}"), oracle, kernel });
        }
        (oracle, kernel)
    }

    /// [`Objects::mirror`] for a step whose results matter only through
    /// the mismatch it may record.
    fn mirror_step(&mut self, object: ObjectKind, cred: &Cred, call: WorldCall, host: impl FnOnce() -> Result<(), i32>) {
        let _results = self.mirror(object, cred, call, || host().map(|()| -1));
    }

    fn create_tmpfs_objects(&mut self, area: &str, cred: &Cred) {
        let file = format!("{area}/file");
        let dir = format!("{area}/dir");
        let sticky = format!("{area}/sticky");
        let fifo = format!("{area}/fifo");
        let specs: [(ObjectKind, &str, WorldCall); 4] = [
            (ObjectKind::TmpfsRegular, &file, WorldCall::Creat { path: file.clone(), mode: 0o644 }),
            (ObjectKind::TmpfsDirectory, &dir, WorldCall::Mkdir { path: dir.clone(), mode: 0o755 }),
            (ObjectKind::TmpfsStickyDirectory, &sticky, WorldCall::Mkdir { path: sticky.clone(), mode: 0o1777 }),
            (ObjectKind::TmpfsFifo, &fifo, WorldCall::Mkfifo { path: fifo.clone(), mode: 0o644 }),
        ];
        for (kind, path, call) in specs {
            let host_call = call.clone();
            let (oracle, kernel) = self.mirror(kind, cred, call, || create_on_host(&host_call).map(|()| -1));
            if oracle.is_ok() && kernel.is_ok() {
                self.handles.insert(kind, Handle { path: Some(path.to_owned()), ..Handle::default() });
            }
        }
        self.create_symlink(ObjectKind::TmpfsSymlink, &file, &format!("{area}/link"), cred);
        self.create_symlink(ObjectKind::TmpfsDanglingSymlink, &format!("{area}/missing"), &format!("{area}/dangling"), cred);
        self.open_fds(cred);
    }

    fn create_symlink(&mut self, kind: ObjectKind, target: &str, path: &str, cred: &Cred) {
        let call = WorldCall::Symlink { target: target.to_owned(), path: path.to_owned() };
        let (oracle, kernel) = self.mirror(kind, cred, call, || runner::symlink(target, path).map(|()| -1));
        if oracle.is_ok() && kernel.is_ok() {
            self.handles.insert(kind, Handle { path: Some(path.to_owned()), ..Handle::default() });
        }
    }

    /// Opens the I/O fds and O_PATH fds of the path objects.
    fn open_fds(&mut self, cred: &Cred) {
        let kinds: Vec<ObjectKind> = self.handles.keys().copied().collect();
        for kind in kinds {
            let Some(path) = self.handles.get(&kind).and_then(|handle| handle.path.clone()) else {
                continue;
            };
            let nofollow = matches!(kind, ObjectKind::TmpfsSymlink | ObjectKind::TmpfsDanglingSymlink);
            let flags = libc::O_PATH | if nofollow { libc::O_NOFOLLOW } else { 0 };
            let call = WorldCall::Open { path: path.clone(), o_path: true, nofollow };
            let opath = self.mirror(kind, cred, call, || runner::open(&path, flags));
            let opath_fd = fd_pair(opath);

            let fd = match kind {
                ObjectKind::TmpfsRegular | ObjectKind::TmpfsDirectory | ObjectKind::TmpfsStickyDirectory => {
                    let call = WorldCall::Open { path: path.clone(), o_path: false, nofollow: false };
                    fd_pair(self.mirror(kind, cred, call, || runner::open(&path, libc::O_RDONLY)))
                }
                ObjectKind::TmpfsFifo => self.open_fifo(&path),
                _ => None,
            };
            if let Some(handle) = self.handles.get_mut(&kind) {
                handle.opath_fd = opath_fd;
                handle.fd = fd;
            }
        }
    }

    /// Opens the FIFO without blocking; the oracle gets the fd directly.
    fn open_fifo(&mut self, path: &str) -> Option<FdPair> {
        let host = runner::open(path, libc::O_RDONLY | libc::O_NONBLOCK).ok()?;
        self.host_fds.push(host);
        let dentry = *self.world.paths.get(path)?;
        let oracle = self.world.install_fd(OpenFile { inode: dentry.inode, mount: dentry.mount, o_path: false });
        Some(FdPair { oracle, host })
    }

    fn create_sockets(&mut self, area: &str, cred: &Cred) {
        let sock_dir = format!("{area}/sock");
        let call = WorldCall::Mkdir { path: sock_dir.clone(), mode: 0o755 };
        let host_dir = sock_dir.clone();
        self.mirror_step(ObjectKind::PathUnixSocket(SockType::Stream), cred, call, || runner::mkdir(&host_dir, 0o755));

        for (sock_type, leaf) in [(SockType::Stream, "stream"), (SockType::Dgram, "dgram"), (SockType::SeqPacket, "seqpacket")] {
            let kind = ObjectKind::PathUnixSocket(sock_type);
            let Some(fd) = self.socket(kind, cred, Family::Unix, sock_type) else {
                continue;
            };
            let path = format!("{sock_dir}/{leaf}");
            let call = WorldCall::Bind { fd: fd.oracle, path: path.clone() };
            let (oracle, kernel) = self.mirror(kind, cred, call, || runner::bind_unix(fd.host, path.as_bytes()).map(|()| -1));
            if oracle.is_ok() && kernel.is_ok() {
                let opath = WorldCall::Open { path: path.clone(), o_path: true, nofollow: false };
                let opath_fd = fd_pair(self.mirror(kind, cred, opath, || runner::open(&path, libc::O_PATH)));
                self.handles.insert(kind, Handle { path: Some(path), fd: Some(fd), opath_fd });
            }
        }

        self.create_abstract_socket(cred);
        for kind in host_objects() {
            if let ObjectKind::SockfsSocket(family, sock_type) = kind {
                if let Some(fd) = self.socket(kind, cred, family, sock_type) {
                    self.handles.insert(kind, Handle { fd: Some(fd), ..Handle::default() });
                }
            }
        }
    }

    fn create_abstract_socket(&mut self, cred: &Cred) {
        let kind = ObjectKind::AbstractUnixSocket;
        let Some(fd) = self.socket(kind, cred, Family::Unix, SockType::Stream) else {
            return;
        };
        let token: u64 = rand::thread_rng().gen();
        let name = format!("xattrsim-host-diff-{}-{token:016x}", std::process::id());
        let mut sun_path = vec![0u8];
        sun_path.extend_from_slice(name.as_bytes());
        let call = WorldCall::BindAbstract { fd: fd.oracle, name };
        let (oracle, kernel) = self.mirror(kind, cred, call, || runner::bind_unix(fd.host, &sun_path).map(|()| -1));
        if oracle.is_ok() && kernel.is_ok() {
            self.handles.insert(kind, Handle { fd: Some(fd), ..Handle::default() });
        }
    }

    /// Creates a socket in both worlds; a socket the host refuses is
    /// recorded as missing, whatever the oracle returns.
    fn socket(&mut self, kind: ObjectKind, cred: &Cred, family: Family, sock_type: SockType) -> Option<FdPair> {
        let host = match runner::socket(family, sock_type) {
            Ok(fd) => fd,
            Err(errno) => {
                let why = format!("socket({}, {}) failed with {}", family.name(), sock_type.name(), errno_name(errno));
                self.missing.insert(kind, why);
                return None;
            }
        };
        self.host_fds.push(host);
        let oracle = world_call(&mut self.world, cred, &WorldCall::Socket { family, sock_type });
        match oracle {
            Ok(SysOutput::Fd(oracle)) => Some(FdPair { oracle, host }),
            other => {
                let oracle = other.map_or_else(|errno| errno.name().to_owned(), |output| output.to_string());
                let call = format!("socket({}, {})", family.name(), sock_type.name());
                self.mismatches.push(SetupMismatch { object: kind, call, oracle, kernel: format!("fd {host}") });
                None
            }
        }
    }

    /// Sets the planned modes and gives the planned objects to the test
    /// user.
    fn apply_plan(&mut self, plan: &SetupPlan, owners: &Owners) {
        for (kind, mode) in &plan.modes {
            let Some(path) = self.handles.get(kind).and_then(|handle| handle.path.clone()) else {
                continue;
            };
            let call = WorldCall::Chmod { path: path.clone(), mode: *mode };
            self.mirror_step(*kind, &owners.setup, call, || runner::chmod(&path, *mode));
        }
        let Some((uid, gid)) = owners.test_user else {
            return;
        };
        for kind in &plan.owned_by_test_user {
            let Some(handle) = self.handles.get(kind).cloned() else {
                continue;
            };
            match (handle.path, handle.fd) {
                (Some(path), _) => {
                    let call = WorldCall::Chown { path: path.clone(), uid: Some(uid), gid: Some(gid) };
                    self.mirror_step(*kind, &owners.setup, call, || runner::chown(&path, uid, gid));
                }
                (None, Some(fd)) => {
                    let call = WorldCall::Fchown { fd: fd.oracle, uid: Some(uid), gid: Some(gid) };
                    self.mirror_step(*kind, &owners.setup, call, || runner::fchown(fd.host, uid, gid));
                }
                (None, None) => {}
            }
        }
    }

    /// The oracle's call and the host's target for `op` on `object`
    /// through `access`; `None` if this execution lacks that object or fd.
    pub fn resolve(&self, object: ObjectKind, access: Access, op: &XattrOp) -> Option<(XattrCall, HostTarget)> {
        let handle = self.handles.get(&object)?;
        let (via, target) = match access {
            Access::Path => {
                let path = handle.path.clone()?;
                (Via::Path(path.clone()), HostTarget::Path(runner::c_path(&path).ok()?))
            }
            Access::LPath => {
                let path = handle.path.clone()?;
                (Via::LPath(path.clone()), HostTarget::LPath(runner::c_path(&path).ok()?))
            }
            Access::Fd => {
                let fd = handle.fd?;
                (Via::Fd(fd.oracle), HostTarget::Fd(fd.host))
            }
            Access::OPathFd => {
                let fd = handle.opath_fd?;
                (Via::Fd(fd.oracle), HostTarget::Fd(fd.host))
            }
        };
        Some((XattrCall { via, op: op.clone() }, target))
    }

    /// Runs a host result check for tests of this module.
    #[cfg(test)]
    fn host_result(&self, object: ObjectKind, access: Access, op: &XattrOp) -> Option<HostResult> {
        self.resolve(object, access, op).map(|(_, target)| runner::run_xattr(&target, op))
    }
}

impl Drop for Objects {
    fn drop(&mut self) {
        for fd in self.host_fds.drain(..) {
            runner::close(fd);
        }
    }
}

fn fd_pair((oracle, kernel): (Result<SysOutput, Errno>, Result<i32, i32>)) -> Option<FdPair> {
    match (oracle, kernel) {
        (Ok(SysOutput::Fd(oracle)), Ok(host)) => Some(FdPair { oracle, host }),
        _ => None,
    }
}

fn create_on_host(call: &WorldCall) -> Result<(), i32> {
    match call {
        WorldCall::Creat { path, mode } => runner::creat(path, *mode),
        WorldCall::Mkdir { path, mode } => runner::mkdir(path, *mode),
        WorldCall::Mkfifo { path, mode } => runner::mkfifo(path, *mode),
        _ => Err(libc::EINVAL),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_objects_exclude_kernfs_and_pidfs() {
        let kinds = host_objects();
        assert!(kinds.contains(&ObjectKind::TmpfsDanglingSymlink));
        assert!(kinds.contains(&ObjectKind::SockfsSocket(Family::Packet, SockType::Raw)));
        assert!(!kinds.contains(&ObjectKind::Pidfd));
        assert!(!kinds.iter().any(|kind| matches!(kind, ObjectKind::KernfsNode { .. })));
    }

    #[test]
    fn sockfs_sockets_offer_only_fds() {
        assert_eq!(accesses(ObjectKind::SockfsSocket(Family::Inet, SockType::Stream)), &[Access::Fd]);
        assert!(!accesses(ObjectKind::TmpfsSymlink).contains(&Access::Fd));
    }

    #[test]
    fn objects_in_a_shm_directory() {
        let base = std::path::Path::new("/dev/shm");
        if !base.is_dir() {
            return;
        }
        let dir = base.join(format!("xattrsim-objects-test.{}", std::process::id()));
        std::fs::create_dir(&dir).expect("creating the test directory");
        let owners = Owners { setup: super::super::credentials::current().expect("credential"), test_user: None };
        let objects = Objects::create(&dir.display().to_string(), 0, &SetupPlan::default(), &owners).expect("set-up");
        assert!(objects.mismatches.is_empty(), "{:?}", objects.mismatches);
        assert!(objects.handles.contains_key(&ObjectKind::TmpfsRegular));
        let get = XattrOp::Get { name: "user.missing".to_owned(), size: 0 };
        assert_eq!(objects.host_result(ObjectKind::TmpfsRegular, Access::Path, &get), Some(Err(libc::ENODATA)));
        drop(objects);
        std::fs::remove_dir_all(&dir).expect("removing the test directory");
    }
}
