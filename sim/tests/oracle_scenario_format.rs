//! The scenario format: positioned parse errors, no panics on any input,
//! reserved concurrent keywords, and failing expectations reported.

use proptest::prelude::*;
use xattr_sim::oracle::Profile;
use xattr_sim::scenario::{check, parse, runner::run};

#[test]
fn error_names_file_line_column_and_expectation() {
    let error = parse("bad.scn", "cred u uid=1\nops as u {\n    setxattr(\"/p\", \"user.a\", \"v\")\n}\n").unwrap_err();
    assert_eq!((error.pos.line, error.pos.column), (3, 5));
    assert_eq!(error.to_string(), "bad.scn:3:5: expected 4 argument(s) for `setxattr`, found 3");
}

#[test]
fn unknown_credential_is_reported_at_its_name() {
    let error = parse("bad.scn", "ops as nobody { }").unwrap_err();
    assert_eq!((error.pos.line, error.pos.column), (1, 8));
    assert!(error.expected.contains("credential"), "{error}");
}

#[test]
fn unbound_fd_name_is_rejected() {
    let error = parse("bad.scn", "cred u\nops as u { fgetxattr(s, \"user.a\", 0) }").unwrap_err();
    assert_eq!((error.pos.line, error.pos.column), (2, 22));
    assert!(error.expected.contains("fd name"), "{error}");
}

#[test]
fn thread_block_parses_as_concurrent() {
    let scenario = parse("t.scn", "cred u\nthread t1 as u { }").expect("parses");
    assert_eq!(scenario.concurrent.threads.len(), 1);
    assert_eq!(scenario.concurrent.threads[0].name, "t1");
}

#[test]
fn unterminated_string_is_an_error() {
    let error = parse("s.scn", "scenario \"open").unwrap_err();
    assert_eq!((error.pos.line, error.pos.column), (1, 10));
}

#[test]
fn failing_expectation_is_reported_with_position() {
    let text = "cred u uid=1000 gid=1000\nmount tmpfs \"/tmp\"\nops as u {\n    creat(\"/tmp/f\", 0644)\n    getxattr(\"/tmp/f\", \"user.a\", 0) => 0\n}\n";
    let scenario = parse("fail.scn", text).unwrap();
    let oracle_run = run(&scenario, Profile::V7_1).unwrap();
    assert_eq!(oracle_run.mismatches.len(), 1);
    let message = oracle_run.mismatches[0].to_string();
    assert!(message.starts_with("fail.scn:5:5: under v7.1"), "{message}");
    assert!(message.contains("returned ENODATA"), "{message}");
    // Both profiles and both designs report it.
    assert_eq!(check(&scenario).unwrap().len(), 2 + 2 * 2);
}

#[test]
fn per_profile_expectations_and_defaults() {
    let text = "profiles v7.1\ndesigns rhashtable-rcu\ncred u\nops as u { s = socket(AF_UNIX, SOCK_STREAM) fsetxattr(s, \"user.a\", repeat(\"ab\", 3) + \"c\", 0) => { v7.1: 0; v6.18: EPERM } fgetxattr(s, \"user.a\", 100) => \"abababc\" and 7 }";
    let scenario = parse("ok.scn", text).unwrap();
    assert_eq!(scenario.profiles, vec![Profile::V7_1]);
    assert_eq!(scenario.designs, vec!["rhashtable-rcu".to_owned()]);
    assert!(check(&scenario).unwrap().is_empty());
}

proptest! {
    #[test]
    fn parser_never_panics_on_arbitrary_text(text in "\\PC{0,200}") {
        let _ = parse("fuzz.scn", &text);
    }

    #[test]
    fn parser_never_panics_on_token_soup(words in proptest::collection::vec(
        prop_oneof![
            Just("ops"), Just("as"), Just("u"), Just("{"), Just("}"), Just("("), Just(")"), Just(","), Just("=>"),
            Just("\"x\""), Just("0"), Just("-"), Just("setxattr"), Just("s"), Just("="), Just("repeat"), Just("cred"),
            Just("mount"), Just("tmpfs"), Just("names"), Just("|"), Just(";"), Just(":"), Just("v7.1"), Just("0x"),
            Just("thread"), Just("explore"), Just("knob"), Just("expect"), Just("loom"), Just("shuttle-pct"),
            Just("preemption_bound"), Just("iterations"), Just("writers"), Just("limits"), Just("nr"), Just("fault"),
            Just("simple_xattr_alloc"), Just("hit"), Just("errno"), Just("ENOMEM"), Just("mutant"), Just("always"),
            Just("sometimes"), Just("never"), Just("finds"), Just("final"), Just("t.0"), Just("or"), Just("on"),
            Just("rcu_only"), Just("evict_inode"), Just("synchronize_rcu"), Just("linearizable"), Just("design"),
        ],
        0..40,
    )) {
        let _ = parse("soup.scn", &words.join(" "));
    }
}
