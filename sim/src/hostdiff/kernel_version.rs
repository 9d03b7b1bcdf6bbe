//! The kernel-version table: which oracle profile a running kernel is
//! compared against.
//!
//! The release string comes from `uname(2)` (`utsname.release`, for example
//! `6.18.44-generic`); only its major and minor numbers are used. A kernel
//! whose major.minor is not in [`TABLE`] is rejected, because comparing it
//! with a profile written for another version would report that version's
//! changes as divergences. `--profile` overrides the table.
//!
//! # Limitations
//! Only the two versions the profiles were written for are mapped. Kernels
//! between them (6.19, 7.0) probably behave like `v6.18` for the xattr
//! paths, but nobody has checked, so they are rejected until someone runs
//! host-diff on one with `--profile` and adds the row.

use std::ffi::CStr;

use crate::oracle::Profile;

/// Kernel major.minor to profile.
pub const TABLE: [((u32, u32), Profile); 2] = [((6, 18), Profile::V6_18), ((7, 1), Profile::V7_1)];

/// Why no profile could be chosen for the running kernel.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error(
        "kernel {release} is not in the kernel-version table (6.18 -> v6.18, 7.1 -> v7.1); \
         pass --profile v6.18 or --profile v7.1 to compare it against one of them anyway"
    )]
    Unmapped { release: String },
    #[error("cannot parse the kernel release `{release}`: expected it to start with MAJOR.MINOR")]
    Unparsable { release: String },
    #[error("uname failed: {0}")]
    Uname(String),
}

/// Parses the major and minor numbers at the start of a release string.
pub fn parse_release(release: &str) -> Result<(u32, u32), VersionError> {
    let unparsable = || VersionError::Unparsable { release: release.to_owned() };
    let mut parts = release.split(|c: char| !c.is_ascii_digit());
    let major = parts.next().and_then(|part| part.parse().ok()).ok_or_else(unparsable)?;
    let minor = parts.next().and_then(|part| part.parse().ok()).ok_or_else(unparsable)?;
    Ok((major, minor))
}

/// The profile the table maps `release` to.
pub fn profile_for_release(release: &str) -> Result<Profile, VersionError> {
    let version = parse_release(release)?;
    TABLE
        .iter()
        .find(|(mapped, _)| *mapped == version)
        .map(|(_, profile)| *profile)
        .ok_or_else(|| VersionError::Unmapped { release: release.to_owned() })
}

/// The running kernel's release string.
pub fn running_release() -> Result<String, VersionError> {
    // SAFETY: `utsname` is plain old data, so all-zero bytes are a valid
    // value, and `uname` only writes into the struct it is given.
    let mut name: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `name` is a valid, writable `utsname`.
    if unsafe { libc::uname(&mut name) } != 0 {
        return Err(VersionError::Uname(std::io::Error::last_os_error().to_string()));
    }
    // SAFETY: the kernel NUL-terminates every `utsname` field.
    let release = unsafe { CStr::from_ptr(name.release.as_ptr()) };
    Ok(release.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_with_suffix_maps() {
        assert_eq!(profile_for_release("6.18.44-fc-v1147"), Ok(Profile::V6_18));
        assert_eq!(profile_for_release("7.1.0-rc3"), Ok(Profile::V7_1));
    }

    #[test]
    fn unmapped_release_names_the_flag() {
        let error = profile_for_release("6.17.2").unwrap_err();
        assert!(error.to_string().contains("6.17.2"), "{error}");
        assert!(error.to_string().contains("--profile"), "{error}");
    }

    #[test]
    fn garbage_release_rejected() {
        assert!(matches!(profile_for_release("linux"), Err(VersionError::Unparsable { .. })));
        assert!(matches!(profile_for_release("6"), Err(VersionError::Unparsable { .. })));
    }
}
