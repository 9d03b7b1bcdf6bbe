//! Differential testing against the running kernel: the same random
//! sequences of xattr syscalls run on real objects and in the oracle, and
//! every difference is reported, shrunk, or matched against the list of
//! documented differences.
//!
//! A run draws `ops` calls in sequences of `seq_len` (see [`generator`]).
//! Each sequence runs on fresh objects ([`objects`]) in the sandbox
//! ([`sandbox`]), as the caller and, when the caller is root, again on a
//! thread switched to an unprivileged test user ([`mod@execute`]). The
//! profile comes from the kernel-version table ([`kernel_version`]) unless
//! given. After a difference where a set or remove succeeded on at least
//! one side, the rest of that execution is not compared, because the two
//! worlds may no longer hold the same state.
//!
//! Kernel sources the comparison grounds: fs/xattr.c (argument checks,
//! `xattr_permission`, handler resolution, size queries), mm/shmem.c
//! (tmpfs handlers and the `nr_inodes` space budget), net/socket.c
//! (sockfs handlers).
//!
//! # Limitations
//! kernfs nodes and pidfds are not exercised; POSIX ACL names and
//! `security.capability` are never drawn (see the generator). The result
//! depends on the running kernel having no LSM that labels files or
//! sockets: an LSM would add `security.*` names the oracle does not
//! model.

pub mod compare;
pub mod coverage;
pub mod credentials;
pub mod documented;
pub mod execute;
pub mod generator;
pub mod interrupt;
pub mod kernel_version;
pub mod objects;
pub mod report;
pub mod runner;
pub mod sandbox;
pub mod shrink;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use compare::{agree, diff_key, kernel_label, namespace_label, states_may_differ, syscall_label, DiffKey};
use coverage::{Cell, Coverage};
use execute::{execute, ExecuteError, Execution, RunAs};
use generator::{PlannedOp, Sequence};
use objects::{host_objects, Owners};
use sandbox::{Sandbox, SandboxError, SandboxMode};

use crate::oracle::Profile;
use crate::world::Cred;

/// One typed configuration per run; each CLI flag maps to one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    // NOTE: `command_line` rebuilds the flags of a run from these fields;
    // a new field that changes what runs must be added there too.
    /// Calls to draw.
    pub ops: u64,
    pub seed: u64,
    /// Calls per sequence; each sequence starts from fresh objects.
    pub seq_len: usize,
    /// Overrides the kernel-version table.
    pub profile: Option<Profile>,
    /// The directory the sandbox is created in; must be on tmpfs for the
    /// fallback.
    pub dir: PathBuf,
    /// Mounts a private tmpfs when possible (the flag `--no-mount` clears it).
    pub mount: bool,
    /// `nr_inodes` of the private tmpfs.
    pub nr_inodes: u64,
    /// The unprivileged test user of the second run.
    pub test_user: (u32, u32),
    /// Replays allowed per divergence while shrinking.
    pub shrink_budget: usize,
    /// Divergence keys shrunk at most; later ones are counted only.
    pub max_shrunk: usize,
}

impl Config {
    /// Returns the `xattrsim host-diff` command that repeats this run,
    /// with every flag that changes which calls run or where.
    pub fn command_line(&self) -> String {
        let mut command = format!(
            "xattrsim host-diff --ops {} --seed {} --seq-len {} --nr-inodes {} --test-uid {} --test-gid {}",
            self.ops, self.seed, self.seq_len, self.nr_inodes, self.test_user.0, self.test_user.1
        );
        if let Some(profile) = self.profile {
            command.push_str(&format!(" --profile {profile}"));
        }
        if !self.mount {
            command.push_str(" --no-mount");
        }
        if self.dir != std::path::Path::new("/dev/shm") {
            command.push_str(&format!(" --dir {}", self.dir.display()));
        }
        command
    }
}

impl Config {
    /// Returns the defaults the CLI uses, for `ops` calls from `seed`.
    pub fn new(ops: u64, seed: u64) -> Config {
        Config {
            ops,
            seed,
            seq_len: 40,
            profile: None,
            dir: PathBuf::from("/dev/shm"),
            mount: true,
            nr_inodes: 64,
            test_user: (65534, 65534),
            shrink_budget: 200,
            max_shrunk: 10,
        }
    }
}

/// The reasons a run cannot produce a verdict.
#[derive(Debug, thiserror::Error)]
pub enum HostDiffError {
    #[error(transparent)]
    Version(#[from] kernel_version::VersionError),
    #[error("invalid {flag} {value}: {expected}")]
    InvalidConfig { flag: &'static str, value: String, expected: &'static str },
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error(transparent)]
    Execute(#[from] ExecuteError),
    #[error(transparent)]
    Cred(#[from] credentials::CredError),
    #[error("internal error: the sandbox thread panicked (the sandbox directory was removed on unwind)")]
    ThreadPanicked,
}

impl HostDiffError {
    /// Returns whether the error is in the user's input rather than in host-diff itself.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, HostDiffError::Version(_) | HostDiffError::InvalidConfig { .. } | HostDiffError::Sandbox(SandboxError::NotTmpfs { .. }))
    }
}

/// A divergence: its key, how often it occurred, and its shortest
/// sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    pub key: DiffKey,
    pub count: u64,
    pub sequence: u64,
    pub run_as: RunAs,
    /// The calls of the shortest sequence found, as run, with the results
    /// of the last one.
    pub shortest: Vec<String>,
    pub oracle: String,
    pub kernel: String,
    pub replays: usize,
}

/// A documented difference that occurred.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentedHit {
    pub count: u64,
    pub reason: &'static str,
}

/// Everything a run found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub release: String,
    pub profile: Profile,
    pub profile_overridden: bool,
    pub mode: SandboxMode,
    pub credentials: Vec<(RunAs, Option<Cred>)>,
    /// The reason the unprivileged run did not happen, if it did not.
    pub no_test_user: Option<String>,
    pub sequences: u64,
    pub calls_compared: u64,
    pub calls_skipped: u64,
    pub calls_not_compared: u64,
    pub divergences: Vec<Divergence>,
    pub documented: BTreeMap<DiffKey, DocumentedHit>,
    pub coverage: Coverage,
    pub uncovered: Vec<crate::world::ObjectKind>,
    pub interrupted: bool,
    pub elapsed: Duration,
    pub config: Config,
}

impl Report {
    /// Returns whether the run passed: no divergence and every object covered or
    /// explained.
    pub fn passed(&self) -> bool {
        self.divergences.is_empty() && self.uncovered.is_empty()
    }
}

/// Runs host-diff; the real syscalls run on a thread of their own, whose
/// mount namespace is private.
pub fn run(config: Config, interrupt: &'static AtomicBool) -> Result<Report, HostDiffError> {
    validate(&config)?;
    let release = kernel_version::running_release()?;
    let (profile, overridden) = match config.profile {
        Some(profile) => (profile, true),
        None => (kernel_version::profile_for_release(&release)?, false),
    };
    let worker = std::thread::Builder::new()
        .name("host-diff-sandbox".to_owned())
        .spawn(move || Engine::new(config, profile, interrupt)?.run(release, overridden))
        .map_err(|_| HostDiffError::ThreadPanicked)?;
    worker.join().map_err(|_| HostDiffError::ThreadPanicked)?
}

fn validate(config: &Config) -> Result<(), HostDiffError> {
    if config.ops == 0 {
        return Err(HostDiffError::InvalidConfig { flag: "--ops", value: "0".into(), expected: "expected at least 1 call" });
    }
    if config.seq_len == 0 {
        return Err(HostDiffError::InvalidConfig { flag: "--seq-len", value: "0".into(), expected: "expected at least 1 call per sequence" });
    }
    if config.mount && config.nr_inodes < 16 {
        return Err(HostDiffError::InvalidConfig {
            flag: "--nr-inodes",
            value: config.nr_inodes.to_string(),
            expected: "expected at least 16, because the objects alone take 11 inodes",
        });
    }
    Ok(())
}

/// The state of a run on the sandbox thread.
struct Engine {
    config: Config,
    profile: Profile,
    interrupt: &'static AtomicBool,
    sandbox: Sandbox,
    owners: Owners,
    runs: Vec<RunAs>,
    report_credentials: Vec<(RunAs, Option<Cred>)>,
    no_test_user: Option<String>,
    coverage: Coverage,
    divergences: BTreeMap<DiffKey, Divergence>,
    documented: BTreeMap<DiffKey, DocumentedHit>,
    compared: u64,
    skipped: u64,
    not_compared: u64,
}

impl Engine {
    fn new(config: Config, profile: Profile, interrupt: &'static AtomicBool) -> Result<Engine, HostDiffError> {
        let sandbox = Sandbox::create(&config.dir, config.mount, config.nr_inodes)?;
        // SAFETY: setting the umask has no preconditions; this thread has
        // its own fs_struct in mounted mode, and the objects' modes assume
        // the oracle world's umask of 022.
        unsafe { libc::umask(0o022) };
        let setup = credentials::current()?;
        let root = setup.uid == 0 && setup.caps.chown;
        let (uid, gid) = config.test_user;
        let mut runs = vec![RunAs::Current];
        let no_test_user = if root {
            runs.push(RunAs::TestUser { uid, gid });
            None
        } else {
            Some(format!("the caller (uid {}) is not uid 0 with CAP_CHOWN, so it can neither give objects to the test user nor switch to it", setup.uid))
        };
        let owners = Owners { setup: setup.clone(), test_user: root.then_some((uid, gid)) };
        Ok(Engine {
            config,
            profile,
            interrupt,
            sandbox,
            owners,
            report_credentials: vec![(RunAs::Current, Some(setup))],
            runs,
            no_test_user,
            coverage: Coverage::default(),
            divergences: BTreeMap::new(),
            documented: BTreeMap::new(),
            compared: 0,
            skipped: 0,
            not_compared: 0,
        })
    }

    fn interrupted(&self) -> bool {
        // Relaxed: see the interrupt module.
        self.interrupt.load(Ordering::Relaxed)
    }

    fn run(mut self, release: String, overridden: bool) -> Result<Report, HostDiffError> {
        let started = Instant::now();
        let sequences = self.config.ops.div_ceil(self.config.seq_len as u64);
        let mut shrink_queue: Vec<(DiffKey, Sequence, RunAs, usize)> = Vec::new();

        for index in 0..sequences {
            if self.interrupted() {
                break;
            }
            let done = index * self.config.seq_len as u64;
            let len = (self.config.ops - done).min(self.config.seq_len as u64) as usize;
            let sequence = generator::sequence(self.config.seed, index, len);
            for run_as in self.runs.clone() {
                if self.interrupted() {
                    break;
                }
                let Some(execution) = self.execute(&sequence, &sequence.ops, run_as)? else {
                    continue;
                };
                for (key, position) in self.tally(&sequence, &execution, run_as) {
                    shrink_queue.push((key, sequence.clone(), run_as, position));
                }
            }
        }

        let interrupted = self.interrupted();
        if !interrupted {
            for (key, sequence, run_as, position) in shrink_queue.into_iter().take(self.config.max_shrunk) {
                self.shrink(&key, &sequence, run_as, position)?;
            }
        }
        Ok(self.into_report(release, overridden, sequences, interrupted, started.elapsed()))
    }

    /// Runs one execution; an unprivileged run that cannot switch users is
    /// dropped from the run list with the reason.
    fn execute(&mut self, sequence: &Sequence, ops: &[PlannedOp], run_as: RunAs) -> Result<Option<Execution>, HostDiffError> {
        let result = execute(&mut self.sandbox, self.profile, &sequence.setup, ops, &self.owners, run_as, self.interrupt);
        match result {
            Ok(execution) => Ok(Some(execution)),
            Err(ExecuteError::TestUser(error)) => {
                self.no_test_user = Some(error.to_string());
                self.runs.retain(|run| *run == RunAs::Current);
                Ok(None)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Counts an execution; returns the new divergence keys and the
    /// position of their first call.
    fn tally(&mut self, sequence: &Sequence, execution: &Execution, run_as: RunAs) -> Vec<(DiffKey, usize)> {
        let mut new_keys = Vec::new();
        self.skipped += execution.skipped as u64;
        for (kind, why) in &execution.missing {
            self.coverage.missing.entry(*kind).or_insert_with(|| format!("{why} ({})", run_label(run_as)));
        }
        // A set-up call that differs is a divergence too: the objects the
        // later calls act on may then differ between the two worlds.
        for mismatch in &execution.mismatches {
            let key = DiffKey {
                object: mismatch.object.to_string(),
                syscall: format!("set-up {}", mismatch.call),
                oracle: mismatch.oracle.clone(),
                kernel: mismatch.kernel.clone(),
            };
            let divergence = self.divergences.entry(key.clone()).or_insert_with(|| Divergence {
                key,
                count: 0,
                sequence: sequence.index,
                run_as,
                shortest: Vec::new(),
                oracle: mismatch.oracle.clone(),
                kernel: mismatch.kernel.clone(),
                replays: 0,
            });
            divergence.count += 1;
        }
        if run_as != RunAs::Current && !self.report_credentials.iter().any(|(run, _)| *run == run_as) {
            self.report_credentials.push((run_as, None));
        }

        let ordered = self.profile.list_is_ordered();
        let mut states_differ = false;
        for step in &execution.steps {
            if states_differ {
                self.not_compared += 1;
                continue;
            }
            let planned = &sequence.ops[step.index];
            self.compared += 1;
            let cell = Cell {
                syscall: syscall_label(&step.call, planned.access),
                namespace: namespace_label(&step.call.op),
                result: kernel_label(&step.kernel),
            };
            self.coverage.record(planned.object, cell);
            if agree(&step.oracle, &step.kernel, ordered) {
                continue;
            }

            let key = diff_key(planned.object, &step.call, planned.access, &step.oracle, &step.kernel);
            states_differ = states_may_differ(&step.call.op, &step.oracle, &step.kernel);
            if let Some(entry) = documented::find(&key) {
                let hit = self.documented.entry(key).or_insert(DocumentedHit { count: 0, reason: entry.reason });
                hit.count += 1;
                continue;
            }
            match self.divergences.get_mut(&key) {
                Some(divergence) => divergence.count += 1,
                None => {
                    let shortest = report::describe_prefix(execution, step.index);
                    self.divergences.insert(key.clone(), Divergence {
                        key: key.clone(),
                        count: 1,
                        sequence: sequence.index,
                        run_as,
                        shortest,
                        oracle: report::describe_sys(&step.oracle),
                        kernel: report::describe_host(&step.kernel),
                        replays: 0,
                    });
                    new_keys.push((key, step.index));
                }
            }
        }
        new_keys
    }

    /// Shrinks the divergence `key` first seen at `position` of
    /// `sequence`.
    fn shrink(&mut self, key: &DiffKey, sequence: &Sequence, run_as: RunAs, position: usize) -> Result<(), HostDiffError> {
        let prefix = &sequence.ops[..=position];
        let mut last_shown: Option<Execution> = None;
        let budget = self.config.shrink_budget;
        let (shortest, replays) = shrink::shrink(prefix, budget, |candidate: &[PlannedOp]| -> Result<bool, HostDiffError> {
            let Some(execution) = self.execute(sequence, candidate, run_as)? else {
                return Ok(false);
            };
            let shows = shows_key(&execution, candidate, key, self.profile.list_is_ordered());
            if shows {
                last_shown = Some(execution);
            }
            Ok(shows)
        })?;
        let execution = match last_shown {
            Some(execution) if execution_len(&execution) == shortest.len() => Some(execution),
            _ => self.execute(sequence, &shortest, run_as)?,
        };
        if let (Some(execution), Some(divergence)) = (execution, self.divergences.get_mut(key)) {
            if let Some(last) = execution.steps.last() {
                divergence.shortest = report::describe_prefix(&execution, last.index);
                divergence.oracle = report::describe_sys(&last.oracle);
                divergence.kernel = report::describe_host(&last.kernel);
            }
            divergence.replays = replays;
        }
        Ok(())
    }

    fn into_report(self, release: String, overridden: bool, sequences: u64, interrupted: bool, elapsed: Duration) -> Report {
        let uncovered = if interrupted { Vec::new() } else { self.coverage.uncovered(&host_objects()) };
        Report {
            release,
            profile: self.profile,
            profile_overridden: overridden,
            mode: self.sandbox.mode().clone(),
            credentials: self.report_credentials,
            no_test_user: self.no_test_user,
            sequences,
            calls_compared: self.compared,
            calls_skipped: self.skipped,
            calls_not_compared: self.not_compared,
            divergences: self.divergences.into_values().collect(),
            documented: self.documented,
            coverage: self.coverage,
            uncovered,
            interrupted,
            elapsed,
            config: self.config,
        }
    }
}

fn execution_len(execution: &Execution) -> usize {
    execution.steps.len() + execution.skipped
}

/// Returns whether any compared call of `execution` shows `key`, with the same
/// stop rule as the tally.
fn shows_key(execution: &Execution, ops: &[PlannedOp], key: &DiffKey, ordered: bool) -> bool {
    for step in &execution.steps {
        if agree(&step.oracle, &step.kernel, ordered) {
            continue;
        }
        let planned = &ops[step.index];
        if diff_key(planned.object, &step.call, planned.access, &step.oracle, &step.kernel) == *key {
            return true;
        }
        if states_may_differ(&step.call.op, &step.oracle, &step.kernel) {
            return false;
        }
    }
    false
}

/// Returns a short name for a run, for messages.
pub fn run_label(run_as: RunAs) -> String {
    match run_as {
        RunAs::Current => "as the caller".to_owned(),
        RunAs::TestUser { uid, gid } => format!("as uid {uid} gid {gid} without capabilities"),
    }
}
