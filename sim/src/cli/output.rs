//! Human-readable and JSON output shared by `check`, `run` and `replay`.

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use xattr_model::explore::Explorer;

use crate::drive::{history, RunOutcome};

/// The summary line of a command.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub scenarios: usize,
    pub runs: usize,
    pub passed: usize,
    pub failed: usize,
    pub schedules: usize,
    pub seconds: f64,
    pub schedules_per_second: f64,
}

impl Summary {
    pub fn new(scenarios: usize, outcomes: &[RunOutcome], elapsed: Duration) -> Self {
        let schedules = outcomes.iter().map(|o| o.schedules).sum();
        let failed = outcomes.iter().filter(|o| !o.passed()).count();
        let seconds = elapsed.as_secs_f64();
        Summary {
            scenarios,
            runs: outcomes.len(),
            passed: outcomes.len() - failed,
            failed,
            schedules,
            seconds,
            schedules_per_second: if seconds > 0.0 { schedules as f64 / seconds } else { 0.0 },
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} scenarios, {} runs: {} passed, {} failed; {} schedules in {:.1} s ({:.0} schedules/s)",
            self.scenarios, self.runs, self.passed, self.failed, self.schedules, self.seconds, self.schedules_per_second
        )
    }
}

/// Formats the explorer column: the name only, because `--json` output has the budget.
fn explorer_label(explorer: &Explorer) -> String {
    match explorer {
        Explorer::Std { .. } => "sequential".into(),
        other => other.name().into(),
    }
}

/// Prints the table of runs.
pub fn print_rows(outcomes: &[RunOutcome]) {
    let width = outcomes.iter().map(|o| o.scenario.len()).max().unwrap_or(8).clamp(8, 60);
    println!("{:<width$}  {:<15} {:<14} {:>9}  result", "scenario", "design", "explorer", "schedules");
    for outcome in outcomes {
        let result = if outcome.passed() { "pass".to_owned() } else { format!("FAIL ({} schedules)", outcome.failing_schedules) };
        println!(
            "{:<width$}  {:<15} {:<14} {:>9}  {result}",
            outcome.scenario,
            outcome.design,
            explorer_label(&outcome.explorer),
            outcome.schedules
        );
    }
}

/// Details of every failed run: problems, the failing history, the token
/// and the command that replays it.
pub fn print_failures(outcomes: &[RunOutcome]) {
    for outcome in outcomes.iter().filter(|o| !o.passed()) {
        println!("\nFAIL {} on {} under {}:", outcome.scenario, outcome.design, outcome.explorer);
        for problem in &outcome.problems {
            println!("  - {problem}");
        }
        let table = outcome.failure.as_ref().map(|execution| history::table(execution)).or_else(|| outcome.history.clone());
        if let Some(table) = table {
            println!("  history of the failing schedule:\n{}", indent(&table));
        }
        if let Some(token) = &outcome.token {
            println!("  replay with:\n    {}", token.command());
        }
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|line| format!("    {line}")).collect::<Vec<_>>().join("\n")
}
