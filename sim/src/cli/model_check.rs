//! `xattrsim model-check`: placeholder until the suite lands.

/// Options of `model-check`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> i32 {
    crate::exit::INTERNAL
}
