//! Where host-diff's objects live: a tmpfs it mounts itself in a private
//! mount namespace, or else a private directory on an existing tmpfs.
//!
//! Mounted mode (needs CAP_SYS_ADMIN): the sandbox thread calls
//! `unshare(CLONE_NEWNS)`, which gives only that thread (and threads it
//! spawns) a new mount namespace, because `CLONE_NEWNS` implies only
//! `CLONE_FS` and a thread may unshare its own `fs_struct`
//! (kernel/fork.c, `ksys_unshare`). It makes every mount private, so
//! nothing propagates back, and mounts a fresh tmpfs with a known
//! `nr_inodes` for every execution of a sequence, so the tmpfs space
//! budget starts from a known value each time. The mounts disappear with
//! the thread's namespace even if the process is killed.
//!
//! Directory mode (the fallback): a fresh directory per execution under a
//! private directory on an existing tmpfs. The tmpfs space rule is then not
//! covered: the budget of that tmpfs is shared with the rest of the system
//! and unknown, so the oracle's tmpfs runs with accounting off.
//!
//! Invariants: everything host-diff creates is below [`Sandbox::root`];
//! dropping the sandbox unmounts what it mounted and removes the root
//! (also when the run is interrupted or fails).

use std::ffi::CString;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::runner::{c_path, errno_name};

/// `TMPFS_MAGIC` (include/uapi/linux/magic.h).
const TMPFS_MAGIC: i64 = 0x0102_1994;

/// Why the sandbox could not be set up or removed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SandboxError {
    #[error("`{path}` is not a directory on tmpfs, and mounting a tmpfs failed ({why}); pass --dir with a directory on tmpfs such as /dev/shm")]
    NotTmpfs { path: String, why: String },
    #[error("{what} `{path}` failed: {error}")]
    Io { what: &'static str, path: String, error: String },
}

fn io_error(what: &'static str, path: &Path, error: impl ToString) -> SandboxError {
    SandboxError::Io { what, path: path.display().to_string(), error: error.to_string() }
}

/// How the objects are hosted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SandboxMode {
    /// A tmpfs mounted per execution with this `nr_inodes`.
    Mounted { nr_inodes: u64 },
    /// A directory on an existing tmpfs; `why` gives the reason nothing was mounted.
    Directory { why: String },
}

/// The directory one execution creates its objects in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    pub path: String,
    /// The `nr_inodes` the oracle's tmpfs gets: the mount's, or 0 (no
    /// accounting) in directory mode.
    pub nr_inodes: u64,
}

/// The sandbox. Create it on the thread that runs the real syscalls.
#[derive(Debug)]
pub struct Sandbox {
    root: PathBuf,
    mode: SandboxMode,
    next_area: u64,
    active: Option<Area>,
}

impl Sandbox {
    /// Creates a private root directory under `base` and, if `try_mount`,
    /// tries to mount tmpfs in a private mount namespace.
    pub fn create(base: &Path, try_mount: bool, nr_inodes: u64) -> Result<Sandbox, SandboxError> {
        let root = make_root(base)?;
        let mut sandbox = Sandbox { root, mode: SandboxMode::Directory { why: String::new() }, next_area: 0, active: None };

        let why = if try_mount { sandbox.try_mount(nr_inodes).err() } else { Some("mounting was disabled by --no-mount".to_owned()) };
        if let Some(why) = why {
            if !is_tmpfs(base) {
                return Err(SandboxError::NotTmpfs { path: base.display().to_string(), why });
            }
            sandbox.mode = SandboxMode::Directory { why };
        }
        Ok(sandbox)
    }

    /// The private root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn mode(&self) -> &SandboxMode {
        &self.mode
    }

    /// Unshares the mount namespace, makes it private and probes a mount.
    fn try_mount(&mut self, nr_inodes: u64) -> Result<(), String> {
        // SAFETY: unshare takes a flag word and affects only this thread.
        if unsafe { libc::unshare(libc::CLONE_NEWNS) } != 0 {
            return Err(format!("unshare(CLONE_NEWNS) failed with {}", last_errno_name()));
        }
        let slash = CString::from(c"/");
        // SAFETY: `slash` is a NUL-terminated C string; NULL source, type
        // and data are allowed for a propagation change.
        let private = unsafe {
            libc::mount(std::ptr::null(), slash.as_ptr(), std::ptr::null(), libc::MS_REC | libc::MS_PRIVATE, std::ptr::null())
        };
        if private != 0 {
            return Err(format!("making the mounts private failed with {}", last_errno_name()));
        }

        let probe = self.mountpoint();
        fs::create_dir(&probe).map_err(|error| format!("creating {} failed: {error}", probe.display()))?;
        self.mode = SandboxMode::Mounted { nr_inodes };
        mount_tmpfs(&probe, nr_inodes).map_err(|errno| format!("mounting tmpfs failed with {}", errno_name(errno)))?;
        umount(&probe).map_err(|errno| format!("unmounting the probe tmpfs failed with {}", errno_name(errno)))
    }

    fn mountpoint(&self) -> PathBuf {
        self.root.join("s")
    }

    /// Makes a fresh, empty area for one execution.
    pub fn fresh_area(&mut self) -> Result<Area, SandboxError> {
        self.release_area()?;
        let area = match &self.mode {
            SandboxMode::Mounted { nr_inodes } => {
                let path = self.mountpoint();
                mount_tmpfs(&path, *nr_inodes).map_err(|errno| io_error("mounting tmpfs on", &path, errno_name(errno)))?;
                Area { path: path.display().to_string(), nr_inodes: *nr_inodes }
            }
            SandboxMode::Directory { .. } => {
                let path = self.root.join(format!("s{}", self.next_area));
                self.next_area += 1;
                fs::create_dir(&path).map_err(|error| io_error("creating", &path, error))?;
                fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).map_err(|error| io_error("chmod", &path, error))?;
                Area { path: path.display().to_string(), nr_inodes: 0 }
            }
        };
        self.active = Some(area.clone());
        Ok(area)
    }

    /// Removes the current area and everything in it.
    pub fn release_area(&mut self) -> Result<(), SandboxError> {
        let Some(area) = self.active.take() else {
            return Ok(());
        };
        let path = PathBuf::from(&area.path);
        match self.mode {
            SandboxMode::Mounted { .. } => umount(&path).map_err(|errno| io_error("unmounting", &path, errno_name(errno))),
            SandboxMode::Directory { .. } => fs::remove_dir_all(&path).map_err(|error| io_error("removing", &path, error)),
        }
    }

    fn remove(&mut self) -> Result<(), SandboxError> {
        self.release_area()?;
        fs::remove_dir_all(&self.root).map_err(|error| io_error("removing", &self.root, error))
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Err(error) = self.remove() {
            tracing::error!(%error, root = %self.root.display(), "cannot remove the host-diff sandbox");
        }
    }
}

/// Creates `base/xattrsim-host-diff.<pid>.<nanoseconds>` with mode 0755, so
/// the unprivileged test user can reach the objects below it.
fn make_root(base: &Path) -> Result<PathBuf, SandboxError> {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.subsec_nanos()).unwrap_or(0);
    let root = base.join(format!("xattrsim-host-diff.{}.{nanos}", std::process::id()));
    fs::create_dir(&root).map_err(|error| io_error("creating", &root, error))?;
    fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).map_err(|error| io_error("chmod", &root, error))?;
    Ok(root)
}

fn is_tmpfs(path: &Path) -> bool {
    let Ok(path) = c_path(&path.display().to_string()) else {
        return false;
    };
    // SAFETY: `statfs` is plain old data; all-zero bytes are valid.
    let mut stat: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is a NUL-terminated C string and `stat` is writable.
    let ret = unsafe { libc::statfs(path.as_ptr(), &mut stat) };
    // `f_type`'s integer type differs between architectures; the
    // conversion is a no-op only on some of them.
    #[allow(clippy::useless_conversion)]
    let f_type = i64::from(stat.f_type);
    ret == 0 && f_type == TMPFS_MAGIC
}

fn mount_tmpfs(path: &Path, nr_inodes: u64) -> Result<(), i32> {
    let target = c_path(&path.display().to_string())?;
    let options = CString::new(format!("nr_inodes={nr_inodes},mode=0755,size=8m")).map_err(|_| libc::EINVAL)?;
    let source = CString::from(c"xattrsim-host-diff");
    let fstype = CString::from(c"tmpfs");
    // SAFETY: every pointer is a NUL-terminated C string that outlives the
    // call.
    let ret = unsafe {
        libc::mount(source.as_ptr(), target.as_ptr(), fstype.as_ptr(), libc::MS_NOSUID | libc::MS_NODEV, options.as_ptr().cast())
    };
    if ret != 0 {
        return Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO));
    }
    Ok(())
}

fn umount(path: &Path) -> Result<(), i32> {
    let target = c_path(&path.display().to_string())?;
    // SAFETY: `target` is a NUL-terminated C string.
    if unsafe { libc::umount2(target.as_ptr(), 0) } != 0 {
        return Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO));
    }
    Ok(())
}

fn last_errno_name() -> String {
    errno_name(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO))
}
