//! One inode's xattr state as the VFS and the filesystem see it: the lazily
//! allocated store pointer, the inode lock, the limits and the inode's
//! reference count.
//!
//! Lazy allocation (`simple_xattrs_lazy_alloc`) gives the store pointer three
//! states: absent, allocated but empty, populated. Any set with a value
//! allocates the store before the limit check and the lookup, so a set that
//! then fails leaves an empty store, as in the kernel. The pointer is
//! published with release semantics and read with acquire (`READ_ONCE` in
//! the kernel, a dependency-ordered load). A get on an absent store gives
//! `ENODATA`, a list gives nothing, and a remove gives `ENODATA` without
//! allocating.
//!
//! Writers are serialized by the inode lock by default; with
//! `writers_serialized` off, the publication race and the lookup-then-modify
//! race of design B become visible: a store published twice (the loser's
//! entries leak), a lost set, a duplicate name.
//!
//! Teardown (`simple_xattrs_free` from `evict_inode`) runs when the last
//! inode reference is dropped and frees every entry at once, with no grace
//! period. A reader holding an inode reference therefore delays it; a reader
//! that holds only an RCU read lock is not protected, and the arena reports
//! its accesses as use-after-free.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::arena::RawHandle;
use crate::config::{Accounting, Publication};
use crate::ctx::{LockClass, OpCtx};
use crate::env::Env;
use crate::errno::{Errno, XATTR_REPLACE};
use crate::events::EventKind;
use crate::fault::FaultPoint;
use crate::limits::SimpleXattrLimits;
use crate::mutant::Mutant;
use crate::runtime::{AtomicUsizeApi, Runtime};
use crate::store::{GetOutput, Reclaim, Store, StoreBox, STORE_KIND};
use crate::sync::Mutex;

/// The way a reader reaches the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Access {
    /// Holds an inode reference for the whole call, as every syscall does.
    #[default]
    InodeRef,
    /// Holds only an RCU read lock (for example code that found the inode
    /// through an RCU-protected lookup and took no reference).
    RcuOnly,
    /// Takes nothing: the caller keeps the inode alive by other means, as
    /// `fgetxattr` on a file the caller keeps open does. Benchmarks use it so
    /// a shared reference count does not hide the store's own scaling.
    Pinned,
}

/// The xattr side of one inode.
pub struct XattrInode<R: Runtime> {
    pub id: usize,
    /// The store pointer word; 0 while absent.
    xattrs: R::AtomicUsize,
    inode_lock: Mutex<R, ()>,
    limits: SimpleXattrLimits<R>,
    /// Names with this prefix are charged to `limits` (`user.` on sockfs
    /// and kernfs); `None` means no limits.
    limited_prefix: Option<String>,
    /// `i_count`: the owner's reference plus one per operation in flight.
    i_count: R::AtomicUsize,
    // Bookkeeping for invariant checks; std atomics, not modelled.
    publications: AtomicUsize,
    sets_in_flight: AtomicUsize,
    owner_dropped: AtomicBool,
    evicted: AtomicBool,
}

impl<R: Runtime> XattrInode<R> {
    pub fn new(env: &Env<R>, id: usize, limited_prefix: Option<String>) -> Self {
        let caps = env.config.capacities;
        XattrInode {
            id,
            xattrs: R::AtomicUsize::new(0),
            inode_lock: Mutex::new(LockClass::Inode, ()),
            limits: SimpleXattrLimits::new(
                caps.max_nr_xattrs,
                caps.max_xattr_size,
                env.config.has(Mutant::NonAtomicLimitCheck),
            ),
            limited_prefix,
            i_count: R::AtomicUsize::new(1),
            publications: AtomicUsize::new(0),
            sets_in_flight: AtomicUsize::new(0),
            owner_dropped: AtomicBool::new(false),
            evicted: AtomicBool::new(false),
        }
    }

    /// `igrab`: takes a reference unless the inode is being evicted.
    fn igrab(&self) -> Result<(), Errno> {
        let mut count = self.i_count.load(Ordering::Relaxed);
        loop {
            if count == 0 {
                // NOTE: a real caller holding an fd or a path cannot reach an
                // evicted inode; the model returns ENOENT for programs that
                // keep using an inode after evicting it.
                return Err(Errno::ENOENT);
            }
            // Relaxed, as for an Arc clone: the caller already reaches the
            // inode, and the release in `iput` orders what it does with it.
            match self.i_count.compare_exchange(count, count + 1, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return Ok(()),
                Err(current) => count = current,
            }
        }
    }

    /// `iput`: drops a reference and evicts on the last one.
    fn iput(&self, env: &Env<R>, ctx: &OpCtx) {
        // Release pairs with the acquire fence below, so every access made
        // under this reference happens before the eviction frees the store.
        if self.i_count.fetch_sub(1, Ordering::Release) == 1 {
            R::fence(Ordering::Acquire);
            self.evict(env, ctx);
        }
    }

    /// `evict_inode`: `simple_xattrs_free` plus freeing the store itself.
    fn evict(&self, env: &Env<R>, ctx: &OpCtx) {
        self.evicted.store(true, Ordering::SeqCst);
        let word = self.xattrs.load(Ordering::Acquire);
        let Some(handle) = RawHandle::from_word(word).filter(|h| !h.is_null()) else { return };
        env.arena.get::<StoreBox<R>>(ctx, handle).0.simple_xattrs_free(env, ctx);
        env.free_now(ctx, handle);
    }

    /// Drops the owner's reference: the inode is evicted once no operation
    /// holds it. A second call fails with `EBADF`.
    pub fn drop_owner_ref(&self, env: &Env<R>, ctx: &OpCtx) -> Result<(), Errno> {
        if self.owner_dropped.swap(true, Ordering::SeqCst) {
            return Err(Errno::EBADF);
        }
        self.iput(env, ctx);
        Ok(())
    }

    /// Returns the published store, if any (`READ_ONCE(inode->xattrs)`).
    fn store<'a>(&self, env: &'a Env<R>, ctx: &OpCtx) -> Option<&'a dyn Store<R>> {
        // Acquire pairs with the release that published the store, so its
        // header and table are visible.
        let word = self.xattrs.load(Ordering::Acquire);
        let handle = RawHandle::from_word(word).filter(|h| !h.is_null())?;
        Some(env.arena.get::<StoreBox<R>>(ctx, handle).0.as_ref())
    }

    /// `simple_xattrs_lazy_alloc`: returns the store, allocating and
    /// publishing one for a set with a value. A remove on an absent store
    /// gives `ENODATA` with `XATTR_REPLACE` and `Ok(None)` without.
    fn simple_xattrs_lazy_alloc<'a>(
        &self,
        env: &'a Env<R>,
        ctx: &OpCtx,
        has_value: bool,
        flags: u32,
    ) -> Result<Option<&'a dyn Store<R>>, Errno> {
        if let Some(store) = self.store(env, ctx) {
            return Ok(Some(store));
        }
        if !has_value {
            return if flags & XATTR_REPLACE != 0 { Err(Errno::ENODATA) } else { Ok(None) };
        }

        env.faults.arrive(FaultPoint::LazyStoreAlloc)?;
        let store = StoreBox((env.design.new_store)(env, ctx));
        let handle = env.arena.alloc(ctx, &env.events, STORE_KIND, format!("inode {}", self.id), store);
        self.publish(env, ctx, handle).map(Some)
    }

    fn publish<'a>(&self, env: &'a Env<R>, ctx: &OpCtx, handle: RawHandle) -> Result<&'a dyn Store<R>, Errno> {
        let word = handle.to_word();
        match env.config.publication {
            _ if env.config.has(Mutant::RelaxedStorePublish) => self.xattrs.store(word, Ordering::Relaxed),
            // smp_store_release; pairs with the acquire in `store`.
            Publication::ReleaseStore => self.xattrs.store(word, Ordering::Release),
            Publication::CompareExchange => {
                // AcqRel: release publishes ours, acquire reads the winner's.
                if self.xattrs.compare_exchange(0, word, Ordering::AcqRel, Ordering::Acquire).is_err() {
                    // Lost the race: ours was never visible, free it at once.
                    env.arena.get::<StoreBox<R>>(ctx, handle).0.simple_xattrs_free(env, ctx);
                    env.free_now(ctx, handle);
                    return self.store(env, ctx).ok_or(Errno::ENOMEM);
                }
            }
        }
        self.publications.fetch_add(1, Ordering::SeqCst);
        env.events.record(ctx, EventKind::Publish { inode: self.id, store: handle });
        Ok(env.arena.get::<StoreBox<R>>(ctx, handle).0.as_ref())
    }

    fn is_limited(&self, name: &str) -> bool {
        self.limited_prefix.as_deref().is_some_and(|prefix| name.starts_with(prefix))
    }

    /// `setxattr` (value `Some`) or `removexattr` (value `None`, which the
    /// VFS passes with `XATTR_REPLACE`) through the filesystem handler.
    pub fn setxattr(
        &self,
        env: &Env<R>,
        ctx: &OpCtx,
        name: &str,
        value: Option<&[u8]>,
        flags: u32,
    ) -> Result<(), Errno> {
        self.igrab()?;
        let guard = env.config.writers_serialized.then(|| self.inode_lock.lock(ctx));
        self.sets_in_flight.fetch_add(1, Ordering::SeqCst);

        let result = self.set_locked(env, ctx, name, value, flags);

        self.sets_in_flight.fetch_sub(1, Ordering::SeqCst);
        drop(guard);
        self.iput(env, ctx);
        result
    }

    /// `simple_xattr_set_limited` (or plain `simple_xattr_set`) after lazy
    /// allocation, with the inode lock held if writers are serialized.
    fn set_locked(&self, env: &Env<R>, ctx: &OpCtx, name: &str, value: Option<&[u8]>, flags: u32) -> Result<(), Errno> {
        let Some(store) = self.simple_xattrs_lazy_alloc(env, ctx, value.is_some(), flags)? else {
            return Ok(());
        };

        let limited = self.is_limited(name);
        let charge = match value {
            Some(value) if limited => self.charge(env, ctx, store, name, value.len())?,
            _ => (0, 0),
        };

        let old = match store.simple_xattr_set(env, ctx, name, value, flags) {
            Ok(old) => old,
            Err(errno) => {
                self.limits.uncharge(charge.0, charge.1);
                return Err(errno);
            }
        };

        if let Some(old) = old {
            let old_size = env.entry(ctx, old).size();
            if limited {
                self.settle_displaced(env, value.map(<[u8]>::len), old_size);
            }
            self.reclaim(env, ctx, store, old);
        }
        if limited {
            let (nr_xattrs, xattr_size) = self.limits.counters();
            env.events.record(ctx, EventKind::Limits { inode: self.id, nr_xattrs, xattr_size });
        }
        Ok(())
    }

    /// Charges a set of `size` bytes; returns what to undo on failure.
    fn charge(&self, env: &Env<R>, ctx: &OpCtx, store: &dyn Store<R>, name: &str, size: usize) -> Result<(usize, usize), Errno> {
        let charge = match env.config.accounting {
            Accounting::PreIncrement => (1, size),
            Accounting::NetDelta => match store.simple_xattr_get(env, ctx, name, None) {
                Ok(GetOutput::Size(old)) => (0, size.saturating_sub(old)),
                _ => (1, size),
            },
        };
        self.limits.charge(charge.0, charge.1)?;
        Ok(charge)
    }

    /// Returns the displaced entry's share of the limits. Under net-delta
    /// accounting a replace already paid only its growth, so it returns
    /// just a shrink.
    fn settle_displaced(&self, env: &Env<R>, new_size: Option<usize>, old_size: usize) {
        match (env.config.accounting, new_size) {
            (Accounting::NetDelta, Some(new_size)) => self.limits.uncharge(0, old_size.saturating_sub(new_size)),
            _ => self.limits.uncharge(1, old_size),
        }
    }

    fn reclaim(&self, env: &Env<R>, ctx: &OpCtx, store: &dyn Store<R>, old: RawHandle) {
        let immediate = env.config.has(Mutant::FreeWithoutGracePeriod);
        match store.reclaim() {
            Reclaim::AfterGracePeriod if !immediate => env.simple_xattr_free_rcu(ctx, old),
            _ => env.simple_xattr_free(ctx, old),
        }
    }

    /// `getxattr` through the filesystem handler: `ENODATA` on an absent
    /// store.
    pub fn getxattr(
        &self,
        env: &Env<R>,
        ctx: &OpCtx,
        name: &str,
        size: Option<usize>,
        access: Access,
    ) -> Result<GetOutput, Errno> {
        self.with_access(env, ctx, access, |store| match store {
            Some(store) => store.simple_xattr_get(env, ctx, name, size),
            None => Err(Errno::ENODATA),
        })
    }

    /// Lists the store part of `listxattr`: nothing on an absent store.
    pub fn listxattr(&self, env: &Env<R>, ctx: &OpCtx, trusted_visible: bool, access: Access) -> Result<Vec<String>, Errno> {
        self.with_access(env, ctx, access, |store| match store {
            Some(store) => store.simple_xattr_list(env, ctx, trusted_visible),
            None => Ok(Vec::new()),
        })
    }

    /// `simple_xattr_add` after lazy allocation, as `shmem_initxattrs` adds
    /// the initial security names; takes the inode lock like a set.
    pub fn simple_xattr_add(&self, env: &Env<R>, ctx: &OpCtx, name: &str, value: &[u8]) -> Result<(), Errno> {
        self.igrab()?;
        let guard = env.config.writers_serialized.then(|| self.inode_lock.lock(ctx));
        let result = self
            .simple_xattrs_lazy_alloc(env, ctx, true, 0)
            .and_then(|store| store.map_or(Ok(()), |store| store.simple_xattr_add(env, ctx, name, value)));
        drop(guard);
        self.iput(env, ctx);
        result
    }

    /// Runs a read path with the reference or RCU section that `access` requests.
    fn with_access<T>(
        &self,
        env: &Env<R>,
        ctx: &OpCtx,
        access: Access,
        read: impl FnOnce(Option<&dyn Store<R>>) -> Result<T, Errno>,
    ) -> Result<T, Errno> {
        match access {
            Access::InodeRef => {
                self.igrab()?;
                let result = read(self.store(env, ctx));
                self.iput(env, ctx);
                result
            }
            Access::Pinned => read(self.store(env, ctx)),
            Access::RcuOnly => {
                env.rcu_read_lock(ctx);
                let result = read(self.store(env, ctx));
                env.rcu_read_unlock(ctx);
                result
            }
        }
    }

    /// Lets the store finish its background work (see [`Store::quiesce`]);
    /// call once no program thread runs.
    pub fn quiesce(&self, env: &Env<R>, ctx: &OpCtx) {
        if self.is_evicted() {
            return;
        }
        if let Some(store) = self.store(env, ctx) {
            store.quiesce(env, ctx);
        }
    }

    /// Returns whether the inode has been evicted.
    pub fn is_evicted(&self) -> bool {
        self.evicted.load(Ordering::SeqCst)
    }

    /// Returns whether a store is published.
    pub fn has_store(&self) -> bool {
        Env::<R>::peek_word(&self.xattrs) != 0
    }

    /// Returns the live (name, value) pairs, sorted; only valid while no thread runs.
    pub fn contents(&self, env: &Env<R>) -> Vec<(String, Vec<u8>)> {
        let word = Env::<R>::peek_word(&self.xattrs);
        match RawHandle::from_word(word).filter(|h| !h.is_null()) {
            Some(handle) if !self.is_evicted() => {
                let mut pairs = env.arena.peek::<StoreBox<R>>(handle).0.contents(env);
                pairs.sort();
                pairs
            }
            _ => Vec::new(),
        }
    }

    /// (entries, value bytes) charged to the limits now.
    pub fn limit_counters(&self) -> (usize, usize) {
        self.limits.counters()
    }

    /// Checks this inode and its store; only valid while no thread runs.
    pub fn assert_invariants(&self, env: &Env<R>) -> Result<(), String> {
        let publications = self.publications.load(Ordering::SeqCst);
        if publications > 1 {
            return Err(format!("inode {}: a store was published {publications} times", self.id));
        }
        if self.is_evicted() {
            return Ok(());
        }
        if let Some(handle) = RawHandle::from_word(Env::<R>::peek_word(&self.xattrs)).filter(|h| !h.is_null()) {
            let store = &env.arena.peek::<StoreBox<R>>(handle).0;
            store.assert_invariants(env).map_err(|message| format!("inode {}: {message}", self.id))?;
        }
        self.check_limits(env)
    }

    fn check_limits(&self, env: &Env<R>) -> Result<(), String> {
        let (nr, size) = self.limits.counters();
        let (max_nr, max_size) = self.limits.maximums();
        if nr > max_nr || size > max_size {
            return Err(format!(
                "inode {}: committed limit counters ({nr} entries, {size} bytes) exceed the limits ({max_nr}, {max_size})",
                self.id
            ));
        }
        if self.sets_in_flight.load(Ordering::SeqCst) > 0 || self.limited_prefix.is_none() {
            return Ok(());
        }
        let live: Vec<_> = self.contents(env).into_iter().filter(|(name, _)| self.is_limited(name)).collect();
        let live_size: usize = live.iter().map(|(_, value)| value.len()).sum();
        if (nr, size) != (live.len(), live_size) {
            return Err(format!(
                "inode {}: limit counters say {nr} entries and {size} bytes, the store holds {} and {live_size}",
                self.id,
                live.len()
            ));
        }
        Ok(())
    }
}
