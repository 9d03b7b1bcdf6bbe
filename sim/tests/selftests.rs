//! The kernel's xattr socket selftests, ported as scenario files under
//! `scenarios/selftests/`, run under both kernel profiles with the oracle
//! and with every store operation executed by both model designs.

use std::path::{Path, PathBuf};

use xattr_sim::oracle::Profile;
use xattr_sim::scenario::{check, design_run::run_on_design, load, runner::run};

fn selftest_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/selftests");
    let mut files = Vec::new();
    for dir in std::fs::read_dir(&root).expect("scenarios/selftests is readable") {
        let dir = dir.expect("directory entry").path();
        for file in std::fs::read_dir(&dir).expect("selftest directory is readable") {
            let file = file.expect("directory entry").path();
            if file.extension().is_some_and(|ext| ext == "scn") {
                files.push(file);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn selftests_have_73_instances() {
    // 16 tests x 3 variants + 2 x 3 (xattr_socket_test.c), 14
    // (xattr_sockfs_test.c), 4 + 1 (xattr_socket_types_test.c).
    assert_eq!(selftest_files().len(), 73);
}

#[test]
fn selftests_pass_under_both_profiles_and_designs() {
    let mut failures = Vec::new();
    for file in selftest_files() {
        let scenario = load(&file).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(scenario.profiles, Profile::ALL.to_vec(), "{}: runs under both profiles", file.display());
        assert_eq!(scenario.designs.len(), 2, "{}: runs on both designs", file.display());
        failures.extend(check(&scenario).unwrap_or_else(|error| panic!("{error}")));
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn sockfs_set_under_v6_18_is_eperm() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/selftests/xattr_sockfs_test/xattr_sockfs.set_get_user_xattr.scn");
    let scenario = load(&path).unwrap();
    let old = run(&scenario, Profile::V6_18).unwrap();
    let set = &old.steps[1];
    assert_eq!(set.outcome.result, Err(xattr_model::errno::Errno::EPERM));
    assert!(set.outcome.access.is_none(), "the store is never reached before v7.1");
}

#[test]
fn sockfs_limits_on_design_b() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/selftests/xattr_sockfs_test/xattr_sockfs.limit_remove_readd.scn");
    let scenario = load(&path).unwrap();
    let design_run = run_on_design(&scenario, Profile::V7_1, "rhashtable-rcu").unwrap();
    assert!(design_run.passed(), "{design_run:?}");
}

#[test]
fn varlink_scenario_passes() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/varlink_label_who_can_write.scn");
    let scenario = load(&path).unwrap_or_else(|error| panic!("{error}"));
    let failures = check(&scenario).unwrap_or_else(|error| panic!("{error}"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
