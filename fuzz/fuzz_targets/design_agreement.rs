//! Fuzz target: a single-threaded sequence of store operations gives the
//! same results on design A and design B (lists compared as sets), and
//! neither design reports a memory error, leak or broken invariant.
//!
//! Run: `cargo +nightly fuzz run design_agreement`, or on stable
//! `cargo fuzz run --sanitizer none design_agreement`.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use xattr_model::config::{Capacities, ModelConfig};
use xattr_model::design::Registry;
use xattr_model::inode::Access;
use xattr_model::program::{execute, InodeSpec, ModelOp, Outcome, Program};
use xattr_model::runtime::StdRuntime;

/// A store operation over a small name space, so names collide often.
#[derive(Debug, Arbitrary)]
enum FuzzOp {
    Get { name: u8, size: Option<u8> },
    Set { name: u8, value: Vec<u8>, flags: u8 },
    Remove { name: u8 },
    List,
}

fn name(index: u8) -> String {
    let prefix = if index % 5 == 0 { "trusted" } else { "user" };
    format!("{prefix}.n{}", index % 8)
}

fn to_model(op: FuzzOp) -> ModelOp {
    match op {
        FuzzOp::Get { name: n, size } => {
            ModelOp::Get { inode: 0, name: name(n), size: size.map(usize::from), access: Access::InodeRef }
        }
        FuzzOp::Set { name: n, value, flags } => {
            ModelOp::Set { inode: 0, name: name(n), value: value.into_iter().take(8).collect(), flags: u32::from(flags % 4) }
        }
        FuzzOp::Remove { name: n } => ModelOp::Remove { inode: 0, name: name(n) },
        FuzzOp::List => ModelOp::List { inode: 0, trusted_visible: true, access: Access::InodeRef },
    }
}

fn normalized(outcome: &Outcome) -> Outcome {
    match outcome {
        Outcome::Names(names) => {
            let mut sorted = names.clone();
            sorted.sort();
            Outcome::Names(sorted)
        }
        other => other.clone(),
    }
}

fuzz_target!(|ops: Vec<FuzzOp>| {
    let program = Program {
        inodes: vec![InodeSpec { limited_prefix: Some("user.".into()) }],
        setup: ops.into_iter().take(64).map(to_model).collect(),
        threads: vec![],
    };
    let registry = Registry::<StdRuntime>::builtin();
    let runs: Vec<_> = ["rbtree-rwlock", "rhashtable-rcu"]
        .into_iter()
        .map(|design| {
            let config = ModelConfig::new(design, Capacities::explorer());
            execute::<StdRuntime>(&config, registry.get(design).expect("registered"), &program)
        })
        .collect();

    for run in &runs {
        assert!(run.reports.is_empty(), "reports: {:?}", run.reports);
    }
    for (a, b) in runs[0].records.iter().zip(&runs[1].records) {
        assert_eq!(normalized(&a.outcome), normalized(&b.outcome), "designs disagree on {}", a.op);
    }
});
