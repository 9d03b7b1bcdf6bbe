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
        ("xattrsim-v1.eyJ0b29sIjoiMSJ9", "does not decompress"),
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


const BROKEN: &str = "sim/tests/data/broken_free_without_grace_period.scn";

/// The replay commands a failure report printed.
fn replay_tokens(report: &str) -> Vec<String> {
    report
        .lines()
        .filter_map(|line| line.trim().strip_prefix("xattrsim replay "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn check_passes_on_shipped_scenarios() {
    let output = xattrsim(&["check"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let report = text(&output);
    assert!(report.contains("scenarios/races/get_during_replace.scn"), "{report}");
    assert!(report.contains(" 0 failed;"), "{report}");
}

#[test]
fn broken_variant_fails_and_replays() {
    let output = xattrsim(&["check", BROKEN]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let report = text(&output);
    assert!(report.contains("use-after-free: T2#0 getxattr"), "{report}");
    let tokens = replay_tokens(&report);
    assert_eq!(tokens.len(), 2, "one token per failing run (loom, shuttle-pct): {report}");

    for token in tokens {
        let replayed = xattrsim(&["replay", &token]);
        assert_eq!(replayed.status.code(), Some(1), "{}", text(&replayed));
        let replay_report = text(&replayed);
        assert!(replay_report.contains("the failure reproduces"), "{replay_report}");
        assert!(replay_report.contains("use-after-free: T2#0 getxattr"), "{replay_report}");
    }
}

#[test]
fn replay_is_deterministic() {
    let output = xattrsim(&["check", BROKEN]);
    for token in replay_tokens(&text(&output)) {
        let replayed = xattrsim(&["replay", "--verify-determinism", &token]);
        assert!(text(&replayed).contains("deterministic: two replays gave identical"), "{}", text(&replayed));
    }
}

fn first_token(path: &str) -> xattr_sim::token::Token {
    let output = xattrsim(&["check", path]);
    let tokens = replay_tokens(&text(&output));
    xattr_sim::token::Token::decode(tokens.first().expect("a token")).expect("decodes")
}

#[test]
fn replay_rejects_changed_scenario() {
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = dir.path().join("broken.scn");
    std::fs::copy(workspace().join(BROKEN), &copy).expect("copy");
    let token = first_token(copy.to_str().expect("utf-8"));
    std::fs::write(&copy, std::fs::read_to_string(&copy).expect("read") + "\n# edited\n").expect("edit");

    let output = xattrsim(&["replay", &token.encode()]);
    assert_eq!(output.status.code(), Some(BAD_INPUT), "{}", text(&output));
    assert!(text(&output).contains("changed since the token was made"), "{}", text(&output));
}

#[test]
fn token_from_other_version_warns_or_refuses() {
    let mut token = first_token(BROKEN);
    token.tool = "0.0.1".into();

    let strict = xattrsim(&["replay", "--strict-version", &token.encode()]);
    assert_eq!(strict.status.code(), Some(BAD_INPUT), "{}", text(&strict));
    assert!(text(&strict).contains("made by xattrsim 0.0.1"), "{}", text(&strict));

    let lenient = xattrsim(&["replay", &token.encode()]);
    assert_eq!(lenient.status.code(), Some(1), "{}", text(&lenient));
    assert!(text(&lenient).contains("the schedule may differ"), "{}", text(&lenient));
    assert!(text(&lenient).contains("the failure reproduces"), "{}", text(&lenient));
}

#[test]
fn run_with_explorer_flags_and_determinism_check() {
    let output = xattrsim(&[
        "run",
        "scenarios/races/get_during_replace.scn",
        "--design",
        "rhashtable-rcu",
        "--explorer",
        "shuttle-random",
        "--iterations",
        "300",
        "--seed",
        "9",
        "--verify-determinism",
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(value["rows"][0]["schedules"], 300);
    assert_eq!(value["rows"][0]["passed"], true);
    let determinism = value["determinism"][0].as_str().expect("a determinism line");
    assert!(determinism.starts_with("deterministic:"), "{determinism}");
}

#[test]
fn run_loom_finds_broken_variant() {
    let output = xattrsim(&["run", BROKEN, "--explorer", "loom", "--preemption-bound", "2"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert_eq!(replay_tokens(&text(&output)).len(), 1);
}

#[test]
fn run_rejects_unknown_design() {
    let output = xattrsim(&["run", "scenarios/races/get_during_replace.scn", "--design", "btree"]);
    assert_eq!(output.status.code(), Some(BAD_INPUT));
    assert!(text(&output).contains("unknown design `btree`"), "{}", text(&output));
}

#[test]
fn sequential_scenario_rejects_concurrent_lines() {
    let text_in = "cred alice uid=1000 gid=1000\nops as alice {\n    s = socket(AF_UNIX, SOCK_STREAM)\n}\nexpect finds use-after-free\n";
    let (_dir, path) = write_temp("seq.scn", text_in);
    let output = xattrsim(&["check", path.to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(BAD_INPUT), "{}", text(&output));
    assert!(text(&output).contains("seq.scn:5:1: expected a `thread` block"), "{}", text(&output));
}

#[test]
fn zero_budget_is_rejected() {
    let scenario = std::fs::read_to_string(workspace().join("scenarios/races/get_during_replace.scn")).expect("read");
    let edited = scenario.replace("iterations=500", "iterations=0");
    let (_dir, path) = write_temp("zero.scn", &edited);
    let output = xattrsim(&["check", path.to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(BAD_INPUT), "{}", text(&output));
    assert!(text(&output).contains("a budget of at least 1 schedule"), "{}", text(&output));

    let flag = xattrsim(&["run", "scenarios/races/get_during_replace.scn", "--iterations", "0"]);
    assert_eq!(flag.status.code(), Some(BAD_INPUT), "{}", text(&flag));
}

#[test]
fn loom_only_scenario_over_thread_limit_is_invalid() {
    let threads: String = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|name| format!("thread {name} as alice {{ fgetxattr(s, \"user.a\", 16) => ENODATA }}\n"))
        .collect();
    let scenario = format!(
        "design rbtree-rwlock\ncred alice uid=1000 gid=1000\nops as alice {{\n    s = socket(AF_UNIX, SOCK_STREAM)\n}}\n{threads}explore loom\n"
    );
    let (_dir, path) = write_temp("five.scn", &scenario);
    let output = xattrsim(&["check", path.to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(BAD_INPUT), "{}", text(&output));
    assert!(text(&output).contains("loom allows at most 4 spawned threads"), "{}", text(&output));
}

#[test]
fn token_with_unknown_design_is_bad_input() {
    let mut token = first_token(BROKEN);
    token.design = "nope".into();
    let output = xattrsim(&["replay", &token.encode()]);
    assert_eq!(output.status.code(), Some(BAD_INPUT), "{}", text(&output));
    assert!(text(&output).contains("unknown design `nope`"), "{}", text(&output));
}

#[test]
fn duplicate_declarations_are_rejected() {
    let (_dir, creds) = write_temp("creds.scn", "cred alice uid=1000 gid=1000\ncred alice uid=0 gid=0 caps=all\n");
    let output = xattrsim(&["check", creds.to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(BAD_INPUT), "{}", text(&output));
    assert!(text(&output).contains("creds.scn:2:6: expected a credential name not declared before"), "{}", text(&output));

    let (_dir, designs) = write_temp("designs.scn", "design rbtree-rwlock rbtree-rwlock\n");
    let output = xattrsim(&["check", designs.to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(BAD_INPUT), "{}", text(&output));
    assert!(text(&output).contains("expected each design at most once"), "{}", text(&output));
}

#[test]
fn same_file_twice_is_checked_once() {
    let output = xattrsim(&[
        "check",
        "scenarios/varlink_label_who_can_write.scn",
        "./scenarios/varlink_label_who_can_write.scn",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(text(&output).contains("1 scenarios, 1 runs"), "{}", text(&output));
}
