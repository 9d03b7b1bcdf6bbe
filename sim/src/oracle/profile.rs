//! Kernel profiles: which kernel's behaviour the oracle reproduces.
//!
//! - `v6.18`: before the 2026 series "xattr: rework simple xattrs and
//!   support user.* xattrs on sockets" (merged for v7.1). The store is an
//!   rbtree under an rwlock; `user.*` is rejected on sockets by
//!   `xattr_permission`; sockfs has no `user.` handler; pidfs returns an
//!   empty value for a get on a pid without a store.
//! - `v7.1`: with the series. `xattr_permission` allows `user.*` on
//!   `S_IFSOCK`, sockfs stores limited `user.*` xattrs, stores are
//!   allocated lazily, and list order is unspecified.

use std::fmt;
use std::str::FromStr;

use xattr_model::design::{RBTREE_RWLOCK, RHASHTABLE_RCU};

/// A kernel profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Profile {
    V6_18,
    V7_1,
}

impl Profile {
    pub const ALL: [Profile; 2] = [Profile::V6_18, Profile::V7_1];

    /// The name used in scenario files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Profile::V6_18 => "v6.18",
            Profile::V7_1 => "v7.1",
        }
    }

    /// Whether the series is in: sockets take `user.*` xattrs.
    pub fn has_socket_xattrs(self) -> bool {
        self == Profile::V7_1
    }

    /// The store design this kernel uses, by registry name.
    pub fn default_design(self) -> &'static str {
        match self {
            Profile::V6_18 => RBTREE_RWLOCK,
            Profile::V7_1 => RHASHTABLE_RCU,
        }
    }

    /// Whether `listxattr` returns names in a defined order: the v6.18
    /// rbtree walk gives descending `strcmp` order.
    pub fn list_is_ordered(self) -> bool {
        self == Profile::V6_18
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A profile name that is not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown kernel profile `{0}`; expected v6.18 or v7.1")]
pub struct UnknownProfile(pub String);

impl FromStr for Profile {
    type Err = UnknownProfile;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Profile::ALL.into_iter().find(|profile| profile.name() == name).ok_or_else(|| UnknownProfile(name.to_owned()))
    }
}
