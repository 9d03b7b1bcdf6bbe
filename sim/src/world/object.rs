//! The kinds of filesystem objects a scenario acts on, as plain enumerable
//! values, so a differential tester can walk all of them and a coverage
//! table can name each one.
//!
//! Kernel sources: `include/uapi/linux/stat.h` for the file types,
//! `include/linux/socket.h` and `include/linux/net.h` for families and
//! socket types, `net/unix/af_unix.c` for the AF_UNIX protocol names
//! (`unix_stream_proto` is "UNIX-STREAM", `unix_dgram_proto` "UNIX", and
//! `unix_create1` uses the dgram protocol for SOCK_SEQPACKET too).
//!
//! Invariant: [`ObjectKind::all`] lists every kind exactly once.
//!
//! # Limitations
//! The protocol names of the other families ("TCP", "TCPv6", "UDP",
//! "UDPv6", "NETLINK", "PACKET") are the `struct proto` names of
//! net/ipv4, net/ipv6, net/netlink and net/packet as remembered, not
//! re-read for this model.

use std::fmt;

/// The `S_IFMT` part of an inode's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileType {
    Regular,
    Directory,
    Symlink,
    Fifo,
    Socket,
}

impl FileType {
    /// The `S_IF*` constant.
    pub fn s_ifmt(self) -> u32 {
        match self {
            FileType::Regular => 0o100000,
            FileType::Directory => 0o040000,
            FileType::Symlink => 0o120000,
            FileType::Fifo => 0o010000,
            FileType::Socket => 0o140000,
        }
    }
}

/// A socket address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    Unix,
    Inet,
    Inet6,
    Netlink,
    Packet,
}

impl Family {
    pub const ALL: [Family; 5] = [Family::Unix, Family::Inet, Family::Inet6, Family::Netlink, Family::Packet];

    /// The `AF_*` name.
    pub fn name(self) -> &'static str {
        match self {
            Family::Unix => "AF_UNIX",
            Family::Inet => "AF_INET",
            Family::Inet6 => "AF_INET6",
            Family::Netlink => "AF_NETLINK",
            Family::Packet => "AF_PACKET",
        }
    }

    pub fn from_name(name: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|family| family.name() == name)
    }
}

/// A socket type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SockType {
    Stream,
    Dgram,
    SeqPacket,
    Raw,
}

impl SockType {
    pub const ALL: [SockType; 4] = [SockType::Stream, SockType::Dgram, SockType::SeqPacket, SockType::Raw];

    /// The `SOCK_*` name.
    pub fn name(self) -> &'static str {
        match self {
            SockType::Stream => "SOCK_STREAM",
            SockType::Dgram => "SOCK_DGRAM",
            SockType::SeqPacket => "SOCK_SEQPACKET",
            SockType::Raw => "SOCK_RAW",
        }
    }

    pub fn from_name(name: &str) -> Option<SockType> {
        SockType::ALL.into_iter().find(|sock_type| sock_type.name() == name)
    }

    /// Whether `accept` works on a listening socket of this type.
    pub fn is_connection_oriented(self) -> bool {
        matches!(self, SockType::Stream | SockType::SeqPacket)
    }
}

/// The protocol name a socket's sockfs dentry carries, which
/// `system.sockprotoname` returns; `None` if the model has no such socket.
pub fn protocol_name(family: Family, sock_type: SockType) -> Option<&'static str> {
    let name = match (family, sock_type) {
        (Family::Unix, SockType::Stream) => "UNIX-STREAM",
        (Family::Unix, SockType::Dgram | SockType::SeqPacket) => "UNIX",
        (Family::Inet, SockType::Stream) => "TCP",
        (Family::Inet, SockType::Dgram) => "UDP",
        (Family::Inet6, SockType::Stream) => "TCPv6",
        (Family::Inet6, SockType::Dgram) => "UDPv6",
        (Family::Netlink, SockType::Raw | SockType::Dgram) => "NETLINK",
        (Family::Packet, SockType::Raw | SockType::Dgram) => "PACKET",
        _ => return None,
    };
    Some(name)
}

/// A kind of object the oracle models, for differential testing and
/// coverage tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKind {
    TmpfsRegular,
    TmpfsDirectory,
    TmpfsStickyDirectory,
    TmpfsSymlink,
    TmpfsDanglingSymlink,
    TmpfsFifo,
    /// An AF_UNIX socket bound to a tmpfs path: the path reaches the tmpfs
    /// inode, the fd the sockfs inode.
    PathUnixSocket(SockType),
    /// An AF_UNIX socket bound to an abstract name: sockfs inode only.
    AbstractUnixSocket,
    /// An unbound socket: sockfs inode only.
    SockfsSocket(Family, SockType),
    KernfsNode { user_xattr: bool },
    /// One kernfs node reached through two superblocks (sysfs in two network
    /// namespaces): two inodes, one store.
    KernfsNodeTwoSuperblocks,
    Pidfd,
}

impl ObjectKind {
    /// Every kind, each once.
    pub fn all() -> Vec<ObjectKind> {
        let mut kinds = vec![
            ObjectKind::TmpfsRegular,
            ObjectKind::TmpfsDirectory,
            ObjectKind::TmpfsStickyDirectory,
            ObjectKind::TmpfsSymlink,
            ObjectKind::TmpfsDanglingSymlink,
            ObjectKind::TmpfsFifo,
        ];
        for sock_type in [SockType::Stream, SockType::Dgram, SockType::SeqPacket] {
            kinds.push(ObjectKind::PathUnixSocket(sock_type));
        }
        kinds.push(ObjectKind::AbstractUnixSocket);
        for family in Family::ALL {
            for sock_type in SockType::ALL {
                if protocol_name(family, sock_type).is_some() {
                    kinds.push(ObjectKind::SockfsSocket(family, sock_type));
                }
            }
        }
        kinds.extend([
            ObjectKind::KernfsNode { user_xattr: true },
            ObjectKind::KernfsNode { user_xattr: false },
            ObjectKind::KernfsNodeTwoSuperblocks,
            ObjectKind::Pidfd,
        ]);
        kinds
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectKind::TmpfsRegular => f.write_str("tmpfs regular file"),
            ObjectKind::TmpfsDirectory => f.write_str("tmpfs directory"),
            ObjectKind::TmpfsStickyDirectory => f.write_str("tmpfs sticky directory"),
            ObjectKind::TmpfsSymlink => f.write_str("tmpfs symlink"),
            ObjectKind::TmpfsDanglingSymlink => f.write_str("tmpfs dangling symlink"),
            ObjectKind::TmpfsFifo => f.write_str("tmpfs FIFO"),
            ObjectKind::PathUnixSocket(sock_type) => write!(f, "path-bound AF_UNIX {}", sock_type.name()),
            ObjectKind::AbstractUnixSocket => f.write_str("abstract AF_UNIX SOCK_STREAM"),
            ObjectKind::SockfsSocket(family, sock_type) => write!(f, "sockfs {} {}", family.name(), sock_type.name()),
            ObjectKind::KernfsNode { user_xattr: true } => f.write_str("kernfs node (user xattrs on)"),
            ObjectKind::KernfsNode { user_xattr: false } => f.write_str("kernfs node (user xattrs off)"),
            ObjectKind::KernfsNodeTwoSuperblocks => f.write_str("kernfs node through two superblocks"),
            ObjectKind::Pidfd => f.write_str("pidfd"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_each_kind_once() {
        let kinds: Vec<String> = ObjectKind::all().iter().map(|kind| format!("{kind:?}")).collect();
        let mut unique = kinds.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), kinds.len(), "duplicates in {kinds:?}");
    }
}
