//! Errors of the scenario parser and runner, with file, line and column.

use std::fmt;

/// A position in a scenario file; both counts start at 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A syntax or meaning error in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{pos}: expected {expected}, found {found}")]
pub struct ParseError {
    pub file: String,
    pub pos: Pos,
    pub expected: String,
    pub found: String,
}

impl ParseError {
    pub fn new(file: &str, pos: Pos, expected: &str, found: String) -> Self {
        ParseError { file: file.to_owned(), pos, expected: expected.to_owned(), found }
    }
}

/// A failure to run a parsed scenario.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    #[error("{file}:{pos}: setting up the world failed: {source}")]
    Build { file: String, pos: Pos, source: crate::world::build::BuildError },
    #[error("{file}:{pos}: {message}")]
    Statement { file: String, pos: Pos, message: String },
    #[error(transparent)]
    UnknownDesign(#[from] xattr_model::design::UnknownDesign),
    #[error("the store program built from the scenario is invalid: {0}")]
    Program(#[from] xattr_model::program::ProgramError),
}
