//! The shuttle runtime: shuttle's primitives and threads, scheduled by its
//! random, PCT or DFS scheduler. Shuttle runs every access sequentially
//! consistent, so it finds interleaving bugs but never a weak-ordering one
//! (a relaxed store where a release store is needed); that is loom's job.

use crate::config::Capacities;
use crate::runtime::PlainCell;

/// shuttle's threads and `shuttle::sync` primitives.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShuttleRuntime;

crate::runtime::impl_sync_primitives!(shuttle::sync);
crate::runtime::impl_runtime!(ShuttleRuntime, "shuttle", shuttle::thread, PlainCell, Capacities::explorer());
