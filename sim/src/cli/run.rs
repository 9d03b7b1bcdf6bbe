//! `xattrsim run SCENARIO`: explores one scenario with the designs and
//! explorer given on the command line (default: the runs the scenario
//! declares), and reports the first failure of each run with its token.

use std::path::PathBuf;
use std::time::Instant;

use serde::Serialize;
use xattr_model::explore::{explore, Builtin, Explorer};
use xattr_model::program::Execution;

use crate::cli::check::{seed_of, total_of};
use crate::cli::output::{print_failures, print_rows, Summary};
use crate::drive::progress::Progress;
use crate::drive::{self, RunRequest, RunRow};
use crate::exit;
use crate::loader::{self, Loaded};
use crate::plan::Plan;

/// Explorer names accepted by `--explorer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplorerName {
    Loom,
    ShuttleRandom,
    ShuttlePct,
    ShuttleDfs,
}

/// Options of `run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file (it must have threads).
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,

    /// Design to run (repeat for several); default: the scenario's.
    #[arg(long = "design", value_name = "NAME")]
    pub designs: Vec<String>,

    /// Explorer to use; default: the explorers the scenario declares.
    #[arg(long, value_enum)]
    pub explorer: Option<ExplorerName>,

    /// Schedules to explore with a shuttle explorer (the maximum for
    /// shuttle-dfs).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..), value_name = "SCHEDULES")]
    pub iterations: u64,

    /// Seed of the shuttle schedulers and of design B's hash.
    #[arg(long, default_value_t = 0, value_name = "SEED")]
    pub seed: u64,

    /// loom's preemption bound, 0 to 3.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(0..=3), value_name = "N")]
    pub preemption_bound: u8,

    /// PCT's bug depth (number of priority change points plus one).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..), value_name = "DEPTH")]
    pub pct_depth: u16,

    /// Explore every run twice in this process and compare each schedule's
    /// full event log and history, not only the verdicts.
    #[arg(long)]
    pub verify_determinism: bool,

    /// Print JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    rows: Vec<RunRow>,
    determinism: Vec<String>,
    summary: Summary,
}

pub fn run(args: Args) -> i32 {
    let plan = match load_concurrent(&args.scenario) {
        Ok(plan) => plan,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
    };
    let requests = match requests(&args, &plan) {
        Ok(requests) => requests,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
    };

    let started = Instant::now();
    let mut outcomes = Vec::new();
    let mut determinism = Vec::new();
    for request in &requests {
        let label = format!("{} {} {}", plan.name, request.design, request.explorer.name());
        let progress = Progress::new(&label, total_of(request.explorer), !args.json);
        match drive::run(&plan, request, &progress) {
            Ok(outcome) => outcomes.push(outcome),
            Err(drive::DriveError::Refused(message)) => {
                eprintln!("error: {message}");
                return exit::BAD_INPUT;
            }
            Err(error) => {
                eprintln!("error: checker-internal failure: {error}");
                return exit::INTERNAL;
            }
        }
        if args.verify_determinism {
            determinism.extend(verify_determinism(&plan, request));
        }
    }

    let summary = Summary::new(1, &outcomes, started.elapsed());
    if args.json {
        let report = Report { rows: outcomes.iter().map(RunRow::from).collect(), determinism: determinism.clone(), summary };
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        print_rows(&outcomes);
        print_failures(&outcomes);
        for line in &determinism {
            println!("\n{line}");
        }
        println!("\n{summary}");
    }
    if outcomes.iter().any(|o| !o.passed()) || determinism.iter().any(|line| line.starts_with("NOT deterministic")) {
        exit::VIOLATION
    } else {
        exit::SUCCESS
    }
}

/// Loads `path`, which must be a scenario with threads.
pub fn load_concurrent(path: &std::path::Path) -> Result<Plan, String> {
    match loader::load(path) {
        Ok(Loaded::Concurrent(plan)) => Ok(plan),
        Ok(Loaded::Sequential(_)) => Err(format!(
            "{} has no threads, so there is nothing to explore; `xattrsim check {}` runs single-threaded scenarios",
            path.display(),
            path.display()
        )),
        Err(error) => Err(error.to_string()),
    }
}

fn requests(args: &Args, plan: &Plan) -> Result<Vec<RunRequest>, String> {
    let declared: Vec<String> = plan.runs.iter().map(|run| run.design.clone()).fold(Vec::new(), |mut all, design| {
        if !all.contains(&design) {
            all.push(design);
        }
        all
    });
    let designs = if args.designs.is_empty() { declared } else { args.designs.clone() };
    let registry = xattr_model::design::Registry::<xattr_model::runtime::StdRuntime>::builtin();
    for design in &designs {
        registry.get(design).map_err(|error| format!("invalid --design value: {error}"))?;
    }

    let Some(name) = args.explorer else {
        let runs = plan.runs.iter().filter(|run| designs.contains(&run.design));
        return Ok(runs.map(|run| RunRequest { design: run.design.clone(), explorer: run.explorer, seed: seed_of(run.explorer) }).collect());
    };
    let explorer = match name {
        ExplorerName::Loom => Explorer::Loom { preemption_bound: usize::from(args.preemption_bound) },
        ExplorerName::ShuttleRandom => Explorer::ShuttleRandom { seed: args.seed, iterations: args.iterations as usize },
        ExplorerName::ShuttlePct => {
            Explorer::ShuttlePct { seed: args.seed, iterations: args.iterations as usize, depth: usize::from(args.pct_depth) }
        }
        ExplorerName::ShuttleDfs => Explorer::ShuttleDfs { max_iterations: Some(args.iterations as usize) },
    };
    Ok(designs.into_iter().map(|design| RunRequest { design, explorer, seed: args.seed }).collect())
}

/// Digests of every schedule's event log and history, in schedule order.
fn digests(plan: &Plan, request: &RunRequest) -> Result<Vec<[u8; 32]>, String> {
    use sha2::{Digest, Sha256};
    use std::sync::{Arc, Mutex};

    let collected = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&collected);
    let check = Arc::new(move |execution: &Execution| {
        let digest: [u8; 32] = Sha256::digest(format!("{:?}\n{:?}", execution.records, execution.events)).into();
        sink.lock().unwrap_or_else(|e| e.into_inner()).push(digest);
        Vec::new()
    });
    let config = plan.config_for(&request.design, request.seed);
    explore(request.explorer, &config, Builtin, &plan.program, check).map_err(|error| error.to_string())?;
    let digests = collected.lock().unwrap_or_else(|e| e.into_inner()).clone();
    Ok(digests)
}

/// Explores twice and compares; returns one line saying what it found.
fn verify_determinism(plan: &Plan, request: &RunRequest) -> Vec<String> {
    let label = format!("{} on {} under {}", plan.name, request.design, request.explorer);
    match (digests(plan, request), digests(plan, request)) {
        (Ok(first), Ok(second)) if first == second => {
            vec![format!("deterministic: {label}: {} schedules with identical event logs and histories", first.len())]
        }
        (Ok(first), Ok(second)) => {
            let index = first.iter().zip(&second).position(|(a, b)| a != b).unwrap_or(first.len().min(second.len()));
            vec![format!(
                "NOT deterministic: {label}: schedule {index} differs between two explorations ({} and {} schedules)",
                first.len(),
                second.len()
            )]
        }
        (Err(error), _) | (_, Err(error)) => vec![format!("NOT deterministic: {label}: exploration failed: {error}")],
    }
}

