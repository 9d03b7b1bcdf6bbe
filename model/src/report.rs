//! What the model's own checks report: memory-safety errors from the arena
//! and invariant violations from the designs.

use std::fmt;

use crate::arena::RawHandle;
use crate::ctx::OpLabel;

/// One finding of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// A thread dereferenced an object after it was freed.
    UseAfterFree {
        object: RawHandle,
        kind: &'static str,
        describe: String,
        reader: OpLabel,
        /// The grace period the reader's RCU section entered in, or `None`
        /// if the reader was outside any RCU section.
        reader_gp: Option<u64>,
        retired_by: Option<OpLabel>,
        freed_by: OpLabel,
    },
    /// An object was freed twice.
    DoubleFree { object: RawHandle, kind: &'static str, describe: String, first_by: OpLabel, second_by: OpLabel },
    /// An object was still allocated when the run ended.
    Leak {
        object: RawHandle,
        kind: &'static str,
        describe: String,
        allocated_by: OpLabel,
        retired_by: Option<OpLabel>,
    },
    /// A design's `assert_invariants` failed.
    Invariant { design: String, message: String },
}

impl Report {
    /// A short stable name of the report's class, for expectations and
    /// tests: `use-after-free`, `double-free`, `leak` or `invariant`.
    pub fn class(&self) -> &'static str {
        match self {
            Report::UseAfterFree { .. } => "use-after-free",
            Report::DoubleFree { .. } => "double-free",
            Report::Leak { .. } => "leak",
            Report::Invariant { .. } => "invariant",
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Report::UseAfterFree { object, kind, describe, reader, reader_gp, retired_by, freed_by } => {
                write!(f, "use-after-free: {reader} read {kind} {object} ({describe})")?;
                match reader_gp {
                    Some(gp) => write!(f, " in an RCU read-side section entered in grace period {gp}")?,
                    None => write!(f, " outside any RCU read-side section")?,
                }
                match retired_by {
                    Some(op) => write!(f, "; retired by {op}")?,
                    None => write!(f, "; never retired")?,
                }
                write!(f, "; freed by {freed_by}")
            }
            Report::DoubleFree { object, kind, describe, first_by, second_by } => {
                write!(f, "double free: {kind} {object} ({describe}) freed by {first_by} and again by {second_by}")
            }
            Report::Leak { object, kind, describe, allocated_by, retired_by } => {
                write!(f, "leak: {kind} {object} ({describe}) allocated by {allocated_by} was never freed")?;
                if let Some(op) = retired_by {
                    write!(f, " (retired by {op})")?;
                }
                Ok(())
            }
            Report::Invariant { design, message } => write!(f, "invariant violated in {design}: {message}"),
        }
    }
}
