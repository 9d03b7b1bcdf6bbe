//! getxattr throughput on real threads (the std runtime): design A
//! (rbtree + rwlock) against design B (rhashtable + RCU), with 1 and 2
//! reader threads, with and without a concurrent writer replacing the value.
//!
//! Readers use `Access::Pinned` (no inode reference count), so the figures
//! compare the stores themselves. The event log is off. The writer replaces
//! the value about every 20 microseconds so the arena, which never returns
//! memory, stays small.
//!
//! Run: `cargo bench -p xattr-model --bench getxattr`.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use xattr_model::config::{Capacities, ModelConfig};
use xattr_model::ctx::OpCtx;
use xattr_model::design::Registry;
use xattr_model::env::Env;
use xattr_model::inode::{Access, XattrInode};
use xattr_model::runtime::StdRuntime;

const NAME: &str = "user.bench";

struct Setup {
    env: Env<StdRuntime>,
    inode: XattrInode<StdRuntime>,
}

fn setup(design: &str) -> Arc<Setup> {
    let mut config = ModelConfig::new(design, Capacities::production());
    config.record_events = false;
    let entry = Registry::<StdRuntime>::builtin().get(design).expect("design registered");
    let env = Env::new(config, entry);
    let inode = XattrInode::new(&env, 0, None);
    inode.setxattr(&env, &OpCtx::new(0), NAME, Some(&[7u8; 64]), 0).expect("first set");
    Arc::new(Setup { env, inode })
}

/// Runs `readers` threads doing `iters` gets each; returns the wall time
/// from the start barrier until the last reader finished.
fn measure(design: &str, readers: usize, writer: bool, iters: u64) -> Duration {
    let setup = setup(design);
    let stop = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(readers + 1));

    let writer_thread = writer.then(|| {
        let (setup, stop) = (Arc::clone(&setup), Arc::clone(&stop));
        thread::spawn(move || {
            let ctx = OpCtx::new(readers + 1);
            let mut round = 0u8;
            while !stop.load(Ordering::Relaxed) {
                round = round.wrapping_add(1);
                setup.inode.setxattr(&setup.env, &ctx, NAME, Some(&[round; 64]), 0).expect("replace");
                thread::sleep(Duration::from_micros(20));
            }
        })
    });

    let reader_threads: Vec<_> = (0..readers)
        .map(|reader| {
            let (setup, start) = (Arc::clone(&setup), Arc::clone(&start));
            thread::spawn(move || {
                let ctx = OpCtx::new(reader + 1);
                start.wait();
                for _ in 0..iters {
                    let value = setup.inode.getxattr(&setup.env, &ctx, NAME, Some(64), Access::Pinned);
                    black_box(value.expect("get"));
                }
            })
        })
        .collect();

    start.wait();
    let began = Instant::now();
    for reader in reader_threads {
        reader.join().expect("reader");
    }
    let elapsed = began.elapsed();
    stop.store(true, Ordering::Relaxed);
    if let Some(writer) = writer_thread {
        writer.join().expect("writer");
    }
    elapsed
}

fn getxattr(c: &mut Criterion) {
    let mut group = c.benchmark_group("getxattr");
    group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    for writer in [false, true] {
        for readers in [1usize, 2] {
            for design in ["rbtree-rwlock", "rhashtable-rcu"] {
                group.throughput(Throughput::Elements(readers as u64));
                let label = format!("{readers}-readers{}", if writer { "+writer" } else { "" });
                group.bench_with_input(BenchmarkId::new(design, label), &(), |b, ()| {
                    b.iter_custom(|iters| measure(design, readers, writer, iters))
                });
            }
        }
    }
    group.finish();
}

criterion_group!(benches, getxattr);
criterion_main!(benches);
