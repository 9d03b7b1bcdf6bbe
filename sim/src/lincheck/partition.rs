//! Splitting a history into independently checkable partitions, and turning
//! each partition's operations into the events the search orders.
//!
//! Linearizability is local (Herlihy & Wing, "Linearizability: a
//! correctness condition for concurrent objects", TOPLAS 1990): a history is
//! linearizable exactly when the sub-history of each object is. Horn &
//! Kroening ("Faster linearizability checking via P-compositionality",
//! FORTE 2015) extend the idea to any partition of the operations whose
//! parts share no state. Here a partition is one store, except that the
//! stores of a tmpfs superblock form one partition when their operations can
//! reach the shared space budget, because then a set on one inode can fail
//! for space used by another.
//!
//! A budget is *reachable* when the initial usage plus the space of every
//! set and add in the history (each counted as if it only added) exceeds
//! it. Otherwise no `ENOSPC` can come from the budget in any order, so the
//! budget is dropped and each store is its own partition.
//!
//! Events: each operation becomes one event with the operation's interval,
//! except that under the weak list specification a completed list becomes a
//! *begin* event at its invocation time and an *end* event at its response
//! time (see `list_spec`). Pending operations that cannot change a store
//! are dropped, since leaving them out is one of their allowed outcomes and
//! they constrain nothing else. Under the strict specification list
//! responses are sorted, because the order of names carries no meaning.
//!
//! Invariant: events are sorted by invocation time, then response time; an
//! end event's `requires` names its begin event, which sorts before it.

use std::collections::BTreeMap;

use super::history::{entry_space, Buffer, Call, History, Outcome};
use super::list_spec::ListSpec;
use super::spec::{LocalStore, PartSpec, PartState};

/// Response time of a pending event: after every other event.
pub const NEVER: u64 = u64::MAX;

/// The effect of an event when the search places it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// An operation with one linearization point; `response` `None` if
    /// pending.
    Call { call: Call, response: Option<Outcome> },
    /// Start of a weak list: opens a window on the store.
    ListBegin { trusted_visible: bool },
    /// End of a weak list: checks the response against the window.
    ListEnd { begin: u32, buffer: Buffer, response: Outcome },
}

/// One event of a partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Index of the operation in the history it came from.
    pub operation: usize,
    /// Local index of the store, into [`PartSpec::stores`].
    pub store: usize,
    pub kind: EventKind,
    pub invoked: u64,
    /// [`NEVER`] for a pending operation.
    pub returned: u64,
    /// An event that must be placed before this one.
    pub requires: Option<u32>,
}

impl Event {
    /// Whether the event must be placed for the history to be linearizable.
    pub fn is_required(&self) -> bool {
        self.returned != NEVER
    }
}

/// One independently checkable part of a history.
#[derive(Debug, Clone)]
pub struct Partition {
    /// For example `store 2` or `superblock 0 (stores 1, 3)`.
    pub label: String,
    /// Global store ids, in local order.
    pub stores: Vec<usize>,
    pub spec: PartSpec,
    pub initial: PartState,
    pub events: Vec<Event>,
}

/// Splits `history` into partitions; with `partitioned` false the whole
/// history is one partition (useful to measure what partitioning buys).
pub fn partitions(history: &History, list_spec: ListSpec, partitioned: bool) -> Vec<Partition> {
    let reachable: Vec<bool> = (0..history.superblocks.len()).map(|sb| budget_reachable(history, sb)).collect();
    let mut groups: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for (store, decl) in history.stores.iter().enumerate() {
        let key = match decl.superblock {
            _ if !partitioned => (0, 0),
            Some(sb) if reachable[sb] => (1, sb),
            _ => (2, store),
        };
        groups.entry(key).or_default().push(store);
    }

    let mut result = Vec::new();
    for (key, stores) in groups {
        let track_budgets = !partitioned || key.0 == 1;
        let label = label_of(key, &stores, partitioned);
        let partition = build(history, stores, track_budgets, list_spec, label);
        if !partition.events.is_empty() {
            result.push(partition);
        }
    }
    result
}

/// Whether some order of the history's operations can use up superblock
/// `sb`'s budget.
pub fn budget_reachable(history: &History, sb: usize) -> bool {
    let in_sb = |store: usize| history.stores[store].superblock == Some(sb);
    let initial: usize = (0..history.stores.len())
        .filter(|store| in_sb(*store))
        .flat_map(|store| history.stores[store].initial.entries.iter())
        .map(|(name, value)| entry_space(name, value.len()))
        .sum();
    let added: usize = history
        .operations
        .iter()
        .filter(|op| in_sb(op.store))
        .map(|op| match &op.call {
            Call::Set { name, value, .. } | Call::Add { name, value } => entry_space(name, value.len()),
            _ => 0,
        })
        .sum();
    initial + added > history.superblocks[sb].budget
}

fn label_of(key: (usize, usize), stores: &[usize], partitioned: bool) -> String {
    let list = stores.iter().map(usize::to_string).collect::<Vec<_>>().join(", ");
    match key {
        _ if !partitioned => format!("whole history (stores {list})"),
        (1, sb) => format!("superblock {sb} (stores {list})"),
        _ => format!("store {list}"),
    }
}

fn build(history: &History, stores: Vec<usize>, track_budgets: bool, list_spec: ListSpec, label: String) -> Partition {
    let (spec, initial) = part_spec(history, &stores, track_budgets);
    let local: BTreeMap<usize, usize> = stores.iter().enumerate().map(|(local, global)| (*global, local)).collect();

    let mut events = Vec::new();
    for (index, op) in history.operations.iter().enumerate() {
        let Some(&store) = local.get(&op.store) else { continue };
        if op.is_pending() && !op.call.is_write() {
            continue;
        }
        let returned = op.returned.unwrap_or(NEVER);
        match (&op.call, &op.response, list_spec) {
            (Call::List { buffer, trusted_visible }, Some(response), ListSpec::Weak) => {
                let begin = EventKind::ListBegin { trusted_visible: *trusted_visible };
                // `begin` is fixed up to the begin event's sorted id below.
                let end = EventKind::ListEnd { begin: 0, buffer: buffer.clone(), response: response.clone() };
                events.push(Event { operation: index, store, kind: begin, invoked: op.invoked, returned: op.invoked, requires: None });
                events.push(Event { operation: index, store, kind: end, invoked: returned, returned, requires: None });
            }
            (call, response, _) => {
                let kind = EventKind::Call { call: call.clone(), response: response.as_ref().map(normalize) };
                events.push(Event { operation: index, store, kind, invoked: op.invoked, returned, requires: None });
            }
        }
    }
    sort_events(&mut events);
    Partition { label, stores, spec, initial, events }
}

fn part_spec(history: &History, stores: &[usize], track_budgets: bool) -> (PartSpec, PartState) {
    let mut budgets = Vec::new();
    let mut local_sb: BTreeMap<usize, usize> = BTreeMap::new();
    let mut locals = Vec::new();
    for &store in stores {
        let decl = &history.stores[store];
        let superblock = decl.superblock.filter(|_| track_budgets).map(|sb| {
            *local_sb.entry(sb).or_insert_with(|| {
                budgets.push(history.superblocks[sb].budget);
                budgets.len() - 1
            })
        });
        locals.push(LocalStore { spec: decl.spec.clone(), superblock });
    }
    let spec = PartSpec { stores: locals, budgets };
    let initial = spec.initial_state(stores.iter().map(|store| history.stores[*store].initial.clone()).collect());
    (spec, initial)
}

/// Sorts events by interval and links each end event to its begin event.
fn sort_events(events: &mut Vec<Event>) {
    // The stable sort keeps a begin before its end when both times are equal.
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by_key(|&i| (events[i].invoked, events[i].returned));
    let mut position = vec![0u32; events.len()];
    for (new, &old) in order.iter().enumerate() {
        position[old] = new as u32;
    }
    let mut sorted: Vec<Event> = order.iter().map(|&old| events[old].clone()).collect();
    for (old, event) in events.iter().enumerate() {
        if matches!(event.kind, EventKind::ListEnd { .. }) {
            // The begin event was pushed just before its end event.
            let begin = position[old - 1];
            let end = &mut sorted[position[old] as usize];
            end.requires = Some(begin);
            if let EventKind::ListEnd { begin: slot, .. } = &mut end.kind {
                *slot = begin;
            }
        }
    }
    *events = sorted;
}

/// Sorts list names, which the strict specification compares as a multiset.
fn normalize(outcome: &Outcome) -> Outcome {
    match outcome {
        Outcome::Names(names) => {
            let mut names = names.clone();
            names.sort();
            Outcome::Names(names)
        }
        other => other.clone(),
    }
}
