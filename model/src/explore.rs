//! Explorers: run a program under every schedule loom allows within a
//! preemption bound, under shuttle's random, PCT or DFS schedulers, or a
//! number of times on real threads.
//!
//! Each schedule's [`Execution`] goes to a check that returns the problems
//! it found; the arena's reports are always problems. Failures are collected
//! rather than panicking, so no explorer aborts the process on a property
//! violation and the caller sees every failing schedule's number.
//!
//! Loom budgets: only the preemption bound limits loom here.
//! `max_permutations` and `max_duration` are cleared even when the
//! `LOOM_MAX_*` environment variables set them, because hitting either ends
//! loom silently with a pass.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::ModelConfig;
use crate::design::{Registry, UnknownDesign};
use crate::program::{background_threads, execute, Execution, Program, ProgramError};
use crate::runtime::{Runtime, StdRuntime};

/// Threads loom lets one execution spawn (its `MAX_THREADS` is 5 including
/// the main thread). A design B program keeps one for the rehash worker, so
/// it may have at most 3 threads under loom; further worker requests in the
/// same execution wait until the program finishes.
pub const LOOM_MAX_SPAWNED_THREADS: usize = 4;

/// The strategy that chooses schedules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Explorer {
    /// Real threads, `iterations` runs; the OS picks the schedule.
    Std { iterations: usize },
    /// loom, exhaustive up to `preemption_bound` preemptions.
    Loom { preemption_bound: usize },
    /// shuttle's random scheduler.
    ShuttleRandom { seed: u64, iterations: usize },
    /// shuttle's PCT scheduler with bug depth `depth`.
    ShuttlePct { seed: u64, iterations: usize, depth: usize },
    /// shuttle's depth-first scheduler, up to `max_iterations` schedules.
    ShuttleDfs { max_iterations: Option<usize> },
}

impl Explorer {
    /// Returns the name used on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            Explorer::Std { .. } => "std",
            Explorer::Loom { .. } => "loom",
            Explorer::ShuttleRandom { .. } => "shuttle-random",
            Explorer::ShuttlePct { .. } => "shuttle-pct",
            Explorer::ShuttleDfs { .. } => "shuttle-dfs",
        }
    }
}

impl fmt::Display for Explorer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Explorer::Std { iterations } => write!(f, "std ({iterations} runs)"),
            Explorer::Loom { preemption_bound } => write!(f, "loom (preemption bound {preemption_bound})"),
            Explorer::ShuttleRandom { seed, iterations } => write!(f, "shuttle-random (seed {seed}, {iterations} schedules)"),
            Explorer::ShuttlePct { seed, iterations, depth } => {
                write!(f, "shuttle-pct (seed {seed}, {iterations} schedules, depth {depth})")
            }
            Explorer::ShuttleDfs { max_iterations: Some(max) } => write!(f, "shuttle-dfs (at most {max} schedules)"),
            Explorer::ShuttleDfs { max_iterations: None } => write!(f, "shuttle-dfs (exhaustive)"),
        }
    }
}

/// One failing schedule.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The schedule's number within the exploration, from 0.
    pub schedule: usize,
    pub problems: Vec<String>,
    /// The schedule itself, when the explorer hands it out during the run
    /// (shuttle); loom's is captured afterwards with
    /// [`crate::replay::loom_schedule`].
    pub replay: Option<Schedule>,
    /// The failing execution: its history, reports and events.
    pub execution: Box<Execution>,
}

/// A schedule that [`crate::replay::replay`] runs again exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// shuttle's encoded schedule (`shuttle::replay` format).
    Shuttle(String),
    /// loom's execution path, as its checkpoint file stores it (JSON).
    Loom(String),
}

/// The result of one exploration.
#[derive(Debug, Clone)]
pub struct Exploration {
    pub explorer: Explorer,
    pub schedules: usize,
    /// The first failures (at most [`MAX_KEPT_FAILURES`]).
    pub failures: Vec<Failure>,
    /// All failing schedules.
    pub failing_schedules: usize,
    pub elapsed: Duration,
}

impl Exploration {
    pub fn passed(&self) -> bool {
        self.failing_schedules == 0
    }
}

/// How many failures an exploration keeps in full.
pub const MAX_KEPT_FAILURES: usize = 8;

/// The reasons an exploration cannot start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExploreError {
    #[error(transparent)]
    UnknownDesign(#[from] UnknownDesign),
    #[error(transparent)]
    Program(#[from] ProgramError),
    #[error("loom allows at most 4 spawned threads; the program has {threads} and the design may spawn {background} more")]
    TooManyThreadsForLoom { threads: usize, background: usize },
    #[error("{0} is not built into this binary (build with its cargo feature)")]
    NotBuilt(&'static str),
}

/// The designs an exploration may use, for every runtime. [`Builtin`] has
/// the kernel's two; a test adds its own design by implementing this.
pub trait Designs: Send + Sync + 'static {
    fn registry<R: Runtime>(&self) -> Registry<R>;
}

/// The kernel's two designs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Builtin;

impl Designs for Builtin {
    fn registry<R: Runtime>(&self) -> Registry<R> {
        Registry::builtin()
    }
}

/// A check of one execution: the problems it found, empty if none.
pub type Check = dyn Fn(&Execution) -> Vec<String> + Send + Sync;

/// Returns the arena's reports as problems.
pub fn report_problems(execution: &Execution) -> Vec<String> {
    execution.reports.iter().map(ToString::to_string).collect()
}

/// Collects failures from the schedules of one exploration.
#[derive(Default)]
struct Collector {
    schedules: AtomicUsize,
    failing: AtomicUsize,
    first_failures: Mutex<Vec<Failure>>,
}

impl Collector {
    fn run<R: Runtime>(
        &self,
        config: &ModelConfig,
        designs: &impl Designs,
        program: &Program,
        check: &Check,
        capture: fn() -> Option<Schedule>,
    ) {
        let schedule = self.schedules.fetch_add(1, Ordering::SeqCst);
        let design = match designs.registry::<R>().get(&config.design) {
            Ok(design) => design,
            Err(error) => panic!("checker-internal error: {error}"),
        };
        let execution = execute::<R>(config, design, program);
        let problems = check(&execution);
        if problems.is_empty() {
            return;
        }
        self.failing.fetch_add(1, Ordering::SeqCst);
        let mut first_failures = self.first_failures.lock().unwrap_or_else(|e| e.into_inner());
        if first_failures.len() < MAX_KEPT_FAILURES {
            first_failures.push(Failure { schedule, problems, replay: capture(), execution: Box::new(execution) });
        }
    }
}

/// Explores `program` with `explorer`. `check` receives each execution; use
/// [`report_problems`] for the arena's findings alone.
pub fn explore<D: Designs + Clone>(
    explorer: Explorer,
    config: &ModelConfig,
    designs: D,
    program: &Program,
    check: Arc<Check>,
) -> Result<Exploration, ExploreError> {
    designs.registry::<StdRuntime>().get(&config.design)?;
    program.validate(config)?;
    let background = background_threads(&config.design);
    if matches!(explorer, Explorer::Loom { .. }) && program.threads.len() + background > LOOM_MAX_SPAWNED_THREADS {
        return Err(ExploreError::TooManyThreadsForLoom { threads: program.threads.len(), background });
    }

    let started = Instant::now();
    let collector = Arc::new(Collector::default());
    let shared = Arc::new((config.clone(), designs, program.clone(), check));
    match explorer {
        Explorer::Std { iterations } => {
            for _ in 0..iterations {
                collector.run::<StdRuntime>(&shared.0, &shared.1, &shared.2, &*shared.3, || None);
            }
        }
        Explorer::Loom { preemption_bound } => run_loom(preemption_bound, &collector, &shared)?,
        _ => run_shuttle(explorer, &collector, &shared)?,
    }

    let failures = std::mem::take(&mut *collector.first_failures.lock().unwrap_or_else(|e| e.into_inner()));
    Ok(Exploration {
        explorer,
        schedules: collector.schedules.load(Ordering::SeqCst),
        failing_schedules: collector.failing.load(Ordering::SeqCst),
        failures,
        elapsed: started.elapsed(),
    })
}

type Shared<D> = Arc<(ModelConfig, D, Program, Arc<Check>)>;

#[cfg(feature = "loom")]
fn run_loom<D: Designs>(bound: usize, collector: &Arc<Collector>, shared: &Shared<D>) -> Result<(), ExploreError> {
    use crate::runtime::LoomRuntime;

    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(bound);
    builder.max_permutations = None;
    builder.max_duration = None;
    let collector = Arc::clone(collector);
    let shared = Arc::clone(shared);
    builder.check(move || collector.run::<LoomRuntime>(&shared.0, &shared.1, &shared.2, &*shared.3, || None));
    Ok(())
}

#[cfg(not(feature = "loom"))]
fn run_loom<D: Designs>(_: usize, _: &Arc<Collector>, _: &Shared<D>) -> Result<(), ExploreError> {
    Err(ExploreError::NotBuilt("loom"))
}

#[cfg(feature = "shuttle")]
fn run_shuttle<D: Designs>(explorer: Explorer, collector: &Arc<Collector>, shared: &Shared<D>) -> Result<(), ExploreError> {
    use crate::runtime::ShuttleRuntime;
    use shuttle::scheduler::{DfsScheduler, PctScheduler, RandomScheduler};

    let collector = Arc::clone(collector);
    let shared = Arc::clone(shared);
    let body = move || collector.run::<ShuttleRuntime>(&shared.0, &shared.1, &shared.2, &*shared.3, shuttle_schedule);
    let mut config = shuttle::Config::new();
    config.silence_warnings = true;
    // shuttle installs a panic hook and leaves it behind; later loom runs
    // unwind their threads through panics, which that hook would report
    // as shuttle failures. Put the previous hook back afterwards (the
    // default hook is installed during the run).
    let saved_hook = std::panic::take_hook();
    match explorer {
        Explorer::ShuttleRandom { seed, iterations } => {
            shuttle::Runner::new(RandomScheduler::new_from_seed(seed, iterations), config).run(body);
        }
        Explorer::ShuttlePct { seed, iterations, depth } => {
            shuttle::Runner::new(PctScheduler::new_from_seed(seed, depth, iterations), config).run(body);
        }
        Explorer::ShuttleDfs { max_iterations } => {
            shuttle::Runner::new(DfsScheduler::new(max_iterations, false), config).run(body);
        }
        Explorer::Std { .. } | Explorer::Loom { .. } => unreachable!("not a shuttle explorer"),
    }
    std::panic::set_hook(saved_hook);
    Ok(())
}

/// Returns the schedule shuttle has followed so far in this execution.
#[cfg(feature = "shuttle")]
fn shuttle_schedule() -> Option<Schedule> {
    use shuttle_engine::runtime::execution::CurrentSchedule;
    use shuttle_engine::scheduler::serialization::serialize_schedule;

    Some(Schedule::Shuttle(serialize_schedule(&CurrentSchedule::get_schedule())))
}

#[cfg(not(feature = "shuttle"))]
fn run_shuttle<D: Designs>(_: Explorer, _: &Arc<Collector>, _: &Shared<D>) -> Result<(), ExploreError> {
    Err(ExploreError::NotBuilt("shuttle"))
}
