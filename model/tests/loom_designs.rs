//! Loom, exhaustive within a preemption bound, for each design and each
//! suite case that loom can explore.

mod common;

use common::*;

fn loom_passes(case: &str, design: &str) {
    let result = run_case(case, &config(design, &[]), LOOM3);
    assert_passes(&result);
}

#[test]
fn rbtree_get_during_replace() {
    loom_passes("get-during-replace", A);
}

#[test]
fn rhashtable_get_during_replace() {
    loom_passes("get-during-replace", B);
}

#[test]
fn rbtree_get_during_two_replaces() {
    loom_passes("get-during-two-replaces", A);
}

#[test]
fn rhashtable_get_during_two_replaces() {
    loom_passes("get-during-two-replaces", B);
}

#[test]
fn rbtree_first_sets_on_fresh_inode() {
    loom_passes("first-sets-on-fresh-inode", A);
}

#[test]
fn rhashtable_first_sets_on_fresh_inode() {
    loom_passes("first-sets-on-fresh-inode", B);
}

#[test]
fn rbtree_get_on_fresh_inode() {
    loom_passes("get-on-fresh-inode", A);
}

#[test]
fn rhashtable_get_on_fresh_inode() {
    loom_passes("get-on-fresh-inode", B);
}

#[test]
fn rbtree_remove_during_get() {
    loom_passes("remove-during-get", A);
}

#[test]
fn rhashtable_remove_during_get() {
    loom_passes("remove-during-get", B);
}

#[test]
fn rbtree_list_during_set() {
    loom_passes("list-during-set", A);
}

#[test]
fn rhashtable_list_during_set() {
    loom_passes("list-during-set", B);
}

#[test]
fn rbtree_sets_at_count_limit() {
    loom_passes("sets-at-count-limit", A);
}

#[test]
fn rhashtable_sets_at_count_limit() {
    loom_passes("sets-at-count-limit", B);
}

#[test]
fn rbtree_sets_at_size_limit() {
    loom_passes("sets-at-size-limit", A);
}

#[test]
fn rhashtable_sets_at_size_limit() {
    loom_passes("sets-at-size-limit", B);
}

#[test]
fn rbtree_teardown_against_reader() {
    loom_passes("teardown-against-reader", A);
}

#[test]
fn rhashtable_teardown_against_reader() {
    loom_passes("teardown-against-reader", B);
}
