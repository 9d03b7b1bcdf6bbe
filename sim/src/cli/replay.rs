//! `xattrsim replay TOKEN`: reruns exactly the schedule a failure report
//! gave, and reports whether the failure still happens.
//!
//! The token fixes the scenario (by path and content hash), design,
//! runtime, explorer, seed and schedule. A token from another xattrsim
//! version replays the same scenario, design, explorer and seed but warns
//! that the schedule may differ (`--strict-version` refuses instead).
//!
//! Exit status: 1 if the failure reproduces, 0 if it no longer does, 2 for
//! a bad token or a changed scenario, 3 for an internal error.

use serde::Serialize;
use sha2::{Digest, Sha256};
use xattr_model::replay::replay;

use crate::cli::run::load_concurrent;
use crate::drive::progress::Progress;
use crate::drive::{self, history, inprocess, RunRequest};
use crate::exit;
use crate::plan::{Observations, Plan};
use crate::token::{Token, TOOL_VERSION};

/// Options of `replay`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The token from a failure report (starts with `xattrsim-v1.`).
    #[arg(value_name = "TOKEN")]
    pub token: String,

    /// Refuse a token made by another xattrsim version instead of replaying
    /// its scenario, design, explorer and seed.
    #[arg(long)]
    pub strict_version: bool,

    /// Replay twice and compare the full event logs and histories.
    #[arg(long)]
    pub verify_determinism: bool,

    /// Print the event log of the replayed execution.
    #[arg(long)]
    pub events: bool,

    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    scenario: String,
    design: String,
    explorer: String,
    exact_schedule: bool,
    reproduced: bool,
    problems: Vec<String>,
    warnings: Vec<String>,
}

pub fn run(args: Args) -> i32 {
    let token = match Token::decode(&args.token) {
        Ok(token) => token,
        Err(error) => {
            eprintln!("error: {error}");
            return exit::BAD_INPUT;
        }
    };
    let mut warnings = Vec::new();
    if token.tool != TOOL_VERSION {
        if args.strict_version {
            eprintln!(
                "error: the token was made by xattrsim {} and this is {TOOL_VERSION}; drop --strict-version to replay its scenario, design, explorer and seed",
                token.tool
            );
            return exit::BAD_INPUT;
        }
        warnings.push(format!(
            "the token was made by xattrsim {} and this is {TOOL_VERSION}: replaying the same scenario, design, explorer and seed; the schedule may differ",
            token.tool
        ));
    }
    if let Err(message) = validate(&token) {
        eprintln!("error: invalid replay token: {message}");
        return exit::BAD_INPUT;
    }
    let plan = match load_checked(&token) {
        Ok(plan) => plan,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
    };
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }

    let exact = token.schedule.is_some() && warnings.is_empty();
    let result = if exact { replay_exact(&plan, &token, &args) } else { replay_exploration(&plan, &token) };
    let problems = match result {
        Ok(problems) => problems,
        Err(Failed::Token(message)) => {
            eprintln!("error: invalid replay token: {message}; copy the token whole from the failure report");
            return exit::BAD_INPUT;
        }
        Err(Failed::Internal(message)) => {
            eprintln!("error: checker-internal failure during replay: {message}");
            return exit::INTERNAL;
        }
    };
    report(&token, exact, &problems, warnings, args.json)
}

/// Why a replay failed: the token's schedule is unusable, or xattrsim
/// itself failed.
enum Failed {
    Token(String),
    Internal(String),
}

impl From<xattr_model::replay::ReplayError> for Failed {
    fn from(error: xattr_model::replay::ReplayError) -> Self {
        use xattr_model::replay::ReplayError;
        match error {
            ReplayError::BadShuttleSchedule { .. }
            | ReplayError::BadLoomPath(_)
            | ReplayError::NoExecution
            | ReplayError::UnknownDesign(_) => Failed::Token(error.to_string()),
            ReplayError::Io(_) | ReplayError::NotBuilt(_) => Failed::Internal(error.to_string()),
        }
    }
}

/// Checks the token's fields that decoding cannot: a registered design and
/// a budget within the explorers' limits.
fn validate(token: &Token) -> Result<(), String> {
    let registry = xattr_model::design::Registry::<xattr_model::runtime::StdRuntime>::builtin();
    registry.get(&token.design).map_err(|error| error.to_string())?;
    if let xattr_model::explore::Explorer::Loom { preemption_bound } = token.explorer.explorer() {
        if preemption_bound > 3 {
            return Err(format!("loom preemption bound {preemption_bound} is over the limit of 3"));
        }
    }
    Ok(())
}

/// Loads the token's scenario and checks that its content is unchanged.
fn load_checked(token: &Token) -> Result<Plan, String> {
    let path = std::path::Path::new(&token.scenario);
    let bytes = std::fs::read(path)
        .map_err(|e| format!("cannot read the token's scenario {}: {e}; run replay from the directory the check ran in", token.scenario))?;
    let hash = hex(&Sha256::digest(&bytes));
    if hash != token.sha256 {
        return Err(format!(
            "scenario {} changed since the token was made (SHA-256 {} now, {} in the token); the token replays only the content it was made from: use `xattrsim run {}` to explore the new content",
            token.scenario, hash, token.sha256, token.scenario
        ));
    }
    load_concurrent(path)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Replays the token's schedule and returns the problems it shows.
fn replay_exact(plan: &Plan, token: &Token, args: &Args) -> Result<Vec<String>, Failed> {
    let Some(schedule) = token.schedule.as_ref().map(|s| s.schedule()) else { return Ok(Vec::new()) };
    let explorer = token.explorer.explorer();
    let bound = match explorer {
        xattr_model::explore::Explorer::Loom { preemption_bound } => preemption_bound,
        _ => 0,
    };
    let config = plan.config_for(&token.design, token.seed);
    let observations = std::sync::Arc::new(std::sync::Mutex::new(Observations::default()));
    let check = inprocess::plan_check(plan, &token.design, &observations, &Progress::hidden());
    let run = || replay(&schedule, bound, &config, xattr_model::explore::Builtin, &plan.program, check.clone());

    let replayed = run()?;
    if !args.json {
        println!("history of the replayed schedule:\n{}", history::table(&replayed.execution));
        if args.events {
            for event in &replayed.execution.events {
                println!("{event}");
            }
        }
    }
    if args.verify_determinism {
        let again = run()?;
        if again.execution != replayed.execution {
            let message = "the schedule is not deterministic: two replays gave different event logs or histories";
            return Err(Failed::Internal(message.into()));
        }
        if !args.json {
            println!("deterministic: two replays gave identical event logs and histories");
        }
    }
    Ok(replayed.problems)
}

/// Explores again with the token's explorer and seed (for a token without
/// a schedule, or from another tool version).
fn replay_exploration(plan: &Plan, token: &Token) -> Result<Vec<String>, Failed> {
    let request = RunRequest { design: token.design.clone(), explorer: token.explorer.explorer(), seed: token.seed };
    let outcome = drive::run(plan, &request, &Progress::hidden()).map_err(|e| Failed::Internal(e.to_string()))?;
    Ok(outcome.problems)
}

fn report(token: &Token, exact: bool, problems: &[String], warnings: Vec<String>, json: bool) -> i32 {
    let reproduced = !problems.is_empty();
    if json {
        let report = Report {
            scenario: token.scenario.clone(),
            design: token.design.clone(),
            explorer: token.explorer.explorer().to_string(),
            exact_schedule: exact,
            reproduced,
            problems: problems.to_vec(),
            warnings,
        };
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    } else if reproduced {
        println!("the failure reproduces: {} on {} under {}", token.scenario, token.design, token.explorer.explorer());
        for problem in problems {
            println!("  - {problem}");
        }
    } else {
        println!(
            "the failure no longer reproduces: {} on {} under {} met its expectations",
            token.scenario,
            token.design,
            token.explorer.explorer()
        );
    }
    if reproduced {
        exit::VIOLATION
    } else {
        exit::SUCCESS
    }
}
