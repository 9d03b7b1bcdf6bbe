//! The store operation a syscall reached, and how the syscall turns the
//! store's result into its own.
//!
//! The oracle records one [`StoreAccess`] for every syscall that reaches a
//! `simple_xattr` store. A design runner can replay the same store
//! operation on a model design and call [`Finish::apply`] on the design's
//! result to get the syscall result that design would give, so the
//! syscall layer is written once and the store part is swappable.
//!
//! The finishing steps, from fs/xattr.c and net/socket.c:
//! - get: `ERANGE` with a request of `XATTR_SIZE_MAX` or more becomes
//!   `E2BIG` (`do_getxattr`);
//! - list: the filesystem's names before and after the store's names
//!   (sockfs appends `system.sockprotoname`); before v7.1 the store's
//!   names come in descending `strcmp` order, because
//!   `rbtree_simple_xattr_cmp` returns `strcmp(node name, key)` and a
//!   negative result descends left, so the walk from `rb_first` starts at
//!   the greatest name (fs/xattr.c, v6.2 to v7.0); a size-0 call returns the
//!   bytes needed; a buffer that is too small gives `ERANGE`, promoted to
//!   `E2BIG` at `XATTR_LIST_MAX` (`listxattr`).

use xattr_model::errno::Errno;

use crate::store_spec::{StoreOp, StoreResult};
use crate::syscall::args::{promote_getxattr_erange, promote_listxattr_erange, XATTR_LIST_MAX};
use crate::syscall::{list_bytes, SysOutput, SysResult};
use crate::world::StoreId;

/// How a syscall finishes after its store operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finish {
    /// Set or remove: the store's result is the syscall's.
    Set,
    /// Get with the caller's size argument.
    Get { size: usize },
    /// List with the caller's size argument and the names the filesystem
    /// adds after the store's. `descending` puts the store's names in
    /// descending `strcmp` order, as the v6.18 rbtree walk emits them.
    List { size: usize, trailing: Vec<String>, descending: bool },
}

/// One store operation a syscall performed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreAccess {
    pub store: StoreId,
    pub op: StoreOp,
    /// What the oracle's store returned.
    pub result: StoreResult,
    pub finish: Finish,
}

impl Finish {
    /// The syscall result for store result `result`.
    pub fn apply(&self, result: &StoreResult) -> SysResult {
        match (self, result) {
            (_, StoreResult::Err(errno)) => Err(self.promote(*errno)),
            (Finish::Set, _) => Ok(SysOutput::Done),
            (Finish::Get { .. }, StoreResult::Size(size)) => Ok(SysOutput::Size(*size)),
            (Finish::Get { .. }, StoreResult::Value(value)) => Ok(SysOutput::Value(value.clone())),
            (Finish::List { size, trailing, descending }, StoreResult::Names(names)) => {
                let mut all = names.clone();
                if *descending {
                    all.reverse();
                }
                all.extend(trailing.iter().cloned());
                finish_list(all, *size)
            }
            // A store result of the wrong shape is a bug in the caller.
            _ => Err(Errno::EIO),
        }
    }

    fn promote(&self, errno: Errno) -> Errno {
        match self {
            Finish::Set => errno,
            Finish::Get { size } => promote_getxattr_erange(errno, *size),
            Finish::List { size, .. } => promote_listxattr_erange(errno, *size),
        }
    }
}

/// The end of `listxattr` for the complete list of names `names`.
pub fn finish_list(names: Vec<String>, size: usize) -> SysResult {
    let needed = list_bytes(&names);
    if size == 0 {
        return Ok(SysOutput::Size(needed));
    }
    if needed > size.min(XATTR_LIST_MAX) {
        return Err(promote_listxattr_erange(Errno::ERANGE, size));
    }
    Ok(SysOutput::Names(names))
}
