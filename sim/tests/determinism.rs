//! Runs must be deterministic, so no code in `model` or `sim` iterates a
//! std `HashMap` or `HashSet` (their iteration order comes from a random
//! hasher). The only files allowed to use them are listed here, with the
//! reason; a new use fails this test until someone checks it and adds it.

use std::path::{Path, PathBuf};

/// Files that use std hash collections for lookups only, never iterating.
const ALLOWED: &[(&str, &str)] = &[(
    "sim/src/lincheck/search.rs",
    "the state table and the memo of the linearizability search are only probed and inserted into",
)];

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("source directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn std_hash_collections_only_where_allowed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root");
    let mut files = Vec::new();
    rust_files(&root.join("model/src"), &mut files);
    rust_files(&root.join("sim/src"), &mut files);
    assert!(files.len() > 20, "found only {} source files under {}", files.len(), root.display());

    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable source");
        let relative = file.strip_prefix(root).expect("under the root").to_string_lossy().replace('\\', "/");
        let uses = text.contains("HashMap") || text.contains("HashSet");
        let allowed = ALLOWED.iter().any(|(path, _)| *path == relative);
        assert!(
            !uses || allowed,
            "{relative} uses a std HashMap or HashSet; use a BTreeMap/BTreeSet, or check that it is never iterated and add it to ALLOWED with the reason"
        );
    }
}

#[test]
fn allowed_files_never_iterate_their_hash_collections() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root");
    for (path, _) in ALLOWED {
        let text = std::fs::read_to_string(root.join(path)).expect("allowed file exists");
        for field in ["ids", "transitions", "memo"] {
            for iteration in [".iter()", ".keys()", ".values()", ".drain()", ".into_iter()"] {
                let pattern = format!("{field}{iteration}");
                assert!(!text.contains(&pattern), "{path} iterates `{field}` ({pattern})");
            }
        }
    }
}
