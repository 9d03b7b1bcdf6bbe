//! The credentials the real syscalls run with, and the oracle credential
//! that describes them.
//!
//! The unprivileged run happens on its own thread: Linux credentials are
//! per task, so the thread calls the raw `setgroups`, `setresgid` and
//! `setresuid` syscalls (the glibc wrappers would change every thread of
//! the process) and so loses every capability, because the kernel clears
//! the permitted and effective sets when all uids become non-zero
//! (`cap_emulate_setxuid`, security/commoncap.c). The other threads keep
//! theirs.
//!
//! The oracle credential is read back from `/proc/thread-self/status`
//! (`Uid`, `Gid`, `Groups`, `CapEff`), so the oracle is told what the
//! kernel really has, not what was requested.

use std::fs;

use crate::world::{Caps, Cred};

/// The capability bits the oracle checks (include/uapi/linux/capability.h).
const CAP_CHOWN: u32 = 0;
const CAP_DAC_OVERRIDE: u32 = 1;
const CAP_DAC_READ_SEARCH: u32 = 2;
const CAP_FOWNER: u32 = 3;
const CAP_NET_RAW: u32 = 13;
const CAP_SYS_ADMIN: u32 = 21;

/// Why the calling thread's credentials could not be read or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredError {
    #[error("cannot read /proc/thread-self/status: {0}")]
    Status(String),
    #[error("line `{0}:` in /proc/thread-self/status is missing or invalid")]
    Field(&'static str),
    #[error("{call} to {id} failed: {error}")]
    Drop { call: &'static str, id: u32, error: String },
    #[error("the thread still has capabilities {0:#x} after switching to uid {1}")]
    CapsLeft(u64, u32),
}

/// The calling thread's credential as the oracle models it.
pub fn current() -> Result<Cred, CredError> {
    let status = fs::read_to_string("/proc/thread-self/status").map_err(|error| CredError::Status(error.to_string()))?;
    let ids = |field: &'static str| -> Result<Vec<u32>, CredError> {
        let line = status.lines().find_map(|line| line.strip_prefix(field)?.strip_prefix(':')).ok_or(CredError::Field(field))?;
        line.split_whitespace().map(|id| id.parse().map_err(|_| CredError::Field(field))).collect()
    };
    let uids = ids("Uid")?;
    let gids = ids("Gid")?;
    let groups = ids("Groups")?;
    let (Some(&uid), Some(&fsuid)) = (uids.first(), uids.get(3)) else {
        return Err(CredError::Field("Uid"));
    };
    let (Some(&gid), Some(&fsgid)) = (gids.first(), gids.get(3)) else {
        return Err(CredError::Field("Gid"));
    };
    let cap_eff = status
        .lines()
        .find_map(|line| line.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .ok_or(CredError::Field("CapEff"))?;
    Ok(Cred { uid, gid, fsuid, fsgid, groups, caps: caps_from_mask(cap_eff) })
}

/// The oracle's capabilities for an effective capability mask.
pub fn caps_from_mask(mask: u64) -> Caps {
    let has = |bit: u32| mask & (1 << bit) != 0;
    Caps {
        sys_admin: has(CAP_SYS_ADMIN),
        fowner: has(CAP_FOWNER),
        dac_override: has(CAP_DAC_OVERRIDE),
        dac_read_search: has(CAP_DAC_READ_SEARCH),
        chown: has(CAP_CHOWN),
        net_raw: has(CAP_NET_RAW),
    }
}

/// Switches the calling thread, and only it, to `uid`:`gid` with no
/// supplementary groups and no capabilities. Run it on a thread made for
/// the purpose: there is no way back.
pub fn drop_thread_to(uid: u32, gid: u32) -> Result<Cred, CredError> {
    // SAFETY: the raw syscalls take plain integers and a NULL group list
    // of length 0; they change only the calling task's credentials.
    let groups = unsafe { libc::syscall(libc::SYS_setgroups, 0, std::ptr::null::<libc::gid_t>()) };
    raw_result("setgroups", gid, groups)?;
    // SAFETY: as above.
    let gids = unsafe { libc::syscall(libc::SYS_setresgid, gid, gid, gid) };
    raw_result("setresgid", gid, gids)?;
    // SAFETY: as above.
    let uids = unsafe { libc::syscall(libc::SYS_setresuid, uid, uid, uid) };
    raw_result("setresuid", uid, uids)?;

    let cred = current()?;
    let left = cap_eff_mask()?;
    if left != 0 {
        return Err(CredError::CapsLeft(left, uid));
    }
    Ok(cred)
}

fn raw_result(call: &'static str, id: u32, ret: libc::c_long) -> Result<(), CredError> {
    if ret == 0 {
        return Ok(());
    }
    Err(CredError::Drop { call, id, error: std::io::Error::last_os_error().to_string() })
}

fn cap_eff_mask() -> Result<u64, CredError> {
    let status = fs::read_to_string("/proc/thread-self/status").map_err(|error| CredError::Status(error.to_string()))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .ok_or(CredError::Field("CapEff"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_bits_map_to_caps() {
        let caps = caps_from_mask((1 << CAP_SYS_ADMIN) | (1 << CAP_NET_RAW));
        assert!(caps.sys_admin);
        assert!(caps.net_raw);
        assert!(!caps.fowner);
        assert!(!caps.dac_override);
    }

    #[test]
    fn current_reads_this_thread() {
        let cred = current().expect("reading /proc/thread-self/status");
        // SAFETY: getuid has no preconditions.
        assert_eq!(cred.uid, unsafe { libc::getuid() });
    }
}
