//! Shrinking a divergence to the shortest sequence that still shows it.
//!
//! The input is the sequence up to and including the call that diverged.
//! The shrinker first tries that call alone, then removes one call at a
//! time (keeping the removal whenever the replay still shows the same
//! divergence key anywhere) until a full pass removes nothing or the
//! replay budget is spent. The result is 1-minimal within the budget:
//! removing any single call of it makes the divergence disappear.
//!
//! Replays are real: each one builds fresh objects and runs the calls on
//! the kernel and in the oracle again, so the budget bounds the time.

/// Shrinks `ops`; `shows(candidate)` replays a candidate and returns
/// whether the divergence still shows. Returns the shortest sequence found
/// and the number of replays used.
pub fn shrink<T: Clone, E>(ops: &[T], budget: usize, mut shows: impl FnMut(&[T]) -> Result<bool, E>) -> Result<(Vec<T>, usize), E> {
    let mut current = ops.to_vec();
    let mut replays = 0;

    // The diverging call alone is the common case: no history needed.
    if let Some(last) = current.last().cloned() {
        if current.len() > 1 && replays < budget {
            replays += 1;
            if shows(std::slice::from_ref(&last))? {
                return Ok((vec![last], replays));
            }
        }
    }

    let mut progress = true;
    while progress && replays < budget {
        progress = false;
        let mut index = 0;
        while index < current.len() && current.len() > 1 && replays < budget {
            let mut candidate = current.clone();
            candidate.remove(index);
            replays += 1;
            if shows(&candidate)? {
                current = candidate;
                progress = true;
            } else {
                index += 1;
            }
        }
    }
    Ok((current, replays))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A divergence that needs calls 2 and 5 in that order.
    fn needs_two_and_five(candidate: &[u32]) -> Result<bool, ()> {
        let two = candidate.iter().position(|call| *call == 2);
        let five = candidate.iter().position(|call| *call == 5);
        Ok(matches!((two, five), (Some(a), Some(b)) if a < b))
    }

    #[test]
    fn shrinks_to_needed_calls() {
        let (shrunk, _) = shrink(&[0, 1, 2, 3, 4, 5], 100, needs_two_and_five).unwrap();
        assert_eq!(shrunk, vec![2, 5]);
    }

    #[test]
    fn last_call_alone_first() {
        let (shrunk, replays) = shrink(&[0, 1, 2], 100, |candidate: &[u32]| Ok::<_, ()>(candidate.contains(&2))).unwrap();
        assert_eq!(shrunk, vec![2]);
        assert_eq!(replays, 1);
    }

    #[test]
    fn budget_bounds_replays() {
        let (shrunk, replays) = shrink(&[0, 1, 2, 3, 4, 5], 3, needs_two_and_five).unwrap();
        assert_eq!(replays, 3);
        assert!(shrunk.len() <= 6);
    }
}
