//! The two specifications of `listxattr`: strict (atomic) and weak (the
//! guarantee of a walk that is not a snapshot).
//!
//! Under the **strict** specification a list is an ordinary operation with
//! one linearization point: it returns exactly the names of the store at
//! that instant, each once, in any order. Design A (rbtree under a
//! reader-writer lock) meets it because the walk holds the read side.
//!
//! Design B (rhashtable walked under RCU) visits buckets one at a time, and a
//! resize makes the walker rewind to the start of the new table. So a list
//! that overlaps a set or remove is not atomic. The **weak** specification
//! states what it still guarantees. For a list call that runs from its
//! invocation to its response, call an *instant of the call* any state of
//! the store between those two points of a linearization of the other
//! operations. Then:
//!
//! 1. every name it returns was present at some instant of the call;
//! 2. every name present at every instant of the call is returned at least
//!    once;
//! 3. a name may be returned more than once;
//! 4. a size query returns the size of some output that rules 1 to 3 allow:
//!    at least the sum of `length + 1` over the names present at every
//!    instant, plus any repeats of names present at some instant, so it may
//!    exceed the list size of every instant;
//! 5. a fetch into a buffer of `n` bytes returns names whose bytes,
//!    repeats included, fit in `n`; it may fail with `ERANGE` whenever some
//!    name was present at some instant, even if every instant's list fits;
//! 6. with no name present at any instant, the list is empty, the size is
//!    0 and `ERANGE` is impossible.
//!
//! The checker enforces the weak specification by splitting each completed
//! list into two point events, a *begin* at its invocation time and an
//! *end* at its response time. Both take part in the linearization search.
//! Between them a [`Window`] in the partition state records the names seen
//! at some instant and the names present at every instant; the end event
//! checks the response against it. Rules 1 and 2 come from the description
//! of the rhashtable walker in lib/rhashtable.c (a walk may miss entries
//! added or removed during it and may return an entry twice after a
//! resize).
//!
//! Limitations: rules 3 to 5 allow any number of repeats, although the
//! kernel repeats a name at most once per resize during the walk; the
//! checker cannot see resizes in a history, so it does not bound repeats.

use std::collections::BTreeSet;

use xattr_model::errno::Errno;

use crate::store_spec::StoreState;

use super::history::{list_weight, Buffer, Outcome};

/// Which specification `listxattr` is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ListSpec {
    /// One linearization point; exact names, each once (design A).
    #[default]
    Strict,
    /// The weak guarantee of a non-snapshot walk (design B).
    Weak,
}

impl std::str::FromStr for ListSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "strict" => Ok(ListSpec::Strict),
            "weak" => Ok(ListSpec::Weak),
            other => Err(format!("unknown list specification {other:?}; expected `strict` or `weak`")),
        }
    }
}

/// What an open weak list has seen so far in a linearization.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Window {
    /// Id of the begin event that opened the window.
    pub begin: u32,
    /// Local index of the listed store.
    pub store: usize,
    pub trusted_visible: bool,
    /// Names present at some instant since the begin event.
    pub seen: BTreeSet<String>,
    /// Names present at every instant since the begin event.
    pub throughout: BTreeSet<String>,
}

impl Window {
    /// Opens a window on the store state at the begin event.
    pub fn open(begin: u32, store: usize, trusted_visible: bool, state: &StoreState) -> Window {
        let names: BTreeSet<String> = visible_names(state, trusted_visible).collect();
        Window { begin, store, trusted_visible, seen: names.clone(), throughout: names }
    }

    /// Records one more instant of the call.
    pub fn observe(&mut self, state: &StoreState) {
        let trusted_visible = self.trusted_visible;
        self.seen.extend(visible_names(state, trusted_visible));
        self.throughout.retain(|name| state.entries.contains_key(name));
    }

    /// Checks a list response against rules 1 to 6 of the weak
    /// specification; the error says which rule failed and on which name.
    pub fn check(&self, buffer: &Buffer, response: &Outcome) -> Result<(), String> {
        match response {
            Outcome::Names(names) => self.check_names(buffer, names),
            Outcome::Size(size) => self.check_size(*size),
            Outcome::Err(Errno::ERANGE) if matches!(buffer, Buffer::Bytes(_)) && !self.seen.is_empty() => Ok(()),
            Outcome::Err(Errno::ERANGE) => Err("returned ERANGE, but no name was present during the call".into()),
            other => Err(format!("returned {other}, which no list returns")),
        }
    }

    fn check_names(&self, buffer: &Buffer, names: &[String]) -> Result<(), String> {
        if let Some(name) = names.iter().find(|name| !self.seen.contains(*name)) {
            return Err(format!("returned {name:?}, which was not present at any instant of the call"));
        }
        if let Some(name) = self.throughout.iter().find(|name| !names.contains(name)) {
            return Err(format!("omitted {name:?}, which was present for the whole call"));
        }
        let bytes: usize = names.iter().map(|name| list_weight(name)).sum();
        match buffer {
            Buffer::Bytes(size) if bytes > *size => Err(format!("returned {bytes} bytes of names into a {size}-byte buffer")),
            _ => Ok(()),
        }
    }

    fn check_size(&self, size: usize) -> Result<(), String> {
        let required: usize = self.throughout.iter().map(|name| list_weight(name)).sum();
        if size < required {
            return Err(format!(
                "returned size {size}, less than the {required} bytes of the names present for the whole call"
            ));
        }
        let weights: BTreeSet<usize> = self.seen.iter().map(|name| list_weight(name)).collect();
        if !is_sum_of(size - required, &weights) {
            return Err(format!(
                "returned size {size}, which no output of names present during the call adds up to (at least {required})"
            ));
        }
        Ok(())
    }
}

/// The names a list shows in `state`.
pub fn visible_names(state: &StoreState, trusted_visible: bool) -> impl Iterator<Item = String> + '_ {
    state.entries.keys().filter(move |name| trusted_visible || !name.starts_with("trusted.")).cloned()
}

/// Whether `target` is a sum of `weights`, each used any number of times.
fn is_sum_of(target: usize, weights: &BTreeSet<usize>) -> bool {
    let mut reachable = vec![false; target + 1];
    reachable[0] = true;
    for total in 1..=target {
        reachable[total] = weights.iter().any(|weight| *weight <= total && reachable[total - weight]);
    }
    reachable[target]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(seen: &[&str], throughout: &[&str]) -> Window {
        Window {
            begin: 0,
            store: 0,
            trusted_visible: true,
            seen: seen.iter().map(|name| name.to_string()).collect(),
            throughout: throughout.iter().map(|name| name.to_string()).collect(),
        }
    }

    #[test]
    fn weak_names_allow_repeats() {
        let names = vec!["user.a".to_string(), "user.a".to_string()];
        assert_eq!(window(&["user.a"], &["user.a"]).check(&Buffer::Unbounded, &Outcome::Names(names)), Ok(()));
    }

    #[test]
    fn weak_names_need_throughout() {
        let result = window(&["user.a", "user.b"], &["user.a"]).check(&Buffer::Unbounded, &Outcome::Names(vec![]));
        assert!(result.unwrap_err().contains("omitted \"user.a\""));
    }

    #[test]
    fn weak_size_is_sum_of_seen() {
        let seen = window(&["user.a", "user.bb"], &[]);
        assert_eq!(seen.check(&Buffer::Query, &Outcome::Size(7 + 8)), Ok(()));
        assert_eq!(seen.check(&Buffer::Query, &Outcome::Size(14)), Ok(()));
        assert!(seen.check(&Buffer::Query, &Outcome::Size(5)).is_err());
    }

    #[test]
    fn weak_erange_needs_a_name() {
        let erange = Outcome::Err(Errno::ERANGE);
        assert!(window(&[], &[]).check(&Buffer::Bytes(1), &erange).is_err());
        assert_eq!(window(&["user.a"], &[]).check(&Buffer::Bytes(100), &erange), Ok(()));
    }
}
