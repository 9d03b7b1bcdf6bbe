//! The `xattrsim` command.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = xattr_sim::cli::Cli::parse();
    let code = xattr_sim::cli::run(cli);
    ExitCode::from(u8::try_from(code).unwrap_or(u8::MAX))
}
