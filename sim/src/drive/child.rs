//! loom explorations in a child process.
//!
//! The parent runs `xattrsim loom-child` with the scenario path, design,
//! preemption bound and seed; the child loads the same scenario (checking
//! its hash), explores, captures the first failing schedule's path, and
//! prints one JSON [`ChildReport`] on stdout. If the child dies instead
//! (loom aborts on some failures), the parent runs a second child with
//! `--checkpoint FILE`, which explores with loom's checkpoint written
//! before every iteration; when it aborts too, FILE holds the path of the
//! schedule that aborted, and that path goes into the token.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use xattr_model::explore::Explorer;

use crate::drive::progress::Progress;
use crate::drive::{inprocess, DriveError, RunOutcome, RunRequest};
use crate::plan::Plan;
use crate::token::TokenSchedule;

/// The report a loom child prints on stdout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildReport {
    pub sha256: String,
    pub schedules: usize,
    pub elapsed_ms: u64,
    pub failing_schedules: usize,
    pub problems: Vec<String>,
    pub schedule_index: Option<usize>,
    pub loom_path: Option<String>,
    /// The first failing execution as a per-thread history table.
    pub history: Option<String>,
}

fn bound_of(request: &RunRequest) -> usize {
    match request.explorer {
        Explorer::Loom { preemption_bound } => preemption_bound,
        _ => 0,
    }
}

fn child_command(plan: &Plan, request: &RunRequest) -> Result<Command, DriveError> {
    let exe = std::env::current_exe().map_err(|e| DriveError::Child(format!("cannot find the xattrsim binary: {e}")))?;
    let mut command = Command::new(exe);
    command
        .arg("loom-child")
        .arg(&plan.name)
        .args(["--design", &request.design])
        .args(["--preemption-bound", &bound_of(request).to_string()])
        .args(["--seed", &request.seed.to_string()])
        .args(["--sha256", &plan.content_hash])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    Ok(command)
}

fn wait(mut command: Command, progress: &Progress) -> Result<Output, DriveError> {
    let child = command.spawn().map_err(|e| DriveError::Child(format!("cannot start the loom child: {e}")))?;
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait_with_output());
    });
    loop {
        match receiver.recv_timeout(Duration::from_millis(200)) {
            Ok(output) => return output.map_err(|e| DriveError::Child(format!("loom child failed: {e}"))),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => progress.wait_tick(),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(DriveError::Child("loom child watcher stopped".into()))
            }
        }
    }
}

/// Returns the last lines of a child's stderr, for the failure message.
fn stderr_tail(output: &Output) -> String {
    let text = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = text.lines().filter(|line| !line.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(6)..].join("\n  ")
}

fn exit_description(output: &Output) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (output.status.code(), output.status.signal()) {
        (_, Some(signal)) => format!("signal {signal}"),
        (Some(code), _) => format!("exit status {code}"),
        _ => "an unknown status".into(),
    }
}

/// Runs a loom exploration of `plan` in a child process.
pub fn run_loom(plan: &Plan, request: &RunRequest, progress: &Progress) -> Result<RunOutcome, DriveError> {
    let started = Instant::now();
    let output = wait(child_command(plan, request)?, progress)?;
    let report: Option<ChildReport> =
        output.status.success().then(|| serde_json::from_slice(&output.stdout).ok()).flatten();
    let outcome = match report {
        Some(report) => from_report(plan, request, report),
        None => aborted(plan, request, &output, started, progress)?,
    };
    progress.finish();
    Ok(outcome)
}

fn from_report(plan: &Plan, request: &RunRequest, report: ChildReport) -> RunOutcome {
    let token = (!report.problems.is_empty())
        .then(|| inprocess::token(plan, request, report.schedule_index.unwrap_or(0), report.loom_path.map(TokenSchedule::Loom)))
        .flatten();
    RunOutcome {
        scenario: plan.name.clone(),
        design: request.design.clone(),
        explorer: request.explorer,
        schedules: report.schedules,
        elapsed: Duration::from_millis(report.elapsed_ms),
        failing_schedules: report.failing_schedules,
        problems: report.problems,
        token,
        failure: None,
        history: report.history,
    }
}

/// Reports a child that died, and captures the aborting schedule with a
/// checkpointing child.
fn aborted(
    plan: &Plan,
    request: &RunRequest,
    output: &Output,
    started: Instant,
    progress: &Progress,
) -> Result<RunOutcome, DriveError> {
    let problem = format!(
        "loom ended the exploration with {} instead of a result; its last output:\n  {}",
        exit_description(output),
        stderr_tail(output)
    );
    let checkpoint = tempfile::NamedTempFile::new().map_err(|e| DriveError::Child(format!("temporary file: {e}")))?;
    let mut command = child_command(plan, request)?;
    command.arg("--checkpoint").arg(checkpoint.path());
    let _ = wait(command, progress)?;
    let path = std::fs::read_to_string(checkpoint.path()).ok().filter(|text| !text.trim().is_empty());

    Ok(RunOutcome {
        scenario: plan.name.clone(),
        design: request.design.clone(),
        explorer: request.explorer,
        schedules: 0,
        elapsed: started.elapsed(),
        failing_schedules: 1,
        problems: vec![problem],
        token: inprocess::token(plan, request, 0, path.map(TokenSchedule::Loom)),
        failure: None,
        history: None,
    })
}

/// Runs the child's side: explores and returns a [`ChildReport`]. With
/// `checkpoint`, it explores with loom's checkpoint written before every
/// iteration and returns nothing.
pub fn child_main(plan: &Plan, request: &RunRequest, checkpoint: Option<&Path>) -> Result<Option<ChildReport>, DriveError> {
    let bound = bound_of(request);
    let config = plan.config_for(&request.design, request.seed);
    if let Some(file) = checkpoint {
        xattr_model::replay::explore_loom_checkpointed(bound, file, &config, xattr_model::explore::Builtin, &plan.program)?;
        return Ok(None);
    }

    let (exploration, verdict) = inprocess::explore_plan(plan, request, &Progress::hidden())?;
    let first = exploration.failures.first();
    let loom_path = match first {
        Some(failure) => {
            let schedule = xattr_model::replay::loom_schedule(
                bound,
                failure.schedule,
                &config,
                xattr_model::explore::Builtin,
                &plan.program,
            )?;
            match schedule {
                xattr_model::explore::Schedule::Loom(path) => Some(path),
                xattr_model::explore::Schedule::Shuttle(_) => None,
            }
        }
        None => None,
    };
    let mut problems = first.map(|failure| failure.problems.clone()).unwrap_or_default();
    problems.extend(verdict);
    Ok(Some(ChildReport {
        sha256: plan.content_hash.clone(),
        schedules: exploration.schedules,
        elapsed_ms: exploration.elapsed.as_millis() as u64,
        failing_schedules: exploration.failing_schedules,
        problems,
        schedule_index: first.map(|failure| failure.schedule),
        loom_path,
        history: first.map(|failure| crate::drive::history::table(&failure.execution)),
    }))
}
