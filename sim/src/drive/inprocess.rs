//! Runs a shuttle exploration (or loom inside the loom child) in this
//! process and judges it with the plan's expectations.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use xattr_model::explore::{explore, Builtin, Check, Exploration, Explorer};
use xattr_model::program::Execution;

use crate::drive::progress::Progress;
use crate::drive::{DriveError, RunOutcome, RunRequest};
use crate::plan::{Observations, Plan};
use crate::token::{Token, TokenExplorer, TokenSchedule, TOOL_VERSION};

/// Builds the check closure of a plan, which returns per-schedule problems
/// and folds every execution into `observations`.
pub fn plan_check(plan: &Plan, design: &str, observations: &Arc<Mutex<Observations>>, progress: &Progress) -> Arc<Check> {
    let evaluate = Arc::clone(&plan.evaluate);
    let observations = Arc::clone(observations);
    let progress = progress.clone();
    let design = design.to_owned();
    Arc::new(move |execution: &Execution| {
        let problems = evaluate.problems(&design, execution);
        evaluate.observe(&mut observations.lock().unwrap_or_else(|e| e.into_inner()), execution);
        progress.tick();
        problems
    })
}

/// Explores and judges; a panic inside the explorer (a checker-internal
/// error or a loom failure it raises) becomes an error, not a crash.
pub fn explore_plan(plan: &Plan, request: &RunRequest, progress: &Progress) -> Result<(Exploration, Vec<String>), DriveError> {
    let observations = Arc::new(Mutex::new(Observations::default()));
    let check = plan_check(plan, &request.design, &observations, progress);
    let config = plan.config_for(&request.design, request.seed);
    let result = catch_unwind(AssertUnwindSafe(|| explore(request.explorer, &config, Builtin, &plan.program, check)));
    let exploration = match result {
        Ok(exploration) => exploration?,
        Err(panic) => return Err(DriveError::Child(panic_text(&panic))),
    };
    let observations = observations.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let verdict = plan.evaluate.verdict(&request.design, &observations);
    Ok((exploration, verdict))
}

/// Returns the text of a caught panic.
pub fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|text| (*text).to_owned()))
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// Builds the token for a failure of `request` on `plan`.
pub fn token(plan: &Plan, request: &RunRequest, schedule_index: usize, schedule: Option<TokenSchedule>) -> Option<Token> {
    let explorer = TokenExplorer::from_explorer(request.explorer)?;
    let runtime = if matches!(request.explorer, Explorer::Loom { .. }) { "loom" } else { "shuttle" };
    Some(Token {
        tool: TOOL_VERSION.to_owned(),
        scenario: plan.name.clone(),
        sha256: plan.content_hash.clone(),
        design: request.design.clone(),
        runtime: runtime.to_owned(),
        explorer,
        seed: request.seed,
        schedule_index,
        schedule,
    })
}

/// Runs a shuttle exploration of `plan` in this process.
pub fn run(plan: &Plan, request: &RunRequest, progress: &Progress) -> Result<RunOutcome, DriveError> {
    let (exploration, verdict) = explore_plan(plan, request, progress)?;
    progress.finish();
    Ok(outcome(plan, request, exploration, verdict))
}

/// Builds the outcome of an exploration, with a token for its first
/// failure (or for the exploration, when only its verdict failed).
pub fn outcome(plan: &Plan, request: &RunRequest, exploration: Exploration, verdict: Vec<String>) -> RunOutcome {
    let first = exploration.failures.first();
    let mut problems = first.map(|failure| failure.problems.clone()).unwrap_or_default();
    problems.extend(verdict);
    let token = if problems.is_empty() {
        None
    } else {
        let index = first.map_or(0, |failure| failure.schedule);
        let schedule = first.and_then(|failure| failure.replay.as_ref()).map(TokenSchedule::from_schedule);
        token(plan, request, index, schedule)
    };
    RunOutcome {
        scenario: plan.name.clone(),
        design: request.design.clone(),
        explorer: request.explorer,
        schedules: exploration.schedules,
        elapsed: exploration.elapsed,
        failing_schedules: exploration.failing_schedules,
        problems,
        token,
        failure: first.map(|failure| failure.execution.clone()),
        history: None,
    }
}
