//! Multi-limit policies (`Policy<_, N>`, N = 1, 2, 3 GCRA members from
//! arbitrary quotas), single-threaded, driven by policy checks, peeks and
//! single-member checks, against the pure functions: the shared policy
//! keeps a local `[u64; N]` of what `policy::decide` (and `gcra::decide`
//! for a member check) says the words are. After every op:
//!
//! - identical decisions and identical state words (without contention the
//!   ordered charge never rolls back, so the shared policy is exactly the
//!   pure function);
//! - all or none: a rejected check leaves every word unchanged; an
//!   admitted one charges every member exactly as `gcra::decide` would;
//! - the policy admits iff every member's standalone `gcra::decide` on the
//!   same word admits; `members()` are those standalone decisions (for a
//!   rejection, a cost-0 look for the members that would have admitted);
//!   the binding member carries the verdict, has the fewest `remaining` on
//!   an admission and the longest `retry_after` on a denial, an impossible
//!   member first;
//! - a denial's `retry_after` is exact (the pure policy admits at
//!   `now + retry`, not 1 ns earlier); a peek is the pure decision and
//!   writes nothing; a member index out of range is `None`, writes nothing.
//!
//! At the end, S1 for every member on the admissions it saw (the policy's
//! and its own member checks).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ratecore::{HORIZON, Instant, NoClock, Outcome, Policy, PolicyDecision, Quota, gcra, policy};
use ratecore_fuzz::input::{Cost, MAX_CHECKS, Rate, Step};
use ratecore_fuzz::oracle::bounds::{Admission, check_s1};
use ratecore_fuzz::verdict;

#[derive(Arbitrary, Clone, Copy, Debug)]
enum PolicyOp {
    /// Move the clock, scaled to member `m`'s emission interval.
    Time(u8, Step),
    /// A policy check; `Limit` is the smallest member burst.
    Check(Cost),
    /// A policy check of cost 1.
    CheckUnit,
    /// A policy peek.
    Peek(Cost),
    /// `check_member_at(m, ..)`; `Limit` is that member's burst. Indices
    /// `N ..= N + 1` test the out-of-range answer.
    CheckMember(u8, Cost),
}

#[derive(Arbitrary, Debug)]
struct Input {
    /// `1 + members mod 3` members.
    members: u8,
    rates: [Rate; 3],
    ops: Vec<PolicyOp>,
}

fn run<const N: usize>(quotas: [Quota; N], ops: &[PolicyOp]) -> Result<(), String> {
    let p = Policy::new(quotas, NoClock);
    let mut words = [0u64; N];
    let mut seen: [Vec<Admission>; N] = std::array::from_fn(|_| Vec::new());
    let min_burst = quotas.iter().map(Quota::burst).min().unwrap_or(0);
    let h = HORIZON.as_nanos();
    let mut now = 0u64;
    for (i, &op) in ops.iter().take(MAX_CHECKS).enumerate() {
        let at = Instant::from_nanos(now);
        let was = words;
        let ctx = |what: String| format!("op {i} ({op:?} at {now} ns, words {was:?}): {what}");
        match op {
            PolicyOp::Time(m, step) => {
                let q = quotas[usize::from(m) % N];
                now = step.apply(now, q.emission_interval().as_nanos());
            }
            PolicyOp::Check(_) | PolicyOp::CheckUnit => {
                let cost = match op {
                    PolicyOp::Check(c) => c.resolve(min_burst),
                    _ => 1,
                };
                let (next, expected) = policy::decide(&words, at, cost, &quotas);
                let d = p.check_at(at, cost);
                if d != expected {
                    return Err(ctx(format!("cost {cost}: policy {d:?} != policy::decide {expected:?}")));
                }
                if p.states() != next {
                    return Err(ctx(format!(
                        "cost {cost}: states {:?} != policy::decide's {next:?}",
                        p.states()
                    )));
                }
                standalone(&words, now, cost, &quotas, &d, &next)
                    .map_err(|e| ctx(format!("cost {cost}: {e}")))?;
                if d.decision().outcome() == Outcome::Denied {
                    let r = d
                        .decision()
                        .retry_after()
                        .ok_or_else(|| ctx("denied without retry".into()))?
                        .as_nanos();
                    if r == 0 {
                        return Err(ctx("retry_after of 0".into()));
                    }
                    if let Some(t) = now.checked_add(r).filter(|&t| t <= h) {
                        let passes = |t: u64| {
                            policy::decide(&words, Instant::from_nanos(t), cost, &quotas).1.is_allowed()
                        };
                        if passes(t - 1) || !passes(t) {
                            return Err(ctx(format!("cost {cost}: retry {r} ns not exact")));
                        }
                    }
                }
                if d.is_allowed() && cost > 0 {
                    for s in &mut seen {
                        s.push(Admission { at: now, cost: cost.into() });
                    }
                }
                words = next;
            }
            PolicyOp::Peek(c) => {
                let cost = c.resolve(min_burst);
                let expected = policy::decide(&words, at, cost, &quotas).1;
                let d = p.peek_at(at, cost);
                if d != expected || p.states() != words {
                    return Err(ctx(format!("peek {cost}: {d:?} (states {:?}) != {expected:?}", p.states())));
                }
            }
            PolicyOp::CheckMember(m, c) => {
                let m = usize::from(m) % (N + 2);
                let Some(q) = quotas.get(m) else {
                    let d = p.check_member_at(m, at, 1);
                    if d.is_some() || p.states() != words {
                        return Err(ctx(format!("member {m} of {N}: {d:?}, states {:?}", p.states())));
                    }
                    continue;
                };
                let cost = c.resolve(q.burst());
                let (next, expected) = gcra::decide(words[m], at, cost, q);
                let d = p.check_member_at(m, at, cost);
                if d != Some(expected) {
                    return Err(ctx(format!("member {m} cost {cost}: {d:?} != gcra::decide {expected:?}")));
                }
                if expected.is_allowed() {
                    words[m] = next;
                    if cost > 0 {
                        seen[m].push(Admission { at: now, cost: cost.into() });
                    }
                }
                if p.states() != words {
                    return Err(ctx(format!("member {m} cost {cost}: states {:?} != {words:?}", p.states())));
                }
            }
        }
    }
    for (m, (s, q)) in seen.iter().zip(&quotas).enumerate() {
        check_s1(s, q.permits(), q.period().as_nanos(), q.burst())
            .map_err(|e| format!("member {m} ({q:?}): {e}"))?;
    }
    Ok(())
}

/// The policy decision `d` (words `words` → `next`) against every member's
/// standalone `gcra::decide`: admitted iff all admit; all charged or none;
/// `members()` and the binding member as documented.
fn standalone<const N: usize>(
    words: &[u64; N],
    now: u64,
    cost: u32,
    quotas: &[Quota; N],
    d: &PolicyDecision<N>,
    next: &[u64; N],
) -> Result<(), String> {
    let at = Instant::from_nanos(now);
    let alone: [(u64, ratecore::Decision); N] =
        std::array::from_fn(|i| gcra::decide(words[i], at, cost, &quotas[i]));
    let all = alone.iter().all(|(_, a)| a.is_allowed());
    if d.is_allowed() != all {
        return Err(format!("policy admits: {}, every member alone: {all} ({alone:?})", d.is_allowed()));
    }
    if d.decision() != d.members()[d.binding()] || d.decision().is_allowed() != d.is_allowed() {
        return Err(format!("binding member {} does not carry the verdict: {d:?}", d.binding()));
    }
    for (i, &(word, alone_d)) in alone.iter().enumerate() {
        let member = d.members()[i];
        let (expected_word, expected) = if all {
            (word, alone_d)
        } else if alone_d.is_allowed() {
            // Nothing taken: a cost-0 look.
            (words[i], gcra::decide(words[i], at, 0, &quotas[i]).1)
        } else {
            (words[i], alone_d)
        };
        if next[i] != expected_word {
            return Err(format!(
                "member {i}: word {} -> {}, expected {expected_word} (all or none)",
                words[i], next[i]
            ));
        }
        if member != expected {
            return Err(format!("member {i}: {member:?}, standalone {expected:?}"));
        }
    }
    let b = d.decision();
    for (i, m) in d.members().iter().enumerate() {
        let binds_less = if all {
            m.remaining() < b.remaining()
        } else {
            match (b.outcome(), m.outcome()) {
                (Outcome::Impossible, _) => false,
                (_, Outcome::Impossible) => true,
                (Outcome::Denied, Outcome::Denied) => m.retry_after() > b.retry_after(),
                (Outcome::Allowed, Outcome::Denied) => true,
                _ => false,
            }
        };
        if binds_less {
            return Err(format!(
                "member {i} ({m:?}) binds more than the binding member {} ({b:?})",
                d.binding()
            ));
        }
    }
    Ok(())
}

fuzz_target!(|input: Input| {
    let quota = |i: usize| input.rates[i].quota();
    let r = match input.members % 3 {
        0 => {
            let Ok(a) = quota(0) else { return };
            run([a], &input.ops)
        }
        1 => {
            let (Ok(a), Ok(b)) = (quota(0), quota(1)) else { return };
            run([a, b], &input.ops)
        }
        _ => {
            let (Ok(a), Ok(b), Ok(c)) = (quota(0), quota(1), quota(2)) else { return };
            run([a, b, c], &input.ops)
        }
    };
    verdict(r);
});
