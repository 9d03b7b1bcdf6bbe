//! The `xattrsim` command line: one file per subcommand.

mod lincheck;
mod model_check;

use clap::{Parser, Subcommand};

/// Deterministic simulation and model checking of the Linux kernel's
/// simple_xattr store (rbtree+rwlock before v7.1, rhashtable+RCU since).
#[derive(Debug, Parser)]
#[command(name = "xattrsim", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the built-in loom and shuttle checks of every registered design
    /// and print a table of the results.
    ModelCheck(model_check::Args),
    /// Check a saved history for linearizability against the store
    /// specification.
    Lincheck(lincheck::Args),
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::ModelCheck(args) => model_check::run(args),
        Command::Lincheck(args) => lincheck::run(args),
    }
}
