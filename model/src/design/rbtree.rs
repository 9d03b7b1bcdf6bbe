//! Design A, `rbtree-rwlock`: the store before v7.1 (fs/xattr.c, v6.2 to
//! v7.0).
//!
//! An ordered map from full name to immutable entry under a reader-writer
//! lock. Get and list take the read side, set and add the write side; the
//! entry a set displaces is returned to the caller and freed at once, which
//! is safe because every reader holds the read lock. List returns names in
//! `strcmp` order and is atomic with respect to writers.
//!
//! The kernel's rbtree is a sorted `Vec` here: the model needs the order and
//! the lock, not the balancing.
//!
//! Invariants: names are sorted and unique (only `simple_xattr_add`, which
//! the kernel reserves for distinct initial names, could add a duplicate);
//! every entry in the tree is live.

use crate::arena::RawHandle;
use crate::ctx::OpCtx;
use crate::design::{DesignEntry, RBTREE_RWLOCK};
use crate::entry::{simple_xattr_space, EntryRef};
use crate::env::Env;
use crate::errno::Errno;
use crate::memory::{entry_items, MemoryCost};
use crate::runtime::{Runtime, TrackedCellApi};
use crate::store::{set_step, GetOutput, Reclaim, SetStep, Store, StoreHeader};
use crate::sync::RwLock;
use crate::arena::Life;

/// The registry entry of design A.
pub fn entry<R: Runtime>() -> DesignEntry<R> {
    DesignEntry {
        name: RBTREE_RWLOCK,
        kernel: "v6.2 to v7.0",
        summary: "ordered map under a reader-writer lock; displaced entries freed at once",
        new_store: |env, ctx| Box::new(RbtreeStore::<R>::new(env, ctx)),
        memory_cost,
    }
}

/// `struct simple_xattrs` before v7.1.
pub struct RbtreeStore<R: Runtime> {
    header: R::Cell<StoreHeader>,
    /// (full name, entry), sorted by name.
    tree: RwLock<R, Vec<(String, RawHandle)>>,
}

impl<R: Runtime> RbtreeStore<R> {
    pub fn new(_env: &Env<R>, ctx: &OpCtx) -> Self {
        let header = StoreHeader { design: RBTREE_RWLOCK, allocated_by: ctx.op_id() };
        RbtreeStore { header: R::Cell::new(header), tree: RwLock::new(Vec::new()) }
    }

    /// Reads the header the way every operation does, so a store published
    /// without release ordering is caught by loom.
    fn touch_header(&self) {
        self.header.with(|header| debug_assert_eq!(header.design, RBTREE_RWLOCK));
    }
}

fn find(tree: &[(String, RawHandle)], name: &str) -> Result<usize, usize> {
    tree.binary_search_by(|(key, _)| key.as_str().cmp(name))
}

impl<R: Runtime> Store<R> for RbtreeStore<R> {
    fn simple_xattr_get(&self, env: &Env<R>, ctx: &OpCtx, name: &str, size: Option<usize>) -> Result<GetOutput, Errno> {
        self.touch_header();
        let tree = self.tree.read(ctx);
        let index = find(&tree, name).map_err(|_| Errno::ENODATA)?;
        copy_out(&env.entry(ctx, tree[index].1), size)
    }

    fn simple_xattr_set(
        &self,
        env: &Env<R>,
        ctx: &OpCtx,
        name: &str,
        value: Option<&[u8]>,
        flags: u32,
    ) -> Result<Option<RawHandle>, Errno> {
        self.touch_header();
        // The new entry is allocated before the lock, as in the kernel.
        let new = value.map(|value| env.simple_xattr_alloc(ctx, name, value)).transpose()?;

        let mut tree = self.tree.write(ctx);
        let found = find(&tree, name);
        let result = match set_step(found.ok(), new, flags) {
            SetStep::Fail(errno) => Err(errno),
            SetStep::Replace(index, new) => Ok(Some(std::mem::replace(&mut tree[index].1, new))),
            SetStep::Remove(index) => Ok(Some(tree.remove(index).1)),
            SetStep::Insert(new) => {
                // `find` failed, so its error is the insertion point.
                tree.insert(found.unwrap_or_else(|index| index), (name.to_owned(), new));
                Ok(None)
            }
            SetStep::Nothing => Ok(None),
        };
        drop(tree);

        if let (Err(_), Some(new)) = (&result, new) {
            env.simple_xattr_free(ctx, new);
        }
        result
    }

    fn simple_xattr_list(&self, env: &Env<R>, ctx: &OpCtx, trusted_visible: bool) -> Result<Vec<String>, Errno> {
        self.touch_header();
        let tree = self.tree.read(ctx);
        let names = tree
            .iter()
            .map(|(_, handle)| env.entry(ctx, *handle).name())
            .filter(|name| trusted_visible || !name.starts_with("trusted."))
            .collect();
        Ok(names)
    }

    fn simple_xattr_add(&self, env: &Env<R>, ctx: &OpCtx, name: &str, value: &[u8]) -> Result<(), Errno> {
        self.touch_header();
        let new = env.simple_xattr_alloc(ctx, name, value)?;
        let mut tree = self.tree.write(ctx);
        // rb_add places an equal key after the existing ones.
        let index = tree.partition_point(|(key, _)| key.as_str() <= name);
        tree.insert(index, (name.to_owned(), new));
        Ok(())
    }

    fn simple_xattrs_free(&self, env: &Env<R>, ctx: &OpCtx) -> usize {
        // The caller guarantees exclusivity, so the kernel takes no lock; the
        // model takes the write side only to reach the Vec.
        let entries = std::mem::take(&mut *self.tree.write(ctx));
        let mut freed = 0;
        for (name, handle) in entries {
            freed += simple_xattr_space(&name, env.entry(ctx, handle).size());
            env.simple_xattr_free(ctx, handle);
        }
        freed
    }

    fn reclaim(&self) -> Reclaim {
        Reclaim::Immediate
    }

    fn assert_invariants(&self, env: &Env<R>) -> Result<(), String> {
        let ctx = OpCtx::new(0);
        let tree = self.tree.read(&ctx);
        for pair in tree.windows(2) {
            if pair[0].0 >= pair[1].0 {
                return Err(format!("names out of order or duplicated: {:?} before {:?}", pair[0].0, pair[1].0));
            }
        }
        for (name, handle) in tree.iter() {
            if env.arena.life(*handle) != Life::Live {
                return Err(format!("entry {handle} for {name:?} is reachable but {:?}", env.arena.life(*handle)));
            }
            let stored = env.peek_entry(*handle).name();
            if stored != *name {
                return Err(format!("tree key {name:?} points at entry named {stored:?}"));
            }
        }
        Ok(())
    }

    fn contents(&self, env: &Env<R>) -> Vec<(String, Vec<u8>)> {
        let ctx = OpCtx::new(0);
        let tree = self.tree.read(&ctx);
        tree.iter().map(|(name, handle)| (name.clone(), env.peek_entry(*handle).value())).collect()
    }
}

/// Copies an entry's value out the way `simple_xattr_get` does.
pub fn copy_out<R: Runtime>(entry: &EntryRef<'_, R>, size: Option<usize>) -> Result<GetOutput, Errno> {
    let value = entry.value();
    match size {
        None => Ok(GetOutput::Size(value.len())),
        Some(size) if size < value.len() => Err(Errno::ERANGE),
        Some(_) => Ok(GetOutput::Value(value)),
    }
}

/// Pre-v7.1 struct sizes: `struct simple_xattrs` (rb_root plus rwlock_t) is
/// embedded in the inode, so an xattr costs only its entry and name.
/// `struct simple_xattr` is rb_node (24) + name pointer (8) + size (8).
fn memory_cost(entries: &[(usize, usize)]) -> MemoryCost {
    let items = entries.iter().flat_map(|(name_len, value_len)| entry_items(40, *name_len, *value_len)).collect();
    MemoryCost { items, published: Some((80, "v7.0, one user.test=foo, commit 1e7cd8a53b72")) }
}
