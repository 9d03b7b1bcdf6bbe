//! Helpers shared by the model's integration tests.

#![allow(dead_code)]

use std::sync::Arc;

use xattr_model::config::{Capacities, ModelConfig};
use xattr_model::explore::{explore, Builtin, Designs, Exploration, Explorer};
use xattr_model::mutant::Mutant;
use xattr_model::suite::{case, Case};

pub const A: &str = "rbtree-rwlock";
pub const B: &str = "rhashtable-rcu";

pub fn suite_case(name: &str) -> Case {
    case(name).unwrap_or_else(|| panic!("no suite case named {name}"))
}

pub fn config(design: &str, mutants: &[Mutant]) -> ModelConfig {
    let mut config = ModelConfig::new(design, Capacities::explorer());
    config.mutants = mutants.to_vec();
    config
}

/// Explores a suite case with the given config and designs.
pub fn run_case_with<D: Designs + Clone>(name: &str, config: &ModelConfig, designs: D, explorer: Explorer) -> Exploration {
    let case = suite_case(name);
    explore(explorer, config, designs, &case.program, case.check()).expect("exploration starts")
}

pub fn run_case(name: &str, config: &ModelConfig, explorer: Explorer) -> Exploration {
    run_case_with(name, config, Builtin, explorer)
}

pub const LOOM: Explorer = Explorer::Loom { preemption_bound: 2 };
pub const LOOM3: Explorer = Explorer::Loom { preemption_bound: 3 };
pub const PCT: Explorer = Explorer::ShuttlePct { seed: 7, iterations: 1000, depth: 3 };
pub const RANDOM: Explorer = Explorer::ShuttleRandom { seed: 7, iterations: 1000 };

/// Asserts that every schedule passed, printing the first failures.
pub fn assert_passes(result: &Exploration) {
    assert!(result.schedules > 0, "{} explored no schedule", result.explorer);
    assert!(
        result.passed(),
        "{}: {} of {} schedules failed; first: {:#?}",
        result.explorer,
        result.failing_schedules,
        result.schedules,
        result.failures.first()
    );
}

/// Asserts that some schedule failed with a problem starting with `prefix`.
pub fn assert_finds(result: &Exploration, prefix: &str) {
    assert!(
        !result.passed(),
        "{} found no failure in {} schedules; expected `{prefix}`",
        result.explorer,
        result.schedules
    );
    let found = result.failures.iter().flat_map(|f| &f.problems).any(|p| p.starts_with(prefix));
    assert!(found, "{}: no problem starts with `{prefix}`; failures: {:#?}", result.explorer, result.failures);
}

pub fn shared<T>(value: T) -> Arc<T> {
    Arc::new(value)
}
