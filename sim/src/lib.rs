//! The syscall layer, checkers and command line of xattrsim.
//!
//! `xattr-sim` sits on top of `xattr-model` (never the reverse): the model
//! crate has the two store designs, RCU and the runtimes; this crate has the
//! world a scenario acts on, the sequential oracle, the checkers and the
//! `xattrsim` binary.

pub mod cli;
pub mod drive;
pub mod exit;
pub mod hostdiff;
pub mod lincheck;
pub mod loader;
pub mod oracle;
pub mod scenario;
pub mod plan;
pub mod store_spec;
pub mod syscall;
pub mod token;
pub mod world;
