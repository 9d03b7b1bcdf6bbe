//! Credentials: who performs a syscall.
//!
//! Models the parts of `struct cred` the xattr paths read (include/linux/cred.h):
//! the real and filesystem ids, the supplementary groups, and the
//! capabilities checked by `xattr_permission`, `generic_permission`,
//! `inode_owner_or_capable`, `chown_ok` and `packet_create`. Every
//! capability counts as held in the initial user namespace.
//!
//! # Limitations
//! User namespaces and idmapped mounts are not modelled, so
//! `HAS_UNMAPPED_ID` never fires and `ns_capable` equals `capable`.

/// The capabilities the oracle checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Caps {
    /// CAP_SYS_ADMIN: `trusted.*` access and listing, setting `security.*`.
    pub sys_admin: bool,
    /// CAP_FOWNER: chmod and sticky-directory writes on others' inodes.
    pub fowner: bool,
    /// CAP_DAC_OVERRIDE: bypasses mode bits for read and write.
    pub dac_override: bool,
    /// CAP_DAC_READ_SEARCH: bypasses mode bits for read.
    pub dac_read_search: bool,
    /// CAP_CHOWN: changing an inode's owner or group freely.
    pub chown: bool,
    /// CAP_NET_RAW: creating AF_PACKET sockets.
    pub net_raw: bool,
}

impl Caps {
    /// Every capability the oracle checks.
    pub const ALL: Caps =
        Caps { sys_admin: true, fowner: true, dac_override: true, dac_read_search: true, chown: true, net_raw: true };

    /// The capability names accepted by [`Caps::set`].
    pub const NAMES: [&'static str; 6] = ["sys_admin", "fowner", "dac_override", "dac_read_search", "chown", "net_raw"];

    /// Turns on the capability `name` (lower case, without `CAP_`); false
    /// if the name is unknown.
    pub fn set(&mut self, name: &str) -> bool {
        let flag = match name {
            "sys_admin" => &mut self.sys_admin,
            "fowner" => &mut self.fowner,
            "dac_override" => &mut self.dac_override,
            "dac_read_search" => &mut self.dac_read_search,
            "chown" => &mut self.chown,
            "net_raw" => &mut self.net_raw,
            _ => return false,
        };
        *flag = true;
        true
    }
}

/// A credential.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cred {
    pub uid: u32,
    pub gid: u32,
    /// The id used for permission checks and for owning new inodes.
    pub fsuid: u32,
    pub fsgid: u32,
    pub groups: Vec<u32>,
    pub caps: Caps,
}

impl Cred {
    /// An unprivileged credential with `fsuid == uid` and `fsgid == gid`.
    pub fn user(uid: u32, gid: u32) -> Cred {
        Cred { uid, gid, fsuid: uid, fsgid: gid, groups: Vec::new(), caps: Caps::default() }
    }

    /// uid 0 with every capability.
    pub fn root() -> Cred {
        Cred { caps: Caps::ALL, ..Cred::user(0, 0) }
    }

    /// `in_group_p`: whether `gid` is the fsgid or a supplementary group.
    pub fn in_group(&self, gid: u32) -> bool {
        self.fsgid == gid || self.groups.contains(&gid)
    }
}
