//! The sequential oracle: what each syscall returns, per kernel profile,
//! when syscalls run one at a time.
//!
//! The oracle is pure: [`step`] takes a world and returns the next world,
//! the result, and the store operation the call reached, if any
//! ([`StoreAccess`]). The store part is [`crate::store_spec::StoreSpec`].
//! Everything in front of it (argument checks, lookup, permissions,
//! handler resolution, per-filesystem policy) and after it (size query,
//! `ERANGE`/`E2BIG`, list contents) is here, one concept per file.
//!
//! A differential tester uses it as: build a [`World`] (see
//! [`crate::world::build`] and [`crate::world::ObjectKind::all`] for the
//! object types), then call [`step`] with a profile, a credential and a
//! [`Syscall`] per operation.
//!
//! # Limitations
//! No LSM is active, there are no user namespaces or idmapped mounts, and
//! POSIX ACLs are not modelled; see the module docs of [`permission`],
//! [`xattr`] and [`world_ops`] for the details.

pub mod fs_set;
pub mod handler;
pub mod lookup;
pub mod permission;
pub mod profile;
pub mod store_access;
pub mod world_ops;
pub mod xattr;

pub use profile::{Profile, UnknownProfile};
pub use store_access::{Finish, StoreAccess};

use crate::syscall::{SysResult, Syscall};
use crate::world::{Cred, World};

/// A syscall's result and the store operation it reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub result: SysResult,
    pub access: Option<StoreAccess>,
}

impl Outcome {
    pub(crate) fn plain(result: SysResult) -> Outcome {
        Outcome { result, access: None }
    }
}

/// One step of the oracle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub world: World,
    pub outcome: Outcome,
}

/// Runs `call` by `cred` on a copy of `world` under `profile`.
pub fn step(profile: Profile, world: &World, cred: &Cred, call: &Syscall) -> Step {
    let mut next = world.clone();
    let outcome = apply(profile, &mut next, cred, call);
    Step { world: next, outcome }
}

/// Runs `call` by `cred` on `world` in place, which is [`step`] without the
/// copy, for long runs.
pub fn apply(profile: Profile, world: &mut World, cred: &Cred, call: &Syscall) -> Outcome {
    match call {
        Syscall::Xattr(call) => xattr::xattr_syscall(profile, world, cred, call),
        Syscall::World(call) => Outcome::plain(world_ops::world_call(world, cred, call)),
    }
}
