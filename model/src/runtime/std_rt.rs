//! The std runtime: real OS threads and std's primitives, for benchmarks and
//! for running a program once outside any explorer.

use crate::config::Capacities;
use crate::runtime::PlainCell;

/// Real threads (`std::thread`) and std's locks and atomics.
#[derive(Debug, Clone, Copy, Default)]
pub struct StdRuntime;

crate::runtime::impl_sync_primitives!(std::sync);
crate::runtime::impl_runtime!(StdRuntime, "std", std::thread, PlainCell, Capacities::production());
