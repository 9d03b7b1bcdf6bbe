//! Replaying one schedule exactly, and capturing loom's schedules.
//!
//! shuttle hands out the schedule of a failing execution while it runs
//! ([`Failure::replay`](crate::explore::Failure::replay)); [`replay`] runs it again with shuttle's replay
//! scheduler. loom keeps its execution path to itself, so
//! [`loom_schedule`] re-explores up to the failing schedule number with
//! loom's checkpoint file written before every iteration and stops right
//! before running it: the file then contains that schedule's path. [`replay`]
//! loads the path and runs exactly one iteration.
//!
//! Both depend on the exploration being deterministic: the same program,
//! config and tool version give the same schedules in the same order.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use crate::config::ModelConfig;
use crate::explore::{Check, Designs, Schedule};
use crate::program::{execute, Execution, Program};
use crate::runtime::Runtime;

/// The reasons a schedule cannot be captured or replayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error("the shuttle schedule {schedule:?} is not valid: {reason}")]
    BadShuttleSchedule { schedule: String, reason: String },
    #[error("the loom execution path is not valid: {0}")]
    BadLoomPath(String),
    #[error("the schedule ran no execution; the program or the tool version differs from the one that recorded it")]
    NoExecution,
    #[error("temporary file for loom's checkpoint failed: {0}")]
    Io(String),
    #[error("{0} is not built into this binary (build with its cargo feature)")]
    NotBuilt(&'static str),
    #[error(transparent)]
    UnknownDesign(#[from] crate::design::UnknownDesign),
}

/// One replayed execution and the problems the check found in it.
#[derive(Debug, Clone)]
pub struct Replayed {
    pub execution: Execution,
    pub problems: Vec<String>,
}

/// Runs one execution on runtime `R`, keeping it for the caller.
fn run_once<R: Runtime, D: Designs>(
    config: &ModelConfig,
    designs: &D,
    program: &Program,
    slot: &Mutex<Option<Execution>>,
) {
    let design = match designs.registry::<R>().get(&config.design) {
        Ok(design) => design,
        Err(error) => panic!("checker-internal error: {error}"),
    };
    let execution = execute::<R>(config, design, program);
    *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(execution);
}

/// Runs `schedule` again and checks the execution with `check`.
pub fn replay<D: Designs + Clone>(
    schedule: &Schedule,
    preemption_bound: usize,
    config: &ModelConfig,
    designs: D,
    program: &Program,
    check: Arc<Check>,
) -> Result<Replayed, ReplayError> {
    designs.registry::<crate::runtime::StdRuntime>().get(&config.design)?;
    let slot = Arc::new(Mutex::new(None));
    match schedule {
        Schedule::Shuttle(encoded) => replay_shuttle(encoded, config, &designs, program, &slot)?,
        Schedule::Loom(path) => replay_loom(path, preemption_bound, config, &designs, program, &slot)?,
    }
    let execution = slot.lock().unwrap_or_else(|e| e.into_inner()).take().ok_or(ReplayError::NoExecution)?;
    let problems = check(&execution);
    Ok(Replayed { execution, problems })
}

#[cfg(feature = "shuttle")]
fn replay_shuttle<D: Designs + Clone>(
    encoded: &str,
    config: &ModelConfig,
    designs: &D,
    program: &Program,
    slot: &Arc<Mutex<Option<Execution>>>,
) -> Result<(), ReplayError> {
    use shuttle::scheduler::ReplayScheduler;
    use shuttle_engine::scheduler::serialization::deserialize_schedule;

    let bad = |reason: &str| ReplayError::BadShuttleSchedule { schedule: encoded.to_owned(), reason: reason.to_owned() };
    let parsed = deserialize_schedule(encoded).ok_or_else(|| bad("it does not decode"))?;
    let (config, designs, program, slot) = (config.clone(), designs.clone(), program.clone(), Arc::clone(slot));
    let body = move || run_once::<crate::runtime::ShuttleRuntime, D>(&config, &designs, &program, &slot);
    let mut shuttle_config = shuttle::Config::new();
    shuttle_config.silence_warnings = true;

    let saved_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        // The schedule was read at the end of the checked closure, so the
        // steps after it (the main thread's exit) are not in it.
        let mut scheduler = ReplayScheduler::new_from_schedule(parsed);
        scheduler.set_allow_incomplete();
        shuttle::Runner::new(scheduler, shuttle_config).run(body);
    }));
    std::panic::set_hook(saved_hook);
    outcome.map_err(|_| bad("the program does not follow it (another program or tool version recorded it)"))
}

#[cfg(not(feature = "shuttle"))]
fn replay_shuttle<D: Designs + Clone>(
    _: &str,
    _: &ModelConfig,
    _: &D,
    _: &Program,
    _: &Arc<Mutex<Option<Execution>>>,
) -> Result<(), ReplayError> {
    Err(ReplayError::NotBuilt("shuttle"))
}

#[cfg(feature = "loom")]
fn loom_builder(bound: usize, checkpoint: &std::path::Path, max_permutations: usize) -> loom::model::Builder {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(bound);
    builder.max_duration = None;
    builder.checkpoint_file = Some(checkpoint.to_path_buf());
    builder.checkpoint_interval = 1;
    // Checked before every iteration because the interval is 1.
    builder.max_permutations = Some(max_permutations);
    builder
}

#[cfg(feature = "loom")]
fn replay_loom<D: Designs + Clone>(
    path: &str,
    bound: usize,
    config: &ModelConfig,
    designs: &D,
    program: &Program,
    slot: &Arc<Mutex<Option<Execution>>>,
) -> Result<(), ReplayError> {
    serde_json_check(path)?;
    let file = tempfile::NamedTempFile::new().map_err(|e| ReplayError::Io(e.to_string()))?;
    std::fs::write(file.path(), path).map_err(|e| ReplayError::Io(e.to_string()))?;

    // Iteration 1 runs the loaded path; the check before iteration 2 stops.
    let builder = loom_builder(bound, file.path(), 2);
    let (config, designs, program, slot) = (config.clone(), designs.clone(), program.clone(), Arc::clone(slot));
    let saved_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        builder.check(move || run_once::<crate::runtime::LoomRuntime, D>(&config, &designs, &program, &slot));
    }));
    std::panic::set_hook(saved_hook);
    outcome.map_err(|_| {
        ReplayError::BadLoomPath("the program does not follow it (another program or tool version recorded it)".into())
    })
}

/// Rejects text that is not a JSON object before loom parses it (loom
/// panics on a malformed checkpoint).
#[cfg(feature = "loom")]
fn serde_json_check(path: &str) -> Result<(), ReplayError> {
    let trimmed = path.trim();
    if !(trimmed.starts_with('{') && trimmed.ends_with('}')) {
        return Err(ReplayError::BadLoomPath("it is not a JSON object".into()));
    }
    Ok(())
}

#[cfg(not(feature = "loom"))]
fn replay_loom<D: Designs + Clone>(
    _: &str,
    _: usize,
    _: &ModelConfig,
    _: &D,
    _: &Program,
    _: &Arc<Mutex<Option<Execution>>>,
) -> Result<(), ReplayError> {
    Err(ReplayError::NotBuilt("loom"))
}

/// Captures the path of loom schedule number `schedule` (from 0) of the
/// exploration with preemption bound `bound`.
#[cfg(feature = "loom")]
pub fn loom_schedule<D: Designs + Clone>(
    bound: usize,
    schedule: usize,
    config: &ModelConfig,
    designs: D,
    program: &Program,
) -> Result<Schedule, ReplayError> {
    designs.registry::<crate::runtime::StdRuntime>().get(&config.design)?;
    let file = tempfile::NamedTempFile::new().map_err(|e| ReplayError::Io(e.to_string()))?;
    std::fs::remove_file(file.path()).map_err(|e| ReplayError::Io(e.to_string()))?;

    // loom numbers iterations from 1 and writes the path before checking
    // the limit, so stopping at `schedule + 1` leaves that schedule's path.
    let builder = loom_builder(bound, file.path(), schedule + 1);
    let slot = Arc::new(Mutex::new(None));
    let (config, program) = (config.clone(), program.clone());
    builder.check(move || run_once::<crate::runtime::LoomRuntime, D>(&config, &designs, &program, &slot));

    let path = std::fs::read_to_string(file.path()).map_err(|e| ReplayError::Io(e.to_string()))?;
    Ok(Schedule::Loom(path))
}

#[cfg(not(feature = "loom"))]
pub fn loom_schedule<D: Designs + Clone>(
    _: usize,
    _: usize,
    _: &ModelConfig,
    _: D,
    _: &Program,
) -> Result<Schedule, ReplayError> {
    Err(ReplayError::NotBuilt("loom"))
}

/// Explores with loom's checkpoint written before every iteration, so that
/// if loom aborts the process, `checkpoint` contains the aborting schedule's
/// path. Returns normally only if the exploration finished.
#[cfg(feature = "loom")]
pub fn explore_loom_checkpointed<D: Designs + Clone>(
    bound: usize,
    checkpoint: &std::path::Path,
    config: &ModelConfig,
    designs: D,
    program: &Program,
) -> Result<(), ReplayError> {
    designs.registry::<crate::runtime::StdRuntime>().get(&config.design)?;
    let mut builder = loom_builder(bound, checkpoint, usize::MAX);
    builder.max_permutations = None;
    let slot = Arc::new(Mutex::new(None));
    let (config, program) = (config.clone(), program.clone());
    builder.check(move || run_once::<crate::runtime::LoomRuntime, D>(&config, &designs, &program, &slot));
    Ok(())
}
