//! Running a single-threaded scenario through the oracle and checking its
//! expectations.
//!
//! The runner builds the world from the setup declarations, then runs
//! every operation of every `ops` block in file order with the block's
//! credential, binding returned fds to their names. Each step keeps the
//! oracle's result and the store operation it reached, so
//! [`super::design_run`] can replay the store part on a model design.

use std::collections::BTreeMap;

use super::ast::{Check, Scenario, Setup, Stmt};
use super::error::{Pos, RunError};
use super::calls::build_syscall;
use crate::oracle::{self, Outcome, Profile};
use crate::syscall::{SysOutput, SysResult, Syscall};
use crate::world::{Fd, World};

/// One executed operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRecord {
    pub pos: Pos,
    pub cred: String,
    pub call: Syscall,
    pub outcome: Outcome,
}

/// An expectation that did not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{pos}: under {profile}{design}, {call} returned {actual}; expected {expected}")]
pub struct Mismatch {
    pub file: String,
    pub pos: Pos,
    pub profile: Profile,
    /// Empty for the oracle, else " on design NAME".
    pub design: String,
    pub call: String,
    pub actual: String,
    pub expected: String,
}

/// The result of running a scenario under one profile with the oracle.
#[derive(Debug, Clone)]
pub struct Run {
    pub profile: Profile,
    pub steps: Vec<StepRecord>,
    pub mismatches: Vec<Mismatch>,
    pub world: World,
}

/// Builds the scenario's world.
pub fn build_world(scenario: &Scenario) -> Result<World, RunError> {
    let mut world = World::new();
    let mut roots = BTreeMap::new();
    for (pos, setup) in &scenario.setup {
        let build = |source| RunError::Build { file: scenario.file.clone(), pos: *pos, source };
        let unknown_root = |name: &String| RunError::Statement {
            file: scenario.file.clone(),
            pos: *pos,
            message: format!("no kernfs root named `{name}`; declare it with `kernfs_root {name}` first"),
        };
        match setup {
            Setup::Umask(umask) => world.umask = *umask & 0o777,
            Setup::Tmpfs { mountpoint, nr_inodes, read_only } => {
                world.mount_tmpfs(mountpoint, *nr_inodes, *read_only).map_err(build)?;
            }
            Setup::KernfsRoot { name, user_xattr } => {
                roots.insert(name.clone(), world.add_kernfs_root(*user_xattr));
            }
            Setup::Kernfs { mountpoint, root, read_only } => {
                let root = *roots.get(root).ok_or_else(|| unknown_root(root))?;
                world.mount_kernfs(mountpoint, root, *read_only).map_err(build)?;
            }
            Setup::KernfsNode { root, name, file_type, mode, uid, gid } => {
                let root = *roots.get(root).ok_or_else(|| unknown_root(root))?;
                world.add_kernfs_node(root, name, *file_type, *mode, (*uid, *gid)).map_err(build)?;
            }
        }
    }
    Ok(world)
}

/// Runs `scenario` under `profile` with the oracle and checks every
/// expectation.
pub fn run(scenario: &Scenario, profile: Profile) -> Result<Run, RunError> {
    let mut world = build_world(scenario)?;
    let mut fds: BTreeMap<String, Fd> = BTreeMap::new();
    let mut steps = Vec::new();
    let mut mismatches = Vec::new();

    for block in &scenario.blocks {
        let cred = scenario.creds.get(&block.cred).cloned().ok_or_else(|| RunError::Statement {
            file: scenario.file.clone(),
            pos: block.pos,
            message: format!("no credential named `{}`", block.cred),
        })?;
        for stmt in &block.stmts {
            let call = statement_call(scenario, stmt, &fds)?;
            let outcome = oracle::apply(profile, &mut world, &cred, &call);
            bind_fds(stmt, &outcome.result, &mut fds);
            mismatches.extend(check_stmt(scenario, profile, "", stmt, &call, &outcome.result));
            steps.push(StepRecord { pos: stmt.pos, cred: block.cred.clone(), call, outcome });
        }
    }
    Ok(Run { profile, steps, mismatches, world })
}

pub(crate) fn bind_fds(stmt: &Stmt, result: &SysResult, fds: &mut BTreeMap<String, Fd>) {
    match (result, stmt.bind.as_slice()) {
        (Ok(SysOutput::Fd(fd)), [name]) => {
            fds.insert(name.clone(), *fd);
        }
        (Ok(SysOutput::FdPair(first, second)), [a, b]) => {
            fds.insert(a.clone(), *first);
            fds.insert(b.clone(), *second);
        }
        // A failed call binds its names to an fd that is never open, so
        // later calls on them fail with EBADF as they would in C with -1.
        (_, names) => {
            for name in names {
                fds.insert(name.clone(), -1);
            }
        }
    }
}

/// Checks one statement's result and returns the mismatch, if any.
pub(crate) fn check_stmt(
    scenario: &Scenario,
    profile: Profile,
    design: &str,
    stmt: &Stmt,
    call: &Syscall,
    result: &SysResult,
) -> Option<Mismatch> {
    let checks = stmt.expect.as_ref()?.for_profile(profile);
    let failed: Vec<String> = checks.iter().filter(|check| !check_holds(check, result)).map(describe_check).collect();
    if failed.is_empty() {
        return None;
    }
    Some(Mismatch {
        file: scenario.file.clone(),
        pos: stmt.pos,
        profile,
        design: if design.is_empty() { String::new() } else { format!(" on design {design}") },
        call: describe_call(call),
        actual: describe_result(result),
        expected: failed.join(" and "),
    })
}

/// Returns whether `check` holds for `result`, comparing lists as sets.
pub fn check_holds(check: &Check, result: &SysResult) -> bool {
    let names = match result {
        Ok(SysOutput::Names(names)) => Some(names),
        _ => None,
    };
    match check {
        Check::Ok => result.is_ok(),
        Check::Errno(errno) => result == &Err(*errno),
        Check::Returns(value) => result.as_ref().is_ok_and(|output| output.return_value() == *value),
        Check::Value(bytes) => result == &Ok(SysOutput::Value(bytes.clone())),
        Check::Contains(wanted) => names.is_some_and(|names| wanted.iter().all(|name| names.contains(name))),
        Check::Lacks(unwanted) => names.is_some_and(|names| unwanted.iter().all(|name| !names.contains(name))),
        Check::Duplicates => names.is_some_and(|names| {
            let mut sorted = names.clone();
            sorted.sort();
            sorted.windows(2).any(|pair| pair[0] == pair[1])
        }),
        Check::Names(wanted) => names.is_some_and(|names| {
            let mut got = names.clone();
            let mut wanted = wanted.clone();
            got.sort();
            wanted.sort();
            got == wanted
        }),
    }
}

pub(crate) fn describe_check(check: &Check) -> String {
    match check {
        Check::Ok => "success".to_owned(),
        Check::Errno(errno) => errno.to_string(),
        Check::Returns(value) => format!("return value {value}"),
        Check::Value(bytes) => SysOutput::Value(bytes.clone()).to_string(),
        Check::Contains(names) => format!("a list containing {names:?}"),
        Check::Lacks(names) => format!("a list without {names:?}"),
        Check::Names(names) => format!("the names {names:?}"),
        Check::Duplicates => "a list naming some name more than once".to_owned(),
    }
}

fn describe_call(call: &Syscall) -> String {
    match call {
        Syscall::Xattr(call) => call.to_string(),
        Syscall::World(call) => format!("{call:?}"),
    }
}

fn describe_result(result: &SysResult) -> String {
    match result {
        Ok(output) => output.to_string(),
        Err(errno) => errno.to_string(),
    }
}

/// Builds the syscall of setup statement `stmt`, with the statement's
/// position in the error when an argument is invalid.
pub(crate) fn statement_call(scenario: &Scenario, stmt: &Stmt, fds: &BTreeMap<String, Fd>) -> Result<Syscall, RunError> {
    build_syscall(&stmt.call, fds).map_err(|(pos, expected, found)| RunError::Statement {
        file: scenario.file.clone(),
        pos: pos.unwrap_or(stmt.pos),
        message: format!("expected {expected}, found {found}"),
    })
}
