//! How a concurrent scenario's expectations judge executions: the
//! [`Evaluate`] implementation of its plan.
//!
//! Per execution ([`Evaluate::problems`]): every arena report is a problem
//! unless an `expect finds CLASS` line for the design names its class, so
//! `no-use-after-free`, `no-double-free`, `no-leak` and `invariants` hold
//! by default and writing them only states the intent. Setup and thread
//! operations with `=> CHECKS` must give one of their alternatives.
//! `always` results must hold and `never` results must not. `expect always
//! linearizable` runs the linearizability checker on the execution's
//! history, with the weak list specification for any design but
//! `rbtree-rwlock`, whose list is atomic. Results are syscall results:
//! each model outcome goes through the [`crate::oracle::Finish`] the oracle
//! recorded for the call.
//!
//! Per exploration ([`Evaluate::observe`], [`Evaluate::verdict`]): the
//! observations record every result as text (keyed by thread number from
//! 1 and operation index from 0), the report classes seen, and for each
//! `sometimes` expectation that held, the key `expectation LINE:COLUMN`.
//! The verdict fails an expected finding or a `sometimes` result that no
//! schedule showed.

use std::collections::BTreeSet;

use xattr_model::config::ModelConfig;
use xattr_model::design::RBTREE_RWLOCK;
use xattr_model::program::{Execution, Program};

use super::ast::Check;
use super::concurrent_ast::{Modality, Property};
use super::design_run::store_result;
use super::error::Pos;
use super::runner::{check_holds, describe_check};
use super::translate::{PlannedOp, Planned, ThreadPlan};
use crate::lincheck::{self, History, ListSpec, Options, Verdict};
use crate::plan::{Evaluate, Observations};
use crate::syscall::{SysOutput, SysResult};

/// An expectation with its names resolved.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub pos: Pos,
    /// Designs it applies to; empty for all.
    pub designs: Vec<String>,
    pub rule: Rule,
}

/// The check of a resolved expectation.
#[derive(Debug, Clone)]
pub enum Rule {
    Finds(String),
    Property(Property),
    /// `thread` indexes [`ScenarioEvaluator::threads`].
    Op { modality: Modality, thread: usize, index: usize, alternatives: Vec<Vec<Check>> },
    /// The names of model inode `inode` after the threads joined.
    Final { modality: Modality, object: String, inode: usize, alternatives: Vec<Vec<Check>> },
}

impl Resolved {
    fn applies_to(&self, design: &str) -> bool {
        self.designs.is_empty() || self.designs.iter().any(|name| name == design)
    }

    fn key(&self) -> String {
        format!("expectation {}", self.pos)
    }
}

/// The expectations of one scenario, ready to judge its executions.
#[derive(Debug, Clone)]
pub struct ScenarioEvaluator {
    pub file: String,
    pub setup: Vec<PlannedOp>,
    pub threads: Vec<ThreadPlan>,
    pub expectations: Vec<Resolved>,
    /// The program and configuration the linearizability check rebuilds
    /// histories from.
    pub program: Program,
    pub config: ModelConfig,
}

impl ScenarioEvaluator {
    fn expected_findings(&self, design: &str) -> BTreeSet<&str> {
        let finds = self.expectations.iter().filter(|resolved| resolved.applies_to(design));
        finds.filter_map(|resolved| if let Rule::Finds(class) = &resolved.rule { Some(class.as_str()) } else { None }).collect()
    }

    /// Computes the syscall result of `op` in `execution`, `None` if the
    /// model did not record the operation (a checker-internal error).
    fn result_of(op: &PlannedOp, execution: &Execution) -> Option<SysResult> {
        match &op.planned {
            Planned::Constant(result) => Some(result.clone()),
            Planned::Model { thread, index, finish } => {
                execution.record(*thread, *index).map(|record| finish.apply(&store_result(&record.outcome)))
            }
        }
    }

    fn op_problems(&self, label: &str, op: &PlannedOp, execution: &Execution) -> Option<String> {
        let alternatives = op.expect.as_ref()?;
        let Some(result) = Self::result_of(op, execution) else {
            return Some(format!("checker-internal: {}:{}: the model recorded no result for {label}'s {}", self.file, op.pos, op.text));
        };
        if holds_any(alternatives, &result) {
            return None;
        }
        Some(format!(
            "{}:{}: {label}'s {} returned {}; expected {}",
            self.file,
            op.pos,
            op.text,
            describe_result(&result),
            describe_alternatives(alternatives)
        ))
    }

    /// Returns whether a result rule is met in `execution` and the actual
    /// result as text, or `None` when the result is missing.
    fn rule_holds(&self, rule: &Rule, execution: &Execution) -> Option<(bool, String)> {
        match rule {
            Rule::Op { thread, index, alternatives, .. } => {
                let op = self.threads.get(*thread)?.ops.get(*index)?;
                let result = Self::result_of(op, execution)?;
                Some((holds_any(alternatives, &result), describe_result(&result)))
            }
            Rule::Final { inode, alternatives, .. } => {
                let names: Vec<String> = execution.final_contents.get(*inode)?.iter().map(|(name, _)| name.clone()).collect();
                let result = Ok(SysOutput::Names(names));
                Some((holds_any(alternatives, &result), describe_result(&result)))
            }
            Rule::Finds(_) | Rule::Property(_) => None,
        }
    }

    fn rule_problem(&self, resolved: &Resolved, execution: &Execution) -> Option<String> {
        let (modality, subject, alternatives) = match &resolved.rule {
            Rule::Op { modality, thread, index, alternatives } => {
                let name = self.threads.get(*thread).map_or("?", |plan| plan.name.as_str());
                (*modality, format!("{name}.{index}"), alternatives)
            }
            Rule::Final { modality, object, alternatives, .. } => (*modality, format!("the final contents of {object}"), alternatives),
            Rule::Finds(_) | Rule::Property(_) => return None,
        };
        let Some((holds, actual)) = self.rule_holds(&resolved.rule, execution) else {
            return Some(format!("checker-internal: {}:{}: the execution has no result for {subject}", self.file, resolved.pos));
        };
        let expected = describe_alternatives(alternatives);
        match modality {
            Modality::Always if !holds => Some(format!("{}:{}: {subject} was {actual}; expected always {expected}", self.file, resolved.pos)),
            Modality::Never if holds => Some(format!("{}:{}: {subject} was {actual}, which must never happen", self.file, resolved.pos)),
            _ => None,
        }
    }

    fn linearizability_problem(&self, design: &str, execution: &Execution) -> Option<String> {
        let mut config = self.config.clone();
        config.design = design.to_owned();
        let history = match History::from_execution(&self.program, &config, execution) {
            Ok(history) => history,
            Err(error) => return Some(format!("checker-internal: the execution gives no history to check: {error}")),
        };
        let list_spec = if design == RBTREE_RWLOCK { ListSpec::Strict } else { ListSpec::Weak };
        let options = Options { list_spec, shrink_time: Some(std::time::Duration::from_secs(2)), ..Options::default() };
        match lincheck::check(&history, &options) {
            Ok(report) => match report.verdict {
                Verdict::Pass => None,
                Verdict::Violation(ref violation) => Some(format!("{}: the history is not linearizable in {}\n{report}", self.file, violation.partition)),
                Verdict::Unknown { reason } => Some(format!("{}: linearizability undecided within the search budget: {reason}", self.file)),
            },
            Err(error) => Some(format!("checker-internal: the history is invalid: {error}")),
        }
    }
}

impl Evaluate for ScenarioEvaluator {
    fn problems(&self, design: &str, execution: &Execution) -> Vec<String> {
        let expected = self.expected_findings(design);
        let mut problems: Vec<String> =
            execution.reports.iter().filter(|report| !expected.contains(report.class())).map(ToString::to_string).collect();

        problems.extend(self.setup.iter().filter_map(|op| self.op_problems("the setup", op, execution)));
        for plan in &self.threads {
            problems.extend(plan.ops.iter().filter_map(|op| self.op_problems(&plan.name, op, execution)));
        }
        for resolved in self.expectations.iter().filter(|resolved| resolved.applies_to(design)) {
            match &resolved.rule {
                Rule::Property(Property::Linearizable) => problems.extend(self.linearizability_problem(design, execution)),
                Rule::Op { .. } | Rule::Final { .. } => problems.extend(self.rule_problem(resolved, execution)),
                Rule::Property(_) | Rule::Finds(_) => {}
            }
        }
        problems
    }

    fn observe(&self, observations: &mut Observations, execution: &Execution) {
        for (number, plan) in self.threads.iter().enumerate() {
            for (index, op) in plan.ops.iter().enumerate() {
                if let Some(result) = Self::result_of(op, execution) {
                    observations.results.insert((number + 1, index, describe_result(&result)));
                }
            }
        }
        for report in &execution.reports {
            observations.findings.insert(report.class().to_owned());
        }
        for resolved in &self.expectations {
            let sometimes = matches!(
                &resolved.rule,
                Rule::Op { modality: Modality::Sometimes, .. } | Rule::Final { modality: Modality::Sometimes, .. }
            );
            if sometimes && self.rule_holds(&resolved.rule, execution).is_some_and(|(holds, _)| holds) {
                observations.findings.insert(resolved.key());
            }
        }
    }

    fn verdict(&self, design: &str, observations: &Observations) -> Vec<String> {
        let mut problems = Vec::new();
        for resolved in self.expectations.iter().filter(|resolved| resolved.applies_to(design)) {
            match &resolved.rule {
                Rule::Finds(class) if !observations.findings.contains(class) => problems.push(format!(
                    "{}:{}: expected some schedule to show a {class} report, but none did; raise the explorer's budget or check the scenario",
                    self.file, resolved.pos
                )),
                Rule::Op { modality: Modality::Sometimes, alternatives, .. }
                | Rule::Final { modality: Modality::Sometimes, alternatives, .. }
                    if !observations.findings.contains(&resolved.key()) =>
                {
                    problems.push(format!(
                        "{}:{}: expected some schedule to give {}, but none did",
                        self.file,
                        resolved.pos,
                        describe_alternatives(alternatives)
                    ));
                }
                _ => {}
            }
        }
        problems
    }
}

fn holds_any(alternatives: &[Vec<Check>], result: &SysResult) -> bool {
    alternatives.iter().any(|checks| checks.iter().all(|check| check_holds(check, result)))
}

/// Formats a syscall result as reports and observations show it.
pub fn describe_result(result: &SysResult) -> String {
    match result {
        Ok(output) => output.to_string(),
        Err(errno) => errno.to_string(),
    }
}

fn describe_alternatives(alternatives: &[Vec<Check>]) -> String {
    let texts: Vec<String> = alternatives.iter().map(|checks| checks.iter().map(describe_check).collect::<Vec<_>>().join(" and ")).collect();
    texts.join(" or ")
}
