//! The cost of the model under each explorer: schedules per second for the
//! suite's get-during-replace case on both designs, beside a bare loom and
//! shuttle program with the same two threads and one operation each, plus
//! the time loom needs to exhaust design B with 2 threads of 2 operations
//! at preemption bound 2.
//!
//! Each benchmark iteration is one whole exploration; the schedule count of
//! each exploration is printed once, so schedules per second is that count
//! divided by the median time.
//!
//! Run: `cargo bench -p xattr-model --bench explorers`.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use xattr_model::config::{Capacities, ModelConfig};
use xattr_model::explore::{explore, report_problems, Builtin, Explorer};
use xattr_model::inode::Access;
use xattr_model::program::{InodeSpec, ModelOp, Program};
use xattr_model::runtime::{AtomicUsizeApi, JoinApi, MutexApi, Runtime};
use xattr_model::suite::case;

const LOOM: Explorer = Explorer::Loom { preemption_bound: 3 };
const PCT: Explorer = Explorer::ShuttlePct { seed: 1, iterations: 1000, depth: 3 };

/// Two threads: one writes under a mutex and publishes a flag, the other
/// reads the flag and the value: the bare shape of get-during-replace.
fn bare<R: Runtime>() {
    let shared = Arc::new((R::Mutex::new(0usize), R::AtomicUsize::new(0)));
    let writer = {
        let shared = Arc::clone(&shared);
        R::spawn(move || {
            *shared.0.lock() = 1;
            shared.1.store(1, Ordering::Release);
        })
    };
    let reader = {
        let shared = Arc::clone(&shared);
        R::spawn(move || {
            if shared.1.load(Ordering::Acquire) == 1 {
                assert_eq!(*shared.0.lock(), 1);
            }
        })
    };
    writer.join();
    reader.join();
}

fn count_loom_schedules() -> usize {
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = Arc::clone(&count);
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        bare::<xattr_model::runtime::LoomRuntime>();
    });
    count.load(Ordering::SeqCst)
}

fn two_by_two() -> Program {
    let set = |name: &str, value: &str| ModelOp::Set { inode: 0, name: name.into(), value: value.into(), flags: 0 };
    let get = |name: &str| ModelOp::Get { inode: 0, name: name.into(), size: Some(16), access: Access::InodeRef };
    Program {
        inodes: vec![InodeSpec::default()],
        setup: vec![set("user.a", "0")],
        threads: vec![vec![set("user.a", "1"), get("user.b")], vec![get("user.a"), set("user.b", "2")]],
    }
}

fn model_run(explorer: Explorer, design: &str, program: &Program) -> usize {
    let config = ModelConfig::new(design, Capacities::explorer());
    let result = explore(explorer, &config, Builtin, program, Arc::new(report_problems)).expect("explores");
    assert!(result.passed(), "{result:?}");
    result.schedules
}

fn explorers(c: &mut Criterion) {
    let mut group = c.benchmark_group("explorers");
    group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));

    eprintln!("bare loom program: {} schedules per exploration", count_loom_schedules());
    group.bench_function("bare/loom", |b| b.iter(count_loom_schedules));
    group.bench_function("bare/shuttle-pct", |b| {
        b.iter(|| shuttle::check_pct(bare::<xattr_model::runtime::ShuttleRuntime>, 1000, 3))
    });

    let replace = case("get-during-replace").expect("suite case").program;
    for design in ["rbtree-rwlock", "rhashtable-rcu"] {
        for (name, explorer) in [("loom", LOOM), ("shuttle-pct", PCT)] {
            eprintln!("get-during-replace {design} {name}: {} schedules", model_run(explorer, design, &replace));
            group.bench_function(format!("get-during-replace/{design}/{name}"), |b| {
                b.iter(|| model_run(explorer, design, &replace))
            });
        }
    }

    let program = two_by_two();
    let bound2 = Explorer::Loom { preemption_bound: 2 };
    eprintln!("2 threads x 2 operations, rhashtable-rcu, loom bound 2: {} schedules", model_run(bound2, "rhashtable-rcu", &program));
    group.bench_function("two-by-two/rhashtable-rcu/loom-bound-2", |b| b.iter(|| model_run(bound2, "rhashtable-rcu", &program)));
    group.finish();
}

criterion_group!(benches, explorers);
criterion_main!(benches);
