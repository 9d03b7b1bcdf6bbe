//! Single-run checks of the model's rules: which locks each operation
//! takes, fault points, lazy allocation, accounting modes, memory cost and
//! the RCU event order.

mod common;

use std::sync::Arc;

use common::*;
use xattr_model::config::{Accounting, ModelConfig, Publication};
use xattr_model::ctx::LockClass;
use xattr_model::design::Registry;
use xattr_model::errno::{Errno, XATTR_CREATE};
use xattr_model::events::EventKind;
use xattr_model::explore::{explore, report_problems, Builtin, Explorer};
use xattr_model::fault::{Fault, FaultPlan, FaultPoint};
use xattr_model::inode::Access;
use xattr_model::program::{execute, Execution, InodeSpec, ModelOp, Outcome, Program};
use xattr_model::runtime::StdRuntime;

fn set(name: &str, value: &str) -> ModelOp {
    ModelOp::Set { inode: 0, name: name.into(), value: value.into(), flags: 0 }
}

fn get(name: &str) -> ModelOp {
    ModelOp::Get { inode: 0, name: name.into(), size: Some(64), access: Access::InodeRef }
}

fn list() -> ModelOp {
    ModelOp::List { inode: 0, trusted_visible: true, access: Access::InodeRef }
}

/// Runs `setup` on the main thread of a one-inode program on real threads.
fn run(config: &ModelConfig, inode: InodeSpec, setup: Vec<ModelOp>) -> Execution {
    let design = Registry::<StdRuntime>::builtin().get(&config.design).expect("design registered");
    let program = Program { inodes: vec![inode], setup, threads: vec![] };
    execute::<StdRuntime>(config, design, &program)
}

fn limited() -> InodeSpec {
    InodeSpec { limited_prefix: Some("user.".into()) }
}

#[test]
fn rbtree_get_and_list_take_one_read_lock() {
    let execution = run(&config(A, &[]), InodeSpec::default(), vec![set("user.a", "1"), get("user.a"), list()]);
    for index in [1, 2] {
        let locks = execution.record(0, index).expect("recorded").locks;
        assert_eq!(locks.get(LockClass::StoreRead), 1, "operation {index}");
        assert_eq!(locks.store_locks(), 1, "operation {index}");
    }
}

#[test]
fn rhashtable_get_and_list_take_no_lock() {
    let execution = run(&config(B, &[]), InodeSpec::default(), vec![set("user.a", "1"), get("user.a"), list()]);
    for index in [1, 2] {
        let locks = execution.record(0, index).expect("recorded").locks;
        assert_eq!(locks.store_locks(), 0, "operation {index}");
        assert_eq!(locks.get(LockClass::RcuInternal), 0, "operation {index}");
        assert_eq!(locks.get(LockClass::Inode), 0, "operation {index}");
    }
}

#[test]
fn set_takes_inode_lock_and_store_lock() {
    let a = run(&config(A, &[]), InodeSpec::default(), vec![set("user.a", "1")]);
    let locks = a.record(0, 0).expect("recorded").locks;
    assert_eq!((locks.get(LockClass::Inode), locks.get(LockClass::StoreWrite)), (1, 1));

    let b = run(&config(B, &[]), InodeSpec::default(), vec![set("user.a", "1")]);
    let locks = b.record(0, 0).expect("recorded").locks;
    assert_eq!((locks.get(LockClass::Inode), locks.get(LockClass::Bucket)), (1, 1));
}

fn with_fault(design: &str, point: FaultPoint, errno: Errno) -> ModelConfig {
    let mut config = config(design, &[]);
    config.faults = FaultPlan { faults: vec![Fault { point, hit: 1, errno }] };
    config
}

fn published(execution: &Execution) -> bool {
    execution.events.iter().any(|event| matches!(event.kind, EventKind::Publish { .. }))
}

#[test]
fn simple_xattr_alloc_fault_undoes_counters() {
    for design in [A, B] {
        let config = with_fault(design, FaultPoint::SimpleXattrAlloc, Errno::ENOMEM);
        let execution = run(&config, limited(), vec![set("user.a", "1"), set("user.a", "1")]);
        assert_eq!(execution.outcomes(0), [&Outcome::Err(Errno::ENOMEM), &Outcome::Done], "{design}");
        assert_eq!(execution.limit_counters[0], (1, 1), "{design}");
        assert!(execution.reports.is_empty(), "{design}: {:?}", execution.reports);
    }
}

#[test]
fn lazy_alloc_fault_publishes_nothing() {
    for design in [A, B] {
        let config = with_fault(design, FaultPoint::LazyStoreAlloc, Errno::ENOMEM);
        let execution = run(&config, limited(), vec![set("user.a", "1")]);
        assert_eq!(execution.outcomes(0), [&Outcome::Err(Errno::ENOMEM)], "{design}");
        assert!(!published(&execution), "{design}: a store was published");
        assert_eq!(execution.limit_counters[0], (0, 0), "{design}");
        assert!(execution.reports.is_empty(), "{design}: {:?}", execution.reports);
    }
}

#[test]
fn insert_slow_path_faults_undo_counters() {
    for errno in [Errno::ENOMEM, Errno::EBUSY] {
        let config = with_fault(B, FaultPoint::InsertSlowPath, errno);
        let execution = run(&config, limited(), vec![set("user.a", "1"), get("user.a")]);
        assert_eq!(execution.outcomes(0), [&Outcome::Err(errno), &Outcome::Err(Errno::ENODATA)]);
        assert_eq!(execution.limit_counters[0], (0, 0));
        assert!(published(&execution), "lazy allocation comes before the insert");
        assert!(execution.reports.is_empty(), "{:?}", execution.reports);
    }
}

#[test]
fn failed_set_leaves_empty_store() {
    for design in [A, B] {
        let replace = ModelOp::Set { inode: 0, name: "user.a".into(), value: "1".into(), flags: 2 };
        let execution = run(&config(design, &[]), InodeSpec::default(), vec![replace]);
        assert_eq!(execution.outcomes(0), [&Outcome::Err(Errno::ENODATA)], "{design}");
        assert!(published(&execution), "{design}: a failing set with a value still allocates");
    }
}

#[test]
fn remove_on_absent_store_does_not_allocate() {
    for design in [A, B] {
        let remove = ModelOp::Remove { inode: 0, name: "user.a".into() };
        let execution = run(&config(design, &[]), InodeSpec::default(), vec![remove, list()]);
        assert_eq!(execution.outcomes(0), [&Outcome::Err(Errno::ENODATA), &Outcome::Names(vec![])], "{design}");
        assert!(!published(&execution), "{design}");
    }
}

#[test]
fn replace_at_count_limit_depends_on_accounting() {
    // The explorer capacities allow 3 entries.
    let fill = vec![set("user.a", "1"), set("user.b", "1"), set("user.c", "1"), set("user.a", "2")];
    for design in [A, B] {
        let kernel = run(&config(design, &[]), limited(), fill.clone());
        assert_eq!(kernel.outcomes(0)[3], &Outcome::Err(Errno::ENOSPC), "{design}: pre-increment");
        assert_eq!(kernel.limit_counters[0], (3, 3), "{design}");

        let mut net = config(design, &[]);
        net.accounting = Accounting::NetDelta;
        let net = run(&net, limited(), fill.clone());
        assert_eq!(net.outcomes(0)[3], &Outcome::Done, "{design}: net delta");
        assert_eq!(net.limit_counters[0], (3, 3), "{design}");
        assert!(net.reports.is_empty(), "{design}: {:?}", net.reports);
    }
}

#[test]
fn enospc_before_eexist_at_limit() {
    let create = ModelOp::Set { inode: 0, name: "user.a".into(), value: "1".into(), flags: XATTR_CREATE };
    let ops = vec![set("user.a", "1"), set("user.b", "1"), set("user.c", "1"), create];
    for design in [A, B] {
        let execution = run(&config(design, &[]), limited(), ops.clone());
        assert_eq!(execution.outcomes(0)[3], &Outcome::Err(Errno::ENOSPC), "{design}");
    }
}

#[test]
fn rbtree_lists_sorted_names() {
    let ops = vec![set("user.c", "1"), set("user.a", "1"), set("trusted.b", "1"), list()];
    let execution = run(&config(A, &[]), InodeSpec::default(), ops);
    let names = vec!["trusted.b".to_owned(), "user.a".into(), "user.c".into()];
    assert_eq!(execution.outcomes(0)[3], &Outcome::Names(names));
}

#[test]
fn memory_cost_matches_published_figures() {
    let one_small = [("user.test".len(), "foo".len())];
    let a = Registry::<StdRuntime>::builtin().get(A).expect("design A");
    let b = Registry::<StdRuntime>::builtin().get(B).expect("design B");
    assert_eq!((a.memory_cost)(&one_small).total(), 80);
    assert_eq!((b.memory_cost)(&one_small).total(), 1296);
    assert_eq!((b.memory_cost)(&[]).total(), 0, "lazy allocation: no store, no cost");
}

#[test]
fn synchronize_rcu_can_return_before_older_callback_runs() {
    let ops = vec![set("user.a", "1"), set("user.a", "2"), ModelOp::SynchronizeRcu];
    let execution = run(&config(B, &[]), InodeSpec::default(), ops);
    let position = |pred: &dyn Fn(&EventKind) -> bool| execution.events.iter().position(|e| pred(&e.kind));
    let queued = position(&|k| matches!(k, EventKind::CallbackQueued { .. })).expect("callback queued");
    let sync_end = execution
        .events
        .iter()
        .rposition(|e| matches!(e.kind, EventKind::OpEnd { .. }))
        .expect("synchronize_rcu returned");
    let ran = position(&|k| matches!(k, EventKind::CallbackRun { .. })).expect("callback ran at teardown");
    assert!(queued < sync_end && sync_end < ran, "queued {queued}, synchronize returned {sync_end}, ran {ran}");
}

/// Problems if a callback waits for a grace period that started before it
/// was queued.
fn callbacks_wait_for_later_grace_periods(execution: &Execution) -> Vec<String> {
    let mut started = 0;
    let mut problems = Vec::new();
    for event in &execution.events {
        match event.kind {
            EventKind::GracePeriodStart { gp, .. } => started = gp,
            EventKind::CallbackQueued { callback, waits_for, .. } if waits_for <= started => {
                problems.push(format!("callback {callback} waits for grace period {waits_for}, started before it was queued"))
            }
            _ => {}
        }
    }
    problems
}

#[test]
fn call_rcu_waits_for_a_grace_period_started_after_it() {
    let case = suite_case("get-during-two-replaces");
    let check = Arc::new(callbacks_wait_for_later_grace_periods);
    let correct = explore(LOOM3, &config(B, &[]), Builtin, &case.program, check.clone()).expect("explores");
    assert_passes(&correct);

    let broken = config(B, &[xattr_model::mutant::Mutant::CallbackOnCurrentGracePeriod]);
    let broken = explore(LOOM3, &broken, Builtin, &case.program, check).expect("explores");
    assert_finds(&broken, "callback");
}

#[test]
fn teardown_against_rcu_only_reader_is_use_after_free() {
    let program = Program {
        inodes: vec![InodeSpec::default()],
        setup: vec![set("user.a", "v")],
        threads: vec![
            vec![ModelOp::Get { inode: 0, name: "user.a".into(), size: Some(8), access: Access::RcuOnly }],
            vec![ModelOp::Evict { inode: 0 }],
        ],
    };
    for design in [A, B] {
        let result = explore(LOOM3, &config(design, &[]), Builtin, &program, Arc::new(report_problems)).expect("explores");
        assert_finds(&result, "use-after-free");
        let uaf = result.failures.iter().flat_map(|f| &f.problems).find(|p| p.starts_with("use-after-free"));
        assert!(uaf.is_some_and(|p| p.contains("evict") || p.contains("teardown")), "{design}: {uaf:?}");
    }
}

fn unserialized(design: &str) -> ModelConfig {
    let mut config = config(design, &[]);
    config.writers_serialized = false;
    config
}

#[test]
fn unserialized_first_sets_lose_a_store() {
    for design in [A, B] {
        let result = run_case("first-sets-on-fresh-inode", &unserialized(design), LOOM3);
        assert_finds(&result, "leak");
        let problems: Vec<_> = result.failures.iter().flat_map(|f| &f.problems).collect();
        assert!(problems.iter().any(|p| p.contains("published 2 times")), "{design}: {problems:#?}");
        assert!(problems.iter().any(|p| p.contains("a set was lost")), "{design}: {problems:#?}");
    }
}

#[test]
fn compare_exchange_publication_keeps_both_first_sets_in_rbtree() {
    let mut config = unserialized(A);
    config.publication = Publication::CompareExchange;
    let result = run_case("first-sets-on-fresh-inode", &config, LOOM3);
    assert_passes(&result);
}

#[test]
fn unserialized_rhashtable_sets_insert_duplicate_name() {
    let program = Program {
        inodes: vec![InodeSpec::default()],
        setup: vec![set("user.x", "0")],
        threads: vec![vec![set("user.a", "1")], vec![set("user.a", "2")]],
    };
    let result = explore(LOOM3, &unserialized(B), Builtin, &program, Arc::new(report_problems)).expect("explores");
    assert_finds(&result, "invariant violated in rhashtable-rcu: inode 0: duplicate name \"user.a\"");

    let serialized = explore(LOOM3, &config(B, &[]), Builtin, &program, Arc::new(report_problems)).expect("explores");
    assert_passes(&serialized);
}

#[test]
fn every_case_passes_on_real_threads() {
    for design in [A, B] {
        for case in xattr_model::suite::cases() {
            let result = run_case(case.name, &config(design, &[]), Explorer::Std { iterations: 20 });
            assert_passes(&result);
        }
    }
}
