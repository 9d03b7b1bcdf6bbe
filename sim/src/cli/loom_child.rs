//! `xattrsim loom-child`: one loom exploration in its own process, started
//! by `check`, `run` and `replay` so that a loom abort ends only the child.
//! It prints one JSON report on stdout; it is not meant to be run by hand.

use std::path::PathBuf;

use crate::cli::run::load_concurrent;
use crate::drive::{child, RunRequest};
use crate::exit;

/// Options of `loom-child`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file.
    pub scenario: PathBuf,
    /// The design to explore.
    #[arg(long)]
    pub design: String,
    /// loom's preemption bound.
    #[arg(long)]
    pub preemption_bound: usize,
    /// Seed of design B's hash.
    #[arg(long)]
    pub seed: u64,
    /// The SHA-256 the parent saw, so both explore the same content.
    #[arg(long)]
    pub sha256: String,
    /// Write loom's checkpoint to this file before every iteration.
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
}

pub fn run(args: Args) -> i32 {
    let plan = match load_concurrent(&args.scenario) {
        Ok(plan) => plan,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
    };
    if plan.content_hash != args.sha256 {
        eprintln!("error: scenario {} changed while it was being checked", args.scenario.display());
        return exit::BAD_INPUT;
    }
    let explorer = xattr_model::explore::Explorer::Loom { preemption_bound: args.preemption_bound };
    let request = RunRequest { design: args.design, explorer, seed: args.seed };
    match child::child_main(&plan, &request, args.checkpoint.as_deref()) {
        Ok(Some(report)) => {
            println!("{}", serde_json::to_string(&report).unwrap_or_default());
            exit::SUCCESS
        }
        Ok(None) => exit::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            exit::INTERNAL
        }
    }
}
