//! The model configuration a concurrent scenario's knobs select.
//!
//! Table sizes are the explorers' shrunk ones
//! ([`Capacities::explorer`]: 4 initial buckets, elasticity 2), so a
//! resize is reachable in a few operations. The per-inode limits stay at
//! the kernel's values (128 entries, 128 KiB of values) unless
//! `knob limits` shrinks them. The oracle that runs the setup uses the same
//! limits and accounting, so setup and model agree. Later knobs of one
//! kind replace earlier ones; faults and mutants add up.

use xattr_model::config::{Capacities, ModelConfig};

use super::ast::Scenario;
use super::concurrent_ast::Knob;
use crate::store_spec::Limits;

/// Builds the configuration of `scenario` with `design` as a placeholder
/// design (the plan sets it per run), and the limits the oracle applies.
pub fn model_config(scenario: &Scenario, design: &str) -> (ModelConfig, Limits) {
    let production = Capacities::production();
    let mut capacities = Capacities::explorer();
    capacities.max_nr_xattrs = production.max_nr_xattrs;
    capacities.max_xattr_size = production.max_xattr_size;
    let mut config = ModelConfig::new(design, capacities);

    for (_, knob) in &scenario.concurrent.knobs {
        apply_knob(&mut config, knob);
    }
    let limits = Limits {
        max_nr: config.capacities.max_nr_xattrs,
        max_size: config.capacities.max_xattr_size,
        accounting: config.accounting,
    };
    (config, limits)
}

fn apply_knob(config: &mut ModelConfig, knob: &Knob) {
    match knob {
        Knob::WritersSerialized(serialized) => config.writers_serialized = *serialized,
        Knob::Publication(publication) => config.publication = *publication,
        Knob::Accounting(accounting) => config.accounting = *accounting,
        Knob::Limits { max_nr, max_size } => {
            if let Some(max_nr) = max_nr {
                config.capacities.max_nr_xattrs = *max_nr;
            }
            if let Some(max_size) = max_size {
                config.capacities.max_xattr_size = *max_size;
            }
        }
        Knob::Fault(fault) => config.faults.faults.push(*fault),
        Knob::Rehash(worker) => config.rehash_worker = *worker,
        Knob::Mutant(mutant) => {
            if !config.mutants.contains(mutant) {
                config.mutants.push(*mutant);
            }
        }
    }
}

