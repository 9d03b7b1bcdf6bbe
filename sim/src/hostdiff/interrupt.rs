//! Ctrl-C handling: a SIGINT handler that only sets a flag, which the run
//! checks between operations so it can stop, clean up and report.
//!
//! The handler does nothing but an atomic store, which is
//! async-signal-safe. A second Ctrl-C finds the flag already set and also
//! does nothing; the run still stops at the next operation.

use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_signal: libc::c_int) {
    // Relaxed: the flag carries no data; readers only need to see it
    // eventually.
    INTERRUPTED.store(true, Ordering::Relaxed);
}

/// Installs the SIGINT handler; returns the error text if sigaction fails.
pub fn install() -> Result<(), String> {
    // SAFETY: `sigaction` is plain old data; all-zero bytes are valid.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: `action.sa_mask` is a valid, writable signal set.
    unsafe { libc::sigemptyset(&mut action.sa_mask) };
    // SAFETY: `action` is fully initialised and its handler only performs
    // an atomic store.
    if unsafe { libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut()) } != 0 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    Ok(())
}

/// The flag the handler sets.
pub fn flag() -> &'static AtomicBool {
    &INTERRUPTED
}
