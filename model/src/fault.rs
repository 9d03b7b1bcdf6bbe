//! Named fault points that fail on request.
//!
//! A fault fires on the n-th time its point is reached in one run (counting
//! from 1), so a plan is plain data and a run stays deterministic.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::errno::Errno;

/// A place in the store code that can be made to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultPoint {
    /// `simple_xattr_alloc`: `ENOMEM` before any lock is taken.
    SimpleXattrAlloc,
    /// `simple_xattrs_alloc` inside lazy allocation: `ENOMEM`, nothing published.
    LazyStoreAlloc,
    /// The rhashtable insert slow path: `ENOMEM`, or `EBUSY` from a forced rehash.
    InsertSlowPath,
}

impl FaultPoint {
    pub const ALL: [FaultPoint; 3] =
        [FaultPoint::SimpleXattrAlloc, FaultPoint::LazyStoreAlloc, FaultPoint::InsertSlowPath];

    /// The name used in scenario files and tokens.
    pub fn name(self) -> &'static str {
        match self {
            FaultPoint::SimpleXattrAlloc => "simple_xattr_alloc",
            FaultPoint::LazyStoreAlloc => "simple_xattrs_lazy_alloc",
            FaultPoint::InsertSlowPath => "rhashtable_insert_slow",
        }
    }

    /// The errors the point can inject.
    pub fn allowed_errors(self) -> &'static [Errno] {
        match self {
            FaultPoint::SimpleXattrAlloc | FaultPoint::LazyStoreAlloc => &[Errno::ENOMEM],
            FaultPoint::InsertSlowPath => &[Errno::ENOMEM, Errno::EBUSY],
        }
    }
}

impl fmt::Display for FaultPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error for an unknown fault point name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault point `{0}`; known points: {known}", known = FaultPoint::ALL.map(FaultPoint::name).join(", "))]
pub struct UnknownFaultPoint(pub String);

impl FromStr for FaultPoint {
    type Err = UnknownFaultPoint;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        FaultPoint::ALL
            .into_iter()
            .find(|point| point.name() == name)
            .ok_or_else(|| UnknownFaultPoint(name.to_owned()))
    }
}

/// One injected failure: the `hit`-th arrival at `point` fails with `errno`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    pub point: FaultPoint,
    pub hit: usize,
    pub errno: Errno,
}

/// The faults of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultPlan {
    pub faults: Vec<Fault>,
}

/// Counts arrivals at each fault point during one run.
///
/// The counters are std atomics that loom and shuttle do not model, so
/// counting adds no synchronization to the run.
#[derive(Debug)]
pub struct FaultInjector {
    plan: FaultPlan,
    arrivals: [AtomicUsize; 3],
}

impl FaultInjector {
    pub fn new(plan: FaultPlan) -> Self {
        FaultInjector { plan, arrivals: Default::default() }
    }

    /// Records an arrival at `point` and returns the error to inject, if any.
    pub fn arrive(&self, point: FaultPoint) -> Result<(), Errno> {
        let index = FaultPoint::ALL.iter().position(|p| *p == point).unwrap_or(0);
        let arrival = self.arrivals[index].fetch_add(1, Ordering::SeqCst) + 1;
        match self.plan.faults.iter().find(|f| f.point == point && f.hit == arrival) {
            Some(fault) => Err(fault.errno),
            None => Ok(()),
        }
    }
}
