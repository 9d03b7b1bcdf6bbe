//! `xattrsim host-diff`: differential testing of the oracle against the
//! running kernel. The work is in [`crate::hostdiff`]; this file maps
//! flags to its configuration and results to exit codes.
//!
//! Exit codes: 0 when no divergence was found and every object type was
//! covered or explained; 1 on a divergence or an unexplained uncovered
//! object type; 2 on invalid input (flags, an unmapped kernel without
//! `--profile`, a `--dir` not on tmpfs when mounting fails); 3 on an
//! internal failure; 4 when Ctrl-C stopped the run before a verdict.

use std::path::PathBuf;

use clap::Parser;

use crate::exit;
use crate::hostdiff::{self, interrupt, Config};
use crate::oracle::Profile;

/// Flags of `xattrsim host-diff`.
#[derive(Debug, Parser)]
pub struct Args {
    /// Number of xattr syscalls to draw (each runs once per credential).
    #[arg(long, default_value_t = 2000)]
    ops: u64,
    /// Seed of the call generator; the same seed draws the same calls.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Calls per sequence; each sequence starts from fresh objects.
    #[arg(long, default_value_t = 40)]
    seq_len: usize,
    /// Kernel profile to compare against (v6.18 or v7.1); by default it is
    /// chosen from the running kernel's version.
    #[arg(long)]
    profile: Option<Profile>,
    /// Directory to create the private sandbox in; it must be on tmpfs
    /// when mounting a private tmpfs is not possible.
    #[arg(long, default_value = "/dev/shm")]
    dir: PathBuf,
    /// Do not mount a private tmpfs; use a directory on the existing tmpfs
    /// (the tmpfs space rule is then not covered).
    #[arg(long)]
    no_mount: bool,
    /// nr_inodes of the private tmpfs (each inode adds 1024 bytes to the
    /// xattr space budget).
    #[arg(long, default_value_t = 64)]
    nr_inodes: u64,
    /// uid of the unprivileged test user, used when running as root.
    #[arg(long, default_value_t = 65534)]
    test_uid: u32,
    /// gid of the unprivileged test user.
    #[arg(long, default_value_t = 65534)]
    test_gid: u32,
    /// Replays allowed per divergence while shrinking it.
    #[arg(long, default_value_t = 200)]
    shrink_budget: usize,
}

impl Args {
    fn config(&self) -> Config {
        Config {
            seq_len: self.seq_len,
            profile: self.profile,
            dir: self.dir.clone(),
            mount: !self.no_mount,
            nr_inodes: self.nr_inodes,
            test_user: (self.test_uid, self.test_gid),
            shrink_budget: self.shrink_budget,
            ..Config::new(self.ops, self.seed)
        }
    }
}

/// Runs host-diff and prints its report on stdout.
pub fn run(args: Args) -> i32 {
    if let Err(error) = interrupt::install() {
        eprintln!("error: installing the SIGINT handler failed: {error}");
        return exit::INTERNAL;
    }
    match hostdiff::run(args.config(), interrupt::flag()) {
        Ok(report) => {
            print!("{report}");
            if report.interrupted {
                exit::INCONCLUSIVE
            } else if report.passed() {
                exit::SUCCESS
            } else {
                exit::VIOLATION
            }
        }
        Err(error) if error.is_bad_input() => {
            eprintln!("error: {error}");
            exit::BAD_INPUT
        }
        Err(error) => {
            eprintln!("error: {error}");
            exit::INTERNAL
        }
    }
}
