//! Each deliberately broken variant is killed by a named explorer with a
//! specific report, and the same check passes with the variant off.

mod common;

use std::process::Command;

use common::*;
use xattr_model::explore::Explorer;
use xattr_model::mutant::Mutant;

/// Asserts that `explorer` kills `mutant` on `case` with a problem starting
/// with `report`, and that the case passes without the mutant.
fn killed(case: &str, design: &str, mutant: Mutant, explorer: Explorer, report: &str) {
    let broken = run_case(case, &config(design, &[mutant]), explorer);
    assert_finds(&broken, report);
    let fixed = run_case(case, &config(design, &[]), explorer);
    assert_passes(&fixed);
}

#[test]
fn free_without_grace_period_killed_by_loom() {
    killed("get-during-replace", B, Mutant::FreeWithoutGracePeriod, LOOM3, "use-after-free");
}

#[test]
fn free_without_grace_period_killed_by_shuttle_pct() {
    killed("get-during-replace", B, Mutant::FreeWithoutGracePeriod, PCT, "use-after-free");
}

#[test]
fn callback_on_current_grace_period_killed_by_loom() {
    killed("get-during-two-replaces", B, Mutant::CallbackOnCurrentGracePeriod, LOOM3, "use-after-free");
}

#[test]
fn callback_on_current_grace_period_killed_by_shuttle_pct() {
    killed("get-during-two-replaces", B, Mutant::CallbackOnCurrentGracePeriod, PCT, "use-after-free");
}

#[test]
fn read_after_unlock_killed_by_loom() {
    killed("get-during-two-replaces", B, Mutant::ReadAfterUnlock, LOOM3, "use-after-free");
}

#[test]
fn read_after_unlock_killed_by_shuttle_pct() {
    killed("get-during-two-replaces", B, Mutant::ReadAfterUnlock, PCT, "use-after-free");
}

#[test]
fn reader_without_fence_killed_by_loom() {
    killed("get-during-two-replaces", B, Mutant::ReaderWithoutFence, LOOM3, "use-after-free");
}

#[test]
fn reader_without_fence_survives_shuttle() {
    // shuttle runs every access sequentially consistent, so a missing fence
    // cannot show; this documents why the mutant is loom-only.
    let result = run_case("get-during-two-replaces", &config(B, &[Mutant::ReaderWithoutFence]), PCT);
    assert_passes(&result);
}

#[test]
fn replace_as_remove_insert_killed_by_loom() {
    killed("get-during-replace", B, Mutant::ReplaceAsRemoveInsert, LOOM3, "the get returned Some(Err(ENODATA))");
}

#[test]
fn free_without_grace_period_killed_by_shuttle_random() {
    killed("get-during-replace", B, Mutant::FreeWithoutGracePeriod, RANDOM, "use-after-free");
}

#[test]
fn replace_as_remove_insert_killed_by_shuttle_pct() {
    killed("get-during-replace", B, Mutant::ReplaceAsRemoveInsert, PCT, "the get returned Some(Err(ENODATA))");
}

fn unserialized(design: &str, mutants: &[Mutant]) -> xattr_model::config::ModelConfig {
    let mut config = config(design, mutants);
    config.writers_serialized = false;
    config
}

#[test]
fn non_atomic_limit_check_killed_by_loom() {
    // The inode lock would serialize the check; the kernel's atomic
    // pre-increment exists for writers it does not serialize.
    for design in [A, B] {
        let broken = run_case("sets-at-count-limit", &unserialized(design, &[Mutant::NonAtomicLimitCheck]), LOOM3);
        assert_finds(&broken, "invariant violated");
        let fixed = run_case("sets-at-count-limit", &unserialized(design, &[]), LOOM3);
        assert_passes(&fixed);
    }
}

#[test]
fn non_atomic_limit_check_killed_by_shuttle_pct() {
    let broken = run_case("sets-at-size-limit", &unserialized(A, &[Mutant::NonAtomicLimitCheck]), PCT);
    assert_finds(&broken, "invariant violated");
    let fixed = run_case("sets-at-size-limit", &unserialized(A, &[]), PCT);
    assert_passes(&fixed);
}

/// Environment variable that makes `relaxed_store_publish_child` run.
const CHILD: &str = "XATTR_MODEL_RELAXED_PUBLISH_CHILD";

#[test]
fn relaxed_store_publish_child() {
    // Runs only when spawned by `relaxed_store_publish_killed_by_loom`: loom
    // panics on the causality violation, which can abort the process.
    let Ok(design) = std::env::var(CHILD) else { return };
    let mutants: &[Mutant] = if design.ends_with("+mutant") { &[Mutant::RelaxedStorePublish] } else { &[] };
    let design = design.trim_end_matches("+mutant");
    let result = run_case("get-on-fresh-inode", &config(design, mutants), LOOM3);
    assert_passes(&result);
}

fn run_child(design: &str) -> (bool, String) {
    let output = Command::new(std::env::current_exe().expect("test binary path"))
        .args(["--exact", "relaxed_store_publish_child", "--nocapture", "--test-threads=1"])
        .env(CHILD, design)
        .output()
        .expect("test binary runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

#[test]
fn relaxed_store_publish_killed_by_loom() {
    for design in [A, B] {
        let (ok, text) = run_child(&format!("{design}+mutant"));
        assert!(!ok, "{design}: loom did not fail with a relaxed publication:\n{text}");
        assert!(text.contains("Causality violation"), "{design}: expected a causality violation:\n{text}");

        let (ok, text) = run_child(design);
        assert!(ok, "{design}: the release publication failed:\n{text}");
    }
}

#[test]
fn relaxed_store_publish_survives_shuttle() {
    // shuttle is sequentially consistent: a relaxed store is as good as a
    // release store there, so only loom kills this mutant.
    let result = run_case("get-on-fresh-inode", &config(B, &[Mutant::RelaxedStorePublish]), PCT);
    assert_passes(&result);
}
