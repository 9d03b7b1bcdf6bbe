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

/// Loads the scenario at `path`.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    // TODO: route scenarios with threads to the concurrent loader once it
    // exists; until then every file is single-threaded.
    crate::scenario::load(path).map(Loaded::Sequential)
}

/// Every scenario file under `paths` (files as given, directories walked
/// recursively), sorted so runs are reproducible.
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
