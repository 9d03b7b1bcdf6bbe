//! `xattrsim check [PATH...]`: the main job. Runs every scenario (by
//! default everything under `scenarios/`) with its declared designs,
//! explorers and budgets, prints one row per run and a summary, and exits 0
//! only when every scenario met its expectations.
//!
//! Exit status: 1 if any expectation failed, else 2 if any scenario file
//! was invalid, else 3 if xattrsim itself failed, else 0.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::cli::output::{print_failures, print_rows, Summary};
use crate::drive::progress::Progress;
use crate::drive::{self, RunOutcome, RunRequest, RunRow};
use crate::exit;
use crate::loader::{self, Loaded};

/// Options of `check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario files or directories to check (directories are searched
    /// for `.scn` files); default: `scenarios`.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Print one JSON document (rows, invalid files, summary) on stdout
    /// instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// A scenario file that could not be loaded or run.
#[derive(Debug, Clone, Serialize)]
pub struct Invalid {
    pub scenario: String,
    pub error: String,
}

/// The document `check --json` prints.
#[derive(Debug, Serialize)]
struct Report {
    rows: Vec<RunRow>,
    invalid: Vec<Invalid>,
    internal_errors: Vec<Invalid>,
    /// Runs the plans left out, with the reason (for example loom's thread limit).
    notes: Vec<String>,
    summary: Summary,
}

pub fn run(args: Args) -> i32 {
    let paths = if args.paths.is_empty() { vec![PathBuf::from("scenarios")] } else { args.paths.clone() };
    let files = match loader::scenario_files(&paths) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
    };
    if files.is_empty() {
        eprintln!("error: no .{} files under {}", loader::EXTENSION, display_paths(&paths));
        return exit::BAD_INPUT;
    }

    let started = Instant::now();
    let mut outcomes = Vec::new();
    let mut invalid = Vec::new();
    let mut internal = Vec::new();
    let mut notes = Vec::new();
    for file in &files {
        check_file(file, !args.json, &mut outcomes, &mut invalid, &mut internal, &mut notes);
    }

    let summary = Summary::new(files.len(), &outcomes, started.elapsed());
    if args.json {
        let rows = outcomes.iter().map(RunRow::from).collect();
        let report = Report { rows, invalid: invalid.clone(), internal_errors: internal.clone(), notes, summary };
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        print_rows(&outcomes);
        for note in &notes {
            println!("\nnote: {note}");
        }
        for entry in &invalid {
            println!("\ninvalid scenario: {}", entry.error);
        }
        for entry in &internal {
            println!("\nchecker-internal error in {}: {}", entry.scenario, entry.error);
        }
        print_failures(&outcomes);
        println!("\n{summary}");
    }
    exit_code(&outcomes, &invalid, &internal)
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

fn exit_code(outcomes: &[RunOutcome], invalid: &[Invalid], internal: &[Invalid]) -> i32 {
    if outcomes.iter().any(|outcome| !outcome.passed()) {
        exit::VIOLATION
    } else if !invalid.is_empty() {
        exit::BAD_INPUT
    } else if !internal.is_empty() {
        exit::INTERNAL
    } else {
        exit::SUCCESS
    }
}

fn check_file(
    file: &std::path::Path,
    show_progress: bool,
    outcomes: &mut Vec<RunOutcome>,
    invalid: &mut Vec<Invalid>,
    internal: &mut Vec<Invalid>,
    notes: &mut Vec<String>,
) {
    let name = file.display().to_string();
    match loader::load(file) {
        Err(error) => invalid.push(Invalid { scenario: name, error: error.to_string() }),
        Ok(Loaded::Sequential(scenario)) => match crate::scenario::check(&scenario) {
            Ok(failures) => outcomes.push(sequential_outcome(&name, &scenario, failures)),
            Err(error) => invalid.push(Invalid { scenario: name, error: error.to_string() }),
        },
        Ok(Loaded::Concurrent(plan)) => {
            if plan.runs.is_empty() {
                let reason = plan.loom_refusal.clone().unwrap_or_else(|| "it declares no run".to_owned());
                invalid.push(Invalid { scenario: name.clone(), error: format!("{name}: nothing to explore: {reason}") });
                return;
            }
            if let Some(reason) = &plan.loom_refusal {
                notes.push(format!("{name}: loom skipped: {reason}"));
            }
            for planned in &plan.runs {
                let request =
                    RunRequest { design: planned.design.clone(), explorer: planned.explorer, seed: seed_of(planned.explorer) };
                let label = format!("{} {} {}", name, planned.design, planned.explorer.name());
                let progress = Progress::new(&label, total_of(planned.explorer), show_progress);
                match drive::run(&plan, &request, &progress) {
                    Ok(outcome) => outcomes.push(outcome),
                    Err(drive::DriveError::Refused(message)) => invalid.push(Invalid { scenario: name.clone(), error: message }),
                    Err(error) => internal.push(Invalid { scenario: name.clone(), error: error.to_string() }),
                }
            }
        }
    }
}

/// Returns the seed an explorer carries (loom has none, so design B's hash uses 0).
pub fn seed_of(explorer: xattr_model::explore::Explorer) -> u64 {
    use xattr_model::explore::Explorer;
    match explorer {
        Explorer::ShuttleRandom { seed, .. } | Explorer::ShuttlePct { seed, .. } => seed,
        _ => 0,
    }
}

/// The number of schedules an explorer will run, if known in advance.
pub fn total_of(explorer: xattr_model::explore::Explorer) -> Option<u64> {
    use xattr_model::explore::Explorer;
    match explorer {
        Explorer::ShuttleRandom { iterations, .. } | Explorer::ShuttlePct { iterations, .. } => Some(iterations as u64),
        Explorer::ShuttleDfs { max_iterations } => max_iterations.map(|max| max as u64),
        Explorer::Std { iterations } => Some(iterations as u64),
        Explorer::Loom { .. } => None,
    }
}

/// Builds the row of a single-threaded scenario, which covers the oracle and
/// every design it names under every profile it names.
fn sequential_outcome(name: &str, scenario: &crate::scenario::Scenario, failures: Vec<String>) -> RunOutcome {
    let runs = scenario.profiles.len() * (1 + scenario.designs.len());
    RunOutcome {
        scenario: name.to_owned(),
        design: if scenario.designs.len() > 1 { "all".into() } else { scenario.designs.join(",") },
        explorer: xattr_model::explore::Explorer::Std { iterations: runs },
        schedules: runs,
        elapsed: Duration::ZERO,
        failing_schedules: usize::from(!failures.is_empty()),
        problems: failures,
        token: None,
        failure: None,
        history: None,
    }
}
