//! The built-in check suite: small concurrent programs, each with the
//! property it must keep, run against every design under loom and shuttle.
//!
//! The same cases back the model's tests and `xattrsim model-check`. A case
//! names what it shows; [`Case::check`] returns the problems one execution
//! has (the arena's reports plus the case's own assertion).

use std::sync::Arc;

use crate::errno::{Errno, XATTR_CREATE};
use crate::explore::{report_problems, Check};
use crate::inode::Access;
use crate::program::{Execution, InodeSpec, ModelOp, Outcome, Program};

/// One suite case.
pub struct Case {
    pub name: &'static str,
    /// What the case shows, in one sentence.
    pub shows: &'static str,
    pub program: Program,
    /// The case's own assertion on one execution (beyond the arena's reports).
    pub assertion: fn(&Execution) -> Vec<String>,
    /// Whether loom can explore it (at most 3 program threads keeps it fast).
    pub loom: bool,
}

impl Case {
    /// The full check: the arena's reports plus the case's assertion.
    pub fn check(&self) -> Arc<Check> {
        let assertion = self.assertion;
        Arc::new(move |execution: &Execution| {
            let mut problems = report_problems(execution);
            problems.extend(assertion(execution));
            problems
        })
    }
}

const NAME: &str = "user.a";

fn set(inode: usize, name: &str, value: &str) -> ModelOp {
    ModelOp::Set { inode, name: name.into(), value: value.into(), flags: 0 }
}

fn get(inode: usize, name: &str) -> ModelOp {
    ModelOp::Get { inode, name: name.into(), size: Some(64), access: Access::InodeRef }
}

fn one_inode() -> Vec<InodeSpec> {
    vec![InodeSpec::default()]
}

fn limited_inode() -> Vec<InodeSpec> {
    vec![InodeSpec { limited_prefix: Some("user.".into()) }]
}

/// Problems if `outcome` is not one of `allowed` values (as strings) or
/// one of `errors`.
fn expect_value(what: &str, outcome: Option<&Outcome>, allowed: &[&str], errors: &[Errno]) -> Vec<String> {
    match outcome {
        Some(Outcome::Value(value)) if allowed.iter().any(|a| a.as_bytes() == value.as_slice()) => Vec::new(),
        Some(Outcome::Err(errno)) if errors.contains(errno) => Vec::new(),
        other => vec![format!("{what} returned {other:?}; expected one of {allowed:?} or {errors:?}")],
    }
}

fn final_names(execution: &Execution, inode: usize) -> Vec<&str> {
    execution.final_contents[inode].iter().map(|(name, _)| name.as_str()).collect()
}

/// Every case of the suite.
pub fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "get-during-replace",
            shows: "a get concurrent with a replace returns the old or the new value, never ENODATA or a freed one",
            program: Program {
                inodes: one_inode(),
                setup: vec![set(0, NAME, "old")],
                threads: vec![vec![set(0, NAME, "new")], vec![get(0, NAME)]],
            },
            assertion: |e| expect_value("the get", e.record(2, 0).map(|r| &r.outcome), &["old", "new"], &[]),
            loom: true,
        },
        Case {
            name: "get-during-two-replaces",
            shows: "a reader standing on an entry across two replaces and their grace periods never reads freed memory",
            program: Program {
                inodes: one_inode(),
                setup: vec![set(0, NAME, "v1")],
                threads: vec![vec![set(0, NAME, "v2"), set(0, NAME, "v3")], vec![get(0, NAME)]],
            },
            assertion: |e| expect_value("the get", e.record(2, 0).map(|r| &r.outcome), &["v1", "v2", "v3"], &[]),
            loom: true,
        },
        Case {
            name: "first-sets-on-fresh-inode",
            shows: "two first sets on an inode with no store both survive when writers are serialized",
            program: Program {
                inodes: one_inode(),
                setup: vec![],
                threads: vec![vec![set(0, "user.a", "1")], vec![set(0, "user.b", "2")]],
            },
            assertion: |e| {
                let names = final_names(e, 0);
                if names == ["user.a", "user.b"] {
                    Vec::new()
                } else {
                    vec![format!("after two successful first sets the inode holds {names:?}; a set was lost")]
                }
            },
            loom: true,
        },
        Case {
            name: "get-on-fresh-inode",
            shows: "a get concurrent with the first set sees no store or a fully published one",
            program: Program {
                inodes: one_inode(),
                setup: vec![],
                threads: vec![vec![set(0, NAME, "v")], vec![get(0, NAME)]],
            },
            assertion: |e| expect_value("the get", e.record(2, 0).map(|r| &r.outcome), &["v"], &[Errno::ENODATA]),
            loom: true,
        },
        Case {
            name: "remove-during-get",
            shows: "a get concurrent with a remove returns the value or ENODATA",
            program: Program {
                inodes: one_inode(),
                setup: vec![set(0, NAME, "v")],
                threads: vec![vec![ModelOp::Remove { inode: 0, name: NAME.into() }], vec![get(0, NAME)]],
            },
            assertion: |e| {
                let mut problems = expect_value("the get", e.record(2, 0).map(|r| &r.outcome), &["v"], &[Errno::ENODATA]);
                if !e.final_contents[0].is_empty() {
                    problems.push(format!("the removed name is still present: {:?}", e.final_contents[0]));
                }
                problems
            },
            loom: true,
        },
        Case {
            name: "list-during-set",
            shows: "a list concurrent with a set of a new name lists the old name, with or without the new one",
            program: Program {
                inodes: one_inode(),
                setup: vec![set(0, "user.a", "1")],
                threads: vec![
                    vec![set(0, "user.b", "2")],
                    vec![ModelOp::List { inode: 0, trusted_visible: false, access: Access::InodeRef }],
                ],
            },
            assertion: |e| match e.record(2, 0).map(|r| &r.outcome) {
                Some(Outcome::Names(names)) => {
                    let mut sorted = names.clone();
                    sorted.sort();
                    if sorted == ["user.a"] || sorted == ["user.a", "user.b"] {
                        Vec::new()
                    } else {
                        vec![format!("the list returned {names:?}")]
                    }
                }
                other => vec![format!("the list returned {other:?}")],
            },
            loom: true,
        },
        Case {
            name: "sets-at-count-limit",
            shows: "two sets racing for the last entry slot: exactly one succeeds, the other gets ENOSPC",
            program: Program {
                inodes: limited_inode(),
                setup: vec![set(0, "user.x", ""), set(0, "user.y", "")],
                threads: vec![vec![set(0, "user.a", "")], vec![set(0, "user.b", "")]],
            },
            assertion: |e| one_enospc(e),
            loom: true,
        },
        Case {
            name: "sets-at-size-limit",
            shows: "two sets racing for the last value bytes: exactly one succeeds, the other gets ENOSPC",
            program: Program {
                inodes: limited_inode(),
                setup: vec![set(0, "user.x", "abcd")],
                threads: vec![vec![set(0, "user.a", "abc")], vec![set(0, "user.b", "abc")]],
            },
            assertion: |e| one_enospc(e),
            loom: true,
        },
        Case {
            name: "teardown-against-reader",
            shows: "eviction waits for a reader that holds an inode reference",
            program: Program {
                inodes: one_inode(),
                setup: vec![set(0, NAME, "v")],
                threads: vec![vec![get(0, NAME)], vec![ModelOp::Evict { inode: 0 }]],
            },
            assertion: |e| expect_value("the get", e.record(1, 0).map(|r| &r.outcome), &["v"], &[Errno::ENOENT]),
            loom: true,
        },
        Case {
            name: "mixed-three-threads",
            shows: "three threads of sets, removes, gets and lists keep every invariant and free every entry once",
            program: Program {
                inodes: vec![InodeSpec::default(), InodeSpec { limited_prefix: Some("user.".into()) }],
                setup: vec![],
                threads: vec![
                    vec![set(0, "user.a", "1"), set(1, "user.b", "22"), ModelOp::Remove { inode: 0, name: "user.a".into() }],
                    vec![
                        get(0, "user.a"),
                        ModelOp::List { inode: 1, trusted_visible: false, access: Access::InodeRef },
                        get(1, "user.b"),
                    ],
                    vec![
                        set(0, "user.a", "3"),
                        ModelOp::Set { inode: 1, name: "user.c".into(), value: "333".into(), flags: XATTR_CREATE },
                        ModelOp::Remove { inode: 1, name: "user.b".into() },
                    ],
                ],
            },
            assertion: |e| {
                let mut problems =
                    expect_value("thread 2's get", e.record(2, 0).map(|r| &r.outcome), &["1", "3"], &[Errno::ENODATA]);
                problems.extend(expect_value(
                    "thread 2's second get",
                    e.record(2, 2).map(|r| &r.outcome),
                    &["22"],
                    &[Errno::ENODATA],
                ));
                problems
            },
            loom: false,
        },
    ]
}

/// Problems unless exactly one of the two threads' sets got `ENOSPC`.
fn one_enospc(execution: &Execution) -> Vec<String> {
    let outcomes = [execution.record(1, 0), execution.record(2, 0)].map(|r| r.map(|r| r.outcome.clone()));
    let enospc = outcomes.iter().filter(|o| **o == Some(Outcome::Err(Errno::ENOSPC))).count();
    let done = outcomes.iter().filter(|o| **o == Some(Outcome::Done)).count();
    if (enospc, done) == (1, 1) {
        Vec::new()
    } else {
        vec![format!("the two sets at the limit returned {outcomes:?}; expected one success and one ENOSPC")]
    }
}

/// The case named `name`.
pub fn case(name: &str) -> Option<Case> {
    cases().into_iter().find(|case| case.name == name)
}
