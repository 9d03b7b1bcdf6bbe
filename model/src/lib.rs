//! Executable models of the Linux kernel's in-memory xattr store
//! (`simple_xattr`, fs/xattr.c) in its two designs, written once and run
//! under three runtimes.
//!
//! - Design A, `rbtree-rwlock` (kernels v6.2 to v7.0): an ordered map under
//!   a reader-writer lock; displaced entries are freed at once.
//! - Design B, `rhashtable-rcu` (v7.1 and later): a hash table with
//!   lock-free readers under RCU, writers serialized by the inode lock,
//!   displaced entries freed through `call_rcu`.
//!
//! Both sit under the same lazily allocated per-inode store pointer and the
//! same per-inode limits ([`inode`], [`limits`]). The model has its own RCU
//! ([`rcu`]) and a tracked arena ([`arena`]) in which freeing poisons, so a
//! reader that touches freed memory is reported with the operations that
//! retired and freed it.
//!
//! The runtime is a type parameter ([`runtime::Runtime`]): real threads,
//! loom (exhaustive within a preemption bound, C11 memory model) or shuttle
//! (random, PCT, DFS). One binary runs all three.
//!
//! # A seeded bug caught
//!
//! Design B with the `free-without-grace-period` mutant frees a replaced
//! entry at once; loom finds the schedule in which a concurrent get still
//! reads it:
//!
//! ```
//! use std::sync::Arc;
//! use xattr_model::config::{Capacities, ModelConfig};
//! use xattr_model::explore::{explore, report_problems, Builtin, Explorer};
//! use xattr_model::inode::Access;
//! use xattr_model::mutant::Mutant;
//! use xattr_model::program::{InodeSpec, ModelOp, Program};
//!
//! let set = |value: &str| ModelOp::Set { inode: 0, name: "user.a".into(), value: value.into(), flags: 0 };
//! let program = Program {
//!     inodes: vec![InodeSpec::default()],
//!     setup: vec![set("old")],
//!     threads: vec![
//!         vec![set("new")],
//!         vec![ModelOp::Get { inode: 0, name: "user.a".into(), size: Some(16), access: Access::InodeRef }],
//!     ],
//! };
//! let mut config = ModelConfig::new("rhashtable-rcu", Capacities::explorer());
//! config.mutants.push(Mutant::FreeWithoutGracePeriod);
//!
//! let result = explore(Explorer::Loom { preemption_bound: 2 }, &config, Builtin, &program, Arc::new(report_problems)).unwrap();
//! assert!(!result.passed());
//! assert!(result.failures[0].problems[0].starts_with("use-after-free"));
//!
//! // The same failing schedule is found again: loom's exploration order is
//! // deterministic.
//! let again = explore(Explorer::Loom { preemption_bound: 2 }, &config, Builtin, &program, Arc::new(report_problems)).unwrap();
//! assert_eq!(again.failures[0].schedule, result.failures[0].schedule);
//! ```

pub mod arena;
pub mod config;
pub mod ctx;
pub mod design;
pub mod entry;
pub mod env;
pub mod errno;
pub mod events;
pub mod explore;
pub mod fault;
pub mod inode;
pub mod limits;
pub mod memory;
pub mod mutant;
pub mod program;
pub mod rcu;
pub mod replay;
pub mod report;
pub mod runtime;
pub mod store;
pub mod suite;
pub mod sync;
