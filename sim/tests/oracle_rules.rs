//! One test per oracle rule, each naming the errno the kernel gives.

use xattr_model::errno::{Errno, XATTR_CREATE, XATTR_REPLACE};
use xattr_sim::oracle::{apply, Profile};
use xattr_sim::syscall::{SysOutput, SysResult, Syscall, Via, WorldCall, XattrCall, XattrOp};
use xattr_sim::world::{Cred, Family, Fd, FileType, SockType, World};

use Profile::{V6_18, V7_1};

struct Fixture {
    profile: Profile,
    world: World,
}

fn user() -> Cred {
    Cred::user(1000, 1000)
}

fn other() -> Cred {
    Cred::user(2000, 2000)
}

impl Fixture {
    fn new(profile: Profile) -> Self {
        let mut world = World::new();
        world.mount_tmpfs("/tmp", 64, false).unwrap();
        world.mount_tmpfs("/ro", 64, true).unwrap();
        Fixture { profile, world }
    }

    fn call(&mut self, cred: &Cred, call: Syscall) -> SysResult {
        apply(self.profile, &mut self.world, cred, &call).result
    }

    fn world(&mut self, cred: &Cred, call: WorldCall) -> SysResult {
        self.call(cred, Syscall::World(call))
    }

    fn creat(&mut self, cred: &Cred, path: &str, mode: u32) {
        self.world(cred, WorldCall::Creat { path: path.into(), mode }).unwrap();
    }

    fn socket(&mut self, cred: &Cred, family: Family, sock_type: SockType) -> Fd {
        match self.world(cred, WorldCall::Socket { family, sock_type }) {
            Ok(SysOutput::Fd(fd)) => fd,
            other => panic!("socket failed: {other:?}"),
        }
    }

    fn set(&mut self, cred: &Cred, via: Via, name: &str, value: &[u8], flags: u32) -> SysResult {
        let op = XattrOp::Set { name: name.into(), value: value.to_vec(), flags };
        self.call(cred, Syscall::Xattr(XattrCall { via, op }))
    }

    fn get(&mut self, cred: &Cred, via: Via, name: &str, size: usize) -> SysResult {
        self.call(cred, Syscall::Xattr(XattrCall { via, op: XattrOp::Get { name: name.into(), size } }))
    }

    fn list(&mut self, cred: &Cred, via: Via, size: usize) -> SysResult {
        self.call(cred, Syscall::Xattr(XattrCall { via, op: XattrOp::List { size } }))
    }

    fn remove(&mut self, cred: &Cred, via: Via, name: &str) -> SysResult {
        self.call(cred, Syscall::Xattr(XattrCall { via, op: XattrOp::Remove { name: name.into() } }))
    }
}

fn path(p: &str) -> Via {
    Via::Path(p.into())
}

#[test]
fn unknown_flags_einval_before_lookup() {
    let mut f = Fixture::new(V7_1);
    assert_eq!(f.set(&user(), path("/tmp/missing"), "user.a", b"v", 4), Err(Errno::EINVAL));
}

#[test]
fn empty_and_long_names_erange() {
    let mut f = Fixture::new(V7_1);
    assert_eq!(f.set(&user(), path("/tmp/missing"), "", b"v", 0), Err(Errno::ERANGE));
    assert_eq!(f.get(&user(), path("/tmp/missing"), &"a".repeat(256), 0), Err(Errno::ERANGE));
    assert_eq!(f.remove(&user(), path("/tmp/missing"), &"a".repeat(256)), Err(Errno::ERANGE));
}

#[test]
fn oversize_value_e2big_before_lookup() {
    let mut f = Fixture::new(V7_1);
    assert_eq!(f.set(&user(), path("/tmp/missing"), "user.a", &[0; 65537], 0), Err(Errno::E2BIG));
}

#[test]
fn missing_path_enoent() {
    let mut f = Fixture::new(V7_1);
    assert_eq!(f.get(&user(), path("/tmp/missing"), "user.a", 0), Err(Errno::ENOENT));
}

#[test]
fn closed_fd_ebadf() {
    let mut f = Fixture::new(V7_1);
    assert_eq!(f.list(&user(), Via::Fd(42), 0), Err(Errno::EBADF));
}

#[test]
fn o_path_fd_ebadf_on_f_calls() {
    let mut f = Fixture::new(V7_1);
    f.creat(&user(), "/tmp/f", 0o644);
    let fd = match f.world(&user(), WorldCall::Open { path: "/tmp/f".into(), o_path: true, nofollow: false }) {
        Ok(SysOutput::Fd(fd)) => fd,
        other => panic!("{other:?}"),
    };
    assert_eq!(f.get(&user(), Via::Fd(fd), "user.a", 0), Err(Errno::EBADF));
    assert_eq!(f.set(&user(), Via::Fd(fd), "user.a", b"v", 0), Err(Errno::EBADF));
    assert_eq!(f.list(&user(), Via::Fd(fd), 0), Err(Errno::EBADF));
    assert_eq!(f.remove(&user(), Via::Fd(fd), "user.a"), Err(Errno::EBADF));
}

#[test]
fn read_only_mount_erofs() {
    let mut f = Fixture::new(V7_1);
    // Create the file while the mount is writable, then make it read-only.
    f.world.mounts.values_mut().for_each(|mount| {
        if mount.mountpoint == "/ro" {
            mount.read_only = false;
        }
    });
    f.creat(&user(), "/ro/f", 0o644);
    f.world.mounts.values_mut().for_each(|mount| {
        if mount.mountpoint == "/ro" {
            mount.read_only = true;
        }
    });
    assert_eq!(f.set(&user(), path("/ro/f"), "user.a", b"v", 0), Err(Errno::EROFS));
    assert_eq!(f.remove(&user(), path("/ro/f"), "user.a"), Err(Errno::EROFS));
    assert_eq!(f.get(&user(), path("/ro/f"), "user.a", 0), Err(Errno::ENODATA));
}

#[test]
fn immutable_and_append_only_eperm() {
    let mut f = Fixture::new(V7_1);
    f.creat(&user(), "/tmp/i", 0o644);
    f.creat(&user(), "/tmp/a", 0o644);
    f.world(&Cred::root(), WorldCall::SetInodeFlags { path: "/tmp/i".into(), immutable: true, append_only: false }).unwrap();
    f.world(&Cred::root(), WorldCall::SetInodeFlags { path: "/tmp/a".into(), immutable: false, append_only: true }).unwrap();
    assert_eq!(f.set(&Cred::root(), path("/tmp/i"), "user.a", b"v", 0), Err(Errno::EPERM));
    assert_eq!(f.remove(&Cred::root(), path("/tmp/a"), "trusted.a"), Err(Errno::EPERM));
}

#[test]
fn trusted_without_cap_eperm_enodata() {
    let mut f = Fixture::new(V7_1);
    f.creat(&user(), "/tmp/f", 0o644);
    assert_eq!(f.set(&user(), path("/tmp/f"), "trusted.a", b"v", 0), Err(Errno::EPERM));
    assert_eq!(f.get(&user(), path("/tmp/f"), "trusted.a", 0), Err(Errno::ENODATA));
}

#[test]
fn trusted_hidden_from_list_without_cap() {
    let mut f = Fixture::new(V7_1);
    f.creat(&user(), "/tmp/f", 0o666);
    f.set(&Cred::root(), path("/tmp/f"), "trusted.t", b"v", 0).unwrap();
    f.set(&user(), path("/tmp/f"), "user.u", b"v", 0).unwrap();
    assert_eq!(f.list(&user(), path("/tmp/f"), 100), Ok(SysOutput::Names(vec!["user.u".into()])));
    assert_eq!(f.list(&Cred::root(), path("/tmp/f"), 100), Ok(SysOutput::Names(vec!["trusted.t".into(), "user.u".into()])));
}

#[test]
fn v6_18_list_in_descending_rbtree_order() {
    // `rbtree_simple_xattr_cmp` is strcmp(node, key), so greater names sit
    // to the left and the walk from rb_first lists them first.
    let mut f = Fixture::new(V6_18);
    f.creat(&user(), "/tmp/f", 0o666);
    for name in ["user.a", "user.c", "user.b"] {
        f.set(&user(), path("/tmp/f"), name, b"v", 0).unwrap();
    }
    let names = vec!["user.c".to_owned(), "user.b".to_owned(), "user.a".to_owned()];
    assert_eq!(f.list(&user(), path("/tmp/f"), 100), Ok(SysOutput::Names(names)));
}

#[test]
fn user_on_fifo_and_symlink_eperm_enodata() {
    for profile in Profile::ALL {
        let mut f = Fixture::new(profile);
        f.world(&user(), WorldCall::Mkfifo { path: "/tmp/p".into(), mode: 0o666 }).unwrap();
        f.world(&user(), WorldCall::Symlink { target: "/tmp/p".into(), path: "/tmp/l".into() }).unwrap();
        assert_eq!(f.set(&user(), path("/tmp/p"), "user.a", b"v", 0), Err(Errno::EPERM));
        assert_eq!(f.get(&user(), Via::LPath("/tmp/l".into()), "user.a", 0), Err(Errno::ENODATA));
        assert_eq!(f.set(&user(), Via::LPath("/tmp/l".into()), "user.a", b"v", 0), Err(Errno::EPERM));
    }
}

#[test]
fn dangling_symlink_enoent_when_followed() {
    let mut f = Fixture::new(V7_1);
    f.world(&user(), WorldCall::Symlink { target: "/tmp/nowhere".into(), path: "/tmp/l".into() }).unwrap();
    assert_eq!(f.get(&user(), path("/tmp/l"), "user.a", 0), Err(Errno::ENOENT));
    assert_eq!(f.list(&user(), Via::LPath("/tmp/l".into()), 0), Ok(SysOutput::Size(0)));
}

#[test]
fn user_on_socket_eperm_before_v7_1() {
    let mut old = Fixture::new(V6_18);
    let fd = old.socket(&user(), Family::Unix, SockType::Stream);
    assert_eq!(old.set(&user(), Via::Fd(fd), "user.a", b"v", 0), Err(Errno::EPERM));
    assert_eq!(old.get(&user(), Via::Fd(fd), "user.a", 0), Err(Errno::ENODATA));

    let mut new = Fixture::new(V7_1);
    let fd = new.socket(&user(), Family::Unix, SockType::Stream);
    assert_eq!(new.set(&user(), Via::Fd(fd), "user.a", b"v", 0), Ok(SysOutput::Done));
}

#[test]
fn sticky_dir_write_by_non_owner_eperm() {
    let mut f = Fixture::new(V7_1);
    f.world(&user(), WorldCall::Mkdir { path: "/tmp/d".into(), mode: 0o1777 }).unwrap();
    f.world.umask = 0;
    assert_eq!(f.set(&other(), path("/tmp/d"), "user.a", b"v", 0), Err(Errno::EPERM));
    assert_eq!(f.set(&user(), path("/tmp/d"), "user.a", b"v", 0), Ok(SysOutput::Done));
    assert_eq!(f.get(&other(), path("/tmp/d"), "user.a", 0), Ok(SysOutput::Size(1)));
}

#[test]
fn mode_bits_eacces() {
    let mut f = Fixture::new(V7_1);
    f.creat(&user(), "/tmp/f", 0o600);
    assert_eq!(f.set(&other(), path("/tmp/f"), "user.a", b"v", 0), Err(Errno::EACCES));
    assert_eq!(f.get(&other(), path("/tmp/f"), "user.a", 0), Err(Errno::EACCES));
}

#[test]
fn unknown_namespace_eacces_or_eopnotsupp() {
    let mut f = Fixture::new(V7_1);
    f.creat(&user(), "/tmp/f", 0o600);
    assert_eq!(f.set(&other(), path("/tmp/f"), "foo.bar", b"v", 0), Err(Errno::EACCES));
    assert_eq!(f.set(&user(), path("/tmp/f"), "foo.bar", b"v", 0), Err(Errno::EOPNOTSUPP));
}

#[test]
fn bare_prefix_einval() {
    let mut f = Fixture::new(V7_1);
    f.creat(&user(), "/tmp/f", 0o600);
    assert_eq!(f.set(&user(), path("/tmp/f"), "user.", b"v", 0), Err(Errno::EINVAL));
}

#[test]
fn security_set_needs_sys_admin_eperm() {
    let mut f = Fixture::new(V7_1);
    f.creat(&user(), "/tmp/f", 0o600);
    assert_eq!(f.set(&user(), path("/tmp/f"), "security.x", b"v", 0), Err(Errno::EPERM));
    assert_eq!(f.set(&Cred::root(), path("/tmp/f"), "security.x", b"v", 0), Ok(SysOutput::Done));
}

#[test]
fn tmpfs_system_namespace_eopnotsupp() {
    let mut f = Fixture::new(V7_1);
    f.creat(&user(), "/tmp/f", 0o600);
    assert_eq!(f.set(&user(), path("/tmp/f"), "system.foo", b"v", 0), Err(Errno::EOPNOTSUPP));
}

#[test]
fn create_on_present_eexist_replace_on_missing_enodata() {
    let mut f = Fixture::new(V7_1);
    f.creat(&user(), "/tmp/f", 0o600);
    assert_eq!(f.set(&user(), path("/tmp/f"), "user.a", b"v", XATTR_REPLACE), Err(Errno::ENODATA));
    f.set(&user(), path("/tmp/f"), "user.a", b"v", 0).unwrap();
    assert_eq!(f.set(&user(), path("/tmp/f"), "user.a", b"w", XATTR_CREATE), Err(Errno::EEXIST));
    assert_eq!(f.set(&user(), path("/tmp/f"), "user.a", b"w", XATTR_CREATE | XATTR_REPLACE), Err(Errno::EEXIST));
    assert_eq!(f.set(&user(), path("/tmp/f"), "user.b", b"w", XATTR_CREATE | XATTR_REPLACE), Err(Errno::ENODATA));
}

#[test]
fn size_query_erange_and_e2big_promotion() {
    let mut f = Fixture::new(V7_1);
    f.creat(&user(), "/tmp/f", 0o600);
    f.set(&user(), path("/tmp/f"), "user.a", b"value", 0).unwrap();
    assert_eq!(f.get(&user(), path("/tmp/f"), "user.a", 0), Ok(SysOutput::Size(5)));
    assert_eq!(f.get(&user(), path("/tmp/f"), "user.a", 4), Err(Errno::ERANGE));
    assert_eq!(f.list(&user(), path("/tmp/f"), 3), Err(Errno::ERANGE));
    assert_eq!(f.list(&user(), path("/tmp/f"), 0), Ok(SysOutput::Size(7)));
}

#[test]
fn list_over_list_max_e2big() {
    let mut f = Fixture::new(V7_1);
    f.world.mount_tmpfs("/big", 0, false).unwrap();
    f.creat(&user(), "/big/f", 0o600);
    for i in 0..300 {
        let name = format!("user.{i:0>250}");
        f.set(&user(), path("/big/f"), &name, b"", 0).unwrap();
    }
    let needed = match f.list(&user(), path("/big/f"), 0) {
        Ok(SysOutput::Size(size)) => size,
        other => panic!("{other:?}"),
    };
    assert!(needed > 65536);
    assert_eq!(f.list(&user(), path("/big/f"), 65536), Err(Errno::E2BIG));
    assert_eq!(f.list(&user(), path("/big/f"), 1 << 20), Err(Errno::E2BIG));
}

#[test]
fn empty_value_is_not_removal() {
    let mut f = Fixture::new(V7_1);
    f.creat(&user(), "/tmp/f", 0o600);
    f.set(&user(), path("/tmp/f"), "user.a", b"", 0).unwrap();
    assert_eq!(f.get(&user(), path("/tmp/f"), "user.a", 10), Ok(SysOutput::Value(Vec::new())));
}

#[test]
fn remove_missing_enodata() {
    let mut f = Fixture::new(V7_1);
    f.creat(&user(), "/tmp/f", 0o600);
    assert_eq!(f.remove(&user(), path("/tmp/f"), "user.a"), Err(Errno::ENODATA));
}

#[test]
fn tmpfs_space_shared_by_mount_enospc() {
    let mut f = Fixture::new(V7_1);
    // nr_inodes=3: 3072 bytes; root, a and b take 1024 each, so no space
    // is left for any xattr.
    f.world.mount_tmpfs("/small", 3, false).unwrap();
    f.creat(&user(), "/small/a", 0o600);
    f.creat(&user(), "/small/b", 0o600);
    assert_eq!(f.set(&user(), path("/small/a"), "user.a", b"v", 0), Err(Errno::ENOSPC));

    f.world.mount_tmpfs("/four", 4, false).unwrap();
    f.creat(&user(), "/four/a", 0o600);
    f.creat(&user(), "/four/b", 0o600);
    // 1024 bytes free: 40 + 6 + 978 = 1024 fits exactly.
    assert_eq!(f.set(&user(), path("/four/a"), "user.a", &[b'x'; 978], 0), Ok(SysOutput::Done));
    assert_eq!(f.set(&user(), path("/four/b"), "user.b", b"", 0), Err(Errno::ENOSPC));
    // A replace needs the full new size free before the old is returned.
    assert_eq!(f.set(&user(), path("/four/a"), "user.a", b"y", 0), Err(Errno::ENOSPC));
    assert_eq!(f.remove(&user(), path("/four/a"), "user.a"), Ok(SysOutput::Done));
    assert_eq!(f.set(&user(), path("/four/b"), "user.b", b"", 0), Ok(SysOutput::Done));
}

#[test]
fn sockfs_limit_pre_increment_enospc() {
    let mut f = Fixture::new(V7_1);
    let fd = f.socket(&user(), Family::Unix, SockType::Stream);
    for i in 0..128 {
        f.set(&user(), Via::Fd(fd), &format!("user.{i}"), b"v", 0).unwrap();
    }
    // Replace at the count limit and ENOSPC before EEXIST.
    assert_eq!(f.set(&user(), Via::Fd(fd), "user.0", b"w", 0), Err(Errno::ENOSPC));
    assert_eq!(f.set(&user(), Via::Fd(fd), "user.0", b"w", XATTR_CREATE), Err(Errno::ENOSPC));
    assert_eq!(f.set(&user(), Via::Fd(fd), "user.new", b"w", XATTR_REPLACE), Err(Errno::ENOSPC));
    assert_eq!(f.remove(&user(), Via::Fd(fd), "user.0"), Ok(SysOutput::Done));
}

#[test]
fn sockfs_sockprotoname_listed_last_and_read_only() {
    let mut f = Fixture::new(V7_1);
    let fd = f.socket(&user(), Family::Inet, SockType::Stream);
    f.set(&user(), Via::Fd(fd), "user.a", b"v", 0).unwrap();
    let names = vec!["user.a".to_owned(), "system.sockprotoname".to_owned()];
    assert_eq!(f.list(&user(), Via::Fd(fd), 100), Ok(SysOutput::Names(names)));
    assert_eq!(f.get(&user(), Via::Fd(fd), "system.sockprotoname", 100), Ok(SysOutput::Value(b"TCP\0".to_vec())));
    assert_eq!(f.get(&user(), Via::Fd(fd), "system.sockprotoname", 3), Err(Errno::ERANGE));
    assert_eq!(f.set(&user(), Via::Fd(fd), "system.sockprotoname", b"x", 0), Err(Errno::EOPNOTSUPP));
}

#[test]
fn sockfs_trusted_eopnotsupp_for_admin() {
    let mut f = Fixture::new(V7_1);
    let fd = f.socket(&Cred::root(), Family::Unix, SockType::Dgram);
    assert_eq!(f.set(&Cred::root(), Via::Fd(fd), "trusted.a", b"v", 0), Err(Errno::EOPNOTSUPP));
    assert_eq!(f.set(&user(), Via::Fd(fd), "trusted.a", b"v", 0), Err(Errno::EPERM));
}

#[test]
fn sockfs_security_remove_eagain() {
    let mut f = Fixture::new(V7_1);
    let fd = f.socket(&Cred::root(), Family::Unix, SockType::Stream);
    assert_eq!(f.set(&Cred::root(), Via::Fd(fd), "security.a", b"v", 0), Err(Errno::EOPNOTSUPP));
    assert_eq!(f.remove(&Cred::root(), Via::Fd(fd), "security.a"), Err(Errno::EAGAIN));
}

#[test]
fn path_socket_and_sockfs_inode_have_separate_stores() {
    let mut f = Fixture::new(V7_1);
    let fd = f.socket(&user(), Family::Unix, SockType::Stream);
    f.world(&user(), WorldCall::Bind { fd, path: "/tmp/s".into() }).unwrap();
    f.set(&user(), path("/tmp/s"), "user.a", b"path", 0).unwrap();
    assert_eq!(f.get(&user(), Via::Fd(fd), "user.a", 0), Err(Errno::ENODATA));
}

#[test]
fn dup_shares_accept_and_socketpair_do_not() {
    let mut f = Fixture::new(V7_1);
    let fd = f.socket(&user(), Family::Unix, SockType::Stream);
    f.world(&user(), WorldCall::Bind { fd, path: "/tmp/s".into() }).unwrap();
    f.set(&user(), Via::Fd(fd), "user.a", b"v", 0).unwrap();
    let Ok(SysOutput::Fd(copy)) = f.world(&user(), WorldCall::Dup { fd }) else { panic!("dup failed") };
    assert_eq!(f.get(&user(), Via::Fd(copy), "user.a", 0), Ok(SysOutput::Size(1)));

    let client = f.socket(&user(), Family::Unix, SockType::Stream);
    f.world(&user(), WorldCall::Connect { fd: client, path: "/tmp/s".into() }).unwrap();
    let Ok(SysOutput::Fd(accepted)) = f.world(&user(), WorldCall::Accept { fd }) else { panic!("accept failed") };
    assert_eq!(f.get(&user(), Via::Fd(accepted), "user.a", 0), Err(Errno::ENODATA));
    assert_eq!(f.world(&user(), WorldCall::Accept { fd }), Err(Errno::EAGAIN));

    let Ok(SysOutput::FdPair(a, b)) = f.world(&user(), WorldCall::Socketpair { family: Family::Unix, sock_type: SockType::Stream }) else {
        panic!("socketpair failed")
    };
    f.set(&user(), Via::Fd(a), "user.a", b"v", 0).unwrap();
    assert_eq!(f.get(&user(), Via::Fd(b), "user.a", 0), Err(Errno::ENODATA));
}

#[test]
fn connect_needs_may_write_eacces() {
    let mut f = Fixture::new(V7_1);
    let fd = f.socket(&user(), Family::Unix, SockType::Stream);
    f.world(&user(), WorldCall::Bind { fd, path: "/tmp/s".into() }).unwrap();
    // Bound with 0777 & ~022 = 0755: others may not write.
    let client = f.socket(&other(), Family::Unix, SockType::Stream);
    assert_eq!(f.world(&other(), WorldCall::Connect { fd: client, path: "/tmp/s".into() }), Err(Errno::EACCES));
}

#[test]
fn chmod_by_non_owner_eperm() {
    let mut f = Fixture::new(V7_1);
    let fd = f.socket(&user(), Family::Unix, SockType::Stream);
    assert_eq!(f.world(&other(), WorldCall::Fchmod { fd, mode: 0o700 }), Err(Errno::EPERM));
    assert_eq!(f.world(&user(), WorldCall::Fchmod { fd, mode: 0o700 }), Ok(SysOutput::Done));
    assert_eq!(f.set(&other(), Via::Fd(fd), "user.a", b"v", 0), Err(Errno::EACCES));
    assert_eq!(f.world(&user(), WorldCall::Fchown { fd, uid: Some(2000), gid: None }), Err(Errno::EPERM));
}

fn kernfs_fixture(profile: Profile, user_xattr: bool) -> Fixture {
    let mut f = Fixture::new(profile);
    let root = f.world.add_kernfs_root(user_xattr);
    f.world.mount_kernfs("/sys/a", root, false).unwrap();
    f.world.mount_kernfs("/sys/b", root, false).unwrap();
    f.world.add_kernfs_node(root, "node", FileType::Regular, 0o644, (1000, 1000)).unwrap();
    f
}

#[test]
fn kernfs_user_without_root_flag_eopnotsupp() {
    let mut f = kernfs_fixture(V7_1, false);
    assert_eq!(f.set(&user(), path("/sys/a/node"), "user.a", b"v", 0), Err(Errno::EOPNOTSUPP));
    assert_eq!(f.get(&user(), path("/sys/a/node"), "user.a", 0), Err(Errno::ENODATA));
}

#[test]
fn kernfs_node_two_superblocks_one_store() {
    let mut f = kernfs_fixture(V7_1, true);
    let a = f.world.paths["/sys/a/node"].inode;
    let b = f.world.paths["/sys/b/node"].inode;
    assert_ne!(a, b);
    f.set(&user(), path("/sys/a/node"), "user.a", b"v", 0).unwrap();
    assert_eq!(f.get(&user(), path("/sys/b/node"), "user.a", 0), Ok(SysOutput::Size(1)));
    f.world(&user(), WorldCall::Chmod { path: "/sys/a/node".into(), mode: 0o600 }).unwrap();
    assert_eq!(f.get(&other(), path("/sys/b/node"), "user.a", 0), Err(Errno::EACCES));
}

#[test]
fn pidfs_trusted_only_per_pid() {
    for profile in Profile::ALL {
        let mut f = Fixture::new(profile);
        let Ok(SysOutput::Fd(first)) = f.world(&Cred::root(), WorldCall::PidfdOpen { pid: 7 }) else { panic!() };
        let Ok(SysOutput::Fd(second)) = f.world(&Cred::root(), WorldCall::PidfdOpen { pid: 7 }) else { panic!() };
        assert_eq!(f.set(&Cred::root(), Via::Fd(first), "user.a", b"v", 0), Err(Errno::EOPNOTSUPP));
        assert_eq!(f.set(&user(), Via::Fd(first), "trusted.a", b"v", 0), Err(Errno::EPERM));
        f.set(&Cred::root(), Via::Fd(first), "trusted.a", b"v", 0).unwrap();
        assert_eq!(f.get(&Cred::root(), Via::Fd(second), "trusted.a", 0), Ok(SysOutput::Size(1)));
    }
}

#[test]
fn pidfs_empty_get_before_v7_1() {
    let mut old = Fixture::new(V6_18);
    let Ok(SysOutput::Fd(fd)) = old.world(&Cred::root(), WorldCall::PidfdOpen { pid: 9 }) else { panic!() };
    assert_eq!(old.get(&Cred::root(), Via::Fd(fd), "trusted.a", 0), Ok(SysOutput::Size(0)));
    // A failed remove allocated the store, so the get now fails with ENODATA.
    assert_eq!(old.remove(&Cred::root(), Via::Fd(fd), "trusted.a"), Err(Errno::ENODATA));
    assert_eq!(old.get(&Cred::root(), Via::Fd(fd), "trusted.a", 0), Err(Errno::ENODATA));

    let mut new = Fixture::new(V7_1);
    let Ok(SysOutput::Fd(fd)) = new.world(&Cred::root(), WorldCall::PidfdOpen { pid: 9 }) else { panic!() };
    assert_eq!(new.get(&Cred::root(), Via::Fd(fd), "trusted.a", 0), Err(Errno::ENODATA));
}

#[test]
fn packet_socket_needs_net_raw_eperm() {
    let mut f = Fixture::new(V7_1);
    assert_eq!(f.world(&user(), WorldCall::Socket { family: Family::Packet, sock_type: SockType::Dgram }), Err(Errno::EPERM));
}
