//! Black-box tests of `xattrsim host-diff` against the running kernel.
//!
//! Each test gives the binary its own `--dir` under /dev/shm and checks
//! afterwards that the sandbox left nothing behind. A test is skipped
//! (with a message on stderr) where /dev/shm is not a directory. When the
//! caller is not root, or mounting is refused, host-diff falls back to a
//! directory on /dev/shm, and the tests check that the report says so.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_xattrsim");

/// A private directory for one test, removed on drop.
struct TestDir(PathBuf);

impl TestDir {
    fn new(test: &str) -> Option<TestDir> {
        let shm = PathBuf::from("/dev/shm");
        if !shm.is_dir() {
            eprintln!("skipped: /dev/shm is not a directory on this machine");
            return None;
        }
        let dir = shm.join(format!("xattrsim-test-{test}-{}", std::process::id()));
        fs::create_dir(&dir).expect("creating the test directory");
        Some(TestDir(dir))
    }

    fn is_empty(&self) -> bool {
        fs::read_dir(&self.0).expect("reading the test directory").next().is_none()
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn host_diff(dir: &TestDir, extra: &[&str]) -> Output {
    Command::new(BIN)
        .arg("host-diff")
        .arg("--dir")
        .arg(&dir.0)
        .args(extra)
        .output()
        .expect("running xattrsim")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The running kernel's major.minor, from /proc.
fn kernel_version() -> String {
    let release = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    release.split('.').take(2).collect::<Vec<_>>().join(".")
}

/// Whether the kernel is in host-diff's kernel-version table.
fn kernel_is_mapped() -> bool {
    matches!(kernel_version().as_str(), "6.18" | "7.1")
}

#[test]
fn short_run_passes_on_this_kernel() {
    let Some(dir) = TestDir::new("pass") else { return };
    let output = host_diff(&dir, &["--ops", "400", "--seed", "3"]);
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);

    if !kernel_is_mapped() {
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("--profile"), "{stderr}");
        return;
    }
    assert_eq!(output.status.code(), Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("divergences: 0"), "{stdout}");
    assert!(stdout.contains("verdict: PASS"), "{stdout}");
    let mounted = stdout.contains("on a private tmpfs (nr_inodes=64)");
    let fallback = stdout.contains("in a private directory on an existing tmpfs, because");
    assert!(mounted || fallback, "the report names no sandbox mode:\n{stdout}");
    assert!(dir.is_empty(), "the sandbox was left behind");
}

#[test]
fn no_mount_fallback_says_what_is_missing() {
    let Some(dir) = TestDir::new("fallback") else { return };
    let output = host_diff(&dir, &["--ops", "200", "--seed", "5", "--no-mount", "--profile", "v6.18"]);
    let stdout = text(&output.stdout);

    assert!(stdout.contains("because mounting was disabled by --no-mount"), "{stdout}");
    assert!(stdout.contains("not covered: the tmpfs space rule"), "{stdout}");
    if kernel_version() == "6.18" {
        assert_eq!(output.status.code(), Some(0), "{stdout}");
    }
    assert!(dir.is_empty(), "the sandbox was left behind");
}

#[test]
fn wrong_profile_divergence_is_shrunk() {
    if kernel_version() != "6.18" {
        eprintln!("skipped: the expected divergences are those of a 6.18 kernel against v7.1");
        return;
    }
    let Some(dir) = TestDir::new("shrink") else { return };
    let output = host_diff(&dir, &["--ops", "200", "--seed", "1", "--profile", "v7.1", "--shrink-budget", "50"]);
    let stdout = text(&output.stdout);

    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("oracle profile v7.1 (set by --profile)"), "{stdout}");
    assert!(!stdout.contains("divergences: 0"), "{stdout}");
    assert!(stdout.contains("shrunk with"), "{stdout}");
    assert!(stdout.contains("verdict: FAIL"), "{stdout}");
    assert!(dir.is_empty(), "the sandbox was left behind");
}

#[test]
fn invalid_flags_exit_2() {
    let Some(dir) = TestDir::new("invalid") else { return };
    let zero = host_diff(&dir, &["--ops", "0"]);
    assert_eq!(zero.status.code(), Some(2));
    assert!(text(&zero.stderr).contains("--ops"), "{}", text(&zero.stderr));

    let profile = host_diff(&dir, &["--profile", "v9.9"]);
    assert_eq!(profile.status.code(), Some(2));
    assert!(text(&profile.stderr).contains("v9.9"), "{}", text(&profile.stderr));
}

#[test]
fn ctrl_c_stops_and_cleans_up() {
    let Some(dir) = TestDir::new("sigint") else { return };
    let child = Command::new(BIN)
        .args(["host-diff", "--ops", "10000000", "--profile", "v6.18", "--dir"])
        .arg(&dir.0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running xattrsim");
    std::thread::sleep(Duration::from_millis(1500));
    let pid = i32::try_from(child.id()).expect("pid fits in i32");
    // SAFETY: kill takes plain integers; the pid is our own child, which
    // has not been waited for yet, so it cannot have been reused.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let output = child.wait_with_output().expect("waiting for xattrsim");
    let stdout = text(&output.stdout);

    assert_eq!(output.status.code(), Some(4), "stdout:\n{stdout}\nstderr:\n{}", text(&output.stderr));
    assert!(stdout.contains("interrupted: the run stopped early on SIGINT"), "{stdout}");
    assert!(dir.is_empty(), "the sandbox was left behind");
}
