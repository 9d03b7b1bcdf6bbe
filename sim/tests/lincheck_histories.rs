//! Hand-written histories, linearizable and not, for each operation type.
//!
//! Several non-linearizable histories end in a state that some order of
//! their operations reaches, so a check of final states alone would pass
//! them: the checker must look at every response.

mod lincheck_common;

use std::time::Duration;

use lincheck_common::*;
use xattr_model::errno::{Errno, XATTR_CREATE, XATTR_REPLACE};
use xattr_sim::lincheck::{check, Budget, ListSpec, Options, Verdict};

#[test]
fn get_during_set_sees_old_or_new() {
    for seen in ["old", "new"] {
        let history = Builder::new(1)
            .initial(0, "user.a", "old")
            .op(1, 0, set("user.a", "new"), ok(), 0, 10)
            .op(2, 0, get("user.a"), value(seen), 2, 5)
            .build();
        assert_eq!(strict(&history).verdict, Verdict::Pass, "get returned {seen}");
    }
}

#[test]
fn get_after_set_returned_sees_new() {
    let history = Builder::new(1)
        .initial(0, "user.a", "old")
        .op(1, 0, set("user.a", "new"), ok(), 0, 1)
        .op(2, 0, get("user.a"), value("old"), 2, 3)
        .build();
    assert!(is_violation(&strict(&history)));
}

#[test]
fn get_value_never_written_fails() {
    let history = Builder::new(1).op(1, 0, set("user.a", "x"), ok(), 0, 4).op(2, 0, get("user.a"), value("y"), 1, 3).build();
    assert!(is_violation(&strict(&history)));
}

/// The final state (`new`) is reached by the only order, but no order
/// lets the get return ENODATA: a replace never removes the name.
#[test]
fn get_enodata_during_replace_fails() {
    let history = Builder::new(1)
        .initial(0, "user.a", "old")
        .op(1, 0, set_flags("user.a", "new", XATTR_REPLACE), ok(), 0, 10)
        .op(2, 0, get("user.a"), err(Errno::ENODATA), 2, 5)
        .build();
    let report = strict(&history);
    assert!(is_violation(&report));
    let Verdict::Violation(violation) = &report.verdict else { unreachable!() };
    let explanation = violation.explanation.as_ref().expect("shrinking is on");
    assert_eq!(explanation.history.operations[explanation.blocking].call, get("user.a"));
    assert!(explanation.reason.contains("ENODATA"), "reason: {}", explanation.reason);
}

#[test]
fn get_size_query_linearizable() {
    let history = Builder::new(1)
        .initial(0, "user.a", "abc")
        .op(1, 0, set("user.a", "abcdef"), ok(), 0, 10)
        .op(2, 0, get_size("user.a"), size(3), 1, 4)
        .op(3, 0, get_size("user.a"), size(6), 2, 5)
        .build();
    assert_eq!(strict(&history).verdict, Verdict::Pass);
}

#[test]
fn get_size_query_wrong_size_fails() {
    let history = Builder::new(1)
        .initial(0, "user.a", "abc")
        .op(1, 0, set("user.a", "abcdef"), ok(), 0, 10)
        .op(2, 0, get_size("user.a"), size(5), 1, 4)
        .build();
    assert!(is_violation(&strict(&history)));
}

#[test]
fn concurrent_creates_one_wins() {
    let history = Builder::new(1)
        .op(1, 0, set_flags("user.a", "x", XATTR_CREATE), ok(), 0, 5)
        .op(2, 0, set_flags("user.a", "y", XATTR_CREATE), err(Errno::EEXIST), 1, 6)
        .op(3, 0, get("user.a"), value("x"), 7, 8)
        .build();
    assert_eq!(strict(&history).verdict, Verdict::Pass);
}

#[test]
fn concurrent_creates_both_win_fails() {
    let history = Builder::new(1)
        .op(1, 0, set_flags("user.a", "x", XATTR_CREATE), ok(), 0, 5)
        .op(2, 0, set_flags("user.a", "y", XATTR_CREATE), ok(), 1, 6)
        .build();
    assert!(is_violation(&strict(&history)));
}

#[test]
fn removal_race_one_succeeds() {
    let history = Builder::new(1)
        .initial(0, "user.a", "x")
        .op(1, 0, remove("user.a"), ok(), 0, 5)
        .op(2, 0, remove("user.a"), err(Errno::ENODATA), 1, 6)
        .op(3, 0, get("user.a"), err(Errno::ENODATA), 7, 8)
        .build();
    assert_eq!(strict(&history).verdict, Verdict::Pass);
}

#[test]
fn removal_race_both_succeed_fails() {
    let history = Builder::new(1)
        .initial(0, "user.a", "x")
        .op(1, 0, remove("user.a"), ok(), 0, 5)
        .op(2, 0, remove("user.a"), ok(), 1, 6)
        .build();
    assert!(is_violation(&strict(&history)));
}

#[test]
fn remove_racing_get_and_set() {
    let history = Builder::new(1)
        .initial(0, "user.a", "x")
        .op(1, 0, remove("user.a"), ok(), 0, 10)
        .op(2, 0, set("user.a", "y"), ok(), 1, 9)
        .op(3, 0, get("user.a"), err(Errno::ENODATA), 11, 12)
        .build();
    assert_eq!(strict(&history).verdict, Verdict::Pass, "the set linearizes before the remove");
    let later_get = Builder::new(1)
        .initial(0, "user.a", "x")
        .op(1, 0, remove("user.a"), ok(), 0, 3)
        .op(2, 0, set("user.a", "y"), ok(), 4, 9)
        .op(3, 0, get("user.a"), err(Errno::ENODATA), 11, 12)
        .build();
    assert!(is_violation(&strict(&later_get)));
}

#[test]
fn enospc_at_count_limit_linearizable() {
    let history = Builder::new(1)
        .limits(0, 1, 100)
        .op(1, 0, set("user.a", "x"), ok(), 0, 5)
        .op(2, 0, set("user.b", "y"), err(Errno::ENOSPC), 1, 6)
        .build();
    assert_eq!(strict(&history).verdict, Verdict::Pass);
}

#[test]
fn enospc_replace_at_limit_by_pre_increment() {
    let history = Builder::new(1)
        .limits(0, 1, 100)
        .initial(0, "user.a", "x")
        .op(1, 0, set("user.a", "y"), err(Errno::ENOSPC), 0, 1)
        .build();
    assert_eq!(strict(&history).verdict, Verdict::Pass);
}

/// Every order ends with `user.b` present and `user.a` absent, which is the
/// final state, yet no order lets the set fail: the remove had returned.
#[test]
fn enospc_no_order_produces_fails() {
    let history = Builder::new(1)
        .limits(0, 1, 100)
        .initial(0, "user.a", "x")
        .op(1, 0, remove("user.a"), ok(), 0, 1)
        .op(2, 0, set("user.b", "y"), err(Errno::ENOSPC), 2, 3)
        .op(3, 0, set("user.b", "y"), ok(), 4, 5)
        .build();
    assert!(is_violation(&strict(&history)));
}

#[test]
fn tmpfs_budget_shared_across_inodes() {
    let budget = 40 + 1 + "user.a".len();
    let history = Builder::new(2)
        .superblock(budget, &[0, 1])
        .op(1, 0, set("user.a", "x"), ok(), 0, 5)
        .op(2, 1, set("user.a", "y"), err(Errno::ENOSPC), 1, 6)
        .build();
    let report = strict(&history);
    assert_eq!(report.verdict, Verdict::Pass);
    assert_eq!(report.partitions.len(), 1);
    assert!(report.partitions[0].label.starts_with("superblock 0"), "label {}", report.partitions[0].label);
}

#[test]
fn tmpfs_budget_both_fit_fails() {
    let budget = 40 + 1 + "user.a".len();
    let history = Builder::new(2)
        .superblock(budget, &[0, 1])
        .op(1, 0, set("user.a", "x"), ok(), 0, 5)
        .op(2, 1, set("user.a", "y"), ok(), 1, 6)
        .build();
    assert!(is_violation(&strict(&history)));
}

#[test]
fn tmpfs_unreachable_budget_splits_stores() {
    let history = Builder::new(2)
        .superblock(10_000, &[0, 1])
        .op(1, 0, set("user.a", "x"), ok(), 0, 5)
        .op(2, 1, set("user.a", "y"), ok(), 1, 6)
        .build();
    let report = strict(&history);
    assert_eq!(report.verdict, Verdict::Pass);
    let labels: Vec<&str> = report.partitions.iter().map(|p| p.label.as_str()).collect();
    assert_eq!(labels, ["store 0", "store 1"]);
}

#[test]
fn list_strict_linearizable() {
    let history = Builder::new(1)
        .initial(0, "user.a", "x")
        .op(1, 0, set("user.b", "y"), ok(), 0, 10)
        .op(2, 0, list(), names(&["user.b", "user.a"]), 2, 5)
        .op(3, 0, list_size(), size(14), 11, 12)
        .op(3, 0, list_into(13), err(Errno::ERANGE), 13, 14)
        .build();
    assert_eq!(strict(&history).verdict, Verdict::Pass);
}

/// `user.a` is removed before `user.b` is added, so they were never present
/// together; the final state is reached by the writers' only order.
#[test]
fn list_two_names_never_together_fails_strict() {
    let history = Builder::new(1)
        .initial(0, "user.a", "x")
        .op(1, 0, remove("user.a"), ok(), 1, 2)
        .op(1, 0, set("user.b", "y"), ok(), 3, 4)
        .op(2, 0, list(), names(&["user.a", "user.b"]), 0, 5)
        .build();
    assert!(is_violation(&strict(&history)));

    let report = weak(&history);
    assert_eq!(report.verdict, Verdict::Pass);
    assert!(matches!(report.strict_list, Some(Verdict::Violation(_))));
}

#[test]
fn list_duplicate_allowed_only_weak() {
    let history = Builder::new(1)
        .initial(0, "user.a", "x")
        .op(1, 0, set("user.b", "y"), ok(), 0, 10)
        .op(2, 0, list(), names(&["user.a", "user.b", "user.a"]), 1, 9)
        .build();
    assert!(is_violation(&strict(&history)));
    assert_eq!(weak(&history).verdict, Verdict::Pass);
}

#[test]
fn list_omitting_stable_name_fails_weak() {
    let history = Builder::new(1)
        .initial(0, "user.a", "x")
        .op(1, 0, set("user.b", "y"), ok(), 0, 10)
        .op(2, 0, list(), names(&["user.b"]), 1, 9)
        .build();
    let report = weak(&history);
    assert!(is_violation(&report));
    let Verdict::Violation(violation) = &report.verdict else { unreachable!() };
    let reason = &violation.explanation.as_ref().expect("shrinking is on").reason;
    // Shrinking may drop the set, which turns the failure into a name never present.
    assert!(reason.contains("listxattr") && reason.contains("present"), "reason: {reason}");
}

#[test]
fn list_name_never_present_fails_weak() {
    let history = Builder::new(1)
        .op(1, 0, set("user.b", "y"), ok(), 0, 10)
        .op(2, 0, list(), names(&["user.c"]), 1, 9)
        .build();
    assert!(is_violation(&weak(&history)));
}

#[test]
fn list_size_query_may_exceed_weak() {
    // Every instant lists at most one name of 7 bytes; 14 needs a repeat.
    let history = Builder::new(1)
        .initial(0, "user.a", "x")
        .op(1, 0, remove("user.a"), ok(), 1, 2)
        .op(1, 0, set("user.b", "y"), ok(), 3, 4)
        .op(2, 0, list_size(), size(14), 0, 5)
        .build();
    assert!(is_violation(&strict(&history)));
    assert_eq!(weak(&history).verdict, Verdict::Pass);

    let unreachable_size = Builder::new(1).initial(0, "user.a", "x").op(2, 0, list_size(), size(9), 0, 5).build();
    assert!(is_violation(&weak(&unreachable_size)));
}

#[test]
fn list_erange_though_every_instant_fits_weak() {
    let history = Builder::new(1)
        .initial(0, "user.a", "x")
        .op(1, 0, set("user.a", "z"), ok(), 1, 2)
        .op(2, 0, list_into(7), err(Errno::ERANGE), 0, 5)
        .build();
    assert!(is_violation(&strict(&history)));
    assert_eq!(weak(&history).verdict, Verdict::Pass);

    let empty = Builder::new(1).op(2, 0, list_into(7), err(Errno::ERANGE), 0, 5).build();
    assert!(is_violation(&weak(&empty)));
}

#[test]
fn pending_set_may_or_may_not_take_effect() {
    for seen in [value("x"), err(Errno::ENODATA)] {
        let history = Builder::new(1)
            .pending(1, 0, set("user.a", "x"), 0)
            .op(2, 0, get("user.a"), seen.clone(), 5, 6)
            .op(2, 0, get("user.a"), seen.clone(), 7, 8)
            .build();
        assert_eq!(strict(&history).verdict, Verdict::Pass, "get returned {seen}");
    }
}

#[test]
fn pending_set_cannot_be_undone() {
    let history = Builder::new(1)
        .pending(1, 0, set("user.a", "x"), 0)
        .op(2, 0, get("user.a"), value("x"), 5, 6)
        .op(2, 0, get("user.a"), err(Errno::ENODATA), 7, 8)
        .build();
    assert!(is_violation(&strict(&history)));
}

#[test]
fn exhausted_budget_is_unknown_not_pass() {
    let mut builder = Builder::new(1);
    for thread in 0..12u64 {
        builder = builder.op(thread as usize, 0, set("user.a", &thread.to_string()), ok(), thread, 100 + thread);
    }
    let history = builder.op(99, 0, get("user.a"), value("5"), 200, 201).build();
    let options = Options {
        list_spec: ListSpec::Strict,
        partitioned: true,
        budget: Budget { time: Some(Duration::from_secs(5)), max_configurations: 3 },
        shrink_time: None,
    };
    let report = check(&history, &options).expect("valid history");
    assert!(matches!(report.verdict, Verdict::Unknown { .. }), "verdict {:?}", report.verdict);
}

#[test]
fn shrinking_drops_unrelated_operations() {
    let mut builder = Builder::new(2).initial(0, "user.a", "old");
    for index in 0..20u64 {
        builder = builder.op(3, 1, set("user.z", "v"), ok(), 100 + 2 * index, 101 + 2 * index);
        builder = builder.op(4, 0, get_size("user.a"), size(3), 100 + 2 * index, 101 + 2 * index);
    }
    let history = builder
        .op(1, 0, set_flags("user.a", "new", XATTR_REPLACE), ok(), 0, 10)
        .op(2, 0, get("user.a"), err(Errno::ENODATA), 2, 5)
        .build();
    let report = strict(&history);
    let Verdict::Violation(violation) = &report.verdict else { panic!("expected a violation, got {:?}", report.verdict) };
    let explanation = violation.explanation.as_ref().expect("shrinking is on");
    // The get alone fails: the initial value was never removed.
    assert_eq!(explanation.history.operations.len(), 1, "{explanation}");
    let table = explanation.to_string();
    assert!(table.contains("<- cannot be placed"), "{table}");
    assert!(table.contains("thread 2") && !table.contains("thread 3"), "{table}");
}
