//! Driving explorations of a [`Plan`]: one (design, explorer) run at a
//! time, in this process for shuttle and in a child process for loom, with
//! a replay token for every failure.
//!
//! loom aborts the whole process on some failures (a panic while other
//! modelled threads are alive, too many threads or branches), so each loom
//! exploration runs in a child (`xattrsim loom-child`) and an abort becomes
//! that run's failure instead of ending the caller. When the child aborts,
//! a second child explores again with loom's checkpoint written before
//! every iteration, so the aborting schedule's path lands in the token.

pub mod child;
pub mod history;
pub mod inprocess;
pub mod progress;

use std::time::Duration;

use serde::Serialize;
use xattr_model::explore::Explorer;
use xattr_model::program::Execution;

use crate::plan::Plan;
use crate::token::Token;

/// One run to perform.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub design: String,
    pub explorer: Explorer,
    /// Seed of design B's hash; shuttle's seed is in the explorer.
    pub seed: u64,
}

/// The findings of one run.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub scenario: String,
    pub design: String,
    pub explorer: Explorer,
    pub schedules: usize,
    pub elapsed: Duration,
    pub failing_schedules: usize,
    /// The first failing schedule's problems, then the exploration's.
    pub problems: Vec<String>,
    pub token: Option<Token>,
    /// The first failing execution, when this process has it.
    pub failure: Option<Box<Execution>>,
    /// The first failing execution's history table, when a child process
    /// explored it.
    pub history: Option<String>,
}

impl RunOutcome {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// A row of machine-readable output.
#[derive(Debug, Clone, Serialize)]
pub struct RunRow {
    pub scenario: String,
    pub design: String,
    pub explorer: String,
    pub schedules: usize,
    pub seconds: f64,
    pub passed: bool,
    pub failing_schedules: usize,
    pub problems: Vec<String>,
    pub token: Option<String>,
    pub replay_command: Option<String>,
}

impl From<&RunOutcome> for RunRow {
    fn from(outcome: &RunOutcome) -> Self {
        RunRow {
            scenario: outcome.scenario.clone(),
            design: outcome.design.clone(),
            explorer: outcome.explorer.to_string(),
            schedules: outcome.schedules,
            seconds: outcome.elapsed.as_secs_f64(),
            passed: outcome.passed(),
            failing_schedules: outcome.failing_schedules,
            problems: outcome.problems.clone(),
            token: outcome.token.as_ref().map(Token::encode),
            replay_command: outcome.token.as_ref().map(Token::command),
        }
    }
}

/// The reasons a run could not be performed (not property violations).
#[derive(Debug, thiserror::Error)]
pub enum DriveError {
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Explore(#[from] xattr_model::explore::ExploreError),
    #[error(transparent)]
    Replay(#[from] xattr_model::replay::ReplayError),
    #[error("loom child process failed: {0}")]
    Child(String),
}

/// Runs one (design, explorer) pair of `plan`.
pub fn run(plan: &Plan, request: &RunRequest, progress: &progress::Progress) -> Result<RunOutcome, DriveError> {
    if let (Explorer::Loom { .. }, Some(reason)) = (request.explorer, &plan.loom_refusal) {
        return Err(DriveError::Refused(format!("{}: loom cannot explore it: {reason}", plan.name)));
    }
    match request.explorer {
        Explorer::Loom { .. } => child::run_loom(plan, request, progress),
        _ => inprocess::run(plan, request, progress),
    }
}
