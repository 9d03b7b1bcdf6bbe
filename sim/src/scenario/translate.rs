//! Turning a concurrent scenario's operations into a model program.
//!
//! The setup (`ops` blocks) runs once through the oracle, in file order,
//! as the single-threaded runner does; its expectations are checked there.
//! Then each thread operation goes through the oracle's argument,
//! permission and handler checks against the world the setup left. An
//! operation that reaches a store becomes a [`ModelOp`] on that store's
//! model inode, and its [`Finish`] turns the model's store result back
//! into the syscall result. Any other operation has a constant result.
//! Store `n` in order of first use is model inode `n`, and sockfs and
//! kernfs stores carry their `user.` limits as `limited_prefix`.
//!
//! # Limitations
//! - Calls that change the world (`chmod`, `socket`, `close`, ...) are
//!   rejected inside threads; do them in an `ops` block before the
//!   threads. So the syscall layer's decisions in front of the store
//!   cannot change while the threads run, and the oracle's answer against
//!   the post-setup world is exact for them.
//! - tmpfs charges xattrs to a per-superblock space budget in the syscall
//!   layer, outside the store. A scenario is rejected when its thread sets
//!   on one tmpfs superblock could exhaust the budget left after setup,
//!   because the model does not race that budget.

use std::collections::BTreeMap;

use xattr_model::inode::Access;
use xattr_model::program::{InodeSpec, ModelOp, Program};

use super::ast::{Arg, Check, Scenario, Stmt};
use super::calls::build_syscall;
use super::concurrent_ast::{ThreadAction, ThreadBlock, ThreadOp};
use super::design_run::model_op;
use super::error::{Pos, RunError};
use super::runner::{bind_fds, build_world, check_stmt, statement_call};
use crate::oracle::fs_set::simple_xattr_space;
use crate::oracle::{self, Finish, Profile, StoreAccess};
use crate::store_spec::Limits;
use crate::syscall::{SysResult, Syscall, Via, XattrCall};
use crate::world::{Cred, Fd, FsKind, SbId, StoreId, World};

/// The source of an operation's syscall result in an execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Planned {
    /// The call never reaches a store: the same result in every schedule.
    Constant(SysResult),
    /// Operation `index` of model thread `thread` (0 is the setup), whose
    /// store result `finish` turns into the syscall result.
    Model { thread: usize, index: usize, finish: Finish },
}

/// One scenario operation and where its result comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedOp {
    pub pos: Pos,
    /// The call as reports show it.
    pub text: String,
    pub planned: Planned,
    /// Alternatives of checks, one of which must hold in every schedule.
    pub expect: Option<Vec<Vec<Check>>>,
}

/// One scenario thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadPlan {
    pub name: String,
    pub ops: Vec<PlannedOp>,
}

/// The result of translating a scenario.
#[derive(Debug, Clone)]
pub struct Translation {
    pub program: Program,
    /// Setup operations that reached a store and carry an expectation.
    pub setup: Vec<PlannedOp>,
    pub threads: Vec<ThreadPlan>,
    /// The world after setup and the fds it bound, to resolve objects.
    pub world: World,
    pub fds: BTreeMap<String, Fd>,
    /// Model inode of each store that has one.
    pub inodes: BTreeMap<StoreId, usize>,
}

/// Assigns model inodes to stores in order of first use.
struct StoreMap<'a> {
    world: &'a World,
    inodes: BTreeMap<StoreId, usize>,
    specs: Vec<InodeSpec>,
}

impl StoreMap<'_> {
    fn inode(&mut self, store: StoreId) -> usize {
        if let Some(inode) = self.inodes.get(&store) {
            return *inode;
        }
        let limited_prefix = self.world.stores.get(&store).and_then(|entry| entry.spec.limited_prefix.clone());
        self.specs.push(InodeSpec { limited_prefix });
        self.inodes.insert(store, self.specs.len() - 1);
        self.specs.len() - 1
    }
}

/// The setup as the oracle ran it.
struct SetupRun {
    world: World,
    fds: BTreeMap<String, Fd>,
    /// Each setup statement and the store access it made.
    steps: Vec<(Stmt, Syscall, Option<StoreAccess>)>,
}

/// Translates `scenario` under `profile`, with sockfs and kernfs stores
/// limited by `limits`.
pub fn translate(scenario: &Scenario, profile: Profile, limits: Limits) -> Result<Translation, RunError> {
    let setup_run = run_setup(scenario, profile, limits)?;
    let mut map = StoreMap { world: &setup_run.world, inodes: BTreeMap::new(), specs: Vec::new() };

    // The setup: its store accesses in order, on the main thread.
    let mut setup_ops = Vec::new();
    let mut setup = Vec::new();
    for (stmt, call, access) in &setup_run.steps {
        let Some(access) = access else { continue };
        let inode = map.inode(access.store);
        let planned = Planned::Model { thread: 0, index: setup_ops.len(), finish: access.finish.clone() };
        setup_ops.push(model_op(inode, &access.op));
        if let Some(expect) = &stmt.expect {
            let checks = expect.for_profile(profile).to_vec();
            let text = describe_call(call, &stmt.call.name);
            setup.push(PlannedOp { pos: stmt.pos, text, planned, expect: Some(vec![checks]) });
        }
    }

    let mut threads = Vec::new();
    let mut thread_ops = Vec::new();
    for (number, block) in scenario.concurrent.threads.iter().enumerate() {
        let (plan, ops) = translate_thread(scenario, profile, &setup_run, &mut map, number + 1, block)?;
        threads.push(plan);
        thread_ops.push(ops);
    }
    let threads_pos = scenario.concurrent.threads.first().map_or(Pos::default(), |block| block.pos);
    check_tmpfs_budget(scenario, threads_pos, &setup_run.world, &thread_ops, &map.inodes)?;

    let program = Program { inodes: map.specs, setup: setup_ops, threads: thread_ops };
    let inodes = map.inodes;
    Ok(Translation { program, setup, threads, world: setup_run.world, fds: setup_run.fds, inodes })
}

/// Runs the `ops` blocks with the oracle and fails on the first
/// expectation that does not hold.
fn run_setup(scenario: &Scenario, profile: Profile, limits: Limits) -> Result<SetupRun, RunError> {
    let mut world = build_world(scenario)?;
    apply_limits(&mut world, limits);
    let mut fds = BTreeMap::new();
    let mut steps = Vec::new();
    for block in &scenario.blocks {
        let cred = lookup_cred(scenario, &block.cred, block.pos)?;
        for stmt in &block.stmts {
            let call = statement_call(scenario, stmt, &fds)?;
            let outcome = oracle::apply(profile, &mut world, &cred, &call);
            // Stores a call created get the scenario's limits before use.
            apply_limits(&mut world, limits);
            bind_fds(stmt, &outcome.result, &mut fds);
            if let Some(mismatch) = check_stmt(scenario, profile, "", stmt, &call, &outcome.result) {
                let message = format!("the setup failed under the oracle: {mismatch}");
                return Err(RunError::Statement { file: scenario.file.clone(), pos: stmt.pos, message });
            }
            steps.push((stmt.clone(), call, outcome.access));
        }
    }
    Ok(SetupRun { world, fds, steps })
}

/// Sets the limits of every limited store.
fn apply_limits(world: &mut World, limits: Limits) {
    for entry in world.stores.values_mut() {
        if entry.spec.limits.is_some() {
            entry.spec.limits = Some(limits);
        }
    }
}

fn lookup_cred(scenario: &Scenario, name: &str, pos: Pos) -> Result<Cred, RunError> {
    scenario.creds.get(name).cloned().ok_or_else(|| RunError::Statement {
        file: scenario.file.clone(),
        pos,
        message: format!("no credential named `{name}`"),
    })
}

fn translate_thread(
    scenario: &Scenario,
    profile: Profile,
    setup: &SetupRun,
    map: &mut StoreMap<'_>,
    number: usize,
    block: &ThreadBlock,
) -> Result<(ThreadPlan, Vec<ModelOp>), RunError> {
    let cred = lookup_cred(scenario, &block.cred, block.pos)?;
    let mut planned_ops = Vec::new();
    let mut model_ops = Vec::new();
    for op in &block.ops {
        let error = |message: String| RunError::Statement { file: scenario.file.clone(), pos: op.pos, message };
        let (text, planned, model) = match &op.action {
            ThreadAction::Call { call, access: reader_access } => {
                let syscall = build_syscall(call, &setup.fds).map_err(|(_, expected, found)| error(format!("expected {expected}, found {found}")))?;
                let text = describe_call(&syscall, &call.name);
                let outcome = match &syscall {
                    Syscall::Xattr(_) => oracle::step(profile, &setup.world, &cred, &syscall).outcome,
                    Syscall::World(_) => return Err(error(world_call_message(&call.name))),
                };
                match outcome.access {
                    None => (text, Planned::Constant(outcome.result), None),
                    Some(access) => {
                        let model = with_access(model_op(map.inode(access.store), &access.op), *reader_access);
                        (text, model_planned(number, model_ops.len(), access.finish), Some(model))
                    }
                }
            }
            ThreadAction::Evict { target } => {
                let store = resolve_store(profile, &setup.world, &setup.fds, target).map_err(error)?;
                let model = ModelOp::Evict { inode: map.inode(store) };
                ("evict_inode".to_owned(), model_planned(number, model_ops.len(), Finish::Set), Some(model))
            }
            ThreadAction::SynchronizeRcu => {
                ("synchronize_rcu".to_owned(), model_planned(number, model_ops.len(), Finish::Set), Some(ModelOp::SynchronizeRcu))
            }
        };
        model_ops.extend(model);
        planned_ops.push(planned_op(op, text, planned));
    }
    Ok((ThreadPlan { name: block.name.clone(), ops: planned_ops }, model_ops))
}

fn model_planned(thread: usize, index: usize, finish: Finish) -> Planned {
    Planned::Model { thread, index, finish }
}

fn planned_op(op: &ThreadOp, text: String, planned: Planned) -> PlannedOp {
    PlannedOp { pos: op.pos, text, planned, expect: op.expect.clone() }
}

/// Puts a reader's `rcu_only` access on the model operation.
fn with_access(op: ModelOp, access: Access) -> ModelOp {
    match op {
        ModelOp::Get { inode, name, size, .. } => ModelOp::Get { inode, name, size, access },
        ModelOp::List { inode, trusted_visible, .. } => ModelOp::List { inode, trusted_visible, access },
        other => other,
    }
}

fn world_call_message(name: &str) -> String {
    format!(
        "`{name}` changes the world, which threads cannot do yet; only xattr calls, evict_inode and synchronize_rcu run in threads, so move `{name}` to an ops block before the threads"
    )
}

fn describe_call(syscall: &Syscall, name: &str) -> String {
    match syscall {
        Syscall::Xattr(call) => call.to_string(),
        _ => name.to_owned(),
    }
}

/// Finds the store of an object named by an fd name, an fd number or a path.
pub fn resolve_store(profile: Profile, world: &World, fds: &BTreeMap<String, Fd>, (_, arg): &(Pos, Arg)) -> Result<StoreId, String> {
    let via = match arg {
        Arg::Words(words) if words.len() == 1 => match fds.get(&words[0]) {
            Some(fd) => Via::Fd(*fd),
            None => return Err(format!("no fd named `{}`; bind it in an ops block before the threads", words[0])),
        },
        Arg::Int(fd) => Via::Fd(Fd::try_from(*fd).unwrap_or(-1)),
        Arg::Bytes(path) => Via::LPath(String::from_utf8_lossy(path).into_owned()),
        Arg::Words(words) => return Err(format!("expected an fd name or a path, found `{}`", words.join("|"))),
    };
    // A list reaches the object's store without changing anything.
    let probe = Syscall::Xattr(XattrCall { via: via.clone(), op: crate::syscall::XattrOp::List { size: 0 } });
    let root = Cred { caps: crate::world::Caps::ALL, ..Cred::user(0, 0) };
    let outcome = oracle::step(profile, world, &root, &probe).outcome;
    match outcome.access {
        Some(access) => Ok(access.store),
        None => Err(format!("{via:?} names no object with an xattr store (the lookup gave {:?})", outcome.result)),
    }
}

/// Rejects thread sets that could run a tmpfs superblock out of space.
fn check_tmpfs_budget(
    scenario: &Scenario,
    pos: Pos,
    world: &World,
    threads: &[Vec<ModelOp>],
    inodes: &BTreeMap<StoreId, usize>,
) -> Result<(), RunError> {
    let mut charged: BTreeMap<SbId, u64> = BTreeMap::new();
    for op in threads.iter().flatten() {
        let ModelOp::Set { inode, name, value, .. } = op else { continue };
        let Some(store) = inodes.iter().find(|(_, model)| *model == inode).map(|(store, _)| *store) else { continue };
        let Some(sb) = world.inodes.values().find(|node| node.store == store).map(|node| node.sb) else { continue };
        *charged.entry(sb).or_default() += simple_xattr_space(name, value.len());
    }
    for (sb, needed) in charged {
        let Some(superblock) = world.superblocks.get(&sb) else { continue };
        if superblock.fs == FsKind::Tmpfs && superblock.max_inodes > 0 && superblock.free_ispace < needed {
            let message = format!(
                "the thread sets on one tmpfs need up to {needed} bytes of its xattr space budget but {} are free after setup; the model does not race that budget, so raise nr_inodes",
                superblock.free_ispace
            );
            return Err(RunError::Statement { file: scenario.file.clone(), pos, message });
        }
    }
    Ok(())
}
