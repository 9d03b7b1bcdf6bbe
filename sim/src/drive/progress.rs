//! Progress on stderr: a bar (or a spinner when the total is unknown) shown
//! only when stderr is a terminal and only once a run has lasted a second,
//! so short runs and CI logs stay quiet.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Counts schedules and draws them when worth it.
#[derive(Clone)]
pub struct Progress {
    done: Arc<AtomicU64>,
    bar: Option<ProgressBar>,
    started: Instant,
}

impl Progress {
    /// Creates a progress display for a run of `total` schedules (`None` if
    /// unknown), labelled `label`. It stays hidden unless stderr is a terminal.
    pub fn new(label: &str, total: Option<u64>, enabled: bool) -> Self {
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let bar = match total {
                Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden()),
                None => ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden()),
            };
            let template = if total.is_some() {
                "{msg} [{bar:30}] {pos}/{len} schedules, {per_sec}"
            } else {
                "{msg} {spinner} {elapsed} elapsed"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            bar.set_message(label.to_owned());
            bar
        });
        Progress { done: Arc::new(AtomicU64::new(0)), bar, started: Instant::now() }
    }

    /// Creates a progress display that never draws.
    pub fn hidden() -> Self {
        Progress::new("", None, false)
    }

    /// Counts one explored schedule.
    pub fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(bar) = &self.bar {
            if bar.is_hidden() && self.started.elapsed() > Duration::from_secs(1) {
                bar.set_draw_target(ProgressDrawTarget::stderr());
                bar.enable_steady_tick(Duration::from_millis(200));
            }
            bar.set_position(done);
        }
    }

    /// Keeps a spinner alive while a child process works.
    pub fn wait_tick(&self) {
        if let Some(bar) = &self.bar {
            if bar.is_hidden() && self.started.elapsed() > Duration::from_secs(1) {
                bar.set_draw_target(ProgressDrawTarget::stderr());
                bar.enable_steady_tick(Duration::from_millis(200));
            }
            bar.tick();
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
