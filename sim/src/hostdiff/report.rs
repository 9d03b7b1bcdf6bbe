//! The printed report of a host-diff run, and the short descriptions of
//! calls and results it is built from.

use std::fmt;

use super::execute::{Execution, RunAs};
use super::objects::host_objects;
use super::runner::{errno_name, HostResult};
use super::sandbox::SandboxMode;
use super::{run_label, Report};
use crate::syscall::{SysOutput, SysResult};

/// The calls of `execution` up to and including planned position `last`,
/// one line each, with the kernel's result.
pub fn describe_prefix(execution: &Execution, last: usize) -> Vec<String> {
    execution
        .steps
        .iter()
        .filter(|step| step.index <= last)
        .map(|step| format!("{} = {}", shorten_names(&step.call.to_string()), describe_host(&step.kernel)))
        .collect()
}

/// Replaces each run of more than 16 equal filler bytes (the long names
/// of 255 and 256 bytes) with its first byte and its length.
fn shorten_names(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let mut run = 1;
        while chars.peek() == Some(&c) {
            chars.next();
            run += 1;
        }
        if run > 16 {
            out.push_str(&format!("{c}...({run} x {c:?})"));
        } else {
            out.extend(std::iter::repeat_n(c, run));
        }
    }
    out
}

/// A syscall output, with long values shortened.
fn describe_output(output: &SysOutput) -> String {
    match output {
        SysOutput::Value(value) if value.len() > 16 => format!("{} bytes", value.len()),
        SysOutput::Value(value) => format!("{value:?}"),
        other => other.to_string(),
    }
}

/// An oracle result.
pub fn describe_sys(result: &SysResult) -> String {
    match result {
        Ok(output) => describe_output(output),
        Err(errno) => format!("-1 {}", errno.name()),
    }
}

/// A kernel result.
pub fn describe_host(result: &HostResult) -> String {
    match result {
        Ok(output) => describe_output(output),
        Err(raw) => format!("-1 {}", errno_name(*raw)),
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_setting(f)?;
        self.fmt_counts(f)?;
        self.fmt_divergences(f)?;
        self.fmt_documented(f)?;
        self.fmt_coverage(f)?;
        self.fmt_verdict(f)
    }
}

impl Report {
    fn fmt_setting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = if self.profile_overridden { "set by --profile" } else { "from the kernel-version table" };
        writeln!(f, "host-diff: kernel {}, oracle profile {} ({source})", self.release, self.profile)?;
        match &self.mode {
            SandboxMode::Mounted { nr_inodes } => writeln!(
                f,
                "objects: on a private tmpfs (nr_inodes={nr_inodes}) mounted per execution in a private mount namespace"
            )?,
            SandboxMode::Directory { why } => {
                writeln!(f, "objects: in a private directory on an existing tmpfs, because {why}")?;
                writeln!(
                    f,
                    "not covered: the tmpfs space rule (nr_inodes budget, ENOSPC), because that tmpfs's budget is \
                     shared and unknown; the oracle's tmpfs runs with accounting off"
                )?;
            }
        }
        for (run_as, cred) in &self.credentials {
            match (run_as, cred) {
                (RunAs::Current, Some(cred)) => writeln!(f, "run 1: as uid {} gid {} with capabilities {:?}", cred.uid, cred.gid, cred.caps)?,
                (run, _) => writeln!(f, "run 2: {}", run_label(*run))?,
            }
        }
        if let Some(why) = &self.no_test_user {
            writeln!(f, "no unprivileged run, because {why}")?;
        }
        Ok(())
    }

    fn fmt_counts(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = &self.config;
        writeln!(
            f,
            "ops: {} drawn from seed {} in {} sequences of up to {}; {} calls compared, {} skipped (object missing in \
             that run), {} not compared after a state-changing difference",
            config.ops, config.seed, self.sequences, config.seq_len, self.calls_compared, self.calls_skipped, self.calls_not_compared
        )?;
        writeln!(f, "time: {:.1} s", self.elapsed.as_secs_f64())?;
        if self.interrupted {
            writeln!(f, "interrupted: the run stopped early on SIGINT; the sandbox was removed")?;
        }
        Ok(())
    }

    fn fmt_divergences(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "divergences: {}", self.divergences.len())?;
        for divergence in &self.divergences {
            let shrunk = match divergence.replays {
                0 => "not shrunk, because it is over the shrink limit or needs its whole sequence".to_owned(),
                replays => format!("shrunk with {replays} replays"),
            };
            writeln!(
                f,
                "  {} ({} times; first in sequence {} {}; {shrunk}):",
                divergence.key,
                divergence.count,
                divergence.sequence,
                run_label(divergence.run_as),
            )?;
            for line in &divergence.shortest {
                writeln!(f, "    {line}")?;
            }
            writeln!(f, "    oracle: {}; kernel: {}", divergence.oracle, divergence.kernel)?;
        }
        Ok(())
    }

    fn fmt_documented(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total: u64 = self.documented.values().map(|hit| hit.count).sum();
        writeln!(f, "documented differences: {total} calls under {} entries", self.documented.len())?;
        for (key, hit) in &self.documented {
            writeln!(f, "  {key} ({} times): {}", hit.count, hit.reason)?;
        }
        Ok(())
    }

    fn fmt_coverage(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "coverage by object type:")?;
        write!(f, "{}", self.coverage.summary(&host_objects()))?;
        writeln!(f, "coverage table (object, syscall variant, namespace, kernel result and count):")?;
        write!(f, "{}", self.coverage.table())
    }

    fn fmt_verdict(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for kind in &self.uncovered {
            writeln!(f, "uncovered: {kind} received no calls and the machine gave no reason")?;
        }
        let verdict = if self.interrupted {
            "INTERRUPTED"
        } else if self.passed() {
            "PASS"
        } else {
            "FAIL"
        };
        writeln!(
            f,
            "verdict: {verdict} ({} divergences, {} uncovered object types); replay with: {}",
            self.divergences.len(),
            self.uncovered.len(),
            self.config.command_line()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_filler_runs_shortened() {
        let name = format!("\"user.{}\"", "x".repeat(250));
        assert_eq!(shorten_names(&name), "\"user.x...(250 x 'x')\"");
        assert_eq!(shorten_names("user.aa"), "user.aa");
    }
}
