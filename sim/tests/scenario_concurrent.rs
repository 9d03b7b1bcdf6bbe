//! Concurrent scenarios: parse errors of the new syntax with positions,
//! the loom refusal at load time, and every shipped race scenario explored
//! as its plan declares (problems per schedule, then the verdict).
//!
//! Run in release mode for speed: `cargo test --release -p xattr-sim
//! --test scenario_concurrent`; under loom the debug build is several
//! times slower.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use proptest::prelude::*;

use xattr_model::explore::{explore, Builtin, Check, Explorer};
use xattr_model::program::Execution;
use xattr_sim::plan::{Observations, Plan, PlannedRun};
use xattr_sim::scenario::{load_plan, parse, plan_from_text, LoadError};

fn races_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/races")
}

fn race_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(races_dir())
        .expect("scenarios/races is readable")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "scn"))
        .collect();
    files.sort();
    files
}

/// Explores one run of `plan` and returns the problems of every failing
/// schedule (the first few) and of the verdict.
fn explore_run(plan: &Plan, run: &PlannedRun) -> Vec<String> {
    let observations = Arc::new(Mutex::new(Observations::default()));
    let evaluate = Arc::clone(&plan.evaluate);
    let seen = Arc::clone(&observations);
    let design = run.design.clone();
    let check: Arc<Check> = Arc::new(move |execution: &Execution| {
        evaluate.observe(&mut seen.lock().unwrap_or_else(|e| e.into_inner()), execution);
        evaluate.problems(&design, execution)
    });
    let seed = match run.explorer {
        Explorer::ShuttleRandom { seed, .. } | Explorer::ShuttlePct { seed, .. } => seed,
        _ => 0,
    };
    let exploration = explore(run.explorer, &plan.config_for(&run.design, seed), Builtin, &plan.program, check)
        .unwrap_or_else(|error| panic!("{}: {} under {}: exploration did not start: {error}", plan.name, run.design, run.explorer));

    eprintln!("{}: {} under {}: {} schedules, {} failing", plan.name, run.design, run.explorer, exploration.schedules, exploration.failing_schedules);
    let mut problems: Vec<String> = exploration.failures.iter().flat_map(|failure| failure.problems.clone()).collect();
    let observed = observations.lock().unwrap_or_else(|e| e.into_inner()).clone();
    problems.extend(plan.evaluate.verdict(&run.design, &observed));
    problems
}

fn explore_plan(plan: &Plan) -> Vec<String> {
    let mut problems = Vec::new();
    for run in &plan.runs {
        let started = std::time::Instant::now();
        let found = explore_run(plan, run);
        eprintln!("{}: {} under {}: {} problems in {:.2} s", plan.name, run.design, run.explorer, found.len(), started.elapsed().as_secs_f64());
        problems.extend(found.into_iter().map(|problem| format!("{} under {}: {problem}", run.design, run.explorer)));
    }
    problems
}

fn parse_error(text: &str) -> String {
    match plan_from_text("t.scn", text) {
        Err(error) => error.to_string(),
        Ok(plan) => panic!("expected an error, got a plan with runs {:?}", plan.runs),
    }
}

const HEADER: &str = "cred u uid=1000 gid=1000\nops as u {\n    s = socket(AF_UNIX, SOCK_STREAM)\n}\n";

#[test]
fn thread_with_unknown_cred_names_position() {
    let error = parse("t.scn", "cred u\nthread t1 as nobody { }").unwrap_err();
    assert_eq!((error.pos.line, error.pos.column), (2, 14), "{error}");
    assert!(error.expected.contains("credential"), "{error}");
}

#[test]
fn loom_bound_above_three_is_rejected() {
    let error = parse("t.scn", "explore loom preemption_bound=4").unwrap_err();
    assert_eq!((error.pos.line, error.pos.column), (1, 14), "{error}");
    assert!(error.expected.contains("at most 3"), "{error}");
}

#[test]
fn unknown_explorer_is_rejected() {
    let error = parse("t.scn", "\n  explore shuttle-bfs").unwrap_err();
    assert_eq!((error.pos.line, error.pos.column), (2, 11), "{error}");
    assert!(error.expected.contains("shuttle-pct"), "{error}");
}

#[test]
fn unknown_knob_value_is_rejected() {
    let error = parse("t.scn", "knob writers=sometimes").unwrap_err();
    assert_eq!((error.pos.line, error.pos.column), (1, 14), "{error}");
    assert!(error.expected.contains("unserialized"), "{error}");
}

#[test]
fn unknown_mutant_is_rejected() {
    let error = parse("t.scn", "knob mutant free-twice").unwrap_err();
    assert_eq!((error.pos.line, error.pos.column), (1, 13), "{error}");
    assert!(error.expected.contains("free-without-grace-period"), "{error}");
}

#[test]
fn fault_errno_must_fit_the_point() {
    let error = parse("t.scn", "knob fault simple_xattr_alloc hit=1 errno=EBUSY").unwrap_err();
    assert_eq!((error.pos.line, error.pos.column), (1, 43), "{error}");
    assert!(error.expected.contains("ENOMEM"), "{error}");
}

#[test]
fn expectation_target_needs_an_index() {
    let error = parse("t.scn", "expect sometimes reader => ENODATA").unwrap_err();
    assert_eq!((error.pos.line, error.pos.column), (1, 18), "{error}");
    assert!(error.expected.contains("THREAD.INDEX"), "{error}");
}

#[test]
fn unknown_finding_class_is_rejected() {
    let error = parse("t.scn", "expect finds data-race").unwrap_err();
    assert_eq!((error.pos.line, error.pos.column), (1, 14), "{error}");
    assert!(error.expected.contains("use-after-free"), "{error}");
}

#[test]
fn rcu_only_needs_a_reader() {
    let text = format!("{HEADER}thread t as u {{\n    rcu_only fsetxattr(s, \"user.a\", \"1\", 0)\n}}\n");
    let error = parse("t.scn", &text).unwrap_err();
    assert_eq!((error.pos.line, error.pos.column), (6, 14), "{error}");
    assert!(error.expected.contains("rcu_only"), "{error}");
}

#[test]
fn unknown_thread_in_expectation_is_rejected() {
    let text = format!("{HEADER}thread t as u {{\n    fgetxattr(s, \"user.a\", 8)\n}}\nexpect never w.0 => ENODATA\n");
    let error = parse_error(&text);
    assert!(error.starts_with("t.scn:8:1:"), "{error}");
    assert!(error.contains("no thread named `w`"), "{error}");
}

#[test]
fn world_call_in_thread_is_rejected() {
    let text = format!("{HEADER}thread t as u {{\n    fchmod(s, 0700)\n}}\n");
    let error = parse_error(&text);
    assert!(error.starts_with("t.scn:6:5:"), "{error}");
    assert!(error.contains("ops block before the threads"), "{error}");
}

#[test]
fn concurrent_scenario_needs_one_profile() {
    let text = format!("profiles v6.18 v7.1\n{HEADER}thread t as u {{\n    fgetxattr(s, \"user.a\", 8)\n}}\n");
    let error = parse_error(&text);
    assert!(error.contains("one kernel profile"), "{error}");
}

#[test]
fn finds_contradicting_always_is_rejected() {
    let text = format!("{HEADER}thread t as u {{\n    fgetxattr(s, \"user.a\", 8)\n}}\nexpect always no-leak\nexpect finds leak\n");
    let error = parse_error(&text);
    assert!(error.starts_with("t.scn:9:1:"), "{error}");
    assert!(error.contains("contradicts"), "{error}");
}

#[test]
fn single_threaded_check_rejects_threads() {
    let text = format!("{HEADER}thread t as u {{\n    fgetxattr(s, \"user.a\", 8)\n}}\n");
    let scenario = parse("t.scn", &text).expect("parses");
    let error = xattr_sim::scenario::check(&scenario).unwrap_err();
    assert!(error.to_string().contains("load_plan"), "{error}");
}

#[test]
fn four_threads_refuse_loom_for_design_b() {
    let threads: String = (1..=4).map(|n| format!("thread t{n} as u {{\n    fgetxattr(s, \"user.a\", 8)\n}}\n")).collect();
    let text = format!("{HEADER}{threads}explore loom preemption_bound=1\nexplore shuttle-random iterations=10 seed=3\n");
    let plan = plan_from_text("t.scn", &text).expect("loads");

    let refusal = plan.loom_refusal.clone().expect("design B cannot run four threads under loom");
    assert!(refusal.contains("rhashtable-rcu"), "{refusal}");
    assert!(refusal.contains("rehash worker"), "{refusal}");
    assert!(refusal.contains("at most 4 spawned threads"), "{refusal}");
    assert!(!refusal.contains("rbtree-rwlock"), "{refusal}");

    let loom_designs: Vec<&str> =
        plan.runs.iter().filter(|run| matches!(run.explorer, Explorer::Loom { .. })).map(|run| run.design.as_str()).collect();
    assert_eq!(loom_designs, ["rbtree-rwlock"]);
    assert_eq!(plan.runs.iter().filter(|run| run.explorer.name() == "shuttle-random").count(), 2);
}

#[test]
fn content_hash_is_sha256_of_bytes() {
    let text = format!("{HEADER}thread t as u {{\n    fgetxattr(s, \"user.a\", 8)\n}}\n");
    let plan = plan_from_text("t.scn", &text).expect("loads");
    assert_eq!(plan.content_hash.len(), 64);
    let empty = xattr_sim::scenario::concurrent::sha256_hex(b"");
    assert_eq!(empty, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

#[test]
fn thread_results_map_through_finish() {
    let text = format!("{HEADER}thread t as u {{\n    fgetxattr(s, \"user.a\", 0)\n    flistxattr(s, 1)\n    fgetxattr(s, \"trusted.x\", 8)\n}}\nexplore shuttle-random iterations=5 seed=1\nexpect always t.0 => ENODATA\nexpect always t.1 => ERANGE\nexpect always t.2 => ENODATA\n");
    let plan = plan_from_text("t.scn", &text).expect("loads");
    assert_eq!(plan.program.threads[0].len(), 2, "the trusted.* get never reaches the store");
    assert_eq!(explore_plan(&plan), Vec::<String>::new());
}

#[test]
fn unseen_sometimes_result_fails_verdict() {
    let text = format!("{HEADER}thread t as u {{\n    fgetxattr(s, \"user.a\", 8)\n}}\nexplore shuttle-random iterations=5 seed=1\nexpect sometimes t.0 => \"never set\"\n");
    let plan = plan_from_text("t.scn", &text).expect("loads");
    let problems = explore_plan(&plan);
    assert_eq!(problems.len(), 2, "one verdict problem per design: {problems:#?}");
    assert!(problems[0].contains("t.scn:9:1: expected some schedule to give \"never set\""), "{problems:#?}");
}

#[test]
fn always_result_failure_names_thread() {
    let text = format!("{HEADER}thread t as u {{\n    fgetxattr(s, \"user.a\", 8)\n}}\nexplore shuttle-random iterations=3 seed=1\nexpect always t.0 => \"x\"\n");
    let plan = plan_from_text("t.scn", &text).expect("loads");
    let problems = explore_plan(&plan);
    assert!(!problems.is_empty());
    assert!(problems[0].contains("t.0 was ENODATA; expected always \"x\""), "{problems:#?}");
}

#[test]
fn unexpected_finding_fails_verdict() {
    let text = format!("{HEADER}thread t as u {{\n    fgetxattr(s, \"user.a\", 8)\n}}\nexplore shuttle-random iterations=3 seed=1\nexpect finds leak on rhashtable-rcu\n");
    let plan = plan_from_text("t.scn", &text).expect("loads");
    let problems = explore_plan(&plan);
    assert_eq!(problems.len(), 1, "only design B expects the finding: {problems:#?}");
    assert!(problems[0].contains("expected some schedule to show a leak report"), "{problems:#?}");
}

#[test]
fn linearizable_with_loom_is_rejected() {
    let text = format!("{HEADER}thread t as u {{\n    fgetxattr(s, \"user.a\", 8)\n}}\nexplore loom\nexpect always linearizable\n");
    let error = parse_error(&text);
    assert!(error.starts_with("t.scn:9:1:"), "{error}");
    assert!(error.contains("shuttle"), "{error}");
}

#[test]
fn missing_file_is_an_io_error() {
    let error = load_plan(Path::new("/nonexistent/x.scn")).unwrap_err();
    assert!(matches!(error, LoadError::Io { .. }), "{error}");
}

#[test]
fn readme_example_loads() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/README.md")).expect("README");
    let section = readme.split("## Concurrent scenarios").nth(1).expect("a concurrent section");
    let example = section.split("```").nth(1).expect("an example block");
    let plan = plan_from_text("README.md", example).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(plan.runs.len(), 4, "two designs under two explorers");
}

#[test]
fn every_race_scenario_loads() {
    let files = race_files();
    assert!(files.len() >= 2, "expected race scenarios in {}", races_dir().display());
    for file in files {
        let plan = load_plan(&file).unwrap_or_else(|error| panic!("{error}"));
        assert!(!plan.runs.is_empty(), "{} declares no runs", file.display());
        for run in &plan.runs {
            if let Explorer::Loom { preemption_bound } = run.explorer {
                assert!(preemption_bound <= 3, "{}: loom bound {preemption_bound}", file.display());
            }
        }
    }
}

#[test]
fn every_race_scenario_meets_its_expectations() {
    for file in race_files() {
        let plan = load_plan(&file).unwrap_or_else(|error| panic!("{error}"));
        let problems = explore_plan(&plan);
        assert!(problems.is_empty(), "{}:\n{}", file.display(), problems.join("\n"));
    }
}

#[test]
fn broken_scenario_has_problems() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/broken_free_without_grace_period.scn");
    let plan = load_plan(&path).unwrap_or_else(|error| panic!("{error}"));
    let problems = explore_plan(&plan);
    assert!(problems.iter().any(|problem| problem.contains("use-after-free")), "{problems:#?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn plan_loader_never_panics_on_soup(words in proptest::collection::vec(
        prop_oneof![
            Just("thread"), Just("t"), Just("as"), Just("u"), Just("{"), Just("}"), Just("("), Just(")"), Just(","),
            Just("=>"), Just("fgetxattr"), Just("fsetxattr"), Just("s"), Just("\"user.a\""), Just("0"), Just("8"),
            Just("explore"), Just("loom"), Just("shuttle-dfs"), Just("max"), Just("="), Just("knob"), Just("limits"),
            Just("nr"), Just("expect"), Just("always"), Just("sometimes"), Just("final"), Just("t.0"), Just("t.9"),
            Just("ENODATA"), Just("or"), Just("finds"), Just("leak"), Just("on"), Just("rcu_only"),
            Just("evict_inode"), Just("synchronize_rcu"), Just("names"), Just("linearizable"), Just("mutant"),
        ],
        0..40,
    )) {
        let _ = plan_from_text("soup.scn", &format!("{HEADER}{}", words.join(" ")));
    }
}
