//! Programs as plain data, and one execution of a program on a runtime.
//!
//! A [`Program`] names its inodes, a setup run by the main thread, and the
//! operations of each spawned thread. Programs are data so that scenario
//! files, fuzzers and replay tokens can carry them. [`execute`] runs one
//! program once on a runtime; an explorer calls it once per schedule.
//!
//! After the threads are joined, the execution checks every inode's
//! invariants, records the final contents, then tears down: it waits for
//! every RCU callback (`rcu_barrier`), evicts the inodes whose owner
//! reference the program did not drop, and reports what was never freed.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::config::ModelConfig;
use crate::ctx::{LockCounts, OpCtx};
use crate::design::DesignEntry;
use crate::env::Env;
use crate::errno::{Errno, XATTR_REPLACE};
use crate::events::{Event, EventKind};
use crate::inode::{Access, XattrInode};
use crate::report::Report;
use crate::runtime::{JoinApi, Runtime};
use crate::store::GetOutput;

/// One operation of a thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelOp {
    /// `getxattr`; `size` `None` is the size query.
    Get { inode: usize, name: String, size: Option<usize>, access: Access },
    /// `setxattr` with `XATTR_CREATE`/`XATTR_REPLACE` flags.
    Set { inode: usize, name: String, value: Vec<u8>, flags: u32 },
    /// `removexattr`.
    Remove { inode: usize, name: String },
    /// `listxattr`; `trusted.*` is listed only if `trusted_visible`.
    List { inode: usize, trusted_visible: bool, access: Access },
    /// `simple_xattr_add`.
    Add { inode: usize, name: String, value: Vec<u8> },
    /// Drops the owner's inode reference; eviction follows once no operation
    /// holds the inode.
    Evict { inode: usize },
    /// `synchronize_rcu`.
    SynchronizeRcu,
}

impl ModelOp {
    /// The inode the operation acts on, if any.
    pub fn inode(&self) -> Option<usize> {
        match self {
            ModelOp::Get { inode, .. }
            | ModelOp::Set { inode, .. }
            | ModelOp::Remove { inode, .. }
            | ModelOp::List { inode, .. }
            | ModelOp::Add { inode, .. }
            | ModelOp::Evict { inode } => Some(*inode),
            ModelOp::SynchronizeRcu => None,
        }
    }
}

impl fmt::Display for ModelOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rcu = |access: &Access| if *access == Access::RcuOnly { " under RCU only" } else { "" };
        match self {
            ModelOp::Get { inode, name, size: None, access } => write!(f, "getxattr(inode {inode}, {name:?}, size 0){}", rcu(access)),
            ModelOp::Get { inode, name, size: Some(size), access } => {
                write!(f, "getxattr(inode {inode}, {name:?}, size {size}){}", rcu(access))
            }
            ModelOp::Set { inode, name, value, flags } => {
                write!(f, "setxattr(inode {inode}, {name:?}, {:?}, flags {flags:#x})", String::from_utf8_lossy(value))
            }
            ModelOp::Remove { inode, name } => write!(f, "removexattr(inode {inode}, {name:?})"),
            ModelOp::List { inode, access, .. } => write!(f, "listxattr(inode {inode}){}", rcu(access)),
            ModelOp::Add { inode, name, .. } => write!(f, "simple_xattr_add(inode {inode}, {name:?})"),
            ModelOp::Evict { inode } => write!(f, "evict(inode {inode})"),
            ModelOp::SynchronizeRcu => write!(f, "synchronize_rcu()"),
        }
    }
}

/// What an operation returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Value(Vec<u8>),
    Size(usize),
    Names(Vec<String>),
    Err(Errno),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Done => write!(f, "0"),
            Outcome::Value(value) => write!(f, "{:?}", String::from_utf8_lossy(value)),
            Outcome::Size(size) => write!(f, "size {size}"),
            Outcome::Names(names) => write!(f, "{names:?}"),
            Outcome::Err(errno) => write!(f, "{errno}"),
        }
    }
}

/// An inode of a program.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InodeSpec {
    /// Names with this prefix count against the per-inode limits (`user.`
    /// on sockfs and kernfs); `None` for an unlimited inode.
    pub limited_prefix: Option<String>,
}

/// A program: inodes, a setup, and one operation list per spawned thread.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Program {
    pub inodes: Vec<InodeSpec>,
    pub setup: Vec<ModelOp>,
    pub threads: Vec<Vec<ModelOp>>,
}

/// The (name, value) pairs of one inode's store.
pub type Contents = Vec<(String, Vec<u8>)>;

/// One completed operation with its invocation and response times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpRecord {
    /// 0 for setup, `n` for the program's `n`-th thread (counting from 1).
    pub thread: usize,
    pub index: usize,
    pub op: ModelOp,
    pub outcome: Outcome,
    pub locks: LockCounts,
    /// Logical time of the invocation and of the response.
    pub invoked: u64,
    pub returned: u64,
}

/// Everything one execution produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    /// Operations in response order.
    pub records: Vec<OpRecord>,
    pub reports: Vec<Report>,
    pub events: Vec<Event>,
    /// Per inode, the (name, value) pairs after the threads joined.
    pub final_contents: Vec<Vec<(String, Vec<u8>)>>,
    /// Per inode, the limit counters after the threads joined.
    pub limit_counters: Vec<(usize, usize)>,
}

impl Execution {
    /// The outcomes of thread `thread`, in program order.
    pub fn outcomes(&self, thread: usize) -> Vec<&Outcome> {
        let mut records: Vec<_> = self.records.iter().filter(|r| r.thread == thread).collect();
        records.sort_by_key(|r| r.index);
        records.into_iter().map(|r| &r.outcome).collect()
    }

    /// The record of operation `index` of thread `thread`.
    pub fn record(&self, thread: usize, index: usize) -> Option<&OpRecord> {
        self.records.iter().find(|r| r.thread == thread && r.index == index)
    }
}

/// The errors a program can have before it runs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgramError {
    #[error("operation {op} of thread {thread} names inode {inode}, but the program has {count} inodes (0 to {last})", last = count.saturating_sub(1))]
    NoSuchInode { thread: usize, op: usize, inode: usize, count: usize },
    #[error("the program needs {threads} thread numbers, but the runtime's RCU has room for {max} (the main thread and design B's rehash worker count)")]
    TooManyThreads { threads: usize, max: usize },
}

impl Program {
    /// Checks that every operation names an existing inode and that the
    /// threads fit the capacities.
    pub fn validate(&self, config: &ModelConfig) -> Result<(), ProgramError> {
        let lists = std::iter::once(&self.setup).chain(self.threads.iter());
        for (thread, ops) in lists.enumerate() {
            for (op, model_op) in ops.iter().enumerate() {
                match model_op.inode() {
                    Some(inode) if inode >= self.inodes.len() => {
                        return Err(ProgramError::NoSuchInode { thread, op, inode, count: self.inodes.len() })
                    }
                    _ => {}
                }
            }
        }
        let needed = self.threads.len() + 1 + background_threads(&config.design);
        if needed > config.capacities.max_threads {
            return Err(ProgramError::TooManyThreads { threads: needed, max: config.capacities.max_threads });
        }
        Ok(())
    }
}

/// Threads a design may spawn besides the program's, each needing its own
/// thread number: design B's deferred rehash worker.
pub fn background_threads(design: &str) -> usize {
    usize::from(design == crate::design::RHASHTABLE_RCU)
}

/// The state the threads of one execution share.
struct World<R: Runtime> {
    /// Shared so design B's deferred worker threads can hold it.
    env: Arc<Env<R>>,
    inodes: Vec<XattrInode<R>>,
    clock: AtomicU64,
    records: Mutex<Vec<OpRecord>>,
}

impl<R: Runtime> World<R> {
    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::SeqCst)
    }

    fn run_op(&self, ctx: &OpCtx, index: usize, op: &ModelOp) {
        ctx.begin_op(op.to_string());
        self.env.events.record(ctx, EventKind::OpBegin { text: op.to_string() });
        let invoked = self.tick();
        let outcome = self.perform(ctx, op);
        let returned = self.tick();
        self.env.events.record(ctx, EventKind::OpEnd { result: outcome.to_string() });

        let record = OpRecord { thread: ctx.thread(), index, op: op.clone(), outcome, locks: ctx.locks(), invoked, returned };
        self.records.lock().unwrap_or_else(|e| e.into_inner()).push(record);
    }

    fn perform(&self, ctx: &OpCtx, op: &ModelOp) -> Outcome {
        let env = &self.env;
        let result = match op {
            ModelOp::Get { inode, name, size, access } => {
                self.inodes[*inode].getxattr(env, ctx, name, *size, *access).map(|output| match output {
                    GetOutput::Size(size) => Outcome::Size(size),
                    GetOutput::Value(value) => Outcome::Value(value),
                })
            }
            ModelOp::Set { inode, name, value, flags } => {
                self.inodes[*inode].setxattr(env, ctx, name, Some(value), *flags).map(|()| Outcome::Done)
            }
            ModelOp::Remove { inode, name } => {
                self.inodes[*inode].setxattr(env, ctx, name, None, XATTR_REPLACE).map(|()| Outcome::Done)
            }
            ModelOp::List { inode, trusted_visible, access } => {
                self.inodes[*inode].listxattr(env, ctx, *trusted_visible, *access).map(Outcome::Names)
            }
            ModelOp::Add { inode, name, value } => {
                self.inodes[*inode].simple_xattr_add(env, ctx, name, value).map(|()| Outcome::Done)
            }
            ModelOp::Evict { inode } => self.inodes[*inode].drop_owner_ref(env, ctx).map(|()| Outcome::Done),
            ModelOp::SynchronizeRcu => {
                env.synchronize_rcu(ctx);
                Ok(Outcome::Done)
            }
        };
        result.unwrap_or_else(Outcome::Err)
    }

    /// Invariant checks, final contents and teardown, on the main thread
    /// after every spawned thread has joined.
    fn finish(&self, ctx: &OpCtx) -> (Vec<Contents>, Vec<(usize, usize)>) {
        for inode in &self.inodes {
            inode.quiesce(&self.env, ctx);
        }
        for inode in &self.inodes {
            if let Err(message) = inode.assert_invariants(&self.env) {
                let design = self.env.design.name.to_owned();
                self.env.arena.report(Report::Invariant { design, message });
            }
        }
        let contents = self.inodes.iter().map(|inode| inode.contents(&self.env)).collect();
        let counters = self.inodes.iter().map(XattrInode::limit_counters).collect();

        ctx.begin_op("teardown");
        self.env.rcu_barrier(ctx);
        for inode in &self.inodes {
            // Err means the program already dropped the owner's reference.
            let _ = inode.drop_owner_ref(&self.env, ctx);
        }
        self.env.rcu_barrier(ctx);
        self.env.arena.report_leaks();
        (contents, counters)
    }
}

/// Runs `program` once on runtime `R`. Call it inside the explorer's
/// closure: every primitive is created here.
pub fn execute<R: Runtime>(config: &ModelConfig, design: DesignEntry<R>, program: &Program) -> Execution {
    let env = Env::<R>::new_shared(config.clone(), design);
    if R::NAME == "loom" {
        let spare = crate::explore::LOOM_MAX_SPAWNED_THREADS.saturating_sub(program.threads.len());
        env.set_spare_threads(spare);
    }
    let inodes =
        program.inodes.iter().enumerate().map(|(id, spec)| XattrInode::new(&env, id, spec.limited_prefix.clone())).collect();
    let world = Arc::new(World { env, inodes, clock: AtomicU64::new(0), records: Mutex::new(Vec::new()) });

    let main = OpCtx::new(0);
    for (index, op) in program.setup.iter().enumerate() {
        world.run_op(&main, index, op);
    }

    let handles: Vec<_> = program
        .threads
        .iter()
        .enumerate()
        .map(|(number, ops)| {
            let world = Arc::clone(&world);
            let ops = ops.clone();
            R::spawn(move || {
                let ctx = OpCtx::new(number + 1);
                for (index, op) in ops.iter().enumerate() {
                    world.run_op(&ctx, index, op);
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join();
    }

    let (final_contents, limit_counters) = world.finish(&main);
    let records = std::mem::take(&mut *world.records.lock().unwrap_or_else(|e| e.into_inner()));
    Execution {
        records,
        reports: world.env.arena.reports(),
        events: world.env.events.snapshot(),
        final_contents,
        limit_counters,
    }
}
