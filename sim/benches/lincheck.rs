//! Benchmark of the linearizability checker on generated histories.
//!
//! Each history is generated from a seeded ChaCha8 generator. `threads`
//! threads run back to back over 4 inodes with 4 names each. An operation
//! lasts 5 to 15 ticks and the gap before the next one is 0 to 2 ticks, so
//! about `threads * 10 / 11` operations are in flight on average. The
//! measured mean and the search counters are printed once per history.
//! The operation mix is 40 % get, 10 % size query, 25 % set, 10 % remove
//! and 15 % list. Responses come from applying the operations at a random
//! point inside each interval, so every history is linearizable and the
//! checker must find an order.
//!
//! Sizes are 100, 1 000, 10 000 and 100 000 operations at 2, 4, 8 and 16
//! threads, partitioned per inode and unpartitioned. The unpartitioned check
//! of 100 000 operations is skipped to keep the default run short: its
//! state is the product of all four inodes, the 10 000-operation check at
//! 16 threads already takes over a second per iteration on a 2-core VM, and
//! 10 samples at 100 000 would take minutes (an estimate, not measured).
//!
//! Run with `cargo bench -p xattr-sim --bench lincheck`; the default run
//! takes 10 samples over 2 s per case.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use xattr_sim::lincheck::partition::partitions;
use xattr_sim::lincheck::{check, Budget, Buffer, Call, History, ListSpec, Operation, Options, Outcome, StoreDecl, Verdict};

const STORES: usize = 4;
const NAMES: usize = 4;
const SEED: u64 = 0x5eed_11c4;

/// A generated history and its measured mean number of operations in flight.
struct Generated {
    history: History,
    overlap: f64,
}

fn generate(operations: usize, threads: usize, seed: u64) -> Generated {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut history = History { stores: vec![StoreDecl::default(); STORES], ..History::default() };
    let mut clock = vec![0u64; threads];
    let mut points = Vec::with_capacity(operations);

    for _ in 0..operations {
        // The thread that is free first issues the next operation.
        let thread = (0..threads).min_by_key(|&thread| (clock[thread], thread)).expect("at least one thread");
        let invoked = clock[thread] * 2 + 1;
        let duration = rng.gen_range(5..=15);
        let returned = invoked + duration * 2;
        clock[thread] += duration + rng.gen_range(0..=2);
        points.push(invoked + rng.gen_range(0..=duration * 2));

        let store = rng.gen_range(0..STORES);
        let call = random_call(&mut rng);
        let response = Some(Outcome::Done);
        history.operations.push(Operation { thread: thread + 1, store, call, response, invoked, returned: Some(returned) });
    }
    fill_responses(&mut history, &points);
    let overlap = mean_overlap(&history);
    Generated { history, overlap }
}

fn random_call(rng: &mut ChaCha8Rng) -> Call {
    let name = format!("user.n{}", rng.gen_range(0..NAMES));
    match rng.gen_range(0..100) {
        0..40 => Call::Get { name, buffer: Buffer::Unbounded },
        40..50 => Call::Get { name, buffer: Buffer::Query },
        50..75 => Call::Set { name, value: format!("v{}", rng.gen_range(0..8)).into_bytes(), flags: 0 },
        75..85 => Call::Remove { name },
        _ => Call::List { buffer: Buffer::Unbounded, trusted_visible: true },
    }
}

/// Sets each response to what the specification returns when operations
/// take effect in the order of `points`.
fn fill_responses(history: &mut History, points: &[u64]) {
    let partition = partitions(history, ListSpec::Strict, false).pop().expect("operations exist");
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by_key(|&index| (points[index], index));
    let mut state = partition.initial.clone();
    for index in order {
        let op = &mut history.operations[index];
        let (next, response) = partition.spec.apply(&state, op.store, &op.call);
        state = next;
        op.response = Some(response);
    }
}

/// Total operation time divided by the time span: the mean number of
/// operations in flight.
fn mean_overlap(history: &History) -> f64 {
    let busy: u64 = history.operations.iter().map(|op| op.returned.unwrap_or(op.invoked) - op.invoked).sum();
    let start = history.operations.iter().map(|op| op.invoked).min().unwrap_or(0);
    let end = history.operations.iter().filter_map(|op| op.returned).max().unwrap_or(1);
    busy as f64 / (end - start).max(1) as f64
}

fn options(partitioned: bool) -> Options {
    Options {
        list_spec: ListSpec::Strict,
        partitioned,
        budget: Budget { time: Some(Duration::from_secs(600)), max_configurations: 50_000_000 },
        shrink_time: None,
    }
}

/// Prints the history's overlap and the search counters of one
/// partitioned check, summed over partitions: where the time goes.
fn print_profile(generated: &Generated, operations: usize, threads: usize) {
    let report = check(&generated.history, &options(true)).expect("generated histories are valid");
    let configurations: usize = report.partitions.iter().map(|partition| partition.stats.configurations).sum();
    let states: usize = report.partitions.iter().map(|partition| partition.stats.states).sum();
    let steps: u64 = report.partitions.iter().map(|partition| partition.stats.steps).sum();
    println!(
        "history {operations} ops, {threads} threads: mean overlap {:.2}; {} partitions, {configurations} configurations, \
         {states} states, {steps} steps",
        generated.overlap,
        report.partitions.len()
    );
}

fn bench_lincheck(c: &mut Criterion) {
    let mut group = c.benchmark_group("lincheck");
    group.sample_size(10).measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));

    for operations in [100, 1_000, 10_000, 100_000] {
        for threads in [2, 4, 8, 16] {
            let generated = generate(operations, threads, SEED ^ (operations as u64) << 8 ^ threads as u64);
            print_profile(&generated, operations, threads);
            for partitioned in [true, false] {
                if !partitioned && operations >= 100_000 {
                    continue;
                }
                let mode = if partitioned { "partitioned" } else { "whole" };
                let id = BenchmarkId::new(mode, format!("{operations}ops/{threads}threads"));
                let options = options(partitioned);
                group.bench_with_input(id, &generated.history, |bencher, history| {
                    bencher.iter(|| {
                        let report = check(history, &options).expect("generated histories are valid");
                        assert_eq!(report.verdict, Verdict::Pass, "generated histories are linearizable");
                    })
                });
            }
        }
    }
    group.finish();
}

criterion_group!(benches, bench_lincheck);
criterion_main!(benches);
