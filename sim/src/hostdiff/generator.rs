//! The seeded generator of operation sequences: which object each xattr
//! syscall targets, through which access (path, `l` path, fd, O_PATH fd),
//! and with which arguments.
//!
//! Sequence `k` of a run with seed `s` is drawn from a ChaCha8 stream
//! seeded with `s` on stream `k`, so a sequence can be regenerated alone
//! and the same seed always gives the same run. The set-up choices of a
//! sequence (owners and modes of the tmpfs objects) come from the same
//! stream, before the operations.
//!
//! Arguments mix good values with the error paths the VFS checks before
//! and after lookup: unknown flag bits and both flags together; names of
//! length 0, 255 and 256 bytes; bare prefixes (`user.`); unknown
//! namespaces; values of 65536 and 65537 bytes; size-0 queries and short
//! buffers for get and list; O_PATH fds; dangling symlinks (an object).
//!
//! # Limitations
//! Names never contain an interior NUL (the syscalls take C strings) and
//! POSIX ACL names (`system.posix_acl_*`) are never drawn, because the
//! oracle does not model ACLs. `security.capability` is never drawn,
//! because its value is converted and checked by commoncap, which the
//! oracle does not model.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use xattr_model::errno::{XATTR_CREATE, XATTR_REPLACE};

use super::objects::{accesses, host_objects, Access};
use crate::syscall::args::{XATTR_NAME_MAX, XATTR_SIZE_MAX};
use crate::syscall::XattrOp;
use crate::world::ObjectKind;

/// One xattr syscall of a sequence, before its object is resolved to a
/// path or fd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedOp {
    pub object: ObjectKind,
    pub access: Access,
    pub op: XattrOp,
}

/// How the set-up gives away and restricts the tmpfs objects.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SetupPlan {
    /// Objects chowned to the unprivileged test user after creation.
    pub owned_by_test_user: Vec<ObjectKind>,
    /// The mode each tmpfs object gets with chmod after creation.
    pub modes: Vec<(ObjectKind, u32)>,
}

/// A sequence: its set-up and its operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sequence {
    pub index: u64,
    pub setup: SetupPlan,
    pub ops: Vec<PlannedOp>,
}

/// Draws sequence `index` of the run with `seed`.
pub fn sequence(seed: u64, index: u64, len: usize) -> Sequence {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);

    let setup = setup_plan(&mut rng);
    let objects = host_objects();
    let ops = (0..len).map(|_| planned_op(&mut rng, &objects)).collect();
    Sequence { index, setup, ops }
}

fn setup_plan(rng: &mut ChaCha8Rng) -> SetupPlan {
    let mut plan = SetupPlan::default();
    for kind in host_objects() {
        let modes: &[u32] = match kind {
            ObjectKind::TmpfsRegular | ObjectKind::TmpfsFifo => &[0o644, 0o600, 0o666, 0o444, 0o000, 0o622],
            ObjectKind::TmpfsDirectory => &[0o755, 0o777, 0o700, 0o555],
            ObjectKind::TmpfsStickyDirectory => &[0o1777, 0o1755, 0o1700],
            _ => &[],
        };
        if let Some(mode) = modes.choose(rng) {
            plan.modes.push((kind, *mode));
        }
        let chownable = !modes.is_empty() || matches!(kind, ObjectKind::SockfsSocket(..));
        if chownable && rng.gen_bool(0.5) {
            plan.owned_by_test_user.push(kind);
        }
    }
    plan
}

fn planned_op(rng: &mut ChaCha8Rng, objects: &[ObjectKind]) -> PlannedOp {
    let object = *objects.choose(rng).unwrap_or(&ObjectKind::TmpfsRegular);
    let access = *accesses(object).choose(rng).unwrap_or(&Access::Path);
    let op = match rng.gen_range(0..100) {
        0..=34 => XattrOp::Set { name: name(rng, object), value: value(rng), flags: flags(rng) },
        35..=64 => XattrOp::Get { name: name(rng, object), size: get_size(rng) },
        65..=79 => XattrOp::List { size: list_size(rng) },
        _ => XattrOp::Remove { name: name(rng, object) },
    };
    PlannedOp { object, access, op }
}

/// The namespaces drawn for good names; `os2.` is a prefix no Linux
/// filesystem handles.
const PREFIXES: [&str; 5] = ["user.", "trusted.", "security.", "system.", "os2."];

fn name(rng: &mut ChaCha8Rng, object: ObjectKind) -> String {
    let socket = matches!(object, ObjectKind::SockfsSocket(..) | ObjectKind::AbstractUnixSocket | ObjectKind::PathUnixSocket(_));
    match rng.gen_range(0..100) {
        0..=37 => format!("user.{}", suffix(rng)),
        38..=51 => format!("trusted.{}", suffix(rng)),
        52..=61 => format!("security.{}", suffix(rng)),
        62..=67 if socket => "system.sockprotoname".to_owned(),
        62..=67 => format!("system.{}", suffix(rng)),
        68..=71 => format!("os2.{}", suffix(rng)),
        72..=75 => String::new(),
        76..=81 => long_name(rng, XATTR_NAME_MAX),
        82..=85 => long_name(rng, XATTR_NAME_MAX + 1),
        _ => (*PREFIXES.choose(rng).unwrap_or(&"user.")).to_owned(),
    }
}

/// A few short suffixes, so sets, gets and removes meet the same names.
fn suffix(rng: &mut ChaCha8Rng) -> &'static str {
    ["a", "b", "c", "varlink"].choose(rng).copied().unwrap_or("a")
}

/// A `user.` or `trusted.` name of exactly `len` bytes, from one of two
/// fillers so two distinct long names exist.
fn long_name(rng: &mut ChaCha8Rng, len: usize) -> String {
    let prefix = if rng.gen_bool(0.8) { "user." } else { "trusted." };
    let filler = if rng.gen_bool(0.5) { "x" } else { "y" };
    format!("{prefix}{}", filler.repeat(len - prefix.len()))
}

fn value(rng: &mut ChaCha8Rng) -> Vec<u8> {
    let len = match rng.gen_range(0..100) {
        0..=9 => 0,
        10..=59 => rng.gen_range(1..=16),
        60..=74 => rng.gen_range(17..=300),
        75..=82 => 4096,
        83..=87 => 30000,
        88..=94 => XATTR_SIZE_MAX,
        _ => XATTR_SIZE_MAX + 1,
    };
    let byte: u8 = rng.gen();
    (0..len).map(|i| byte.wrapping_add(i as u8)).collect()
}

fn flags(rng: &mut ChaCha8Rng) -> u32 {
    match rng.gen_range(0..100) {
        0..=54 => 0,
        55..=69 => XATTR_CREATE,
        70..=84 => XATTR_REPLACE,
        85..=91 => XATTR_CREATE | XATTR_REPLACE,
        _ => *[0x4, 0x10, 0x8000_0000, XATTR_CREATE | 0x100].choose(rng).unwrap_or(&0x4),
    }
}

fn get_size(rng: &mut ChaCha8Rng) -> usize {
    match rng.gen_range(0..100) {
        0..=29 => 0,
        30..=44 => rng.gen_range(1..=4),
        45..=69 => rng.gen_range(8..=32),
        70..=79 => 256,
        80..=89 => XATTR_SIZE_MAX,
        _ => XATTR_SIZE_MAX + 1,
    }
}

fn list_size(rng: &mut ChaCha8Rng) -> usize {
    match rng.gen_range(0..100) {
        0..=29 => 0,
        30..=49 => rng.gen_range(1..=16),
        50..=64 => 64,
        65..=84 => 4096,
        85..=94 => 65536,
        _ => 70000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence() {
        assert_eq!(sequence(7, 3, 50), sequence(7, 3, 50));
    }

    #[test]
    fn streams_differ() {
        assert_ne!(sequence(7, 3, 50).ops, sequence(7, 4, 50).ops);
    }

    #[test]
    fn error_paths_are_drawn() {
        let ops: Vec<PlannedOp> = (0..20).flat_map(|index| sequence(1, index, 100).ops).collect();
        let names: Vec<&str> = ops
            .iter()
            .filter_map(|planned| match &planned.op {
                XattrOp::Set { name, .. } | XattrOp::Get { name, .. } | XattrOp::Remove { name } => Some(name.as_str()),
                XattrOp::List { .. } => None,
            })
            .collect();
        assert!(names.iter().any(|name| name.is_empty()), "no empty name");
        assert!(names.iter().any(|name| name.len() == 255), "no 255-byte name");
        assert!(names.iter().any(|name| name.len() == 256), "no 256-byte name");
        assert!(names.contains(&"user."), "no bare prefix");
        assert!(ops.iter().any(|planned| planned.access == Access::OPathFd), "no O_PATH fd");
        let big = ops.iter().any(|planned| matches!(&planned.op, XattrOp::Set { value, .. } if value.len() > XATTR_SIZE_MAX));
        assert!(big, "no value over XATTR_SIZE_MAX");
        let bad_flags = ops.iter().any(|planned| matches!(&planned.op, XattrOp::Set { flags, .. } if *flags & !3 != 0));
        assert!(bad_flags, "no invalid flags");
    }
}
