//! The history file format: round trips, errors with positions, and the
//! `xattrsim lincheck` command's exit codes.

mod lincheck_common;

use std::path::PathBuf;
use std::process::Command;

use lincheck_common::*;
use xattr_model::errno::{Errno, XATTR_REPLACE};
use xattr_sim::lincheck::json::{self, LoadError};

fn example() -> xattr_sim::lincheck::History {
    Builder::new(2)
        .initial(0, "user.a", "old")
        .limits(1, 4, 64)
        .superblock(4096, &[0])
        .op(1, 0, set_flags("user.a", "new", XATTR_REPLACE), ok(), 0, 10)
        .op(2, 0, get("user.a"), value("old"), 1, 2)
        .op(2, 0, get_size("user.a"), size(3), 3, 4)
        .op(3, 1, list_into(16), names(&["user.b"]), 5, 6)
        .op(3, 1, set("user.b", "\u{1}\u{2}"), err(Errno::ENOSPC), 7, 8)
        .op(4, 1, xattr_sim::lincheck::Call::Add { name: "security.x".into(), value: vec![0xff, 0] }, ok(), 9, 11)
        .pending(5, 1, remove("user.b"), 12)
        .build()
}

#[test]
fn json_round_trip() {
    let history = example();
    let text = json::to_string(&history);
    assert_eq!(json::from_str(&text).expect("saved history loads"), history);
    assert!(text.contains("\"value\": [\n"), "non-UTF-8 values are byte arrays:\n{text}");
}

fn load_error(text: &str) -> LoadError {
    json::from_str(text).expect_err("the text is invalid")
}

fn position(text: &str) -> (usize, usize, String) {
    match load_error(text) {
        LoadError::Json { line, column, message } => (line, column, message),
        other => panic!("expected a JSON error with a position, got {other}"),
    }
}

#[test]
fn json_syntax_error_has_position() {
    let text = "{\n  \"format\": \"xattrsim-history\",\n  \"version\": 1,\n  \"stores\": [ {} ],\n  \"operations\": [ { ]\n}";
    let (line, column, _) = position(text);
    assert_eq!((line, column), (5, 21));
}

#[test]
fn json_unknown_field_is_named() {
    let text = r#"{"format": "xattrsim-history", "version": 1, "stores": [{"superblok": 0}], "operations": []}"#;
    let (line, column, message) = position(text);
    assert_eq!(line, 1);
    assert!(column > 50, "column {column}");
    assert!(message.contains("unknown field `superblok`"), "{message}");
}

#[test]
fn json_wrong_type_and_unknown_errno() {
    let op = |result: &str| {
        format!(
            "{{\"format\": \"xattrsim-history\", \"version\": 1, \"stores\": [{{}}],\n\"operations\": [{{\"thread\": 1, \"store\": 0, \"invoked\": 0, \"returned\": 1, \"call\": {{\"removexattr\": {{\"name\": \"user.a\"}}}}, \"result\": {result}}}]}}"
        )
    };
    let (line, _, message) = position(&op(r#"{"error": "ENOPE"}"#));
    assert_eq!(line, 2);
    assert!(message.contains("unknown errno \"ENOPE\""), "{message}");

    let (_, _, message) = position(&op(r#"{"size": "three"}"#));
    assert!(message.contains("invalid type"), "{message}");

    let (_, _, message) = position(&op(r#"{"value": {"x": 1}}"#));
    assert!(message.contains("a value as a string or an array of byte numbers"), "{message}");
}

#[test]
fn json_missing_field_and_truncated_input() {
    let (_, _, message) = position(r#"{"format": "xattrsim-history", "version": 1, "operations": []}"#);
    assert!(message.contains("missing field `stores`"), "{message}");
    let (line, _, message) = position("{\"format\": \"xattrsim-history\",\n\"version\": 1, \"stores\": [");
    assert_eq!(line, 2);
    assert!(message.contains("EOF"), "{message}");
    assert!(matches!(load_error(""), LoadError::Json { line: 1, column: 0, .. }));
}

#[test]
fn json_semantic_errors_name_operation() {
    let text = r#"{"format": "xattrsim-history", "version": 1, "stores": [{}], "operations": [
        {"thread": 1, "store": 0, "invoked": 0, "returned": 1, "call": {"removexattr": {"name": "a"}}, "result": "ok"},
        {"thread": 1, "store": 3, "invoked": 2, "returned": 3, "call": {"removexattr": {"name": "a"}}, "result": "ok"}]}"#;
    let message = load_error(text).to_string();
    assert!(message.contains("operation 1: store 3 is not declared"), "{message}");

    let mismatched = text.replace("\"store\": 3", "\"store\": 0").replace("\"result\": \"ok\"}]", "\"result\": {\"names\": []}}]");
    let message = load_error(&mismatched).to_string();
    assert!(message.contains("cannot return"), "{message}");

    let backwards = text.replace("\"store\": 3, \"invoked\": 2", "\"store\": 0, \"invoked\": 9");
    assert!(load_error(&backwards).to_string().contains("before its invocation"));

    let wrong_version = text.replace("\"version\": 1", "\"version\": 7");
    assert!(matches!(load_error(&wrong_version), LoadError::Format(_)));
}

fn write_history(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xattrsim-lincheck-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write history");
    path
}

fn run_cli(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xattrsim")).arg("lincheck").args(args).output().expect("run xattrsim");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().expect("exit code"), stdout, stderr)
}

#[test]
fn cli_exit_codes() {
    let good_history = Builder::new(1)
        .initial(0, "user.a", "old")
        .op(1, 0, set_flags("user.a", "new", XATTR_REPLACE), ok(), 0, 10)
        .op(2, 0, get("user.a"), value("old"), 2, 5)
        .op(3, 0, list_size(), size(7), 3, 4)
        .build();
    let good = write_history("good.json", &json::to_string(&good_history));
    let (code, stdout, _) = run_cli(&[good.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("verdict: pass"), "{stdout}");

    let bad_history = Builder::new(1)
        .initial(0, "user.a", "old")
        .op(1, 0, set_flags("user.a", "new", XATTR_REPLACE), ok(), 0, 10)
        .op(2, 0, get("user.a"), err(Errno::ENODATA), 2, 5)
        .build();
    let bad = write_history("bad.json", &json::to_string(&bad_history));
    let (code, stdout, _) = run_cli(&[bad.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("<- cannot be placed"), "{stdout}");

    let malformed = write_history("malformed.json", "{\"format\": ");
    let (code, _, stderr) = run_cli(&[malformed.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("line 1, column"), "{stderr}");

    let (code, _, _) = run_cli(&[good.to_str().unwrap(), "--max-configurations", "0"]);
    assert_eq!(code, 4, "an exhausted budget is inconclusive");

    let (code, _, _) = run_cli(&[good.to_str().unwrap(), "--list-spec", "sloppy"]);
    assert_eq!(code, 2);
}

#[test]
fn cli_weak_list_reports_strict_failure_apart() {
    let history = Builder::new(1)
        .initial(0, "user.a", "x")
        .op(1, 0, remove("user.a"), ok(), 1, 2)
        .op(1, 0, set("user.b", "y"), ok(), 3, 4)
        .op(2, 0, list(), names(&["user.a", "user.b"]), 0, 5)
        .build();
    let path = write_history("weak.json", &json::to_string(&history));
    let (code, stdout, _) = run_cli(&[path.to_str().unwrap(), "--list-spec", "weak"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("not strictly linearizable"), "{stdout}");
    let (code, _, _) = run_cli(&[path.to_str().unwrap(), "--list-spec", "strict"]);
    assert_eq!(code, 1);
}
