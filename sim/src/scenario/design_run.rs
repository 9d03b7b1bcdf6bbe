//! Running a single-threaded scenario with its store operations executed
//! by a model design instead of the store specification.
//!
//! The oracle runs the scenario first; every syscall that reached a store
//! left a [`StoreAccess`]. Those accesses become one store program
//! (`xattr_model::program::Program`, one model inode per store, the
//! operations in order on the main thread), which runs once on the std
//! runtime with the chosen design. Each design outcome then goes through
//! the same finishing step as the oracle's ([`crate::oracle::Finish`]),
//! so the syscall result a design gives is checked against the
//! scenario's expectations, and its store results against the oracle's.
//! Names are compared as sets, because design B lists in hash order.
//!
//! # Limitations
//! The syscall layer's decisions before the store (permissions, tmpfs
//! space, the pre-v7.1 pidfs empty-store result) come from the oracle's
//! own copy of the store. This is exact as long as the design agrees with
//! the oracle, and the first disagreement is reported.

use xattr_model::config::{Capacities, ModelConfig};
use xattr_model::design::Registry;
use xattr_model::inode::Access;
use xattr_model::program::{execute, InodeSpec, ModelOp, Outcome as ModelOutcome, Program};
use xattr_model::runtime::StdRuntime;

use super::ast::Scenario;
use super::error::{Pos, RunError};
use super::runner::{check_stmt, run, Mismatch};
use crate::oracle::{Profile, StoreAccess};
use crate::store_spec::{StoreOp, StoreResult};
use crate::syscall::SysResult;
use crate::world::StoreId;

/// A store result of the design that differs from the oracle's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{pos}: under {profile}, design {design} returned {design_result:?} from the store where the oracle returned {oracle_result:?}")]
pub struct Divergence {
    pub file: String,
    pub pos: Pos,
    pub profile: Profile,
    pub design: String,
    pub oracle_result: StoreResult,
    pub design_result: StoreResult,
}

/// The result of running a scenario on one design.
#[derive(Debug, Clone)]
pub struct DesignRun {
    pub profile: Profile,
    pub design: String,
    /// Expectations that failed with the design's results.
    pub mismatches: Vec<Mismatch>,
    /// Store results that differ from the oracle's.
    pub divergences: Vec<Divergence>,
    /// Problems the model's arena reported (use-after-free, leaks,
    /// invariant violations).
    pub problems: Vec<String>,
}

impl DesignRun {
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty() && self.divergences.is_empty() && self.problems.is_empty()
    }
}

/// Translates one store operation into the model's operation on `inode`.
pub fn model_op(inode: usize, op: &StoreOp) -> ModelOp {
    match op {
        StoreOp::Get { name, size } => ModelOp::Get { inode, name: name.clone(), size: *size, access: Access::InodeRef },
        StoreOp::Set { name, value: Some(value), flags } => {
            ModelOp::Set { inode, name: name.clone(), value: value.clone(), flags: *flags }
        }
        // The syscall layer removes only with XATTR_REPLACE, which is what
        // ModelOp::Remove passes.
        StoreOp::Set { name, value: None, .. } => ModelOp::Remove { inode, name: name.clone() },
        StoreOp::List { trusted_visible } => ModelOp::List { inode, trusted_visible: *trusted_visible, access: Access::InodeRef },
    }
}

/// Converts the model's outcome into a store result.
pub fn store_result(outcome: &ModelOutcome) -> StoreResult {
    match outcome {
        ModelOutcome::Done => StoreResult::Done,
        ModelOutcome::Value(value) => StoreResult::Value(value.clone()),
        ModelOutcome::Size(size) => StoreResult::Size(*size),
        ModelOutcome::Names(names) => StoreResult::Names(names.clone()),
        ModelOutcome::Err(errno) => StoreResult::Err(*errno),
    }
}

/// Returns whether two store results agree, comparing names as sets.
pub fn same_store_result(a: &StoreResult, b: &StoreResult) -> bool {
    match (a, b) {
        (StoreResult::Names(a), StoreResult::Names(b)) => {
            let (mut a, mut b) = (a.clone(), b.clone());
            a.sort();
            b.sort();
            a == b
        }
        _ => a == b,
    }
}

/// Builds the store program for `accesses`: model inode `i` is the
/// `i`-th store in order of first use.
pub fn store_program(accesses: &[&StoreAccess], limited_prefix: impl Fn(StoreId) -> Option<String>) -> Program {
    let mut stores: Vec<StoreId> = Vec::new();
    let mut setup = Vec::new();
    for access in accesses {
        let inode = match stores.iter().position(|store| *store == access.store) {
            Some(inode) => inode,
            None => {
                stores.push(access.store);
                stores.len() - 1
            }
        };
        setup.push(model_op(inode, &access.op));
    }
    let inodes = stores.iter().map(|store| InodeSpec { limited_prefix: limited_prefix(*store) }).collect();
    Program { inodes, setup, threads: Vec::new() }
}

/// Runs `scenario` under `profile` with the store operations executed by
/// design `design` from the built-in registry.
pub fn run_on_design(scenario: &Scenario, profile: Profile, design: &str) -> Result<DesignRun, RunError> {
    let oracle_run = run(scenario, profile)?;
    let entry = Registry::<StdRuntime>::builtin().get(design)?;

    let accesses: Vec<&StoreAccess> = oracle_run.steps.iter().filter_map(|step| step.outcome.access.as_ref()).collect();
    let world = &oracle_run.world;
    let program = store_program(&accesses, |store| world.stores.get(&store).and_then(|store| store.spec.limited_prefix.clone()));
    let config = ModelConfig::new(design, Capacities::production());
    program.validate(&config)?;
    let execution = execute::<StdRuntime>(&config, entry, &program);

    let mut design_run = DesignRun {
        profile,
        design: design.to_owned(),
        mismatches: Vec::new(),
        divergences: Vec::new(),
        problems: execution.reports.iter().map(ToString::to_string).collect(),
    };
    let outcomes = execution.outcomes(0);
    let mut next = 0;
    let stmts = scenario.blocks.iter().flat_map(|block| block.stmts.iter());
    for (stmt, step) in stmts.zip(&oracle_run.steps) {
        let result: SysResult = match &step.outcome.access {
            None => step.outcome.result.clone(),
            Some(access) => {
                let Some(outcome) = outcomes.get(next) else {
                    design_run.problems.push(format!("checker-internal: the design ran {} store operations, fewer than the oracle", outcomes.len()));
                    break;
                };
                next += 1;
                let design_result = store_result(outcome);
                if !same_store_result(&design_result, &access.result) {
                    design_run.divergences.push(Divergence {
                        file: scenario.file.clone(),
                        pos: step.pos,
                        profile,
                        design: design.to_owned(),
                        oracle_result: access.result.clone(),
                        design_result: design_result.clone(),
                    });
                }
                access.finish.apply(&design_result)
            }
        };
        design_run.mismatches.extend(check_stmt(scenario, profile, design, stmt, &step.call, &result));
    }
    Ok(design_run)
}
