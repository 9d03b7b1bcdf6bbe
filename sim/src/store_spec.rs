//! The sequential specification of one `simple_xattr` store: what get, set,
//! remove and list return when operations run one at a time.
//!
//! This is the store part of the oracle, shared by the syscall oracle (which
//! adds argument checks, permissions and handler resolution in front of it)
//! and the linearizability checker (which replays histories against it).
//! It is pure: [`StoreSpec::apply`] takes a state and returns the next one.
//!
//! Rules, from fs/xattr.c since v6.6 and the v7.1 limits code:
//! - a set with a value allocates the store first (lazy allocation), then
//!   charges the limits, then looks the name up; so `ENOSPC` is decided
//!   before `EEXIST` and `ENODATA`, and a failed set still leaves a store;
//! - the kernel's limit rule is a speculative pre-increment: a replace at the
//!   count limit fails, and a replace near the size limit needs the full new
//!   size free; the net-delta mode charges only the change;
//! - a remove (value `None` with `XATTR_REPLACE`, as the VFS passes it) of a
//!   missing name gives `ENODATA` and never allocates;
//! - `XATTR_CREATE` on a present name gives `EEXIST`, `XATTR_REPLACE` on a
//!   missing name `ENODATA`; both flags together always fail one way.

use std::collections::BTreeMap;

use xattr_model::config::Accounting;
use xattr_model::errno::{Errno, XATTR_CREATE, XATTR_REPLACE};

/// Per-inode limits on names with a prefix (`user.` on sockfs and kernfs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    pub max_nr: usize,
    pub max_size: usize,
    pub accounting: Accounting,
}

/// The state of one store.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct StoreState {
    /// Whether lazy allocation has happened (absent versus empty).
    pub allocated: bool,
    pub entries: BTreeMap<String, Vec<u8>>,
}

/// A store operation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StoreOp {
    /// `size` `None` is the size query.
    Get { name: String, size: Option<usize> },
    /// `value` `None` removes.
    Set { name: String, value: Option<Vec<u8>>, flags: u32 },
    /// The names, sorted; `trusted.*` only if visible.
    List { trusted_visible: bool },
}

/// What a store operation returns.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StoreResult {
    Done,
    Size(usize),
    Value(Vec<u8>),
    Names(Vec<String>),
    Err(Errno),
}

/// The specification: limits apply to names starting with `limited_prefix`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct StoreSpec {
    pub limited_prefix: Option<String>,
    pub limits: Option<Limits>,
}

impl StoreSpec {
    /// Applies `op` to `state`, returning the next state and the result.
    pub fn apply(&self, state: &StoreState, op: &StoreOp) -> (StoreState, StoreResult) {
        match op {
            StoreOp::Get { name, size } => (state.clone(), get(state, name, *size)),
            StoreOp::List { trusted_visible } => {
                let names = state.entries.keys().filter(|name| *trusted_visible || !name.starts_with("trusted."));
                (state.clone(), StoreResult::Names(names.cloned().collect()))
            }
            StoreOp::Set { name, value, flags } => self.set(state, name, value.as_deref(), *flags),
        }
    }

    fn set(&self, state: &StoreState, name: &str, value: Option<&[u8]>, flags: u32) -> (StoreState, StoreResult) {
        let mut next = state.clone();
        if value.is_none() && !state.allocated {
            let result = if flags & XATTR_REPLACE != 0 { StoreResult::Err(Errno::ENODATA) } else { StoreResult::Done };
            return (next, result);
        }
        next.allocated = true;

        if let (Some(value), Some(limits)) = (value, self.limits_for(name)) {
            if let Err(errno) = self.check_limits(&next, limits, name, value.len()) {
                return (next, StoreResult::Err(errno));
            }
        }

        let present = next.entries.contains_key(name);
        let result = match (present, value) {
            (true, _) if flags & XATTR_CREATE != 0 => StoreResult::Err(Errno::EEXIST),
            (false, _) if flags & XATTR_REPLACE != 0 => StoreResult::Err(Errno::ENODATA),
            (_, Some(value)) => {
                next.entries.insert(name.to_owned(), value.to_vec());
                StoreResult::Done
            }
            (_, None) => {
                next.entries.remove(name);
                StoreResult::Done
            }
        };
        (next, result)
    }

    fn limits_for(&self, name: &str) -> Option<Limits> {
        let prefix = self.limited_prefix.as_deref()?;
        name.starts_with(prefix).then_some(self.limits?)
    }

    /// The charge check before the lookup: under pre-increment a set needs
    /// one more entry and its full size free, whatever it replaces.
    fn check_limits(&self, state: &StoreState, limits: Limits, name: &str, size: usize) -> Result<(), Errno> {
        let limited = state.entries.iter().filter(|(key, _)| self.limits_for(key).is_some());
        let (count, bytes) = limited.fold((0, 0), |(count, bytes), (_, value)| (count + 1, bytes + value.len()));
        let old = state.entries.get(name).map(Vec::len);
        let (extra_count, extra_bytes) = match (limits.accounting, old) {
            (Accounting::NetDelta, Some(old)) => (0, size.saturating_sub(old)),
            _ => (1, size),
        };
        if count + extra_count > limits.max_nr || bytes + extra_bytes > limits.max_size {
            return Err(Errno::ENOSPC);
        }
        Ok(())
    }
}

fn get(state: &StoreState, name: &str, size: Option<usize>) -> StoreResult {
    match (state.entries.get(name), size) {
        (None, _) => StoreResult::Err(Errno::ENODATA),
        (Some(value), None) => StoreResult::Size(value.len()),
        (Some(value), Some(size)) if size < value.len() => StoreResult::Err(Errno::ERANGE),
        (Some(value), Some(_)) => StoreResult::Value(value.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limited(max_nr: usize, max_size: usize) -> StoreSpec {
        StoreSpec {
            limited_prefix: Some("user.".into()),
            limits: Some(Limits { max_nr, max_size, accounting: Accounting::PreIncrement }),
        }
    }

    fn set(name: &str, value: &str, flags: u32) -> StoreOp {
        StoreOp::Set { name: name.into(), value: Some(value.as_bytes().to_vec()), flags }
    }

    #[test]
    fn remove_on_absent_store_gives_enodata_without_allocating() {
        let spec = StoreSpec::default();
        let op = StoreOp::Set { name: "user.a".into(), value: None, flags: XATTR_REPLACE };
        let (next, result) = spec.apply(&StoreState::default(), &op);
        assert_eq!(result, StoreResult::Err(Errno::ENODATA));
        assert!(!next.allocated);
    }

    #[test]
    fn failed_replace_still_allocates() {
        let (next, result) = StoreSpec::default().apply(&StoreState::default(), &set("user.a", "v", XATTR_REPLACE));
        assert_eq!(result, StoreResult::Err(Errno::ENODATA));
        assert!(next.allocated);
    }

    #[test]
    fn replace_at_count_limit_is_enospc() {
        let spec = limited(1, 100);
        let (state, _) = spec.apply(&StoreState::default(), &set("user.a", "v", 0));
        let (_, result) = spec.apply(&state, &set("user.a", "w", 0));
        assert_eq!(result, StoreResult::Err(Errno::ENOSPC));
    }

    #[test]
    fn enospc_comes_before_eexist() {
        let spec = limited(1, 100);
        let (state, _) = spec.apply(&StoreState::default(), &set("user.a", "v", 0));
        let (_, result) = spec.apply(&state, &set("user.a", "w", XATTR_CREATE));
        assert_eq!(result, StoreResult::Err(Errno::ENOSPC));
    }

    #[test]
    fn net_delta_allows_replace_at_limit() {
        let mut spec = limited(1, 100);
        spec.limits = spec.limits.map(|limits| Limits { accounting: Accounting::NetDelta, ..limits });
        let (state, _) = spec.apply(&StoreState::default(), &set("user.a", "v", 0));
        let (_, result) = spec.apply(&state, &set("user.a", "w", 0));
        assert_eq!(result, StoreResult::Done);
    }

    #[test]
    fn size_limit_is_inclusive() {
        let spec = limited(10, 4);
        let (state, first) = spec.apply(&StoreState::default(), &set("user.a", "abcd", 0));
        assert_eq!(first, StoreResult::Done);
        let (_, second) = spec.apply(&state, &set("user.b", "", 0));
        assert_eq!(second, StoreResult::Done);
        let (_, third) = spec.apply(&state, &set("user.b", "x", 0));
        assert_eq!(third, StoreResult::Err(Errno::ENOSPC));
    }
}
