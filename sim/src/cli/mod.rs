//! The `xattrsim` command line: one file per subcommand.

mod check;
mod host_diff;
mod lincheck;
mod loom_child;
mod model_check;
mod output;
mod replay;
mod run;

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
    /// Check every scenario (default: everything under `scenarios/`) with
    /// its declared designs, explorers and budgets; exit 0 only if every
    /// scenario met its expectations.
    Check(check::Args),
    /// Explore one scenario with the given design and explorer.
    Run(run::Args),
    /// Rerun exactly the failing schedule a replay token names.
    Replay(replay::Args),
    /// Run one loom exploration for check, run or replay (internal).
    #[command(hide = true)]
    LoomChild(loom_child::Args),
    /// Run the built-in loom and shuttle checks of every registered design
    /// and print a table of the results.
    ModelCheck(model_check::Args),
    /// Check a saved history for linearizability against the store
    /// specification.
    Lincheck(lincheck::Args),
    /// Run random xattr syscall sequences on the running kernel and in the
    /// oracle and report every difference.
    HostDiff(host_diff::Args),
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Run(args) => run::run(args),
        Command::Replay(args) => replay::run(args),
        Command::LoomChild(args) => loom_child::run(args),
        Command::ModelCheck(args) => model_check::run(args),
        Command::Lincheck(args) => lincheck::run(args),
        Command::HostDiff(args) => host_diff::run(args),
    }
}
