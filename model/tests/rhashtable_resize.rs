//! Design B's incremental resize under loom and shuttle: lookups and
//! removes during a grow or a shrink, the state after quiescence, the list
//! walk's duplicate names, and the broken variants each test kills.
//!
//! Loom programs fill the table in the setup (main thread), so that one
//! concurrent set or remove crosses the threshold and the rehash worker
//! runs beside the program's threads. Tables that should only grow or
//! shrink use an elasticity of 16, so no chain-length rehash interferes.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::assert_passes;
use xattr_model::config::{Capacities, ModelConfig, RehashWorker};
use xattr_model::design::rhashtable::TABLE_KIND;
use xattr_model::errno::Errno;
use xattr_model::events::EventKind;
use xattr_model::explore::{explore, report_problems, Builtin, Exploration, Explorer};
use xattr_model::inode::Access;
use xattr_model::mutant::Mutant;
use xattr_model::program::{Execution, InodeSpec, ModelOp, Outcome, Program};

const A: &str = "rbtree-rwlock";
const B: &str = "rhashtable-rcu";

const LOOM: Explorer = Explorer::Loom { preemption_bound: 2 };
const PCT: Explorer = Explorer::ShuttlePct { seed: 11, iterations: 2000, depth: 3 };
const RANDOM: Explorer = Explorer::ShuttleRandom { seed: 11, iterations: 2000 };

/// 4 buckets: the 4th entry schedules a grow to 8.
fn grow_caps() -> Capacities {
    Capacities { elasticity: 16, ..Capacities::explorer() }
}

/// 8 buckets: dropping to 1 entry schedules a shrink to 2.
fn shrink_caps() -> Capacities {
    Capacities { initial_buckets: 8, elasticity: 16, ..Capacities::explorer() }
}

/// A config whose rehash worker runs beside the program's threads.
fn config(design: &str, capacities: Capacities, mutants: &[Mutant]) -> ModelConfig {
    let mut config = ModelConfig::new(design, capacities);
    config.rehash_worker = RehashWorker::Thread;
    config.mutants = mutants.to_vec();
    config
}

fn set(name: &str, value: &str) -> ModelOp {
    ModelOp::Set { inode: 0, name: name.into(), value: value.into(), flags: 0 }
}

fn get(name: &str) -> ModelOp {
    ModelOp::Get { inode: 0, name: name.into(), size: Some(16), access: Access::InodeRef }
}

fn remove(name: &str) -> ModelOp {
    ModelOp::Remove { inode: 0, name: name.into() }
}

fn list() -> ModelOp {
    ModelOp::List { inode: 0, trusted_visible: true, access: Access::InodeRef }
}

fn program(setup: Vec<ModelOp>, threads: Vec<Vec<ModelOp>>) -> Program {
    Program { inodes: vec![InodeSpec::default()], setup, threads }
}

/// Setup "user.a", "user.b", "user.c"; thread 1 sets "user.d" (the grow);
/// thread 2 runs `op`.
fn during_grow(op: ModelOp) -> Program {
    let setup = vec![set("user.a", "1"), set("user.b", "2"), set("user.c", "3")];
    program(setup, vec![vec![set("user.d", "4")], vec![op]])
}

/// Setup "user.a", "user.b" in 8 buckets; thread 1 removes "user.b" (the
/// shrink); thread 2 runs `op`.
fn during_shrink(op: ModelOp) -> Program {
    let setup = vec![set("user.a", "1"), set("user.b", "2")];
    program(setup, vec![vec![remove("user.b")], vec![op]])
}

/// Number of bucket arrays the execution allocated.
fn arrays_allocated(execution: &Execution) -> usize {
    execution.events.iter().filter(|event| matches!(event.kind, EventKind::Alloc { kind: TABLE_KIND, .. })).count()
}

/// Counts executions in which a second bucket array was allocated, so a
/// test can assert that the resize it needs happened.
#[derive(Default)]
struct Counter(AtomicUsize);

impl Counter {
    fn bump(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Explores `program`; `check` adds problems to the arena's reports, and
/// `resized` counts executions with a resize.
fn run(
    explorer: Explorer,
    config: &ModelConfig,
    program: &Program,
    check: impl Fn(&Execution) -> Vec<String> + Send + Sync + 'static,
) -> (Exploration, usize) {
    let resized = Arc::new(Counter::default());
    let counter = Arc::clone(&resized);
    let full_check = move |execution: &Execution| {
        if arrays_allocated(execution) > 1 {
            counter.bump();
        }
        let mut problems = report_problems(execution);
        problems.extend(check(execution));
        problems
    };
    let result = explore(explorer, config, Builtin, program, Arc::new(full_check)).expect("exploration starts");
    let resizes = resized.get();
    (result, resizes)
}


fn assert_finds(result: &Exploration, fragment: &str) {
    assert!(!result.passed(), "{} found no failure in {} schedules", result.explorer, result.schedules);
    let found = result.failures.iter().flat_map(|failure| &failure.problems).any(|problem| problem.contains(fragment));
    assert!(found, "{}: no problem mentions `{fragment}`; failures: {:#?}", result.explorer, result.failures);
}

/// Problems unless thread 2's first operation returned `expected`.
fn thread2_returns(expected: Outcome) -> impl Fn(&Execution) -> Vec<String> + Send + Sync + Clone + 'static {
    move |execution: &Execution| match execution.outcomes(2).first() {
        Some(outcome) if **outcome == expected => Vec::new(),
        other => vec![format!("thread 2 returned {other:?}, expected {expected:?}")],
    }
}

fn value(text: &str) -> Outcome {
    Outcome::Value(text.as_bytes().to_vec())
}

// A get concurrent with a resize finds an entry present throughout.

#[test]
fn get_during_grow_loom() {
    let (result, resizes) = run(LOOM, &config(B, grow_caps(), &[]), &during_grow(get("user.a")), thread2_returns(value("1")));
    assert_passes(&result);
    assert!(resizes > 0, "no schedule grew the table");
}

#[test]
fn get_during_shrink_loom() {
    let (result, resizes) =
        run(LOOM, &config(B, shrink_caps(), &[]), &during_shrink(get("user.a")), thread2_returns(value("1")));
    assert_passes(&result);
    assert!(resizes > 0, "no schedule shrank the table");
}

#[test]
fn get_during_grow_shuttle_pct() {
    let (result, resizes) = run(PCT, &config(B, grow_caps(), &[]), &during_grow(get("user.a")), thread2_returns(value("1")));
    assert_passes(&result);
    assert!(resizes > 0, "no schedule grew the table");
}

#[test]
fn get_during_shrink_shuttle_pct() {
    let (result, resizes) =
        run(PCT, &config(B, shrink_caps(), &[]), &during_shrink(get("user.a")), thread2_returns(value("1")));
    assert_passes(&result);
    assert!(resizes > 0, "no schedule shrank the table");
}

// A remove during a move removes exactly once.

/// Problems unless thread 2's remove succeeded and the final contents are
/// exactly `expected`. A second free of the entry is an arena report.
fn removed_once(expected: &'static [&'static str]) -> impl Fn(&Execution) -> Vec<String> + Send + Sync + Clone + 'static {
    move |execution: &Execution| {
        let mut problems = thread2_returns(Outcome::Done)(execution);
        let names: Vec<&str> = execution.final_contents[0].iter().map(|(name, _)| name.as_str()).collect();
        if names != expected {
            problems.push(format!("final names {names:?}, expected {expected:?}"));
        }
        problems
    }
}

#[test]
fn remove_during_grow_loom() {
    let check = removed_once(&["user.b", "user.c", "user.d"]);
    let (result, resizes) = run(LOOM, &config(B, grow_caps(), &[]), &during_grow(remove("user.a")), check);
    assert_passes(&result);
    assert!(resizes > 0, "no schedule grew the table");
}

#[test]
fn remove_during_shrink_loom() {
    let check = removed_once(&[]);
    let (result, resizes) = run(LOOM, &config(B, shrink_caps(), &[]), &during_shrink(remove("user.a")), check);
    assert_passes(&result);
    assert!(resizes > 0, "no schedule shrank the table");
}

#[test]
fn remove_during_grow_shuttle_random() {
    let check = removed_once(&["user.b", "user.c", "user.d"]);
    let (result, resizes) = run(RANDOM, &config(B, grow_caps(), &[]), &during_grow(remove("user.a")), check);
    assert_passes(&result);
    assert!(resizes > 0, "no schedule grew the table");
}

// After quiescence the table is at rest and everything is freed once.

/// Problems unless every bucket array the execution allocated was freed
/// exactly once (the arena reports a second free or a leak on its own).
fn arrays_freed_once(execution: &Execution) -> Vec<String> {
    let mut frees: BTreeMap<_, usize> = BTreeMap::new();
    let mut arrays = Vec::new();
    for event in &execution.events {
        match event.kind {
            EventKind::Alloc { object, kind: TABLE_KIND } => arrays.push(object),
            EventKind::Free { object } => *frees.entry(object).or_default() += 1,
            _ => {}
        }
    }
    arrays
        .iter()
        .filter(|array| frees.get(array).copied().unwrap_or(0) != 1)
        .map(|array| format!("bucket array {array} was freed {} times", frees.get(array).copied().unwrap_or(0)))
        .collect()
}

/// Grows 4 -> 8 -> 16 with sets on two threads, then shrinks back with
/// removes, checking the final contents.
fn grow_then_shrink() -> Program {
    let names = |range: std::ops::Range<usize>| range.map(|i| format!("user.{i}")).collect::<Vec<_>>();
    let sets = |names: Vec<String>| names.into_iter().map(|name| set(&name, "v")).collect::<Vec<_>>();
    let removes = |names: Vec<String>| names.into_iter().map(|name| remove(&name)).collect::<Vec<_>>();
    let mut first = sets(names(0..7));
    first.extend(removes(names(0..7)));
    let mut second = sets(names(7..14));
    second.extend(removes(names(7..13)));
    second.push(list());
    program(Vec::new(), vec![first, second])
}

fn only_last_name_left(execution: &Execution) -> Vec<String> {
    let names: Vec<&str> = execution.final_contents[0].iter().map(|(name, _)| name.as_str()).collect();
    let mut problems = arrays_freed_once(execution);
    for record in &execution.records {
        if !matches!(record.op, ModelOp::List { .. }) && record.outcome != Outcome::Done {
            problems.push(format!("{} returned {}", record.op, record.outcome));
        }
    }
    if names != ["user.13"] {
        problems.push(format!("final names {names:?}, expected [\"user.13\"]"));
    }
    problems
}

#[test]
fn grow_and_shrink_quiesce_shuttle_random() {
    let (result, resizes) = run(RANDOM, &config(B, grow_caps(), &[]), &grow_then_shrink(), only_last_name_left);
    assert_passes(&result);
    assert!(resizes > 0, "no schedule resized the table");
}

#[test]
fn grow_and_shrink_quiesce_std() {
    let explorer = Explorer::Std { iterations: 20 };
    let (result, resizes) = run(explorer, &config(B, grow_caps(), &[]), &grow_then_shrink(), only_last_name_left);
    assert_passes(&result);
    assert!(resizes > 0, "no run resized the table");
}

#[test]
fn arrays_freed_once_during_grow_loom() {
    let (result, resizes) = run(LOOM, &config(B, grow_caps(), &[]), &during_grow(get("user.a")), arrays_freed_once);
    assert_passes(&result);
    assert!(resizes > 0, "no schedule grew the table");
}

/// Problems unless every set returned 0 or `EBUSY` and the table holds
/// exactly the names whose set returned 0.
fn sets_done_or_busy(execution: &Execution) -> Vec<String> {
    let mut problems = arrays_freed_once(execution);
    let mut expected = Vec::new();
    for record in &execution.records {
        match (&record.op, &record.outcome) {
            (ModelOp::Set { name, .. }, Outcome::Done) => expected.push(name.clone()),
            (ModelOp::Set { .. }, Outcome::Err(Errno::EBUSY)) => {}
            (op, outcome) => problems.push(format!("{op} returned {outcome}")),
        }
    }
    expected.sort();
    let names: Vec<String> = execution.final_contents[0].iter().map(|(name, _)| name.clone()).collect();
    if names != expected {
        problems.push(format!("final names {names:?}, expected {expected:?}"));
    }
    problems
}

#[test]
fn chain_limit_sets_shuttle_random() {
    // Elasticity 2 with 4 buckets: an insert into a chain of two forces a
    // rehash into a fresh array, and one that finds a long chain in an
    // array whose own rehash is still pending fails with EBUSY, as
    // `rhashtable_insert_rehash` does.
    let first = (0..5).map(|i| set(&format!("user.{i}"), "v")).collect();
    let second = (5..10).map(|i| set(&format!("user.{i}"), "v")).collect();
    let program = program(Vec::new(), vec![first, second]);
    let (result, resizes) = run(RANDOM, &config(B, Capacities::explorer(), &[]), &program, sets_done_or_busy);
    assert_passes(&result);
    assert!(resizes > 0, "no schedule resized the table");
}

#[test]
fn at_finish_worker_resizes_after_threads_loom() {
    // The default runs the pending rehash only once the threads finish, so
    // the get never overlaps a move but the table still grows and frees
    // its old array once.
    let mut config = config(B, grow_caps(), &[]);
    config.rehash_worker = RehashWorker::AtFinish;
    let check = move |execution: &Execution| {
        let mut problems = thread2_returns(value("1"))(execution);
        problems.extend(arrays_freed_once(execution));
        problems
    };
    let (result, resizes) = run(LOOM, &config, &during_grow(get("user.a")), check);
    assert_passes(&result);
    assert_eq!(resizes, result.schedules, "every schedule grows the table at the finish");
}

// The list walk can return a name twice during a resize; design A's cannot.

/// Runs a list concurrent with the set that grows the table; returns the
/// exploration and the number of executions whose list had a duplicate.
fn list_during_grow(design: &str, explorer: Explorer) -> (Exploration, usize) {
    let duplicates = Arc::new(Counter::default());
    let counter = Arc::clone(&duplicates);
    let check = move |execution: &Execution| {
        let Some(Outcome::Names(names)) = execution.outcomes(2).first().copied() else {
            return vec![format!("list returned {:?}", execution.outcomes(2).first())];
        };
        let mut seen = BTreeMap::new();
        for name in names {
            *seen.entry(name.as_str()).or_insert(0) += 1;
        }
        if seen.values().any(|count| *count > 1) {
            counter.bump();
        }
        // Names present for the whole walk appear at least once.
        ["user.a", "user.b", "user.c"]
            .iter()
            .filter(|name| !seen.contains_key(*name))
            .map(|name| format!("list {names:?} misses {name}, present throughout"))
            .collect()
    };
    let (result, _) = run(explorer, &config(design, grow_caps(), &[]), &during_grow(list()), check);
    (result, duplicates.get())
}

#[test]
fn list_during_grow_duplicates_loom() {
    let (result, duplicates) = list_during_grow(B, LOOM);
    assert_passes(&result);
    assert!(duplicates > 0, "no schedule of {} listed a name twice", result.schedules);
}

#[test]
fn list_during_grow_duplicates_shuttle_pct() {
    let (result, duplicates) = list_during_grow(B, PCT);
    assert_passes(&result);
    assert!(duplicates > 0, "no schedule of {} listed a name twice", result.schedules);
}

#[test]
fn list_never_duplicates_design_a_loom() {
    let (result, duplicates) = list_during_grow(A, LOOM);
    assert_passes(&result);
    assert_eq!(duplicates, 0, "design A listed a name twice");
}

// Broken variants: each is killed, and the same test passes without it.

/// Asserts that `explorer` kills `mutant` on `program` with a problem
/// mentioning `fragment`, and that the program passes without the mutant.
fn killed(
    explorer: Explorer,
    capacities: Capacities,
    program: &Program,
    mutant: Mutant,
    fragment: &str,
    check: impl Fn(&Execution) -> Vec<String> + Send + Sync + Clone + 'static,
) {
    let (broken, _) = run(explorer, &config(B, capacities, &[mutant]), program, check.clone());
    assert_finds(&broken, fragment);
    let (fixed, _) = run(explorer, &config(B, capacities, &[]), program, check);
    assert_passes(&fixed);
}

#[test]
fn lookup_old_table_only_killed_by_loom() {
    let check = thread2_returns(value("1"));
    killed(LOOM, grow_caps(), &during_grow(get("user.a")), Mutant::LookupOldTableOnly, "ENODATA", check);
}

#[test]
fn lookup_old_table_only_killed_by_shuttle_pct() {
    let check = thread2_returns(value("1"));
    killed(PCT, grow_caps(), &during_grow(get("user.a")), Mutant::LookupOldTableOnly, "ENODATA", check);
}

#[test]
fn rehash_copies_entries_killed_by_loom() {
    let check = removed_once(&["user.b", "user.c", "user.d"]);
    killed(LOOM, grow_caps(), &during_grow(remove("user.a")), Mutant::RehashCopiesEntries, "thread 2", check);
}

#[test]
fn rehash_copies_entries_killed_by_shuttle_random() {
    let check = removed_once(&["user.b", "user.c", "user.d"]);
    killed(RANDOM, grow_caps(), &during_grow(remove("user.a")), Mutant::RehashCopiesEntries, "thread 2", check);
}

#[test]
fn free_table_without_grace_period_killed_by_loom() {
    let check = thread2_returns(value("1"));
    killed(LOOM, grow_caps(), &during_grow(get("user.a")), Mutant::FreeTableWithoutGracePeriod, "bucket_table", check);
}

#[test]
fn free_table_without_grace_period_killed_by_shuttle_pct() {
    let check = thread2_returns(value("1"));
    killed(PCT, grow_caps(), &during_grow(get("user.a")), Mutant::FreeTableWithoutGracePeriod, "bucket_table", check);
}

#[test]
fn no_restart_on_foreign_nulls_survives_loom() {
    // An equivalent mutant: the kernel moves a chain's tail entry first and
    // every lookup goes on to `future_tbl`, so a walk carried into another
    // chain has already compared every entry left behind it. This test
    // pins that finding; if it starts failing, the mutant has become
    // killable and belongs with the kill tests above.
    let mutant = [Mutant::NoRestartOnForeignNulls];
    let (grow, grow_resizes) = run(LOOM, &config(B, grow_caps(), &mutant), &during_grow(get("user.a")), thread2_returns(value("1")));
    assert_passes(&grow);
    assert!(grow_resizes > 0, "no schedule grew the table");
    let (shrink, _) = run(LOOM, &config(B, shrink_caps(), &mutant), &during_shrink(get("user.a")), thread2_returns(value("1")));
    assert_passes(&shrink);
}
