//! `struct simple_xattr_limits`: per-inode caps on the number of `user.*`
//! entries and the bytes of their values (128 and 128 KiB in the kernel).
//!
//! The kernel's rule is a speculative pre-increment: increment the count and
//! check it, then add the size and check it, undoing on failure, all with
//! atomic read-modify-writes so that no lock is needed for the check itself.
//! A set that then fails undoes its increment; a replace or remove that
//! displaced an entry subtracts that entry's size and one from the count. A
//! remove never pre-increments. Consequently a replace at the count limit
//! fails with `ENOSPC`, and `ENOSPC` is decided before `EEXIST` and
//! `ENODATA`.
//!
//! Invariant: the committed counters never exceed the limits, and when no
//! set is in flight they equal the live limited entries.
//!
//! The counters use Relaxed ordering: they order nothing else, and the
//! read-modify-writes alone make each check atomic.

use std::sync::atomic::Ordering;

use crate::errno::Errno;
use crate::runtime::{AtomicUsizeApi, Runtime};

/// The two counters of one inode.
pub struct SimpleXattrLimits<R: Runtime> {
    nr_xattrs: R::AtomicUsize,
    xattr_size: R::AtomicUsize,
    max_nr: usize,
    max_size: usize,
    /// The `non-atomic-limit-check` mutant: load, compare, store.
    non_atomic: bool,
}

impl<R: Runtime> SimpleXattrLimits<R> {
    /// `simple_xattr_limits_init` with the given caps.
    pub fn new(max_nr: usize, max_size: usize, non_atomic: bool) -> Self {
        SimpleXattrLimits {
            nr_xattrs: R::AtomicUsize::new(0),
            xattr_size: R::AtomicUsize::new(0),
            max_nr,
            max_size,
            non_atomic,
        }
    }

    /// `simple_xattr_limits_inc`: charges `count` entries and `size` bytes,
    /// or fails with `ENOSPC` and leaves the counters as they were.
    pub fn charge(&self, count: usize, size: usize) -> Result<(), Errno> {
        if self.non_atomic {
            return self.charge_non_atomic(count, size);
        }
        if self.nr_xattrs.fetch_add(count, Ordering::Relaxed) + count > self.max_nr {
            self.nr_xattrs.fetch_sub(count, Ordering::Relaxed);
            return Err(Errno::ENOSPC);
        }
        if self.xattr_size.fetch_add(size, Ordering::Relaxed) + size > self.max_size {
            self.xattr_size.fetch_sub(size, Ordering::Relaxed);
            self.nr_xattrs.fetch_sub(count, Ordering::Relaxed);
            return Err(Errno::ENOSPC);
        }
        Ok(())
    }

    fn charge_non_atomic(&self, count: usize, size: usize) -> Result<(), Errno> {
        let nr = self.nr_xattrs.load(Ordering::Relaxed);
        let bytes = self.xattr_size.load(Ordering::Relaxed);
        if nr + count > self.max_nr || bytes + size > self.max_size {
            return Err(Errno::ENOSPC);
        }
        self.nr_xattrs.store(nr + count, Ordering::Relaxed);
        self.xattr_size.store(bytes + size, Ordering::Relaxed);
        Ok(())
    }

    /// `simple_xattr_limits_dec`: returns `count` entries and `size` bytes.
    pub fn uncharge(&self, count: usize, size: usize) {
        if self.non_atomic {
            let nr = self.nr_xattrs.load(Ordering::Relaxed);
            self.nr_xattrs.store(nr.wrapping_sub(count), Ordering::Relaxed);
            let bytes = self.xattr_size.load(Ordering::Relaxed);
            self.xattr_size.store(bytes.wrapping_sub(size), Ordering::Relaxed);
            return;
        }
        self.nr_xattrs.fetch_sub(count, Ordering::Relaxed);
        self.xattr_size.fetch_sub(size, Ordering::Relaxed);
    }

    /// (entries, value bytes) as counted now.
    pub fn counters(&self) -> (usize, usize) {
        (self.nr_xattrs.load(Ordering::Relaxed), self.xattr_size.load(Ordering::Relaxed))
    }

    /// (entries, value bytes) allowed.
    pub fn maximums(&self) -> (usize, usize) {
        (self.max_nr, self.max_size)
    }
}
