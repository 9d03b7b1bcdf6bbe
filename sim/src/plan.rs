//! A concurrent scenario ready to explore: the model program its threads
//! reduce to, the runs it declares, its knobs, and how its expectations
//! judge the executions.
//!
//! The scenario loader builds a [`Plan`]; the `check`, `run` and `replay`
//! commands explore it. Judging has two levels, because some expectations
//! are about one schedule (a property that must hold in every one) and
//! others about the whole exploration (a result that must be observed in
//! some schedule, a bug that some schedule must show):
//! [`Evaluate::problems`] judges one execution, [`Evaluate::observe`] folds
//! it into an [`Observations`] record, and [`Evaluate::verdict`] judges the
//! exploration from that record.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use xattr_model::config::ModelConfig;
use xattr_model::explore::Explorer;
use xattr_model::program::{Execution, Program};

/// One (design, explorer) pair a scenario declares, with its budget in the
/// explorer value (iterations, preemption bound, seed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRun {
    pub design: String,
    pub explorer: Explorer,
}

/// The results and findings an exploration observed across all its schedules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observations {
    /// (thread, operation index, result as text) seen in some schedule.
    pub results: BTreeSet<(usize, usize, String)>,
    /// Report and problem texts seen in some schedule.
    pub findings: BTreeSet<String>,
}

/// The judge of executions that a scenario's expectations define.
pub trait Evaluate: Send + Sync {
    /// Problems of one execution: each is a violated property or a result
    /// that must never be observed. Expected findings are not problems.
    fn problems(&self, design: &str, execution: &Execution) -> Vec<String>;

    /// Records what one execution showed.
    fn observe(&self, observations: &mut Observations, execution: &Execution);

    /// Problems of the whole exploration: a result that had to be observed
    /// and was not, a finding the scenario expects that no schedule showed.
    fn verdict(&self, design: &str, observations: &Observations) -> Vec<String>;
}

/// A loaded concurrent scenario.
#[derive(Clone)]
pub struct Plan {
    /// The path as the user gave it.
    pub name: String,
    /// SHA-256 of the file's bytes, in hex; replay tokens carry it.
    pub content_hash: String,
    /// The model configuration: knobs, limits, faults, mutants. The
    /// design is set per run.
    pub config: ModelConfig,
    pub program: Program,
    pub runs: Vec<PlannedRun>,
    /// The reason loom cannot explore this scenario, if it cannot (for
    /// example more than 4 spawned threads counting the rehash worker).
    pub loom_refusal: Option<String>,
    pub evaluate: Arc<dyn Evaluate>,
}

impl fmt::Debug for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plan")
            .field("name", &self.name)
            .field("content_hash", &self.content_hash)
            .field("runs", &self.runs)
            .field("loom_refusal", &self.loom_refusal)
            .finish_non_exhaustive()
    }
}

impl Plan {
    /// Returns the model configuration of one run.
    pub fn config_for(&self, design: &str, seed: u64) -> ModelConfig {
        let mut config = self.config.clone();
        config.design = design.to_owned();
        config.seed = seed;
        config
    }
}
