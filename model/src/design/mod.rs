//! The registry of store designs.
//!
//! Each design is one [`DesignEntry`]: a name, the kernel it models, a
//! constructor and its memory cost model. [`Registry::builtin`] lists the two
//! kernel designs; a maintainer trying the next revision of a patch adds a
//! third with [`Registry::register`] and runs every check on it unchanged.

pub mod rbtree;
pub mod rhashtable;

use std::fmt;

use crate::ctx::OpCtx;
use crate::env::Env;
use crate::memory::MemoryCost;
use crate::runtime::Runtime;
use crate::store::Store;

/// A named store design.
pub struct DesignEntry<R: Runtime> {
    /// The name used in configs, scenario files and tokens.
    pub name: &'static str,
    /// The kernel versions that use this design.
    pub kernel: &'static str,
    pub summary: &'static str,
    /// Builds an empty store (the design part of `simple_xattrs_alloc`).
    pub new_store: fn(&Env<R>, &OpCtx) -> Box<dyn Store<R>>,
    /// Bytes the kernel would allocate for an inode whose store holds
    /// entries of these (full name length, value length) pairs.
    pub memory_cost: fn(&[(usize, usize)]) -> MemoryCost,
}

impl<R: Runtime> Clone for DesignEntry<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R: Runtime> Copy for DesignEntry<R> {}

impl<R: Runtime> fmt::Debug for DesignEntry<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DesignEntry").field("name", &self.name).field("kernel", &self.kernel).finish()
    }
}

/// The error for a design name that is not registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown design `{name}`; registered designs: {known}")]
pub struct UnknownDesign {
    pub name: String,
    pub known: String,
}

/// Designs by name, in registration order.
pub struct Registry<R: Runtime> {
    entries: Vec<DesignEntry<R>>,
}

/// Name of design A.
pub const RBTREE_RWLOCK: &str = "rbtree-rwlock";
/// Name of design B.
pub const RHASHTABLE_RCU: &str = "rhashtable-rcu";

impl<R: Runtime> Registry<R> {
    /// The kernel's two designs.
    pub fn builtin() -> Self {
        Registry { entries: vec![rbtree::entry(), rhashtable::entry()] }
    }

    /// Adds a design; a later entry with the same name replaces the earlier.
    pub fn register(&mut self, entry: DesignEntry<R>) {
        self.entries.retain(|existing| existing.name != entry.name);
        self.entries.push(entry);
    }

    pub fn get(&self, name: &str) -> Result<DesignEntry<R>, UnknownDesign> {
        self.entries.iter().find(|entry| entry.name == name).copied().ok_or_else(|| UnknownDesign {
            name: name.to_owned(),
            known: self.names().join(", "),
        })
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.entries.iter().map(|entry| entry.name).collect()
    }

    pub fn entries(&self) -> &[DesignEntry<R>] {
        &self.entries
    }
}
