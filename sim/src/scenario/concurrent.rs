//! Loading a concurrent scenario as a [`Plan`]: parse, translate the
//! operations into a model program, resolve the expectations, and list
//! the (design, explorer) runs it declares.
//!
//! A plan runs under exactly one kernel profile (`v7.1` unless the file
//! declares another), because one program stands for every design. Loom's
//! limits are checked here: loom allows 4 spawned threads per execution
//! and design B's rehash worker needs one, so a scenario with more threads
//! than a design leaves room for gets a [`Plan::loom_refusal`] and no loom
//! runs for that design. The setup's expectations are checked with the
//! oracle at load time; a failing one is a load error.
//!
//! When the file declares no `explore` line, each design runs under loom
//! with preemption bound 2 (if loom can explore it) and under shuttle's
//! PCT scheduler with 1000 schedules of depth 3 and seed 0.

use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use xattr_model::design::{Registry, RHASHTABLE_RCU};
use xattr_model::explore::Explorer;
use xattr_model::runtime::StdRuntime;

use super::ast::{Arg, Scenario};
use super::concurrent_ast::{ExpectKind, Expectation, Property, Target, ThreadAction};
use super::error::{Pos, RunError};
use super::expect::{Resolved, Rule, ScenarioEvaluator};
use super::knobs::model_config;
use super::translate::{resolve_store, translate, Translation};
use super::{parse, LoadError};
use crate::oracle::Profile;
use crate::plan::{Plan, PlannedRun};

/// The runs of a scenario without `explore` lines, per design.
const DEFAULT_EXPLORERS: [Explorer; 2] =
    [Explorer::Loom { preemption_bound: 2 }, Explorer::ShuttlePct { seed: 0, iterations: 1000, depth: 3 }];

/// Threads loom lets one execution spawn: its `MAX_THREADS` is 5,
/// counting the main thread.
pub const LOOM_MAX_SPAWNED_THREADS: usize = 4;

/// Threads a design spawns besides the scenario's: design B's deferred
/// rehash worker.
// TODO: use `xattr_model::program::background_threads` once the model
// exports it, so a registered third design can declare its own workers.
fn background_threads(design: &str) -> usize {
    usize::from(design == RHASHTABLE_RCU)
}

/// Reads the scenario file at `path` and builds its plan.
pub fn load_plan(path: &Path) -> Result<Plan, LoadError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| LoadError::Io { path: name.clone(), source })?;
    let text = String::from_utf8(bytes).map_err(|error| LoadError::Io {
        path: name.clone(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, format!("the file is not UTF-8: {error}")),
    })?;
    plan_from_text(&name, &text)
}

/// Builds the plan of the scenario in `text`; `name` names it in errors.
pub fn plan_from_text(name: &str, text: &str) -> Result<Plan, LoadError> {
    let scenario = parse(name, text)?;
    let profile = single_profile(&scenario)?;
    check_designs(&scenario)?;

    let placeholder = scenario.designs.first().cloned().unwrap_or_default();
    let (config, limits) = model_config(&scenario, &placeholder);
    let translation = translate(&scenario, profile, limits)?;
    for design in &scenario.designs {
        let mut design_config = config.clone();
        design_config.design = design.clone();
        translation.program.validate(&design_config).map_err(RunError::from)?;
    }

    let expectations = resolve_expectations(&scenario, profile, &translation)?;
    let (runs, loom_refusal) = planned_runs(&scenario);
    let evaluate = ScenarioEvaluator {
        file: scenario.file.clone(),
        setup: translation.setup,
        threads: translation.threads,
        expectations,
        program: translation.program.clone(),
        config: config.clone(),
    };
    Ok(Plan {
        name: name.to_owned(),
        content_hash: sha256_hex(text.as_bytes()),
        config,
        program: translation.program,
        runs,
        loom_refusal,
        evaluate: Arc::new(evaluate),
    })
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

fn statement_error(scenario: &Scenario, pos: Pos, message: String) -> RunError {
    RunError::Statement { file: scenario.file.clone(), pos, message }
}

fn single_profile(scenario: &Scenario) -> Result<Profile, RunError> {
    match scenario.profiles.as_slice() {
        [profile] => Ok(*profile),
        _ => Err(statement_error(
            scenario,
            Pos { line: 1, column: 1 },
            "a concurrent scenario runs under one kernel profile; declare `profiles v7.1` or `profiles v6.18`".to_owned(),
        )),
    }
}

fn check_designs(scenario: &Scenario) -> Result<(), RunError> {
    let registry = Registry::<StdRuntime>::builtin();
    for design in &scenario.designs {
        registry.get(design)?;
    }
    Ok(())
}

/// Lists the runs of every design, and why loom cannot explore some design.
fn planned_runs(scenario: &Scenario) -> (Vec<PlannedRun>, Option<String>) {
    let declared: Vec<Explorer> = scenario.concurrent.explorers.iter().map(|(_, explorer)| *explorer).collect();
    let explorers = if declared.is_empty() { DEFAULT_EXPLORERS.to_vec() } else { declared };
    let threads = scenario.concurrent.threads.len();

    let mut runs = Vec::new();
    let mut refusals = Vec::new();
    for design in &scenario.designs {
        let background = background_threads(design);
        let loom_fits = threads + background <= LOOM_MAX_SPAWNED_THREADS;
        if !loom_fits {
            refusals.push(loom_refusal(design, threads, background));
        }
        for explorer in &explorers {
            if loom_fits || !matches!(explorer, Explorer::Loom { .. }) {
                runs.push(PlannedRun { design: design.clone(), explorer: *explorer });
            }
        }
    }
    let refusal = (!refusals.is_empty()).then(|| refusals.join("; "));
    (runs, refusal)
}

fn loom_refusal(design: &str, threads: usize, background: usize) -> String {
    let worker = if background > 0 { format!(" and the design's rehash worker needs {background} more") } else { String::new() };
    format!(
        "loom cannot explore design {design}: the scenario has {threads} threads{worker}, but loom allows at most {LOOM_MAX_SPAWNED_THREADS} spawned threads; use a shuttle explorer or remove threads"
    )
}

fn resolve_expectations(scenario: &Scenario, profile: Profile, translation: &Translation) -> Result<Vec<Resolved>, RunError> {
    let mut resolved = Vec::new();
    for expectation in &scenario.concurrent.expectations {
        let rule = resolve_rule(scenario, profile, translation, expectation)?;
        resolved.push(Resolved { pos: expectation.pos, designs: expectation.designs.clone(), rule });
    }
    check_contradictions(scenario, &resolved)?;
    Ok(resolved)
}

fn resolve_rule(scenario: &Scenario, profile: Profile, translation: &Translation, expectation: &Expectation) -> Result<Rule, RunError> {
    let error = |message: String| statement_error(scenario, expectation.pos, message);
    match &expectation.kind {
        ExpectKind::Finds(class) => Ok(Rule::Finds(class.clone())),
        ExpectKind::Property(Property::Linearizable) if has_eviction(scenario) => Err(error(
            "`expect always linearizable` cannot check a scenario with evict_inode: eviction has no sequential specification".to_owned(),
        )),
        ExpectKind::Property(Property::Linearizable) if has_loom(scenario) => Err(error(LINEARIZABLE_UNDER_LOOM.to_owned())),
        ExpectKind::Property(property) => Ok(Rule::Property(*property)),
        ExpectKind::Result { modality, target: Target::Op { thread, index }, alternatives } => {
            let Some(number) = scenario.concurrent.threads.iter().position(|block| &block.name == thread) else {
                let known: Vec<&str> = scenario.concurrent.threads.iter().map(|block| block.name.as_str()).collect();
                return Err(error(format!("no thread named `{thread}`; the threads are: {}", known.join(", "))));
            };
            let count = scenario.concurrent.threads[number].ops.len();
            if *index >= count {
                return Err(error(format!("thread `{thread}` has {count} operations (0 to {}); `{thread}.{index}` names none", count.saturating_sub(1))));
            }
            Ok(Rule::Op { modality: *modality, thread: number, index: *index, alternatives: alternatives.clone() })
        }
        ExpectKind::Result { modality, target: Target::Final { object }, alternatives } => {
            let store = resolve_store(profile, &translation.world, &translation.fds, object).map_err(error)?;
            let Some(inode) = translation.inodes.get(&store).copied() else {
                return Err(error(format!("{} is never touched by the setup or the threads, so its final contents are known without exploring", describe_object(&object.1))));
            };
            Ok(Rule::Final { modality: *modality, object: describe_object(&object.1), inode, alternatives: alternatives.clone() })
        }
    }
}

/// The reason `expect always linearizable` and `explore loom` do not mix.
const LINEARIZABLE_UNDER_LOOM: &str = "`expect always linearizable` cannot be checked under loom: loom's C11 memory model lets a load return a value older than the real-time order the history records, so the check would report violations no real CPU shows; check linearizability in a scenario explored only by shuttle, which is sequentially consistent";

fn has_loom(scenario: &Scenario) -> bool {
    scenario.concurrent.explorers.is_empty() || scenario.concurrent.explorers.iter().any(|(_, explorer)| matches!(explorer, Explorer::Loom { .. }))
}

fn has_eviction(scenario: &Scenario) -> bool {
    scenario.concurrent.threads.iter().flat_map(|block| &block.ops).any(|op| matches!(op.action, ThreadAction::Evict { .. }))
}

fn describe_object(arg: &Arg) -> String {
    match arg {
        Arg::Words(words) => words.join("|"),
        Arg::Bytes(path) => format!("{:?}", String::from_utf8_lossy(path)),
        Arg::Int(fd) => format!("fd {fd}"),
    }
}

/// Rejects `expect always no-X` beside `expect finds X` for one design.
fn check_contradictions(scenario: &Scenario, resolved: &[Resolved]) -> Result<(), RunError> {
    for finds in resolved {
        let Rule::Finds(class) = &finds.rule else { continue };
        for other in resolved {
            let Rule::Property(property) = &other.rule else { continue };
            let overlap = finds.designs.is_empty() || other.designs.is_empty() || finds.designs.iter().any(|design| other.designs.contains(design));
            if property.report_class() == Some(class.as_str()) && overlap {
                let message = format!("`expect finds {class}` contradicts `expect always {}` at {}", property.name(), other.pos);
                return Err(statement_error(scenario, finds.pos, message));
            }
        }
    }
    Ok(())
}
