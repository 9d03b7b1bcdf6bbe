//! One execution of a sequence: fresh objects, the calls on the kernel,
//! the same calls in the oracle, and the pairs of results.
//!
//! The set-up always runs on the sandbox thread. The calls run on the
//! sandbox thread for [`RunAs::Current`], or on a new thread that first
//! drops to the test user for [`RunAs::TestUser`]; that thread shares the
//! sandbox thread's mount namespace and fd table, so it reaches the same
//! objects through the same paths and fds. The oracle gets the credential
//! the calling thread really had.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use super::credentials::{self, CredError};
use super::generator::{PlannedOp, SetupPlan};
use super::objects::{Objects, Owners, SetupMismatch};
use super::runner::{run_xattr, HostResult, HostTarget};
use super::sandbox::{Sandbox, SandboxError};
use crate::oracle::{apply, Profile};
use crate::syscall::{SysResult, Syscall, XattrCall};
use crate::world::{Cred, ObjectKind};

/// Whose credentials the calls run with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RunAs {
    /// The sandbox thread's own credentials.
    Current,
    /// A thread switched to this uid and gid with no capabilities.
    TestUser { uid: u32, gid: u32 },
}

/// One call that ran in both worlds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRecord {
    /// The call's position in the planned sequence.
    pub index: usize,
    pub call: XattrCall,
    pub oracle: SysResult,
    pub kernel: HostResult,
}

/// What one execution produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    pub steps: Vec<StepRecord>,
    /// Planned calls whose object or fd this execution lacked.
    pub skipped: usize,
    pub missing: BTreeMap<ObjectKind, String>,
    pub mismatches: Vec<SetupMismatch>,
    pub interrupted: bool,
}

/// Why an execution could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecuteError {
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error("setting up the objects failed: {0}")]
    Setup(String),
    #[error("cannot run as the test user: {0}")]
    TestUser(#[from] CredError),
    #[error("the test-user thread panicked")]
    ThreadPanicked,
}

/// Runs `ops` on fresh objects built by `plan`.
pub fn execute(
    sandbox: &mut Sandbox,
    profile: Profile,
    plan: &SetupPlan,
    ops: &[PlannedOp],
    owners: &Owners,
    run_as: RunAs,
    interrupt: &AtomicBool,
) -> Result<Execution, ExecuteError> {
    let area = sandbox.fresh_area()?;
    let mut objects = Objects::create(&area.path, area.nr_inodes, plan, owners).map_err(ExecuteError::Setup)?;

    let mut calls = Vec::new();
    let mut skipped = 0;
    for (index, planned) in ops.iter().enumerate() {
        match objects.resolve(planned.object, planned.access, &planned.op) {
            Some((call, target)) => calls.push((index, call, target)),
            None => skipped += 1,
        }
    }

    let targets: Vec<(HostTarget, crate::syscall::XattrOp)> =
        calls.iter().map(|(_, call, target)| (target.clone(), call.op.clone())).collect();
    let (cred, kernel) = match run_as {
        RunAs::Current => (owners.setup.clone(), run_on_host(&targets, interrupt)),
        RunAs::TestUser { uid, gid } => run_as_test_user(uid, gid, targets, interrupt)?,
    };
    let interrupted = kernel.len() < calls.len();

    let mut steps = Vec::new();
    for ((index, call, _), kernel) in calls.into_iter().zip(kernel) {
        let oracle = apply(profile, &mut objects.world, &cred, &Syscall::Xattr(call.clone())).result;
        steps.push(StepRecord { index, call, oracle, kernel });
    }

    let missing = std::mem::take(&mut objects.missing);
    let mismatches = std::mem::take(&mut objects.mismatches);
    drop(objects);
    sandbox.release_area()?;
    Ok(Execution { steps, skipped, missing, mismatches, interrupted })
}

/// Runs the calls in order until done or interrupted.
fn run_on_host(targets: &[(HostTarget, crate::syscall::XattrOp)], interrupt: &AtomicBool) -> Vec<HostResult> {
    let mut results = Vec::with_capacity(targets.len());
    for (target, op) in targets {
        // Relaxed: see the interrupt module; the flag carries no data.
        if interrupt.load(Ordering::Relaxed) {
            break;
        }
        results.push(run_xattr(target, op));
    }
    results
}

fn run_as_test_user(
    uid: u32,
    gid: u32,
    targets: Vec<(HostTarget, crate::syscall::XattrOp)>,
    interrupt: &AtomicBool,
) -> Result<(Cred, Vec<HostResult>), ExecuteError> {
    std::thread::scope(|scope| {
        let worker = scope.spawn(move || -> Result<(Cred, Vec<HostResult>), CredError> {
            let cred = credentials::drop_thread_to(uid, gid)?;
            Ok((cred, run_on_host(&targets, interrupt)))
        });
        match worker.join() {
            Ok(result) => result.map_err(ExecuteError::from),
            Err(_) => Err(ExecuteError::ThreadPanicked),
        }
    })
}
