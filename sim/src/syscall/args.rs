//! Argument checks the VFS makes before any lookup, in the kernel's order.
//!
//! Source: fs/xattr.c (`setxattr_copy`, `import_xattr_name`,
//! `do_getxattr`, `listxattr`), include/uapi/linux/limits.h for the limits.
//! For set: flags (`EINVAL`), then the name (`ERANGE`), then the value
//! size (`E2BIG`); get and remove check only the name; list checks
//! nothing. All of this happens before the path or fd is looked up, so
//! these errors beat `ENOENT` and `EBADF`.

use xattr_model::errno::{Errno, XATTR_CREATE, XATTR_REPLACE};

/// `XATTR_NAME_MAX`: the longest name, prefix included.
pub const XATTR_NAME_MAX: usize = 255;
/// `XATTR_SIZE_MAX`: the largest value.
pub const XATTR_SIZE_MAX: usize = 65536;
/// `XATTR_LIST_MAX`: the largest list buffer.
pub const XATTR_LIST_MAX: usize = 65536;

/// `import_xattr_name`: the name as the kernel copies it, cut at the first
/// NUL; `ERANGE` if empty or without a NUL in its 256-byte buffer.
pub fn import_xattr_name(name: &str) -> Result<&str, Errno> {
    let name = name.split('\0').next().unwrap_or("");
    if name.is_empty() || name.len() > XATTR_NAME_MAX {
        return Err(Errno::ERANGE);
    }
    Ok(name)
}

/// `setxattr_copy`: flags, then name, then value size.
pub fn setxattr_copy<'a>(name: &'a str, value: &[u8], flags: u32) -> Result<&'a str, Errno> {
    if flags & !(XATTR_CREATE | XATTR_REPLACE) != 0 {
        return Err(Errno::EINVAL);
    }
    let name = import_xattr_name(name)?;
    if value.len() > XATTR_SIZE_MAX {
        return Err(Errno::E2BIG);
    }
    Ok(name)
}

/// The buffer size `do_getxattr` passes down: clamped to `XATTR_SIZE_MAX`,
/// `None` for the size query.
pub fn getxattr_size(size: usize) -> Option<usize> {
    (size > 0).then(|| size.min(XATTR_SIZE_MAX))
}

/// `do_getxattr`'s promotion: `ERANGE` with a request already at the
/// maximum becomes `E2BIG`, as no larger buffer can help.
pub fn promote_getxattr_erange(errno: Errno, size: usize) -> Errno {
    if errno == Errno::ERANGE && size >= XATTR_SIZE_MAX {
        Errno::E2BIG
    } else {
        errno
    }
}

/// The same promotion in `listxattr`, against `XATTR_LIST_MAX`.
pub fn promote_listxattr_erange(errno: Errno, size: usize) -> Errno {
    if errno == Errno::ERANGE && size >= XATTR_LIST_MAX {
        Errno::E2BIG
    } else {
        errno
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_cut_at_nul() {
        assert_eq!(import_xattr_name("user.a\0b"), Ok("user.a"));
        assert_eq!(import_xattr_name("\0user.a"), Err(Errno::ERANGE));
    }

    #[test]
    fn name_length_bounds() {
        assert!(import_xattr_name(&"a".repeat(255)).is_ok());
        assert_eq!(import_xattr_name(&"a".repeat(256)), Err(Errno::ERANGE));
    }

    #[test]
    fn flags_checked_before_name() {
        assert_eq!(setxattr_copy("", b"", 4), Err(Errno::EINVAL));
        assert_eq!(setxattr_copy("", &[0; 70000], 0), Err(Errno::ERANGE));
    }

    #[test]
    fn both_flags_pass_the_copy() {
        assert_eq!(setxattr_copy("user.a", b"v", XATTR_CREATE | XATTR_REPLACE), Ok("user.a"));
    }
}
