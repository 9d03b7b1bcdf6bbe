//! The shared state of one model run: configuration, arena, event log, RCU
//! and fault injector, plus the design that builds stores.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use crate::arena::Arena;
use crate::config::ModelConfig;
use crate::ctx::OpCtx;
use crate::design::DesignEntry;
use crate::events::EventLog;
use crate::fault::FaultInjector;
use crate::mutant::Mutant;
use crate::rcu::{Rcu, RcuFaults};
use crate::runtime::Runtime;

/// Everything the threads of one run share besides the inodes.
pub struct Env<R: Runtime> {
    pub config: ModelConfig,
    pub arena: Arena,
    pub events: EventLog,
    pub rcu: Rcu<R>,
    pub faults: FaultInjector,
    pub design: DesignEntry<R>,
    /// The `Arc` this environment lives in, if [`Env::new_shared`] made
    /// it; background threads of a design hold it.
    this: Weak<Env<R>>,
    /// Threads the run may still spawn beyond the program's own (loom
    /// allows only 4 spawned threads). Not modelled: it only counts.
    spare_threads: AtomicUsize,
}

impl<R: Runtime> Env<R> {
    /// Creates the state of a run; call inside the explorer's closure.
    pub fn new(config: ModelConfig, design: DesignEntry<R>) -> Self {
        let rcu_faults = RcuFaults {
            reader_without_fence: config.has(Mutant::ReaderWithoutFence),
            callback_on_current_gp: config.has(Mutant::CallbackOnCurrentGracePeriod),
        };
        Env {
            rcu: Rcu::new(config.capacities.max_threads, rcu_faults),
            faults: FaultInjector::new(config.faults.clone()),
            arena: Arena::default(),
            events: if config.record_events { EventLog::default() } else { EventLog::disabled() },
            design,
            config,
            this: Weak::new(),
            spare_threads: AtomicUsize::new(usize::MAX),
        }
    }

    /// Creates the state of a run inside an `Arc`, so a design can hand it
    /// to a thread it spawns (see [`Env::shared`]).
    pub fn new_shared(config: ModelConfig, design: DesignEntry<R>) -> Arc<Self> {
        Arc::new_cyclic(|this| {
            let mut env = Env::new(config, design);
            env.this = this.clone();
            env
        })
    }

    /// The `Arc` of this environment; `None` unless [`Env::new_shared`]
    /// created it.
    pub fn shared(&self) -> Option<Arc<Self>> {
        self.this.upgrade()
    }

    /// Limits how many threads designs may still spawn in this run.
    pub fn set_spare_threads(&self, count: usize) {
        self.spare_threads.store(count, Ordering::SeqCst);
    }

    /// Takes one thread from the run's budget; false when none is left.
    pub fn take_spare_thread(&self) -> bool {
        self.spare_threads
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |count| count.checked_sub(1))
            .is_ok()
    }

    pub fn rcu_read_lock(&self, ctx: &OpCtx) {
        self.rcu.rcu_read_lock(ctx, &self.events);
    }

    pub fn rcu_read_unlock(&self, ctx: &OpCtx) {
        self.rcu.rcu_read_unlock(ctx, &self.events);
    }

    pub fn synchronize_rcu(&self, ctx: &OpCtx) {
        self.rcu.synchronize_rcu(ctx, &self.events);
    }

    pub fn rcu_barrier(&self, ctx: &OpCtx) {
        self.rcu.rcu_barrier(ctx, &self.arena, &self.events);
    }

    /// Frees any arena object after a grace period (`call_rcu`).
    pub fn call_rcu_free(&self, ctx: &OpCtx, object: crate::arena::RawHandle) {
        self.arena.retire(ctx, &self.events, object);
        self.rcu.call_rcu(ctx, &self.arena, &self.events, object);
    }

    /// Frees any arena object at once.
    pub fn free_now(&self, ctx: &OpCtx, object: crate::arena::RawHandle) {
        self.arena.retire(ctx, &self.events, object);
        self.arena.free(ctx, &self.events, object);
    }
}
