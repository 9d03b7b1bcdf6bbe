//! Exit codes of the `xattrsim` binary.

/// Every check met its expectations.
pub const SUCCESS: i32 = 0;
/// A property was violated or an expectation was not met.
pub const VIOLATION: i32 = 1;
/// The input (a flag, scenario, token or history) is invalid.
pub const BAD_INPUT: i32 = 2;
/// xattrsim itself failed (a checker-internal error or an I/O failure).
pub const INTERNAL: i32 = 3;
/// A time or memory budget ended the check before a verdict; not a pass.
pub const INCONCLUSIVE: i32 = 4;
