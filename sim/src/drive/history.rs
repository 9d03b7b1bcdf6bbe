//! Prints an execution as a per-thread table in time order: one column per
//! thread, one row per invocation or response, so overlapping operations
//! are visible at a glance.

use std::fmt::Write;

use xattr_model::program::Execution;

/// Formats `execution`'s operations as a table, with setup (thread 0) first.
pub fn table(execution: &Execution) -> String {
    let threads = execution.records.iter().map(|r| r.thread).max().unwrap_or(0) + 1;
    let mut events: Vec<(u64, usize, String)> = Vec::new();
    for record in &execution.records {
        events.push((record.invoked, record.thread, format!("> {}", record.op)));
        events.push((record.returned, record.thread, format!("< {}", record.outcome)));
    }
    events.sort();

    let width = 44;
    let mut out = String::new();
    let _ = write!(out, "{:>5} ", "time");
    for thread in 0..threads {
        let label = if thread == 0 { "setup".to_owned() } else { format!("T{thread}") };
        let _ = write!(out, "| {label:<width$} ");
    }
    out.push('\n');
    for (time, thread, text) in events {
        let _ = write!(out, "{time:>5} ");
        for column in 0..threads {
            let cell = if column == thread { shorten(&text, width) } else { String::new() };
            let _ = write!(out, "| {cell:<width$} ");
        }
        out.push('\n');
    }
    out
}

fn shorten(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let kept: String = text.chars().take(width - 3).collect();
    format!("{kept}...")
}
