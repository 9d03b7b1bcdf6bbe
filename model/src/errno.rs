//! The kernel's errno values and xattr flags, as the models return them.

use std::fmt;

/// The errno values the xattr paths can return (`include/uapi/asm-generic/errno*.h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Errno {
    EPERM = 1,
    ENOENT = 2,
    EIO = 5,
    E2BIG = 7,
    EBADF = 9,
    EAGAIN = 11,
    ENOMEM = 12,
    EACCES = 13,
    EBUSY = 16,
    EEXIST = 17,
    EINVAL = 22,
    ENOSPC = 28,
    EROFS = 30,
    ERANGE = 34,
    ENODATA = 61,
    EOPNOTSUPP = 95,
}

impl Errno {
    /// Every errno, for parsers and coverage tables.
    pub const ALL: [Errno; 16] = [
        Errno::EPERM,
        Errno::ENOENT,
        Errno::EIO,
        Errno::E2BIG,
        Errno::EBADF,
        Errno::EAGAIN,
        Errno::ENOMEM,
        Errno::EACCES,
        Errno::EBUSY,
        Errno::EEXIST,
        Errno::EINVAL,
        Errno::ENOSPC,
        Errno::EROFS,
        Errno::ERANGE,
        Errno::ENODATA,
        Errno::EOPNOTSUPP,
    ];

    /// The symbolic name, for example `ENODATA`.
    pub fn name(self) -> &'static str {
        match self {
            Errno::EPERM => "EPERM",
            Errno::ENOENT => "ENOENT",
            Errno::EIO => "EIO",
            Errno::E2BIG => "E2BIG",
            Errno::EBADF => "EBADF",
            Errno::EAGAIN => "EAGAIN",
            Errno::ENOMEM => "ENOMEM",
            Errno::EACCES => "EACCES",
            Errno::EBUSY => "EBUSY",
            Errno::EEXIST => "EEXIST",
            Errno::EINVAL => "EINVAL",
            Errno::ENOSPC => "ENOSPC",
            Errno::EROFS => "EROFS",
            Errno::ERANGE => "ERANGE",
            Errno::ENODATA => "ENODATA",
            Errno::EOPNOTSUPP => "EOPNOTSUPP",
        }
    }

    /// Parses a symbolic name such as `ENODATA`.
    pub fn from_name(name: &str) -> Option<Errno> {
        Errno::ALL.into_iter().find(|errno| errno.name() == name)
    }

    /// The Linux number, for comparing with a real syscall's `errno`.
    pub fn raw(self) -> i32 {
        self as i32
    }

    /// The errno with Linux number `raw`, if the models know it.
    pub fn from_raw(raw: i32) -> Option<Errno> {
        Errno::ALL.into_iter().find(|errno| errno.raw() == raw)
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `XATTR_CREATE`: fail with `EEXIST` if the name exists.
pub const XATTR_CREATE: u32 = 0x1;
/// `XATTR_REPLACE`: fail with `ENODATA` if the name does not exist.
pub const XATTR_REPLACE: u32 = 0x2;
