//! Explanations of a violation: shrink the history, then show what no order
//! can place.
//!
//! Shrinking keeps the operations of the failing partition, then drops whole
//! threads, then chunks of operations of halving size down to single
//! operations, as delta debugging's ddmin does, keeping each removal after
//! which the history is still not linearizable. A removal whose check runs
//! out of budget is undone, so the result always fails for certain.
//!
//! The result is printed as a table with one row per operation in
//! invocation order and one column per thread, followed by the operation no
//! order can place and why: the search's deepest configuration, the
//! responded operation with the earliest response that it left unplaced, and
//! what the specification returns for that operation there.
//!
//! Limitations: the result is minimal with respect to removing one
//! operation at a time (when the time budget allows), not the smallest
//! failing sub-history overall; it keeps any failure, which can differ from
//! the original one (dropping a set can turn "omitted a name" into "returned
//! a name never present"); the "why" names one dead end, while other orders
//! fail elsewhere.

use std::fmt;
use std::time::{Duration, Instant};

use super::history::{History, Operation};
use super::partition::{partitions, EventKind, Partition};
use super::search::{search, Budget, DeadEnd, SearchResult};
use super::Options;

/// A shrunk failing history and the operation no order can place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The shrunk history, with the original declarations.
    pub history: History,
    /// Operations in the failing partition before shrinking.
    pub original_operations: usize,
    /// Whether shrinking finished before its time budget.
    pub shrink_complete: bool,
    /// Index in `history.operations` of the operation no order places.
    pub blocking: usize,
    /// Why it cannot be placed.
    pub reason: String,
    /// Operations of the longest order found, by index in
    /// `history.operations`.
    pub longest_order: Vec<usize>,
}

/// Shrinks the operations of `stores` in `history` and explains the result;
/// `None` if that sub-history is not found to fail (a checker-internal
/// inconsistency or an exhausted budget).
pub fn explain(history: &History, stores: &[usize], options: &Options, time: Duration) -> Option<Explanation> {
    let deadline = Instant::now() + time;
    let failing = history.with_operations(|_, op| stores.contains(&op.store));
    let original_operations = failing.operations.len();
    let (shrunk, shrink_complete) = shrink(failing, options, deadline);

    let (partition, dead_end) = dead_end_of(&shrunk, options)?;
    let blocking_event = &partition.events[dead_end.blocking as usize];
    let blocking = blocking_event.operation;
    let longest_order = operations_of(&partition, &dead_end.placed);
    let reason = reason_of(&shrunk.operations[blocking], &dead_end, longest_order.len());
    Some(Explanation { history: shrunk, original_operations, shrink_complete, blocking, reason, longest_order })
}

/// Whether some partition of `history` is certainly not linearizable.
pub fn fails(history: &History, options: &Options, budget: &Budget) -> bool {
    partitions(history, options.list_spec, options.partitioned)
        .iter()
        .any(|partition| matches!(search(partition, budget, false).0, SearchResult::NotLinearizable(_)))
}

fn shrink(mut history: History, options: &Options, deadline: Instant) -> (History, bool) {
    for thread in history.threads() {
        if Instant::now() >= deadline {
            return (history, false);
        }
        let candidate = history.with_operations(|_, op| op.thread != thread);
        if still_fails(&candidate, options, deadline) {
            history = candidate;
        }
    }

    let mut chunk = (history.operations.len() / 2).max(1);
    loop {
        let mut removed_any = false;
        let mut start = 0;
        while start < history.operations.len() {
            if Instant::now() >= deadline {
                return (history, false);
            }
            let end = start + chunk;
            let candidate = history.with_operations(|index, _| index < start || index >= end);
            if still_fails(&candidate, options, deadline) {
                history = candidate;
                removed_any = true;
            } else {
                start = end;
            }
        }
        if chunk == 1 && !removed_any {
            return (history, true);
        }
        chunk = (chunk / 2).max(1);
    }
}

fn still_fails(candidate: &History, options: &Options, deadline: Instant) -> bool {
    let remaining = deadline.saturating_duration_since(Instant::now());
    let time = options.budget.time.map_or(remaining, |time| time.min(remaining));
    let budget = Budget { time: Some(time), ..options.budget };
    !candidate.operations.is_empty() && fails(candidate, options, &budget)
}

fn dead_end_of(history: &History, options: &Options) -> Option<(Partition, DeadEnd)> {
    for partition in partitions(history, options.list_spec, options.partitioned) {
        if let (SearchResult::NotLinearizable(dead_end), _) = search(&partition, &options.budget, true) {
            return Some((partition, dead_end));
        }
    }
    None
}

/// Maps placed events to operations; a weak list counts once, at its end.
fn operations_of(partition: &Partition, events: &[u32]) -> Vec<usize> {
    events
        .iter()
        .map(|&id| &partition.events[id as usize])
        .filter(|event| !matches!(event.kind, EventKind::ListBegin { .. }))
        .map(|event| event.operation)
        .collect()
}

fn reason_of(blocking: &Operation, dead_end: &DeadEnd, placed: usize) -> String {
    let who = format!("thread {} {} on store {}", blocking.thread, blocking.call, blocking.store);
    match &dead_end.mismatch {
        Some(mismatch) => format!(
            "no order places {who} before its response: after the longest order found ({placed} operations) it {mismatch}"
        ),
        None => format!(
            "no order places {who} before its response: it fits after the longest order found ({placed} operations), \
             but then no remaining operation does"
        ),
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kept = self.history.operations.len();
        let note = if self.shrink_complete { "" } else { " (shrinking ran out of time)" };
        writeln!(f, "smallest failing sub-history found: {kept} of {} operations{note}", self.original_operations)?;
        write_table(f, &self.history, self.blocking)?;
        writeln!(f, "{}", self.reason)?;
        writeln!(f, "longest order found:")?;
        for index in &self.longest_order {
            let op = &self.history.operations[*index];
            writeln!(f, "  thread {}: {}", op.thread, cell(op))?;
        }
        Ok(())
    }
}

/// One row per operation in invocation order, one column per thread.
fn write_table(f: &mut fmt::Formatter<'_>, history: &History, blocking: usize) -> fmt::Result {
    let threads = history.threads();
    let mut order: Vec<usize> = (0..history.operations.len()).collect();
    order.sort_by_key(|&index| (history.operations[index].invoked, index));

    let rows: Vec<(String, usize, String)> = order
        .iter()
        .map(|&index| {
            let op = &history.operations[index];
            let time = match op.returned {
                Some(returned) => format!("{}..{returned}", op.invoked),
                None => format!("{}..", op.invoked),
            };
            let marker = if index == blocking { "  <- cannot be placed" } else { "" };
            let column = threads.iter().position(|thread| *thread == op.thread).unwrap_or(0);
            (time, column, format!("{}{marker}", cell(op)))
        })
        .collect();

    let headers: Vec<String> = threads.iter().map(|thread| format!("thread {thread}")).collect();
    let time_width = rows.iter().map(|row| row.0.len()).chain(["time".len()]).max().unwrap_or(4);
    let widths: Vec<usize> = (0..threads.len())
        .map(|column| {
            let cells = rows.iter().filter(|row| row.1 == column).map(|row| row.2.len());
            cells.chain([headers[column].len()]).max().unwrap_or(0)
        })
        .collect();

    write!(f, "  {:time_width$}", "time")?;
    for (header, width) in headers.iter().zip(&widths) {
        write!(f, " | {header:width$}")?;
    }
    writeln!(f)?;
    for (time, column, text) in &rows {
        write!(f, "  {time:time_width$}")?;
        for (index, width) in widths.iter().enumerate() {
            let text = if index == *column { text.as_str() } else { "" };
            write!(f, " | {text:width$}")?;
        }
        writeln!(f)?;
    }
    Ok(())
}

fn cell(op: &Operation) -> String {
    match &op.response {
        Some(response) => format!("[store {}] {} -> {response}", op.store, op.call),
        None => format!("[store {}] {} -> (pending)", op.store, op.call),
    }
}
