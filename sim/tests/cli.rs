//! Black-box tests of the `xattrsim` binary: the main job passes on the
//! shipped scenarios, a broken variant fails with a token that replays the
//! same failure, and bad scenario files, tokens and flags give the
//! documented errors and exit codes.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;


const BAD_INPUT: i32 = 2;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

fn xattrsim(args: &[&str]) -> Output {
    Command::cargo_bin("xattrsim").expect("binary built").current_dir(workspace()).args(args).output().expect("runs")
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

fn write_temp(name: &str, content: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, content).expect("write scenario");
    (dir, path)
}

#[test]
fn check_passes_on_selftests() {
    let output = xattrsim(&["check", "scenarios/selftests"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(text(&output).contains("73 scenarios, 73 runs: 73 passed, 0 failed"), "{}", text(&output));
}

#[test]
fn check_reports_parse_error_position() {
    let (_dir, path) = write_temp("bad.scn", "cred alice uid=1000 gid=1000\nops as alice {\n    fsetxattr(\n");
    let output = xattrsim(&["check", path.to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(BAD_INPUT), "{}", text(&output));
    let message = text(&output);
    assert!(message.contains("bad.scn:4:1: expected an argument"), "no file:line:column in {message}");
}

#[test]
fn check_rejects_missing_path() {
    let output = xattrsim(&["check", "no/such/dir"]);
    assert_eq!(output.status.code(), Some(BAD_INPUT));
    assert!(text(&output).contains("no/such/dir does not exist"), "{}", text(&output));
}

#[test]
fn check_json_is_machine_readable() {
    let output = xattrsim(&["check", "--json", "scenarios/selftests/xattr_sockfs_test"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(value["summary"]["failed"], 0);
    assert!(value["rows"].as_array().is_some_and(|rows| !rows.is_empty()));
}

#[test]
fn replay_rejects_corrupt_tokens() {
    for (token, expected) in [
        ("hello", "does not start with `xattrsim-v1.`"),
        ("xattrsim-v1.!!!", "not URL-safe base64"),
        ("xattrsim-v1.eyJ0b29sIjoiMSJ9", "not valid token JSON"),
    ] {
        let output = xattrsim(&["replay", token]);
        assert_eq!(output.status.code(), Some(BAD_INPUT), "{token}: {}", text(&output));
        assert!(text(&output).contains(expected), "{token}: {}", text(&output));
    }
}

#[test]
fn bad_flags_are_usage_errors() {
    for args in [
        &["run", "x.scn", "--explorer", "qemu"][..],
        &["run", "x.scn", "--preemption-bound", "4"],
        &["check", "--frobnicate"],
        &["model-check", "--design", "btree"],
    ] {
        let output = xattrsim(args);
        assert_eq!(output.status.code(), Some(BAD_INPUT), "{args:?}: {}", text(&output));
    }
}

#[test]
fn run_rejects_single_threaded_scenario() {
    let output = xattrsim(&["run", "scenarios/varlink_label_who_can_write.scn"]);
    assert_eq!(output.status.code(), Some(BAD_INPUT));
    assert!(text(&output).contains("has no threads"), "{}", text(&output));
}

#[test]
fn model_check_passes() {
    let output = xattrsim(&["model-check", "--iterations", "200"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(text(&output).contains(" 0 failed"), "{}", text(&output));
}

