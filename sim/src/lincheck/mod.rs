//! The linearizability checker: does some sequential order of the store
//! specification explain a concurrent history?
//!
//! A history is linearizable (Herlihy & Wing, TOPLAS 1990) when its
//! operations can be put in one order that respects real time (an operation
//! that returned before another was invoked comes first) and in which every
//! operation returns what the sequential specification returns. The checker
//! decides this with Wing & Gong's search and Lowe's memoization
//! (`search`), after splitting the history into independent partitions per
//! store and per reachable tmpfs budget (`partition`).
//!
//! Pieces, one file each:
//! - `history`: operations with invocation and response, and the
//!   conversion of a model execution;
//! - `json`: the documented file format;
//! - `spec`: the specification of a partition (stores plus a shared tmpfs
//!   budget) around [`crate::store_spec::StoreSpec`];
//! - `partition`: P-compositional splitting and the events the search
//!   orders;
//! - `search`: the memoized depth-first search with budgets;
//! - `list_spec`: the strict and the weak specification of `listxattr`;
//! - `explain`: shrinking and the per-thread table.
//!
//! Verdicts are [`Verdict::Pass`], [`Verdict::Violation`] or
//! [`Verdict::Unknown`]: a time or memory budget that runs out never passes.
//! Under the weak list specification a passing history is also checked
//! under the strict one, and a strict failure is reported apart in
//! [`Report::strict_list`], so design B's non-atomic list shows as the
//! documented weaker behaviour rather than a violation.
//!
//! Limitations: eviction has no specification here, so histories with
//! evicted inodes cannot be checked; a store with both per-inode limits
//! and a tmpfs budget checks the budget first.

pub mod explain;
pub mod history;
pub mod json;
pub mod list_spec;
pub mod partition;
pub mod search;
pub mod spec;

use std::fmt;
use std::time::{Duration, Instant};

pub use explain::Explanation;
pub use history::{Buffer, Call, History, HistoryError, Operation, Outcome, StoreDecl, SuperblockDecl};
pub use list_spec::ListSpec;
pub use search::{Budget, SearchStats};

use partition::partitions;
use search::{search, SearchResult};

/// How to check a history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub list_spec: ListSpec,
    /// Check each partition alone; `false` checks the whole history as one,
    /// which gives the same verdict more slowly.
    pub partitioned: bool,
    /// Budget of each partition's search.
    pub budget: Budget,
    /// Time for shrinking a violation; `None` reports it unshrunk and
    /// unexplained.
    pub shrink_time: Option<Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            list_spec: ListSpec::Strict,
            partitioned: true,
            budget: Budget::default(),
            shrink_time: Some(Duration::from_secs(10)),
        }
    }
}

/// The verdict on a whole history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every partition is linearizable.
    Pass,
    /// Some partition is not.
    Violation(Box<Violation>),
    /// No partition failed, but some could not be decided within budget.
    Unknown { reason: String },
}

/// A partition that no order explains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Which partition, for example `store 0`.
    pub partition: String,
    /// The shrunk history and why it fails; `None` when shrinking is off or
    /// the explanation could not be rebuilt within budget.
    pub explanation: Option<Explanation>,
}

/// The outcome of one partition's search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionReport {
    pub label: String,
    /// `pass`, `violation` or `unknown`.
    pub verdict: &'static str,
    pub stats: SearchStats,
    pub elapsed: Duration,
}

/// Everything one check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub list_spec: ListSpec,
    pub verdict: Verdict,
    /// Under the weak list specification, when the history passes: the
    /// verdict of the same history under the strict specification.
    pub strict_list: Option<Verdict>,
    pub partitions: Vec<PartitionReport>,
}

/// Checks `history` for linearizability.
pub fn check(history: &History, options: &Options) -> Result<Report, HistoryError> {
    history.validate()?;
    let (verdict, partitions) = check_partitions(history, options);

    let has_list = history.operations.iter().any(|op| matches!(op.call, Call::List { .. }));
    let strict_list = (options.list_spec == ListSpec::Weak && verdict == Verdict::Pass && has_list).then(|| {
        let strict = Options { list_spec: ListSpec::Strict, ..options.clone() };
        check_partitions(history, &strict).0
    });
    Ok(Report { list_spec: options.list_spec, verdict, strict_list, partitions })
}

/// Searches every partition; stops at the first violation and explains it.
fn check_partitions(history: &History, options: &Options) -> (Verdict, Vec<PartitionReport>) {
    let mut reports = Vec::new();
    let mut unknown = None;
    for partition in partitions(history, options.list_spec, options.partitioned) {
        let started = Instant::now();
        let (result, stats) = search(&partition, &options.budget, false);
        let verdict = match &result {
            SearchResult::Linearizable { .. } => "pass",
            SearchResult::NotLinearizable(_) => "violation",
            SearchResult::Unknown { .. } => "unknown",
        };
        reports.push(PartitionReport { label: partition.label.clone(), verdict, stats, elapsed: started.elapsed() });
        match result {
            SearchResult::Linearizable { .. } => {}
            SearchResult::Unknown { reason } => {
                unknown.get_or_insert(format!("{}: {reason}", partition.label));
            }
            SearchResult::NotLinearizable(_) => {
                let explanation = options
                    .shrink_time
                    .and_then(|time| explain::explain(history, &partition.stores, options, time));
                let violation = Violation { partition: partition.label, explanation };
                return (Verdict::Violation(Box::new(violation)), reports);
            }
        }
    }
    let verdict = unknown.map_or(Verdict::Pass, |reason| Verdict::Unknown { reason });
    (verdict, reports)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let spec = match self.list_spec {
            ListSpec::Strict => "strict",
            ListSpec::Weak => "weak",
        };
        for partition in &self.partitions {
            let stats = &partition.stats;
            writeln!(
                f,
                "{}: {} ({} events, {} configurations, {} states, {:.3} s)",
                partition.label,
                partition.verdict,
                stats.events,
                stats.configurations,
                stats.states,
                partition.elapsed.as_secs_f64()
            )?;
        }
        match &self.verdict {
            Verdict::Pass => writeln!(f, "verdict: pass (linearizable, {spec} list specification)")?,
            Verdict::Unknown { reason } => writeln!(f, "verdict: unknown ({reason}); raise the budget to decide")?,
            Verdict::Violation(violation) => {
                writeln!(f, "verdict: violation in {} ({spec} list specification)", violation.partition)?;
                if let Some(explanation) = &violation.explanation {
                    write!(f, "{explanation}")?;
                }
            }
        }
        match &self.strict_list {
            Some(Verdict::Violation(violation)) => {
                writeln!(
                    f,
                    "note: listxattr is not strictly linearizable in {}, but it meets the weak list guarantee",
                    violation.partition
                )?;
                if let Some(explanation) = &violation.explanation {
                    write!(f, "{explanation}")?;
                }
            }
            Some(Verdict::Unknown { reason }) => writeln!(f, "note: the strict list check was inconclusive ({reason})")?,
            Some(Verdict::Pass) => writeln!(f, "note: listxattr is also strictly linearizable here")?,
            None => {}
        }
        Ok(())
    }
}
