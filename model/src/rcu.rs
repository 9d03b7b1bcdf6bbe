//! The model's own RCU: read-side sections, grace periods and callbacks,
//! built on the runtime's atomics so loom and shuttle explore every step.
//!
//! There is no RCU thread. A grace period starts when some thread's RCU call
//! (`call_rcu`, `synchronize_rcu`, `rcu_barrier`) snapshots the readers that
//! are inside a read-side section at that moment, and it ends when each of
//! them has left that section. Queued callbacks run in a later, separate
//! step of some thread's RCU call, so the explorer decides when each grace
//! period ends and each callback runs. In particular a schedule exists in
//! which `synchronize_rcu` has returned while an older callback still waits:
//! `synchronize_rcu` only waits, it never runs callbacks; `rcu_barrier` does.
//!
//! Invariants:
//! - `call_rcu` never blocks, and its callback waits for a grace period that
//!   starts after the call, never the one already in progress (the
//!   `callback-on-current-grace-period` mutant breaks exactly this);
//! - reader registration and the grace-period scan are ordered by
//!   `fence(SeqCst)` on both sides (store-buffering): either the scan sees
//!   the reader, or the reader sees every pointer update made before the
//!   scan. Loom treats SeqCst loads and stores as acquire and release only,
//!   so the fences are what make this hold under loom;
//! - a reader's exit is a release store that the scan reads with acquire, so
//!   everything the reader did happens before the callbacks run.
//!
//! Each step is recorded as an [`EventKind`] for traces.
//!
//! Limitations: one reader slot per thread number, so thread numbers must be
//! below [`Capacities::max_threads`](crate::config::Capacities); there is
//! no expedited or polled grace-period API.

use std::collections::{BTreeSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::arena::{Arena, RawHandle};
use crate::ctx::{LockClass, OpCtx, ReaderState};
use crate::events::{EventKind, EventLog};
use crate::runtime::{AtomicUsizeApi, Runtime};
use crate::sync::Mutex;

/// A grace period in progress.
#[derive(Debug, Clone)]
struct GracePeriod {
    number: u64,
    /// (thread, section counter) of each reader inside a section at the scan.
    waiting_for: Vec<(usize, usize)>,
}

#[derive(Debug)]
struct Queued {
    id: u64,
    waits_for: u64,
    object: RawHandle,
}

#[derive(Debug, Default)]
struct RcuState {
    /// Number of grace periods started so far; the latest is number `started`.
    started: u64,
    /// The latest grace period that has ended.
    completed: u64,
    current: Option<GracePeriod>,
    /// The highest grace period some caller waits for.
    requested: u64,
    queue: VecDeque<Queued>,
    /// Callbacks taken off the queue and running now.
    running: BTreeSet<u64>,
    next_callback: u64,
}

/// A reader slot on its own cache line, as the kernel's per-CPU state is,
/// so readers on real threads do not contend on their neighbours' slots.
#[repr(align(128))]
struct CachePadded<T>(T);

/// The RCU state of one run.
pub struct Rcu<R: Runtime> {
    /// One slot per thread number: the thread's section counter, odd while
    /// it is inside a read-side section.
    readers: Vec<CachePadded<R::AtomicUsize>>,
    state: Mutex<R, RcuState>,
    /// Mirror of `started` for event labels only; not modelled, so reading
    /// it adds no ordering to the read side.
    latest_gp: AtomicU64,
    reader_fence: bool,
    callback_on_current_gp: bool,
}

/// Which RCU rules to break, for the mutants.
#[derive(Debug, Clone, Copy, Default)]
pub struct RcuFaults {
    pub reader_without_fence: bool,
    pub callback_on_current_gp: bool,
}

impl<R: Runtime> Rcu<R> {
    pub fn new(max_threads: usize, faults: RcuFaults) -> Self {
        Rcu {
            readers: (0..max_threads).map(|_| CachePadded(R::AtomicUsize::new(0))).collect(),
            state: Mutex::new(LockClass::RcuInternal, RcuState::default()),
            latest_gp: AtomicU64::new(0),
            reader_fence: !faults.reader_without_fence,
            callback_on_current_gp: faults.callback_on_current_gp,
        }
    }

    fn slot(&self, ctx: &OpCtx) -> &R::AtomicUsize {
        match self.readers.get(ctx.thread()) {
            Some(slot) => &slot.0,
            None => panic!(
                "checker-internal error: thread number {} has no RCU reader slot (capacity {})",
                ctx.thread(),
                self.readers.len()
            ),
        }
    }

    /// Enters a read-side section (nestable).
    pub fn rcu_read_lock(&self, ctx: &OpCtx, events: &EventLog) {
        let mut reader = ctx.reader();
        reader.depth += 1;
        if reader.depth > 1 {
            ctx.set_reader(reader);
            return;
        }

        // Only this thread writes its own slot, so a relaxed load suffices.
        let slot = self.slot(ctx);
        let section = slot.load(Ordering::Relaxed) + 1;
        slot.store(section, Ordering::Relaxed);
        if self.reader_fence {
            // Pairs with the fence in `start_grace_period`: either the scan
            // sees this odd counter, or this reader's later loads see every
            // pointer update made before the scan.
            R::fence(Ordering::SeqCst);
        }

        let gp = self.latest_gp.load(Ordering::SeqCst);
        ctx.set_reader(ReaderState { depth: 1, entered_in_gp: gp, section });
        events.record(ctx, EventKind::ReaderEnter { gp });
    }

    /// Leaves a read-side section.
    pub fn rcu_read_unlock(&self, ctx: &OpCtx, events: &EventLog) {
        let mut reader = ctx.reader();
        assert!(reader.depth > 0, "checker-internal error: rcu_read_unlock without rcu_read_lock in {}", ctx.op());
        reader.depth -= 1;
        if reader.depth > 0 {
            ctx.set_reader(reader);
            return;
        }

        // Release pairs with the acquire load in `grace_period_over`, so this
        // section's reads happen before any callback the scan lets run.
        self.slot(ctx).store(reader.section + 1, Ordering::Release);
        ctx.set_reader(ReaderState::default());
        events.record(ctx, EventKind::ReaderExit { gp: reader.entered_in_gp });
    }

    /// `rcu_dereference`: loads an RCU-protected pointer word. Acquire pairs
    /// with the release in [`Rcu::rcu_assign_pointer`].
    pub fn rcu_dereference(word: &R::AtomicUsize) -> usize {
        word.load(Ordering::Acquire)
    }

    /// `rcu_assign_pointer`: publishes a pointer word. Release pairs with the
    /// acquire in [`Rcu::rcu_dereference`], so the pointee's initialization
    /// is visible to readers that find it.
    pub fn rcu_assign_pointer(word: &R::AtomicUsize, value: usize) {
        word.store(value, Ordering::Release);
    }

    /// `call_rcu`: queues `object` to be freed after a grace period that
    /// starts after this call. Never blocks.
    pub fn call_rcu(&self, ctx: &OpCtx, arena: &Arena, events: &EventLog, object: RawHandle) {
        let mut state = self.state.lock(ctx);
        let waits_for = if self.callback_on_current_gp && state.current.is_some() {
            state.started
        } else {
            state.started + 1
        };
        let id = state.next_callback;
        state.next_callback += 1;
        state.queue.push_back(Queued { id, waits_for, object });
        state.requested = state.requested.max(waits_for);
        drop(state);
        events.record(ctx, EventKind::CallbackQueued { callback: id, object, waits_for });

        self.advance(ctx, events);
        self.run_ready_callbacks(ctx, arena, events);
    }

    /// `synchronize_rcu`: waits until a grace period that starts after this
    /// call has ended. Runs no callbacks.
    pub fn synchronize_rcu(&self, ctx: &OpCtx, events: &EventLog) {
        let mut state = self.state.lock(ctx);
        let target = state.started + 1;
        state.requested = state.requested.max(target);
        drop(state);

        loop {
            self.advance(ctx, events);
            if self.state.lock(ctx).completed >= target {
                return;
            }
            R::yield_now();
        }
    }

    /// `rcu_barrier`: waits until every callback queued before this call has
    /// run, driving grace periods and running callbacks itself.
    pub fn rcu_barrier(&self, ctx: &OpCtx, arena: &Arena, events: &EventLog) {
        let barrier = self.state.lock(ctx).next_callback;
        loop {
            self.advance(ctx, events);
            self.run_ready_callbacks(ctx, arena, events);
            let state = self.state.lock(ctx);
            let pending = state.queue.iter().any(|q| q.id < barrier) || state.running.iter().any(|id| *id < barrier);
            drop(state);
            if !pending {
                return;
            }
            R::yield_now();
        }
    }

    /// Ends the current grace period if its readers have left, then starts
    /// the next one if somebody waits for it.
    fn advance(&self, ctx: &OpCtx, events: &EventLog) {
        let mut state = self.state.lock(ctx);
        if let Some(gp) = &state.current {
            if self.grace_period_over(gp) {
                let number = gp.number;
                state.completed = number;
                state.current = None;
                events.record(ctx, EventKind::GracePeriodEnd { gp: number });
            }
        }
        if state.current.is_none() && state.requested > state.started {
            self.start_grace_period(ctx, events, &mut state);
        }
    }

    fn start_grace_period(&self, ctx: &OpCtx, events: &EventLog, state: &mut RcuState) {
        // Pairs with the fence in `rcu_read_lock` (see the module docs).
        R::fence(Ordering::SeqCst);
        let waiting_for: Vec<(usize, usize)> = self
            .readers
            .iter()
            .enumerate()
            .map(|(thread, slot)| (thread, slot.0.load(Ordering::Acquire)))
            .filter(|(_, section)| section % 2 == 1)
            .collect();

        state.started += 1;
        self.latest_gp.store(state.started, Ordering::SeqCst);
        let readers = waiting_for.iter().map(|(thread, _)| *thread).collect();
        state.current = Some(GracePeriod { number: state.started, waiting_for });
        events.record(ctx, EventKind::GracePeriodStart { gp: state.started, readers });
    }

    fn grace_period_over(&self, gp: &GracePeriod) -> bool {
        // Acquire pairs with the release in `rcu_read_unlock`.
        gp.waiting_for.iter().all(|(thread, section)| self.readers[*thread].0.load(Ordering::Acquire) != *section)
    }

    /// Runs, one step each, the callbacks whose grace period has ended.
    fn run_ready_callbacks(&self, ctx: &OpCtx, arena: &Arena, events: &EventLog) {
        loop {
            let mut state = self.state.lock(ctx);
            let completed = state.completed;
            let Some(position) = state.queue.iter().position(|q| q.waits_for <= completed) else {
                return;
            };
            let Some(callback) = state.queue.remove(position) else { return };
            state.running.insert(callback.id);
            drop(state);

            events.record(ctx, EventKind::CallbackRun { callback: callback.id, object: callback.object });
            arena.free(ctx, events, callback.object);

            self.state.lock(ctx).running.remove(&callback.id);
        }
    }

    /// Number of callbacks queued or running.
    pub fn pending_callbacks(&self, ctx: &OpCtx) -> usize {
        let state = self.state.lock(ctx);
        state.queue.len() + state.running.len()
    }
}
