//! Cross-check of the search against brute force: on small random
//! histories, the checker's verdict (partitioned and not) equals the result
//! of trying every order that respects real time.
//!
//! Histories are made linearizable by construction (responses computed from
//! a random linearization point inside each interval), then one response is
//! replaced at random in about half of the cases, so both verdicts occur
//! (about one in four generated histories is not linearizable).
//!
//! Limitations: the brute force covers the strict list specification only;
//! the weak one has its own hand-written cases.

mod lincheck_common;

use std::time::Duration;

use proptest::prelude::*;
use xattr_model::errno::{Errno, XATTR_CREATE, XATTR_REPLACE};
use xattr_sim::lincheck::partition::partitions;
use xattr_sim::lincheck::spec::{PartSpec, PartState};
use xattr_sim::lincheck::{check, Budget, Buffer, Call, History, ListSpec, Operation, Options, Outcome, Verdict};

use lincheck_common::Builder;

const NAMES: [&str; 2] = ["user.a", "user.b"];

fn call_strategy() -> impl Strategy<Value = Call> {
    let name = prop::sample::select(NAMES.to_vec()).prop_map(String::from);
    let value = prop::sample::select(vec!["x", "yy"]).prop_map(|value| value.as_bytes().to_vec());
    let flags = prop::sample::select(vec![0, XATTR_CREATE, XATTR_REPLACE]);
    let buffer = prop::sample::select(vec![Buffer::Unbounded, Buffer::Query, Buffer::Bytes(8)]);
    prop_oneof![
        3 => (name.clone(), value, flags).prop_map(|(name, value, flags)| Call::Set { name, value, flags }),
        2 => name.clone().prop_map(|name| Call::Remove { name }),
        2 => (name, buffer.clone()).prop_map(|(name, buffer)| Call::Get { name, buffer }),
        1 => buffer.prop_map(|buffer| Call::List { buffer, trusted_visible: true }),
    ]
}

/// One raw operation: thread, store, call, invocation, duration, the
/// fraction of the interval where it takes effect, and whether it is
/// pending.
type RawOp = (usize, usize, Call, u64, u64, f64, bool);

fn raw_strategy() -> impl Strategy<Value = (Vec<RawOp>, bool, bool, Option<usize>)> {
    let op = (1usize..=3, 0usize..2, call_strategy(), 0u64..12, 1u64..6, 0.0f64..1.0, prop::bool::weighted(0.1));
    (prop::collection::vec(op, 1..=6), any::<bool>(), any::<bool>(), prop::option::of(0usize..6))
}

/// Builds a linearizable history from raw operations, then optionally
/// replaces the response of operation `mutate`.
fn build(raw: &[RawOp], limited: bool, budget: bool, mutate: Option<usize>) -> History {
    let mut builder = Builder::new(2);
    if limited {
        builder = builder.limits(0, 1, 100);
    }
    if budget {
        builder = builder.superblock(2 * (40 + 2 + 6), &[0, 1]);
    }
    let mut history = builder.build();
    for (thread, store, call, invoked, duration, _, _) in raw {
        // Times are spread so that intervals of one thread never overlap.
        let invoked = invoked * 10 + *thread as u64;
        let returned = invoked + duration * 10;
        // The response is a placeholder until `fill_responses` computes it.
        let response = Some(Outcome::Done);
        history.operations.push(Operation { thread: *thread, store: *store, call: call.clone(), response, invoked, returned: Some(returned) });
    }
    fill_responses(&mut history, raw);
    if let Some(index) = mutate.filter(|index| *index < history.operations.len()) {
        let op = &mut history.operations[index];
        op.response = op.response.as_ref().map(|response| mutated(&op.call, response));
    }
    history
}

/// Computes responses by applying the operations in the order of their
/// effect points, and marks the pending ones.
fn fill_responses(history: &mut History, raw: &[RawOp]) {
    let partition = partitions(history, ListSpec::Strict, false).pop().expect("the history has operations");
    let mut order: Vec<usize> = (0..raw.len()).collect();
    let point = |index: usize| {
        let op = &history.operations[index];
        op.invoked as f64 + raw[index].5 * (op.returned.unwrap() - op.invoked) as f64
    };
    order.sort_by(|a, b| point(*a).total_cmp(&point(*b)));
    let mut state = partition.initial.clone();
    for index in order {
        let op = &mut history.operations[index];
        let (next, response) = partition.spec.apply(&state, op.store, &op.call);
        state = next;
        op.response = Some(response);
        if raw[index].6 {
            op.response = None;
            op.returned = None;
        }
    }
}

fn mutated(call: &Call, response: &Outcome) -> Outcome {
    let alternatives = match call {
        Call::Get { buffer: Buffer::Query, .. } => vec![Outcome::Size(1), Outcome::Size(2), Outcome::Err(Errno::ENODATA)],
        Call::Get { .. } => vec![Outcome::Value(b"x".to_vec()), Outcome::Value(b"yy".to_vec()), Outcome::Err(Errno::ENODATA)],
        Call::List { buffer: Buffer::Query, .. } => vec![Outcome::Size(7), Outcome::Size(0)],
        Call::List { .. } => vec![Outcome::Names(vec!["user.a".into()]), Outcome::Names(vec![])],
        _ => vec![Outcome::Done, Outcome::Err(Errno::EEXIST), Outcome::Err(Errno::ENODATA), Outcome::Err(Errno::ENOSPC)],
    };
    alternatives.into_iter().find(|alternative| alternative != response).expect("two alternatives differ")
}

/// Tries every order of the operations that respects real time; pending
/// operations may also be left out.
fn brute_force(history: &History) -> bool {
    let Some(partition) = partitions(history, ListSpec::Strict, false).pop() else { return true };
    let mut placed = vec![false; history.operations.len()];
    extend(history, &partition.spec, &partition.initial, &mut placed)
}

fn extend(history: &History, spec: &PartSpec, state: &PartState, placed: &mut Vec<bool>) -> bool {
    let ops = &history.operations;
    if (0..ops.len()).all(|index| placed[index] || ops[index].is_pending()) {
        return true;
    }
    for index in 0..ops.len() {
        let blocked = (0..ops.len()).any(|other| {
            !placed[other] && other != index && ops[other].returned.is_some_and(|returned| returned < ops[index].invoked)
        });
        if placed[index] || blocked {
            continue;
        }
        let (next, expected) = spec.apply(state, ops[index].store, &ops[index].call);
        let matches = ops[index].response.as_ref().is_none_or(|actual| sorted(actual) == sorted(&expected));
        if !matches {
            continue;
        }
        placed[index] = true;
        let found = extend(history, spec, &next, placed);
        placed[index] = false;
        if found {
            return true;
        }
    }
    false
}

fn sorted(outcome: &Outcome) -> Outcome {
    match outcome {
        Outcome::Names(names) => {
            let mut names = names.clone();
            names.sort();
            Outcome::Names(names)
        }
        other => other.clone(),
    }
}

fn verdict(history: &History, partitioned: bool) -> Verdict {
    let options = Options {
        list_spec: ListSpec::Strict,
        partitioned,
        budget: Budget { time: Some(Duration::from_secs(10)), max_configurations: 1_000_000 },
        shrink_time: None,
    };
    check(history, &options).expect("generated histories are valid").verdict
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn search_agrees_with_brute_force((raw, limited, budget, mutate) in raw_strategy()) {
        let history = build(&raw, limited, budget, mutate);
        let expected = brute_force(&history);
        let partitioned = verdict(&history, true);
        let whole = verdict(&history, false);
        let decided = !matches!(partitioned, Verdict::Unknown { .. });
        prop_assert!(decided, "search ran out of budget: {:?}", partitioned);
        prop_assert_eq!(partitioned == Verdict::Pass, expected, "partitioned verdict {:?}", partitioned);
        prop_assert_eq!(whole == Verdict::Pass, expected, "unpartitioned verdict {:?}", whole);
    }
}

#[test]
fn brute_force_finds_both_verdicts() {
    let history = Builder::new(1)
        .op(1, 0, Call::Remove { name: "user.a".into() }, Outcome::Done, 0, 1)
        .build();
    assert!(!brute_force(&history));
    let history = Builder::new(1)
        .op(1, 0, Call::Remove { name: "user.a".into() }, Outcome::Err(Errno::ENODATA), 0, 1)
        .build();
    assert!(brute_force(&history));
}
