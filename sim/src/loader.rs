//! Finds and loads scenario files for the commands: single-threaded
//! scenarios run with the oracle and each design; scenarios with threads
//! become a [`Plan`] to explore.

use std::path::{Path, PathBuf};

use crate::plan::Plan;
use crate::scenario::{LoadError, Scenario};

/// The file extension of scenario files.
pub const EXTENSION: &str = "scn";

/// A loaded scenario file.
pub enum Loaded {
    Sequential(Scenario),
    Concurrent(Plan),
}

/// Loads the scenario at `path`: a file with `thread` blocks becomes a
/// plan, any other a single-threaded scenario.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    let scenario = crate::scenario::load(path)?;
    if !scenario.concurrent.threads.is_empty() {
        return crate::scenario::load_plan(path).map(Loaded::Concurrent);
    }
    if let Some(pos) = concurrent_only_line(&scenario) {
        let expected = "a `thread` block before this line (`explore`, `knob` and `expect` apply only to scenarios with threads; add threads or remove the line)";
        let found = "an `explore`, `knob` or `expect` line in a scenario without threads".to_owned();
        return Err(crate::scenario::ParseError::new(&scenario.file, pos, expected, found).into());
    }
    Ok(Loaded::Sequential(scenario))
}

/// Lists every scenario file under `paths` (files as given, directories
/// walked recursively), sorted so runs are reproducible.
pub fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut files).map_err(|e| format!("cannot read directory {}: {e}", path.display()))?;
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            return Err(format!("scenario path {} does not exist; give a .{EXTENSION} file or a directory", path.display()));
        }
    }
    files.sort();
    // The same file named twice (`a.scn` and `./a.scn`) is checked once.
    let mut seen = std::collections::BTreeSet::new();
    files.retain(|file| seen.insert(std::fs::canonicalize(file).unwrap_or_else(|_| file.clone())));
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, files)?;
        } else if path.is_file() && path.extension().is_some_and(|ext| ext == EXTENSION) {
            // `is_file` skips FIFOs and devices, which would block or never end.
            files.push(path);
        }
    }
    Ok(())
}

/// The position of the first `explore`, `knob` or `expect` line of a
/// scenario without threads, which the single-threaded runner would ignore.
fn concurrent_only_line(scenario: &Scenario) -> Option<crate::scenario::Pos> {
    let concurrent = &scenario.concurrent;
    let explorers = concurrent.explorers.iter().map(|(pos, _)| *pos);
    let knobs = concurrent.knobs.iter().map(|(pos, _)| *pos);
    let expectations = concurrent.expectations.iter().map(|expectation| expectation.pos);
    explorers.chain(knobs).chain(expectations).min_by_key(|pos| (pos.line, pos.column))
}
