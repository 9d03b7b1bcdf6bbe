//! A failing schedule replays exactly: the replayed execution has the same
//! problems, history and event log as the one the explorer found.

mod common;

use common::*;
use xattr_model::explore::{Builtin, Schedule};
use xattr_model::mutant::Mutant;
use xattr_model::replay::{loom_schedule, replay, ReplayError};

#[test]
fn shuttle_failure_replays_exactly() {
    let config = config(B, &[Mutant::FreeWithoutGracePeriod]);
    let result = run_case("get-during-replace", &config, PCT);
    let failure = result.failures.first().expect("PCT finds the use-after-free");
    let schedule = failure.replay.clone().expect("shuttle hands out the schedule");
    assert!(matches!(schedule, Schedule::Shuttle(_)));

    let case = suite_case("get-during-replace");
    let replayed = replay(&schedule, 0, &config, Builtin, &case.program, case.check()).expect("replays");
    assert_eq!(replayed.problems, failure.problems);
    assert_eq!(replayed.execution, *failure.execution, "history and events must match");
}

#[test]
fn loom_failure_replays_exactly() {
    let config = config(B, &[Mutant::CallbackOnCurrentGracePeriod]);
    let result = run_case("get-during-two-replaces", &config, LOOM3);
    let failure = result.failures.first().expect("loom finds the use-after-free");
    assert!(failure.replay.is_none(), "loom's path is captured afterwards");

    let case = suite_case("get-during-two-replaces");
    let schedule = loom_schedule(3, failure.schedule, &config, Builtin, &case.program).expect("captures");
    let replayed = replay(&schedule, 3, &config, Builtin, &case.program, case.check()).expect("replays");
    assert_eq!(replayed.problems, failure.problems);
    assert_eq!(replayed.execution, *failure.execution, "history and events must match");
}

#[test]
fn corrupt_shuttle_schedule_is_an_error() {
    let case = suite_case("get-during-replace");
    let schedule = Schedule::Shuttle("not-a-schedule".into());
    let error = replay(&schedule, 0, &config(B, &[]), Builtin, &case.program, case.check()).unwrap_err();
    assert!(matches!(error, ReplayError::BadShuttleSchedule { .. }), "{error}");
}

#[test]
fn corrupt_loom_path_is_an_error() {
    let case = suite_case("get-during-replace");
    let schedule = Schedule::Loom("[1, 2".into());
    let error = replay(&schedule, 3, &config(B, &[]), Builtin, &case.program, case.check()).unwrap_err();
    assert!(matches!(error, ReplayError::BadLoomPath(_)), "{error}");
}

#[test]
fn shuttle_schedule_of_another_program_is_an_error() {
    let config = config(B, &[Mutant::FreeWithoutGracePeriod]);
    let result = run_case("get-during-two-replaces", &config, PCT);
    let schedule = result.failures.first().and_then(|f| f.replay.clone()).expect("a schedule");
    let other = suite_case("teardown-against-reader");
    let outcome = replay(&schedule, 0, &config, Builtin, &other.program, other.check());
    assert!(outcome.is_err() || outcome.as_ref().is_ok_and(|r| r.problems.is_empty()), "{outcome:?}");
}
