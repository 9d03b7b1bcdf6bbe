//! Comparing an oracle result with a kernel result, and the labels both
//! are reported under.
//!
//! Two results agree when both fail with the same errno number, or both
//! succeed with the same output. A list is compared in order under a
//! profile whose list order is defined (`v6.18`: rbtree order, sorted by
//! name) and as a multiset otherwise (`v7.1`: hash-table order).
//!
//! A difference is reported under a [`DiffKey`]: the object, the syscall
//! variant, and the two results' labels (an errno name, or `ok`). Success
//! on both sides with different outputs gives the labels `ok` and `ok
//! (other output)`; the report shows the outputs themselves.

use std::fmt;

use super::objects::Access;
use super::runner::{errno_name, HostResult};
use crate::syscall::{SysOutput, SysResult, XattrCall, XattrOp};
use crate::world::ObjectKind;

/// What a difference is counted and documented under.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DiffKey {
    pub object: String,
    pub syscall: String,
    pub oracle: String,
    pub kernel: String,
}

impl fmt::Display for DiffKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}: oracle {}, kernel {}", self.object, self.syscall, self.oracle, self.kernel)
    }
}

/// Whether the oracle's and the kernel's results agree.
pub fn agree(oracle: &SysResult, kernel: &HostResult, list_ordered: bool) -> bool {
    match (oracle, kernel) {
        (Err(errno), Err(raw)) => errno.raw() == *raw,
        (Ok(SysOutput::Names(expected)), Ok(SysOutput::Names(actual))) if !list_ordered => {
            let mut expected = expected.clone();
            let mut actual = actual.clone();
            expected.sort();
            actual.sort();
            expected == actual
        }
        (Ok(expected), Ok(actual)) => expected == actual,
        _ => false,
    }
}

/// The syscall variant, with `(O_PATH fd)` for calls through an O_PATH fd.
pub fn syscall_label(call: &XattrCall, access: Access) -> String {
    match access {
        Access::OPathFd => format!("{} (O_PATH fd)", call.syscall_name()),
        _ => call.syscall_name().to_owned(),
    }
}

/// The result class: an errno name, or `ok`.
pub fn kernel_label(kernel: &HostResult) -> String {
    match kernel {
        Ok(_) => "ok".to_owned(),
        Err(raw) => errno_name(*raw),
    }
}

/// The oracle's result class: an errno name, or `ok`.
pub fn oracle_label(oracle: &SysResult) -> String {
    match oracle {
        Ok(_) => "ok".to_owned(),
        Err(errno) => errno.name().to_owned(),
    }
}

/// The key of a difference between `oracle` and `kernel`.
pub fn diff_key(object: ObjectKind, call: &XattrCall, access: Access, oracle: &SysResult, kernel: &HostResult) -> DiffKey {
    let oracle_class = oracle_label(oracle);
    let mut kernel_class = kernel_label(kernel);
    if oracle.is_ok() && kernel.is_ok() {
        kernel_class = "ok (other output)".to_owned();
    }
    DiffKey { object: object.to_string(), syscall: syscall_label(call, access), oracle: oracle_class, kernel: kernel_class }
}

/// The namespace column of the coverage table.
pub fn namespace_label(op: &XattrOp) -> &'static str {
    let name = match op {
        XattrOp::Set { name, .. } | XattrOp::Get { name, .. } | XattrOp::Remove { name } => name.as_str(),
        XattrOp::List { .. } => return "-",
    };
    if name.is_empty() {
        return "(empty name)";
    }
    if name.len() > 255 {
        return "(256-byte name)";
    }
    for (prefix, label, bare) in [
        ("user.", "user", "user. (bare)"),
        ("trusted.", "trusted", "trusted. (bare)"),
        ("security.", "security", "security. (bare)"),
        ("system.", "system", "system. (bare)"),
    ] {
        if name == prefix {
            return bare;
        }
        if name.starts_with(prefix) {
            return label;
        }
    }
    "(unknown namespace)"
}

/// Whether a difference may have left the two worlds in different states,
/// so later results of the same execution prove nothing: a set or remove
/// that succeeded on one side at least.
pub fn states_may_differ(op: &XattrOp, oracle: &SysResult, kernel: &HostResult) -> bool {
    let writes = matches!(op, XattrOp::Set { .. } | XattrOp::Remove { .. });
    writes && (oracle.is_ok() || kernel.is_ok())
}

#[cfg(test)]
mod tests {
    use xattr_model::errno::Errno;

    use super::*;

    #[test]
    fn same_errno_agrees() {
        assert!(agree(&Err(Errno::ENODATA), &Err(libc::ENODATA), true));
        assert!(!agree(&Err(Errno::ENODATA), &Err(libc::EPERM), true));
    }

    #[test]
    fn unordered_list_compared_as_multiset() {
        let oracle = Ok(SysOutput::Names(vec!["user.a".into(), "user.b".into()]));
        let kernel = Ok(SysOutput::Names(vec!["user.b".into(), "user.a".into()]));
        assert!(agree(&oracle, &kernel, false));
        assert!(!agree(&oracle, &kernel, true));
    }

    #[test]
    fn namespace_labels() {
        let get = |name: &str| XattrOp::Get { name: name.to_owned(), size: 0 };
        assert_eq!(namespace_label(&get("user.")), "user. (bare)");
        assert_eq!(namespace_label(&get("user.a")), "user");
        assert_eq!(namespace_label(&get("os2.a")), "(unknown namespace)");
        assert_eq!(namespace_label(&get("")), "(empty name)");
        assert_eq!(namespace_label(&XattrOp::List { size: 0 }), "-");
    }
}
