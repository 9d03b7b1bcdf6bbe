//! shuttle's PCT and random schedulers over every suite case, for each
//! design; the three-thread case has several operations per thread.

mod common;

use common::*;
use xattr_model::explore::Explorer;
use xattr_model::suite::cases;

fn all_cases_pass(design: &str, explorer: Explorer) {
    for case in cases() {
        let result = run_case(case.name, &config(design, &[]), explorer);
        assert_eq!(result.schedules, 1000, "{}: {}", case.name, result.explorer);
        assert_passes(&result);
    }
}

#[test]
fn rbtree_all_cases_pct() {
    all_cases_pass(A, PCT);
}

#[test]
fn rhashtable_all_cases_pct() {
    all_cases_pass(B, PCT);
}

#[test]
fn rbtree_all_cases_random() {
    all_cases_pass(A, RANDOM);
}

#[test]
fn rhashtable_all_cases_random() {
    all_cases_pass(B, RANDOM);
}

#[test]
fn rhashtable_mixed_case_dfs_bounded() {
    let result = run_case("mixed-three-threads", &config(B, &[]), Explorer::ShuttleDfs { max_iterations: Some(2000) });
    assert_passes(&result);
}
