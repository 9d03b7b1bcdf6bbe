//! The documented differences between the oracle and the running kernel:
//! known, explained disagreements that are counted apart from
//! divergences.
//!
//! An entry is keyed by (object, syscall variant, oracle result, kernel
//! result), written exactly as the report prints them; `*` as the object
//! matches every object. Add an entry only with a reason that names the
//! kernel code or the model's limitation behind it; a difference without
//! one is a divergence to fix in the oracle.

use super::compare::DiffKey;

/// One documented difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentedDifference {
    /// An object as the report names it, or `*`.
    pub object: &'static str,
    pub syscall: &'static str,
    pub oracle: &'static str,
    pub kernel: &'static str,
    pub reason: &'static str,
}

impl DocumentedDifference {
    /// Whether this entry covers `key`.
    pub fn matches(&self, key: &DiffKey) -> bool {
        (self.object == "*" || self.object == key.object)
            && self.syscall == key.syscall
            && self.oracle == key.oracle
            && self.kernel == key.kernel
    }
}

/// The checked-in list.
pub const DOCUMENTED: &[DocumentedDifference] = &[];

/// The entry covering `key`, if any.
pub fn find(key: &DiffKey) -> Option<&'static DocumentedDifference> {
    DOCUMENTED.iter().find(|entry| entry.matches(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_object_matches() {
        let entry = DocumentedDifference { object: "*", syscall: "fgetxattr", oracle: "ENODATA", kernel: "EPERM", reason: "test" };
        let key = DiffKey { object: "tmpfs FIFO".into(), syscall: "fgetxattr".into(), oracle: "ENODATA".into(), kernel: "EPERM".into() };
        assert!(entry.matches(&key));
        let other = DiffKey { kernel: "EIO".into(), ..key };
        assert!(!entry.matches(&other));
    }

    #[test]
    fn every_entry_has_a_reason() {
        for entry in DOCUMENTED {
            assert!(entry.reason.len() > 20, "entry {entry:?} needs a reason");
        }
    }
}
