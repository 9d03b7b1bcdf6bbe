//! The linearizability search of one partition: Wing & Gong's depth-first
//! search over orders ("Testing and verifying concurrent objects", JPDC
//! 1993) with Lowe's memoization of configurations ("Testing for
//! linearizability", Concurrency and Computation: Practice and Experience,
//! 2017).
//!
//! A configuration is (set of placed events, specification state). From a
//! configuration the search may place any unplaced event that is *minimal*:
//! no other unplaced event returned before it was invoked. Placing it
//! applies it to the state; if the specification's response differs from
//! the recorded one, that branch dies. A configuration seen before is never
//! expanded again, which turns the search from exponential in the history
//! length into roughly linear for histories with bounded overlap. The
//! history is linearizable when a branch places every event that responded;
//! pending events may stay unplaced (they took no effect).
//!
//! Two reductions keep the branching small, both exact:
//! - a read (get, strict list) or a failed set or remove whose response
//!   matches and that leaves the state unchanged is placed at once without
//!   branching. Such an event leaves every later state unchanged too (a
//!   failed set only sets the monotone `allocated` flag), so moving it to
//!   the front of any successful order keeps that order valid. A set that
//!   succeeds without changing the state here does not qualify, since it
//!   may change a later state;
//! - states are interned, and transitions (state, event) are cached, so a
//!   state is cloned and hashed once however often the search revisits it.
//!
//! The set of placed events is stored as a frontier (every event before it
//! is placed) plus the sorted ids placed beyond it, so its size follows the
//! overlap, not the history length.
//!
//! A time budget and a budget on stored configurations end the search with
//! [`SearchResult::Unknown`]; it never reports a pass it did not prove.
//!
//! Limitations: a pending set early in a long history keeps the frontier
//! from moving past it. Every later configuration then stores all events
//! placed beyond it, so memory grows with the history length.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use super::history::Outcome;
use super::partition::{Event, EventKind, Partition};
use super::spec::PartState;
use super::list_spec::Window;

/// Limits on one search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Wall-clock limit; `None` for none.
    pub time: Option<Duration>,
    /// Maximum number of configurations stored in the memo table, the
    /// search's main memory cost (roughly 100 bytes each plus the states).
    pub max_configurations: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget { time: Some(Duration::from_secs(60)), max_configurations: 20_000_000 }
    }
}

/// The result of one partition's search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchResult {
    /// An order exists; the ids of its events in order when recorded.
    Linearizable { order: Option<Vec<u32>> },
    /// No order exists; what the deepest configuration looked like.
    NotLinearizable(DeadEnd),
    /// The budget ran out first.
    Unknown { reason: String },
}

/// The deepest configuration the search reached before it gave up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadEnd {
    /// Events placed, in order when recorded, else in id order.
    pub placed: Vec<u32>,
    /// The state after them.
    pub state: PartState,
    /// The unplaced responded event with the earliest response: no order
    /// places it before that response.
    pub blocking: u32,
    /// Why the blocking event cannot be placed in `state`, or `None` if it
    /// can be placed there but every continuation dies later.
    pub mismatch: Option<String>,
}

/// Counters of one search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SearchStats {
    pub events: usize,
    pub configurations: usize,
    pub states: usize,
    pub steps: u64,
}

/// Applies event `id` to `state`: the next state, and `Err` with the reason
/// when the recorded response differs from the specification's.
pub fn step(partition: &Partition, state: &PartState, id: u32) -> (PartState, Result<(), String>) {
    let event = &partition.events[id as usize];
    match &event.kind {
        EventKind::Call { call, response } => {
            let (next, expected) = partition.spec.apply(state, event.store, call);
            match response {
                Some(actual) if *actual != expected => {
                    (next, Err(format!("returned {actual}, but the specification returns {expected} here")))
                }
                _ => (next, Ok(())),
            }
        }
        EventKind::ListBegin { trusted_visible } => {
            let mut next = state.clone();
            next.windows.push(Window::open(id, event.store, *trusted_visible, &state.stores[event.store]));
            (next, Ok(()))
        }
        EventKind::ListEnd { begin, buffer, response } => {
            let mut next = state.clone();
            let Some(position) = next.windows.iter().position(|window| window.begin == *begin) else {
                return (next, Err("checker-internal error: the list's begin event was not placed".into()));
            };
            let window = next.windows.remove(position);
            let verdict = window.check(buffer, response);
            (next, verdict)
        }
    }
}

/// Searches for an order of `partition`'s events; `record_order` keeps the
/// order found (or the deepest prefix) for explanations, at some cost.
pub fn search(partition: &Partition, budget: &Budget, record_order: bool) -> (SearchResult, SearchStats) {
    let mut search = Search::new(partition, budget, record_order);
    let result = search.run();
    let stats = SearchStats {
        events: partition.events.len(),
        configurations: search.memo.len(),
        states: search.table.states.len(),
        steps: search.steps,
    };
    (result, stats)
}

/// Placed events: every id below `frontier`, plus `beyond` (sorted).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
struct Placed {
    frontier: u32,
    beyond: Vec<u32>,
}

impl Placed {
    fn contains(&self, id: u32) -> bool {
        id < self.frontier || self.beyond.binary_search(&id).is_ok()
    }

    fn insert(&mut self, id: u32) {
        if id != self.frontier {
            let at = self.beyond.binary_search(&id).unwrap_or_else(|at| at);
            self.beyond.insert(at, id);
            return;
        }
        self.frontier += 1;
        let absorbed = self.beyond.iter().zip(self.frontier..).take_while(|(id, next)| **id == *next).count();
        self.beyond.drain(..absorbed);
        self.frontier += absorbed as u32;
    }

    fn ids(&self) -> Vec<u32> {
        (0..self.frontier).chain(self.beyond.iter().copied()).collect()
    }
}

/// Interned states and cached transitions.
struct StateTable<'a> {
    partition: &'a Partition,
    states: Vec<PartState>,
    ids: HashMap<PartState, u32>,
    transitions: HashMap<(u32, u32), (u32, bool)>,
}

impl<'a> StateTable<'a> {
    fn new(partition: &'a Partition) -> Self {
        let mut table = StateTable { partition, states: Vec::new(), ids: HashMap::new(), transitions: HashMap::new() };
        table.intern(partition.initial.clone());
        table
    }

    fn intern(&mut self, state: PartState) -> u32 {
        if let Some(&id) = self.ids.get(&state) {
            return id;
        }
        let id = self.states.len() as u32;
        self.states.push(state.clone());
        self.ids.insert(state, id);
        id
    }

    /// The state after `event` and whether its response matched.
    fn transition(&mut self, state: u32, event: u32) -> (u32, bool) {
        if let Some(&cached) = self.transitions.get(&(state, event)) {
            return cached;
        }
        let (next, verdict) = step(self.partition, &self.states[state as usize], event);
        let next = self.intern(next);
        self.transitions.insert((state, event), (next, verdict.is_ok()));
        (next, verdict.is_ok())
    }
}

/// One configuration on the depth-first stack.
struct Frame {
    placed: Placed,
    state: u32,
    /// Responded events placed so far.
    required_placed: usize,
    candidates: Vec<u32>,
    next: usize,
    /// Length of the recorded order when this frame was pushed.
    order_len: usize,
}

struct Search<'a> {
    partition: &'a Partition,
    table: StateTable<'a>,
    memo: HashSet<(Placed, u32)>,
    stack: Vec<Frame>,
    required: usize,
    /// Per event, whether it can never change a state (see the module doc).
    inert: Vec<bool>,
    budget: Budget,
    deadline: Option<Instant>,
    steps: u64,
    /// The recorded order of the current path, when recording.
    order: Option<Vec<u32>>,
    deepest: Option<(usize, Placed, u32, Option<Vec<u32>>)>,
}

impl<'a> Search<'a> {
    fn new(partition: &'a Partition, budget: &Budget, record_order: bool) -> Self {
        Search {
            partition,
            table: StateTable::new(partition),
            memo: HashSet::new(),
            stack: Vec::new(),
            required: partition.events.iter().filter(|event| event.is_required()).count(),
            inert: partition.events.iter().map(is_inert).collect(),
            budget: *budget,
            deadline: budget.time.map(|time| Instant::now() + time),
            steps: 0,
            order: record_order.then(Vec::new),
            deepest: None,
        }
    }

    fn run(&mut self) -> SearchResult {
        let root = self.enter(Placed::default(), 0, 0);
        if root.required_placed == self.required {
            return SearchResult::Linearizable { order: self.order.take() };
        }
        self.stack.push(root);

        while !self.stack.is_empty() {
            if let Some(reason) = self.over_budget() {
                return SearchResult::Unknown { reason };
            }
            let Some((placed, state, required_placed)) = self.advance() else { continue };
            let frame = self.enter(placed, state, required_placed);
            if frame.required_placed == self.required {
                return SearchResult::Linearizable { order: self.order.take() };
            }
            self.stack.push(frame);
        }
        SearchResult::NotLinearizable(self.dead_end())
    }

    /// Tries the top frame's next candidate: the new configuration if it
    /// matched and is new; pops the frame when it has no candidates left.
    fn advance(&mut self) -> Option<(Placed, u32, usize)> {
        self.steps += 1;
        let top = self.stack.last_mut().expect("advance runs on a non-empty stack");
        if top.next == top.candidates.len() {
            let order_len = top.order_len;
            self.stack.pop();
            if let Some(order) = &mut self.order {
                order.truncate(order_len);
            }
            return None;
        }
        let event = top.candidates[top.next];
        top.next += 1;
        let (state, required_placed, mut placed) = (top.state, top.required_placed, top.placed.clone());
        let order_len = top.order_len;

        let (next, matched) = self.table.transition(state, event);
        if !matched {
            return None;
        }
        placed.insert(event);
        if !self.memo.insert((placed.clone(), next)) {
            return None;
        }
        if let Some(order) = &mut self.order {
            order.truncate(order_len);
            order.push(event);
        }
        Some((placed, next, required_placed + usize::from(self.is_required(event))))
    }

    /// Builds the frame of a configuration: places every event that can go
    /// without branching, then lists the candidates in response order.
    fn enter(&mut self, mut placed: Placed, state: u32, mut required_placed: usize) -> Frame {
        loop {
            let candidates = self.candidates(&placed);
            let free = candidates
                .iter()
                .copied()
                .find(|&event| self.inert[event as usize] && self.table.transition(state, event) == (state, true));
            let Some(event) = free else {
                let order_len = self.order.as_ref().map_or(0, Vec::len);
                self.note_depth(&placed, state, required_placed);
                return Frame { placed, state, required_placed, candidates, next: 0, order_len };
            };
            placed.insert(event);
            required_placed += usize::from(self.is_required(event));
            if let Some(order) = &mut self.order {
                order.push(event);
            }
        }
    }

    /// The minimal unplaced events: invoked no later than the earliest
    /// response among unplaced events, and with their prerequisite placed.
    fn candidates(&self, placed: &Placed) -> Vec<u32> {
        let events = &self.partition.events;
        let mut earliest_response = u64::MAX;
        let mut window = Vec::new();
        for id in placed.frontier..events.len() as u32 {
            if placed.contains(id) {
                continue;
            }
            let event = &events[id as usize];
            // Later events are invoked later still, so none is minimal.
            if event.invoked > earliest_response {
                break;
            }
            earliest_response = earliest_response.min(event.returned);
            window.push(id);
        }
        let mut candidates: Vec<u32> = window
            .into_iter()
            .filter(|&id| events[id as usize].invoked <= earliest_response)
            .filter(|&id| events[id as usize].requires.is_none_or(|required| placed.contains(required)))
            .collect();
        candidates.sort_by_key(|&id| (events[id as usize].returned, id));
        candidates
    }

    fn is_required(&self, event: u32) -> bool {
        self.partition.events[event as usize].is_required()
    }

    fn note_depth(&mut self, placed: &Placed, state: u32, required_placed: usize) {
        let deeper = self.deepest.as_ref().is_none_or(|(depth, ..)| required_placed > *depth);
        if deeper {
            self.deepest = Some((required_placed, placed.clone(), state, self.order.clone()));
        }
    }

    fn over_budget(&self) -> Option<String> {
        if self.memo.len() >= self.budget.max_configurations {
            return Some(format!("memory budget reached: {} configurations stored", self.memo.len()));
        }
        // Reading the clock every step would cost more than the step.
        let check_clock = self.steps % 1024 == 0;
        match self.deadline {
            Some(deadline) if check_clock && Instant::now() >= deadline => {
                let limit = self.budget.time.unwrap_or_default();
                Some(format!("time budget of {:.1} s reached after {} steps", limit.as_secs_f64(), self.steps))
            }
            _ => None,
        }
    }

    fn dead_end(&mut self) -> DeadEnd {
        let (_, placed, state, order) = self.deepest.take().expect("the root frame records a depth");
        let blocking = self.blocking_event(&placed);
        let state_value = self.table.states[state as usize].clone();
        let (_, verdict) = step(self.partition, &state_value, blocking);
        DeadEnd { placed: order.unwrap_or_else(|| placed.ids()), state: state_value, blocking, mismatch: verdict.err() }
    }

    /// The unplaced responded event with the earliest response.
    fn blocking_event(&self, placed: &Placed) -> u32 {
        let events: &[Event] = &self.partition.events;
        (0..events.len() as u32)
            .filter(|&id| !placed.contains(id) && events[id as usize].is_required())
            .min_by_key(|&id| (events[id as usize].returned, id))
            .expect("a dead end leaves a responded event unplaced")
    }
}

fn is_inert(event: &Event) -> bool {
    match &event.kind {
        EventKind::Call { response: Some(Outcome::Err(_)), .. } => true,
        EventKind::Call { call, response: Some(_) } => !call.is_write(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placed_absorbs_beyond() {
        let mut placed = Placed::default();
        placed.insert(2);
        placed.insert(1);
        assert_eq!(placed.frontier, 0);
        placed.insert(0);
        assert_eq!(placed, Placed { frontier: 3, beyond: vec![] });
        placed.insert(5);
        assert!(placed.contains(5));
        assert!(!placed.contains(4));
    }
}
