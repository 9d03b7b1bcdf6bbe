//! The sequential specification of one partition: a few stores and the
//! tmpfs space budgets they share.
//!
//! Each store follows [`StoreSpec`] unchanged; this wrapper adds what spans
//! stores. tmpfs charges every entry of every inode of a mount against one
//! budget (`free_ispace`), `simple_xattr_space() = 40 + value size + full
//! name length` bytes each (mm/shmem.c since v6.6). `shmem_xattr_handler_set`
//! reserves the new entry's full space before `simple_xattr_set` runs. So
//! the budget's `ENOSPC` comes before `EEXIST` and `ENODATA`, and a replace
//! needs the whole new size free before the old entry's space returns.
//! Since the lazy-allocation rework a failed set still leaves a store
//! allocated. Remove needs no headroom and returns the old entry's space.
//!
//! When a partition holds stores of one superblock, its state is the set of
//! those stores plus the space used. That composition keeps the partitions
//! independent, which P-compositionality needs (Horn & Kroening, "Faster
//! linearizability checking via P-compositionality", FORTE 2015): no
//! operation of one partition reads or changes state of another.
//!
//! This file also turns `listxattr` results into the syscall's: the size
//! query returns the sum of `name length + 1`, and a smaller buffer gives
//! `ERANGE`.
//!
//! Invariant: `PartState::used[sb]` equals the space of the entries of the
//! stores charged to `sb`, plus space charged by `simple_xattr_add`.
//!
//! Limitations: a store with both per-inode limits and a superblock budget
//! checks the budget first; no kernel filesystem has both, so the order is
//! a choice, not a fact.

use xattr_model::errno::{Errno, XATTR_REPLACE};

use crate::store_spec::{StoreOp, StoreResult, StoreSpec, StoreState};

use super::history::{entry_space, list_weight, Buffer, Call, Outcome};
use super::list_spec::Window;

/// One store of a partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalStore {
    pub spec: StoreSpec,
    /// Index into [`PartSpec::budgets`] when the store is charged to a
    /// superblock budget the partition tracks.
    pub superblock: Option<usize>,
}

/// The specification of one partition.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PartSpec {
    pub stores: Vec<LocalStore>,
    /// Bytes each tracked superblock allows in total.
    pub budgets: Vec<usize>,
}

/// The state of one partition.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PartState {
    pub stores: Vec<StoreState>,
    /// Bytes used per tracked superblock, parallel to [`PartSpec::budgets`].
    pub used: Vec<usize>,
    /// Open `listxattr` calls under the weak list specification, ordered by
    /// the id of the event that opened them.
    pub windows: Vec<Window>,
}

impl PartSpec {
    /// Builds the state before the history from the given stores, charging
    /// each superblock for their entries.
    pub fn initial_state(&self, stores: Vec<StoreState>) -> PartState {
        let mut used = vec![0; self.budgets.len()];
        for (local, state) in self.stores.iter().zip(&stores) {
            if let Some(sb) = local.superblock {
                used[sb] += state.entries.iter().map(|(name, value)| entry_space(name, value.len())).sum::<usize>();
            }
        }
        PartState { stores, used, windows: Vec::new() }
    }

    /// Applies `call` to store `store` (a local index) atomically, returning
    /// the next state and what the call returns.
    pub fn apply(&self, state: &PartState, store: usize, call: &Call) -> (PartState, Outcome) {
        let mut next = state.clone();
        let outcome = match call {
            Call::Get { name, buffer } => self.get(&state.stores[store], store, name, buffer),
            Call::List { buffer, trusted_visible } => self.list(&state.stores[store], store, buffer, *trusted_visible),
            Call::Set { name, value, flags } => self.set(&mut next, store, name, value, *flags),
            Call::Remove { name } => self.remove(&mut next, store, name),
            Call::Add { name, value } => self.add(&mut next, store, name, value),
        };
        if call.is_write() && next.stores[store] != state.stores[store] {
            // Every open weak list of this store records the new instant.
            let current = &next.stores[store];
            next.windows.iter_mut().filter(|window| window.store == store).for_each(|window| window.observe(current));
        }
        (next, outcome)
    }

    fn get(&self, state: &StoreState, store: usize, name: &str, buffer: &Buffer) -> Outcome {
        let size = match buffer {
            Buffer::Query => None,
            Buffer::Bytes(size) => Some(*size),
            Buffer::Unbounded => Some(usize::MAX),
        };
        let op = StoreOp::Get { name: name.to_owned(), size };
        outcome_of(self.stores[store].spec.apply(state, &op).1)
    }

    fn list(&self, state: &StoreState, store: usize, buffer: &Buffer, trusted_visible: bool) -> Outcome {
        let StoreResult::Names(names) = self.stores[store].spec.apply(state, &StoreOp::List { trusted_visible }).1 else {
            unreachable!("StoreSpec::apply returns names for a list");
        };
        let total: usize = names.iter().map(|name| list_weight(name)).sum();
        match buffer {
            Buffer::Query => Outcome::Size(total),
            Buffer::Bytes(size) if total > *size => Outcome::Err(Errno::ERANGE),
            Buffer::Bytes(_) | Buffer::Unbounded => Outcome::Names(names),
        }
    }

    fn set(&self, next: &mut PartState, store: usize, name: &str, value: &[u8], flags: u32) -> Outcome {
        let need = entry_space(name, value.len());
        if let Some(sb) = self.stores[store].superblock {
            // The reservation happens after lazy allocation and before the
            // lookup, so it fails a replace that would shrink usage too.
            if next.used[sb] + need > self.budgets[sb] {
                next.stores[store].allocated = true;
                return Outcome::Err(Errno::ENOSPC);
            }
        }
        let old = old_space(&next.stores[store], name);
        let op = StoreOp::Set { name: name.to_owned(), value: Some(value.to_vec()), flags };
        let (state, result) = self.stores[store].spec.apply(&next.stores[store], &op);
        next.stores[store] = state;
        if result == StoreResult::Done {
            self.charge(next, store, need, old);
        }
        outcome_of(result)
    }

    fn remove(&self, next: &mut PartState, store: usize, name: &str) -> Outcome {
        let old = old_space(&next.stores[store], name);
        let op = StoreOp::Set { name: name.to_owned(), value: None, flags: XATTR_REPLACE };
        let (state, result) = self.stores[store].spec.apply(&next.stores[store], &op);
        next.stores[store] = state;
        if result == StoreResult::Done {
            self.charge(next, store, 0, old);
        }
        outcome_of(result)
    }

    /// `simple_xattr_add`: inserts with no limit or budget check.
    // NOTE: the rbtree design keeps a second entry of an existing name after
    // `simple_xattr_add`; the specification replaces it, because a store
    // state is a map.
    fn add(&self, next: &mut PartState, store: usize, name: &str, value: &[u8]) -> Outcome {
        let old = old_space(&next.stores[store], name);
        let op = StoreOp::Set { name: name.to_owned(), value: Some(value.to_vec()), flags: 0 };
        let (state, result) = StoreSpec::default().apply(&next.stores[store], &op);
        next.stores[store] = state;
        self.charge(next, store, entry_space(name, value.len()), old);
        outcome_of(result)
    }

    fn charge(&self, next: &mut PartState, store: usize, added: usize, released: usize) {
        if let Some(sb) = self.stores[store].superblock {
            next.used[sb] = next.used[sb] + added - released;
        }
    }
}

fn old_space(state: &StoreState, name: &str) -> usize {
    state.entries.get(name).map_or(0, |value| entry_space(name, value.len()))
}

/// Converts a store result into what the syscall returns.
pub fn outcome_of(result: StoreResult) -> Outcome {
    match result {
        StoreResult::Done => Outcome::Done,
        StoreResult::Size(size) => Outcome::Size(size),
        StoreResult::Value(value) => Outcome::Value(value),
        StoreResult::Names(names) => Outcome::Names(names),
        StoreResult::Err(errno) => Outcome::Err(errno),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmpfs(budget: usize, stores: usize) -> PartSpec {
        let local = LocalStore { spec: StoreSpec::default(), superblock: Some(0) };
        PartSpec { stores: vec![local; stores], budgets: vec![budget] }
    }

    fn set(name: &str, value: &str) -> Call {
        Call::Set { name: name.into(), value: value.as_bytes().to_vec(), flags: 0 }
    }

    #[test]
    fn budget_is_shared_by_stores() {
        let spec = tmpfs(2 * entry_space("user.a", 1), 2);
        let state = spec.initial_state(vec![StoreState::default(); 2]);
        let (state, first) = spec.apply(&state, 0, &set("user.a", "x"));
        let (state, second) = spec.apply(&state, 1, &set("user.a", "x"));
        let (_, third) = spec.apply(&state, 1, &set("user.b", "x"));
        assert_eq!(first, Outcome::Done);
        assert_eq!(second, Outcome::Done);
        assert_eq!(third, Outcome::Err(Errno::ENOSPC));
    }

    #[test]
    fn replace_needs_full_new_space() {
        let spec = tmpfs(entry_space("user.a", 1) + 1, 1);
        let state = spec.initial_state(vec![StoreState::default()]);
        let (state, _) = spec.apply(&state, 0, &set("user.a", "x"));
        let (_, result) = spec.apply(&state, 0, &set("user.a", "y"));
        assert_eq!(result, Outcome::Err(Errno::ENOSPC));
    }

    #[test]
    fn remove_returns_space() {
        let spec = tmpfs(entry_space("user.a", 1), 1);
        let state = spec.initial_state(vec![StoreState::default()]);
        let (state, _) = spec.apply(&state, 0, &set("user.a", "x"));
        let (state, removed) = spec.apply(&state, 0, &Call::Remove { name: "user.a".into() });
        assert_eq!(removed, Outcome::Done);
        assert_eq!(state.used, vec![0]);
    }

    #[test]
    fn list_size_query_counts_nul() {
        let spec = PartSpec { stores: vec![LocalStore { spec: StoreSpec::default(), superblock: None }], budgets: vec![] };
        let state = spec.initial_state(vec![StoreState::default()]);
        let (state, _) = spec.apply(&state, 0, &set("user.ab", "x"));
        let query = Call::List { buffer: Buffer::Query, trusted_visible: true };
        let small = Call::List { buffer: Buffer::Bytes(7), trusted_visible: true };
        assert_eq!(spec.apply(&state, 0, &query).1, Outcome::Size(8));
        assert_eq!(spec.apply(&state, 0, &small).1, Outcome::Err(Errno::ERANGE));
    }
}
