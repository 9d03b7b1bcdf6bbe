//! The tracked arena: every entry, chain node, bucket array and store of a
//! run lives here, and nothing is ever returned to the allocator.
//!
//! Freeing poisons a slot instead of releasing it. A thread that
//! dereferences a poisoned slot produces a use-after-free [`Report`] naming
//! the reader, the grace period its RCU section entered in, the operation
//! that retired the object and the one that freed it; the memory stays valid,
//! so the run continues and every report of the run is collected. Objects
//! not freed by the end of a run are leaks, and a second free is a double
//! free.
//!
//! Readers hold no reference count: the arena owns every object for the
//! whole run, and only the RCU model's callbacks (or an immediate free)
//! change a slot's life. The bookkeeping uses std types that loom and
//! shuttle do not model (the slots are a `boxcar::Vec`, whose own release
//! and acquire make an object's contents visible to any thread that finds
//! its handle), so the arena adds no modelled synchronization.

use std::any::Any;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::ctx::{OpCtx, OpLabel};
use crate::events::{EventKind, EventLog};
use crate::report::Report;

/// The identity of an arena object; 0 is never a valid handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct RawHandle(pub usize);

impl RawHandle {
    pub const NULL: RawHandle = RawHandle(0);

    pub fn is_null(self) -> bool {
        self.0 == 0
    }

    /// The value stored in an atomic pointer word: always even, so designs
    /// can use odd words as markers (design B's nulls markers).
    pub fn to_word(self) -> usize {
        self.0 << 1
    }

    /// Decodes a word written by [`RawHandle::to_word`]; odd words are not
    /// handles.
    pub fn from_word(word: usize) -> Option<RawHandle> {
        (word & 1 == 0).then_some(RawHandle(word >> 1))
    }
}

impl fmt::Display for RawHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Where an object is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Life {
    Live,
    /// Unlinked from every structure readers can reach; waiting to be freed.
    Retired { by: OpLabel },
    /// Poisoned.
    Freed { retired_by: Option<OpLabel>, by: OpLabel },
}

/// An object the arena can hold.
///
/// `poison` runs when the object is freed. Objects that readers reach
/// concurrently store to a runtime atomic there, and their readers load it
/// before each access, so the free and the access are dependent operations
/// that loom's partial-order reduction reorders and shuttle can preempt
/// between.
pub trait ArenaObject: Any + Send + Sync {
    fn poison(&self) {}
}

struct Slot {
    kind: &'static str,
    describe: String,
    allocated_by: OpLabel,
    payload: Box<dyn ArenaObject>,
    life: Mutex<Life>,
    /// Mirrors `life == Freed`, so the check on every access is one load and
    /// readers do not contend on `life`'s mutex.
    freed: AtomicBool,
}

/// The arena of one run.
pub struct Arena {
    slots: boxcar::Vec<Slot>,
    reports: Mutex<Vec<Report>>,
}

impl Default for Arena {
    fn default() -> Self {
        Arena { slots: boxcar::Vec::new(), reports: Mutex::new(Vec::new()) }
    }
}

impl Arena {
    /// Allocates `value`; `kind` and `describe` name it in reports.
    pub fn alloc<T: ArenaObject>(
        &self,
        ctx: &OpCtx,
        events: &EventLog,
        kind: &'static str,
        describe: String,
        value: T,
    ) -> RawHandle {
        let slot = Slot {
            kind,
            describe,
            allocated_by: ctx.op(),
            payload: Box::new(value),
            life: Mutex::new(Life::Live),
            freed: AtomicBool::new(false),
        };
        let handle = RawHandle(self.slots.push(slot) + 1);
        events.record(ctx, EventKind::Alloc { object: handle, kind });
        handle
    }

    fn slot(&self, handle: RawHandle) -> &Slot {
        match handle.0.checked_sub(1).and_then(|index| self.slots.get(index)) {
            Some(slot) => slot,
            None => panic!("checker-internal error: arena handle {handle} was never allocated"),
        }
    }

    fn payload<T: Any>(&self, handle: RawHandle) -> &T {
        let slot = self.slot(handle);
        let payload: &dyn Any = slot.payload.as_ref();
        match payload.downcast_ref::<T>() {
            Some(value) => value,
            None => panic!(
                "checker-internal error: arena object {handle} is a {}, not a {}",
                slot.kind,
                std::any::type_name::<T>()
            ),
        }
    }

    /// Dereferences `handle` on behalf of `ctx`, reporting a use-after-free
    /// if the object was freed. The returned reference stays valid either
    /// way, so the reader carries on as real code would.
    pub fn get<T: Any>(&self, ctx: &OpCtx, handle: RawHandle) -> &T {
        self.check(ctx, handle);
        self.payload(handle)
    }

    /// Reports a use-after-free if `handle` is freed; readers call it at
    /// each access of an object's fields.
    pub fn check(&self, ctx: &OpCtx, handle: RawHandle) {
        let slot = self.slot(handle);
        if !slot.freed.load(Ordering::SeqCst) {
            return;
        }
        let life = slot.life.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Life::Freed { retired_by, by } = life {
            let reader = ctx.reader();
            self.report(Report::UseAfterFree {
                object: handle,
                kind: slot.kind,
                describe: slot.describe.clone(),
                reader: ctx.op(),
                reader_gp: (reader.depth > 0).then_some(reader.entered_in_gp),
                retired_by,
                freed_by: by,
            });
        }
    }

    /// Reads an object without recording an access; for invariant checks and
    /// teardown walks that are not part of the modelled program.
    pub fn peek<T: Any>(&self, handle: RawHandle) -> &T {
        self.payload(handle)
    }

    pub fn life(&self, handle: RawHandle) -> Life {
        self.slot(handle).life.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn kind(&self, handle: RawHandle) -> &'static str {
        self.slot(handle).kind
    }

    /// Marks `handle` unlinked: readers may still hold it until a grace
    /// period ends.
    pub fn retire(&self, ctx: &OpCtx, events: &EventLog, handle: RawHandle) {
        let slot = self.slot(handle);
        let mut life = slot.life.lock().unwrap_or_else(|e| e.into_inner());
        if *life == Life::Live {
            *life = Life::Retired { by: ctx.op() };
        }
        drop(life);
        events.record(ctx, EventKind::Retire { object: handle });
    }

    /// Poisons `handle`, reporting a double free if it was already freed.
    pub fn free(&self, ctx: &OpCtx, events: &EventLog, handle: RawHandle) {
        let slot = self.slot(handle);
        let mut life = slot.life.lock().unwrap_or_else(|e| e.into_inner());
        let previous = std::mem::replace(&mut *life, Life::Live);
        *life = match previous {
            Life::Live => Life::Freed { retired_by: None, by: ctx.op() },
            Life::Retired { by } => Life::Freed { retired_by: Some(by), by: ctx.op() },
            Life::Freed { retired_by, by } => {
                let first = by.clone();
                drop(life);
                self.report(Report::DoubleFree {
                    object: handle,
                    kind: slot.kind,
                    describe: slot.describe.clone(),
                    first_by: first,
                    second_by: ctx.op(),
                });
                *slot.life.lock().unwrap_or_else(|e| e.into_inner()) = Life::Freed { retired_by, by };
                return;
            }
        };
        drop(life);
        slot.freed.store(true, Ordering::SeqCst);
        slot.payload.poison();
        events.record(ctx, EventKind::Free { object: handle });
    }

    /// Reports every object that was never freed.
    pub fn report_leaks(&self) {
        for (index, slot) in self.slots.iter() {
            let life = slot.life.lock().unwrap_or_else(|e| e.into_inner()).clone();
            let retired_by = match life {
                Life::Freed { .. } => continue,
                Life::Live => None,
                Life::Retired { by } => Some(by),
            };
            self.report(Report::Leak {
                object: RawHandle(index + 1),
                kind: slot.kind,
                describe: slot.describe.clone(),
                allocated_by: slot.allocated_by.clone(),
                retired_by,
            });
        }
    }

    /// Number of objects ever allocated.
    pub fn len(&self) -> usize {
        self.slots.count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records `report` once: a reader that touches the same freed object
    /// at several fields produces one report, not one per field.
    pub fn report(&self, report: Report) {
        let mut reports = self.reports.lock().unwrap_or_else(|e| e.into_inner());
        if !reports.contains(&report) {
            reports.push(report);
        }
    }

    /// Every report so far.
    pub fn reports(&self) -> Vec<Report> {
        self.reports.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
