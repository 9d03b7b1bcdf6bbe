//! `xattrsim lincheck FILE`: checks a saved history for linearizability
//! and prints the verdict, one line per partition, and on a violation the
//! shrunk history as a per-thread table.
//!
//! Exit codes: 0 pass, 1 violation, 2 invalid history or flag, 3 internal
//! or I/O failure, and 4 ([`exit::INCONCLUSIVE`]) when a time or memory
//! budget ended the search before a verdict. An inconclusive run is not a
//! pass, so it must not exit 0, and it is not a proven violation either.

use std::path::PathBuf;
use std::time::Duration;

use crate::exit;
use crate::lincheck::{self, json, Budget, ListSpec, Options, Verdict};

/// Options of `lincheck`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The history, in the JSON format of `xattr_sim::lincheck::json`.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Specification of listxattr: `strict` (atomic, design A) or `weak`
    /// (the guarantee of design B's non-snapshot walk). Under `weak` a
    /// strict failure is reported as a note, not a violation.
    #[arg(long, default_value = "strict", value_name = "strict|weak")]
    pub list_spec: ListSpec,

    /// Check the whole history as one partition instead of per store and
    /// per reachable tmpfs budget (same verdict, slower).
    #[arg(long)]
    pub no_partition: bool,

    /// Time budget of each partition's search, in seconds.
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    pub timeout: f64,

    /// Memory budget of each partition's search, in stored configurations.
    #[arg(long, default_value_t = 20_000_000, value_name = "N")]
    pub max_configurations: usize,

    /// Time for shrinking a violation to a small failing sub-history, in
    /// seconds; 0 prints the violation unshrunk.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub shrink_time: f64,
}

/// Runs `lincheck` and returns the exit code.
pub fn run(args: Args) -> i32 {
    let text = match std::fs::read_to_string(&args.file) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("error: cannot read history {}: {error}", args.file.display());
            return if error.kind() == std::io::ErrorKind::NotFound { exit::BAD_INPUT } else { exit::INTERNAL };
        }
    };
    let history = match json::from_str(&text) {
        Ok(history) => history,
        Err(error) => {
            eprintln!("error: {}: {error}", args.file.display());
            return exit::BAD_INPUT;
        }
    };
    let Some(options) = options_of(&args) else {
        eprintln!("error: --timeout and --shrink-time must be finite and not negative");
        return exit::BAD_INPUT;
    };

    match lincheck::check(&history, &options) {
        Ok(report) => {
            print!("{report}");
            exit_code(&report.verdict)
        }
        Err(error) => {
            eprintln!("error: {}: {error}", args.file.display());
            exit::BAD_INPUT
        }
    }
}

fn options_of(args: &Args) -> Option<Options> {
    let timeout = Duration::try_from_secs_f64(args.timeout).ok()?;
    let shrink = Duration::try_from_secs_f64(args.shrink_time).ok()?;
    Some(Options {
        list_spec: args.list_spec,
        partitioned: !args.no_partition,
        budget: Budget { time: Some(timeout), max_configurations: args.max_configurations },
        shrink_time: (!shrink.is_zero()).then_some(shrink),
    })
}

fn exit_code(verdict: &Verdict) -> i32 {
    match verdict {
        Verdict::Pass => exit::SUCCESS,
        Verdict::Violation(_) => exit::VIOLATION,
        Verdict::Unknown { .. } => exit::INCONCLUSIVE,
    }
}
