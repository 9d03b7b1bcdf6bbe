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
    if scenario.concurrent.threads.is_empty() {
        Ok(Loaded::Sequential(scenario))
    } else {
        crate::scenario::load_plan(path).map(Loaded::Concurrent)
    }
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
    files.dedup();
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, files)?;
        } else if path.extension().is_some_and(|ext| ext == EXTENSION) {
            files.push(path);
        }
    }
    Ok(())
}
