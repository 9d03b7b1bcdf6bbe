//! Histories recorded by the model: converting an execution takes one call,
//! and both designs' single-threaded and concurrent runs on real threads
//! are linearizable under the specification that fits them.

use xattr_model::config::{Capacities, ModelConfig};
use xattr_model::design::{Registry, RBTREE_RWLOCK, RHASHTABLE_RCU};
use xattr_model::errno::XATTR_CREATE;
use xattr_model::inode::Access;
use xattr_model::program::{execute, InodeSpec, ModelOp, Program};
use xattr_model::runtime::StdRuntime;
use xattr_sim::lincheck::{check, History, ListSpec, Options, Verdict};

fn program() -> Program {
    let set = |inode: usize, name: &str, value: &str, flags: u32| ModelOp::Set { inode, name: name.into(), value: value.into(), flags };
    let get = |inode: usize, name: &str| ModelOp::Get { inode, name: name.into(), size: Some(64), access: Access::InodeRef };
    let list = |inode: usize| ModelOp::List { inode, trusted_visible: true, access: Access::InodeRef };
    Program {
        inodes: vec![InodeSpec::default(), InodeSpec { limited_prefix: Some("user.".into()) }],
        setup: vec![set(0, "user.a", "0", 0)],
        threads: vec![
            vec![set(0, "user.a", "1", 0), set(1, "user.b", "x", XATTR_CREATE), ModelOp::Remove { inode: 0, name: "user.a".into() }],
            vec![get(0, "user.a"), list(0), set(1, "user.b", "y", XATTR_CREATE), get(1, "user.b")],
            vec![list(1), ModelOp::SynchronizeRcu, set(1, "user.c", "z", 0), list(0)],
        ],
    }
}

#[test]
fn model_execution_converts_and_passes() {
    for (design, list_spec) in [(RBTREE_RWLOCK, ListSpec::Strict), (RHASHTABLE_RCU, ListSpec::Weak)] {
        let config = ModelConfig::new(design, Capacities::explorer());
        let entry = Registry::<StdRuntime>::builtin().get(design).expect("design registered");
        for _ in 0..20 {
            let execution = execute::<StdRuntime>(&config, entry, &program());
            let history = History::from_execution(&program(), &config, &execution).expect("no eviction in the program");
            assert_eq!(history.operations.len(), 11, "synchronize_rcu is skipped");
            let options = Options { list_spec, ..Options::default() };
            let report = check(&history, &options).expect("valid history");
            assert_eq!(report.verdict, Verdict::Pass, "{design}:\n{report}");
        }
    }
}

#[test]
fn model_eviction_is_rejected() {
    let config = ModelConfig::new(RBTREE_RWLOCK, Capacities::explorer());
    let entry = Registry::<StdRuntime>::builtin().get(RBTREE_RWLOCK).expect("design registered");
    let program = Program { inodes: vec![InodeSpec::default()], setup: vec![ModelOp::Evict { inode: 0 }], threads: vec![] };
    let execution = execute::<StdRuntime>(&config, entry, &program);
    let error = History::from_execution(&program, &config, &execution).expect_err("eviction has no specification");
    assert!(error.to_string().contains("evict(inode 0)"), "{error}");
}
