//! Scenario files: the format, its parser, and the single-threaded runner.
//!
//! A scenario names credentials, sets up filesystems, and runs blocks of
//! operations, each as one credential, with expected results that may
//! differ per kernel profile. The format is documented with examples in
//! `scenarios/README.md`; the grammar is in [`parser`].
//!
//! [`runner::run`] runs a scenario with the oracle;
//! [`design_run::run_on_design`] runs it again with every store operation
//! executed by a model design. [`load`] parses a file and [`check_file`]
//! runs it under every profile and design it names.
//!
//! A scenario with threads is concurrent: [`load_plan`] turns it into a
//! [`crate::plan::Plan`] for the explorers ([`concurrent`]), and
//! [`check`] rejects it.

pub mod ast;
pub mod calls;
pub mod concurrent;
pub mod concurrent_ast;
pub mod design_run;
pub mod error;
pub mod expect;
pub mod knobs;
pub mod lexer;
pub mod parser;
pub mod runner;
pub mod translate;

pub use ast::Scenario;
pub use concurrent::{load_plan, plan_from_text};
pub use error::{ParseError, Pos, RunError};
pub use parser::parse;

use std::path::Path;

/// A failure to read, parse or run a scenario file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read scenario file {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error(transparent)]
    Run(#[from] RunError),
}

/// Reads and parses the scenario file at `path`.
pub fn load(path: &Path) -> Result<Scenario, LoadError> {
    let display = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io { path: display.clone(), source })?;
    Ok(parse(&display, &text)?)
}

/// Runs `scenario` under each of its profiles with the oracle and with each
/// of its designs. Returns every failure as one message; the list is empty
/// when all expectations held and the designs agreed with the oracle.
pub fn check(scenario: &Scenario) -> Result<Vec<String>, RunError> {
    if let Some(thread) = scenario.concurrent.threads.first() {
        let message = "this scenario has threads; explore it with `load_plan` (xattrsim check) instead of the single-threaded runner".to_owned();
        return Err(RunError::Statement { file: scenario.file.clone(), pos: thread.pos, message });
    }
    let mut failures = Vec::new();
    for &profile in &scenario.profiles {
        let oracle_run = runner::run(scenario, profile)?;
        failures.extend(oracle_run.mismatches.iter().map(ToString::to_string));
        for design in &scenario.designs {
            let design_run = design_run::run_on_design(scenario, profile, design)?;
            failures.extend(design_run.mismatches.iter().map(ToString::to_string));
            failures.extend(design_run.divergences.iter().map(ToString::to_string));
            failures.extend(design_run.problems.iter().map(|problem| format!("{}: design {design}: {problem}", scenario.file)));
        }
    }
    Ok(failures)
}

/// [`load`] then [`check`].
pub fn check_file(path: &Path) -> Result<Vec<String>, LoadError> {
    let scenario = load(path)?;
    Ok(check(&scenario)?)
}
