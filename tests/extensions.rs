//! Beyond check: peek, reserve and cancel, refunds, live reconfiguration and
//! multi-limit policies, as properties on generated histories (10 000 cases
//! each):
//!
//! - a peek never changes state and equals the check it previews;
//! - reserve-then-cancel is exactly nothing; a reservation with no wait
//!   allowed is a check; reservations acting at `now + wait` keep S1;
//! - refunds never exceed capacity, and admitted − refunded keeps S1;
//! - reconfiguration: the live limiter equals the `&mut` one, and S1 holds
//!   per configuration segment;
//! - a policy admits iff every member would alone, and charges all or none.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

mod oracle;
mod strategies;

use oracle::bounds::{Admission, check_s1};
use proptest::prelude::*;
use ratecore::{
    Carry, Decision, FixedWindow, Gcra, Instant, IntervalBucket, LeakyMeter, LeakyQueue, LiveGcra, LocalGcra,
    LocalLeakyMeter, LocalTokenBucket, Nanos, NoClock, Policy, Quota, Refill, Sliding, SlidingLog,
    SlidingWindow, TokenBucket, Window, gcra, policy,
};
use strategies::{config, quota, quota_history};

/// Monotone histories (refunds and reservations are checked against S1 at
/// real instants, so the clock does not step back here).
fn monotone(ops: &[(u64, u32)]) -> Vec<(u64, u32)> {
    let mut now = 0;
    ops.iter()
        .map(|&(t, c)| {
            now = now.max(t);
            (now, c)
        })
        .collect()
}

/// Every shared limiter, built from one quota, behind `(check, peek, state)`.
type Probe =
    (Box<dyn Fn(Instant, u32) -> Decision>, Box<dyn Fn(Instant, u32) -> Decision>, Box<dyn Fn() -> String>);

fn probes(q: Quota) -> Vec<(&'static str, Probe)> {
    fn probe<L: 'static>(
        l: L,
        check: fn(&L, Instant, u32) -> Decision,
        peek: fn(&L, Instant, u32) -> Decision,
        state: fn(&L) -> String,
    ) -> Probe {
        let l = std::rc::Rc::new(l);
        let (a, b, c) = (l.clone(), l.clone(), l);
        (
            Box::new(move |t, k| check(&a, t, k)),
            Box::new(move |t, k| peek(&b, t, k)),
            Box::new(move || state(&c)),
        )
    }
    let b = q.burst();
    let mut v: Vec<(&'static str, Probe)> = vec![
        (
            "gcra",
            probe(
                Gcra::new(q, NoClock),
                |l, t, c| l.check_at(t, c),
                |l, t, c| l.peek_at(t, c),
                |l| l.state().to_string(),
            ),
        ),
        (
            "token_bucket",
            probe(
                TokenBucket::new(q, NoClock),
                |l, t, c| l.check_at(t, c),
                |l, t, c| l.peek_at(t, c),
                |l| l.state().to_string(),
            ),
        ),
        (
            "leaky_meter",
            probe(
                LeakyMeter::new(q, NoClock),
                |l, t, c| l.check_at(t, c),
                |l, t, c| l.peek_at(t, c),
                |l| l.state().to_string(),
            ),
        ),
    ];
    if let Ok(r) = Refill::from_quota(q) {
        v.push((
            "interval_bucket",
            probe(
                IntervalBucket::new(r, NoClock),
                |l, t, c| l.check_at(t, c),
                |l, t, c| l.peek_at(t, c),
                |l| l.state().to_string(),
            ),
        ));
    }
    if let Ok(s) = ratecore::Shaping::new(q.permits(), q.period(), b.saturating_sub(1)) {
        v.push((
            "leaky_queue",
            probe(
                LeakyQueue::new(s, NoClock),
                |l, t, c| l.check_at(t, c),
                |l, t, c| l.peek_at(t, c),
                |l| l.state().to_string(),
            ),
        ));
    }
    if let Ok(w) = Window::new(b, q.period()) {
        v.push((
            "fixed_window",
            probe(
                FixedWindow::new(w, NoClock),
                |l, t, c| l.check_at(t, c),
                |l, t, c| l.peek_at(t, c),
                |l| l.state().to_string(),
            ),
        ));
        v.push((
            "sliding_log",
            probe(
                SlidingLog::<NoClock, 16>::new(w, NoClock),
                |l, t, c| l.check_at(t, c),
                |l, t, c| l.peek_at(t, c),
                |l| format!("{:?}", l.snapshot()),
            ),
        ));
    }
    if let Ok(s) = Sliding::new(b, q.period()) {
        v.push((
            "sliding_window",
            probe(
                SlidingWindow::new(s, NoClock),
                |l, t, c| l.check_at(t, c),
                |l, t, c| l.peek_at(t, c),
                |l| l.state().to_string(),
            ),
        ));
    }
    v
}

proptest! {
    #![proptest_config(config())]

    /// Peek never changes state (any limiter), and a peek followed by the
    /// same check decides identically.
    #[test]
    fn peek_never_changes_state((q, ops) in quota_history()) {
        for (name, (check, peek, state)) in probes(q) {
            for &(now, cost) in &ops {
                let at = Instant::from_nanos(now);
                let before = state();
                let p = peek(at, cost);
                prop_assert_eq!(state(), before, "{}: peek wrote", name);
                prop_assert_eq!(p, check(at, cost), "{}: peek differs from check", name);
            }
        }
    }

    /// Reserve-then-cancel leaves the exact prior state (shared and local);
    /// reserve with no wait allowed is a check; a cancel after another
    /// admission gives nothing back; reservations acting at `now + wait`
    /// keep S1 (a waiting reservation's slot starts at a whole nanosecond,
    /// so rounded waits never bunch permits).
    #[test]
    fn reserve_then_cancel_is_nothing((q, ops) in quota_history(), waits in prop::collection::vec(0..=4u64, 64)) {
        let ops = monotone(&ops);
        let shared = Gcra::new(q, NoClock);
        let mut local = LocalGcra::new(q, NoClock);
        let t = q.emission_interval().as_nanos();
        let mut acted = Vec::new();
        for (i, &(now, cost)) in ops.iter().enumerate() {
            let at = Instant::from_nanos(now);
            let max_wait = Nanos::from_nanos(t.saturating_mul(waits[i % waits.len()]));
            // No wait allowed: exactly a check.
            let probe = local.clone().reserve_at(at, cost, Nanos::ZERO).decision();
            prop_assert_eq!(probe, local.clone().check_at(at, cost));
            // Reserve then cancel: nothing happened.
            let before = shared.state();
            let r = shared.reserve_at(at, cost, max_wait);
            prop_assert!(r.wait() <= max_wait);
            let granted = r.is_granted();
            let cancelled = shared.cancel(r);
            prop_assert_eq!(cancelled, granted && cost > 0);
            prop_assert_eq!(shared.state(), before);
            // Reserve for real (both), another admission, then a late cancel.
            let r = shared.reserve_at(at, cost, max_wait);
            let rl = local.reserve_at(at, cost, max_wait);
            prop_assert_eq!(r.decision(), rl.decision());
            prop_assert_eq!(shared.state(), local.state());
            if r.is_granted() && cost > 0 {
                acted.push(Admission { at: now + r.wait().as_nanos(), cost: cost.into() });
                let other = shared.check_at(at, 1);
                let locally = local.check_at(at, 1);
                prop_assert_eq!(other, locally);
                if other.is_allowed() {
                    acted.push(Admission { at: now, cost: 1 });
                    let after = shared.state();
                    prop_assert!(!shared.cancel(r), "cancel gave back a slot promised later");
                    prop_assert_eq!(shared.state(), after);
                }
            }
        }
        check_s1(&acted, q.permits(), q.period().as_nanos(), q.burst()).map_err(TestCaseError::fail)?;
    }

    /// Refunds never exceed capacity, and with refunds counted as negative
    /// admissions at their instant, every interval keeps S1. The same holds
    /// for the other refundable limiters' capacity bound.
    #[test]
    fn refunds_never_exceed_capacity((q, ops) in quota_history(), refund_at in prop::collection::vec(any::<bool>(), 64)) {
        let ops = monotone(&ops);
        let mut g = LocalGcra::new(q, NoClock);
        let mut tb = LocalTokenBucket::new(q, NoClock);
        let mut lm = LocalLeakyMeter::new(q, NoClock);
        let mut events: Vec<(u64, i128)> = Vec::new();
        for (i, &(now, cost)) in ops.iter().enumerate() {
            let at = Instant::from_nanos(now);
            if refund_at[i % refund_at.len()] {
                let d = g.refund_at(at, cost);
                prop_assert!(d.remaining() <= q.burst());
                prop_assert_eq!(d, tb.refund_at(at, cost));
                prop_assert_eq!(d, lm.refund_at(at, cost));
                events.push((now, -i128::from(cost)));
            } else {
                let d = g.check_at(at, cost);
                prop_assert_eq!(d, tb.check_at(at, cost));
                prop_assert_eq!(d, lm.check_at(at, cost));
                if d.is_allowed() {
                    events.push((now, i128::from(cost)));
                }
            }
        }
        // Net S1: admitted − refunded in [a, b] ≤ B + ⌊n·(b − a)/P⌋.
        for (i, &(a, _)) in events.iter().enumerate() {
            let mut net = 0i128;
            for &(b, c) in &events[i..] {
                net += c;
                let bound = i128::from(q.burst())
                    + (u128::from(q.permits()) * u128::from(b - a) / u128::from(q.period().as_nanos())) as i128;
                prop_assert!(net <= bound, "net {} in [{}, {}] > {}", net, a, b, bound);
            }
        }
    }

    /// The live limiter makes exactly the `&mut` limiter's decisions through
    /// checks and reconfigurations; S1 holds per configuration segment.
    #[test]
    fn live_reconfiguration_equals_local_and_keeps_s1(
        (q, ops) in quota_history(),
        plans in prop::collection::vec((quota(), 0..3u8, any::<bool>()), 1..4),
    ) {
        let ops = monotone(&ops);
        let live = LiveGcra::new(q, NoClock);
        let mut local = LocalGcra::new(q, NoClock);
        let mut quota_now = q;
        let mut segment: Vec<Admission> = Vec::new();
        let switch_every = (ops.len() / (plans.len() + 1)).max(1);
        for (i, &(now, cost)) in ops.iter().enumerate() {
            let at = Instant::from_nanos(now);
            if i % switch_every == switch_every - 1 {
                let (next, how, _) = plans[(i / switch_every) % plans.len()];
                let carry = [Carry::Level, Carry::Proportional, Carry::Reset][usize::from(how)];
                check_s1(&segment, quota_now.permits(), quota_now.period().as_nanos(), quota_now.burst())
                    .map_err(TestCaseError::fail)?;
                segment.clear();
                live.reconfigure_at(next, at, carry);
                local.reconfigure_at(next, at, carry);
                prop_assert_eq!(live.params(), next);
                quota_now = next;
                if carry != Carry::Reset {
                    // Carrying never hands out more than the new burst.
                    prop_assert!(live.peek_at(at, 0).remaining() <= next.burst());
                }
            }
            let d = live.check_at(at, cost);
            prop_assert_eq!(d, local.check_at(at, cost));
            if d.is_allowed() && cost > 0 {
                segment.push(Admission { at: now, cost: cost.into() });
            }
        }
        check_s1(&segment, quota_now.permits(), quota_now.period().as_nanos(), quota_now.burst())
            .map_err(TestCaseError::fail)?;
    }

    /// A policy admits iff every member would admit alone, and then charges
    /// every member; a rejection charges none.
    #[test]
    fn policy_is_all_or_none(
        q1 in quota(),
        (q2, ops) in quota_history(),
    ) {
        let p = Policy::new([q1, q2], NoClock);
        let mut alone = [LocalGcra::new(q1, NoClock), LocalGcra::new(q2, NoClock)];
        for &(now, cost) in &ops {
            let at = Instant::from_nanos(now);
            let would: Vec<bool> = alone.iter().map(|m| m.peek_at(at, cost).is_allowed()).collect();
            let d = p.check_at(at, cost);
            prop_assert_eq!(d.is_allowed(), would.iter().all(|&w| w));
            if d.is_allowed() {
                for m in &mut alone {
                    prop_assert!(m.check_at(at, cost).is_allowed());
                }
            }
            prop_assert_eq!(p.states(), [alone[0].state(), alone[1].state()], "charged some but not all");
            // The pure function agrees with the shared policy.
            let (_, pure) = policy::decide(&p.states(), at, 0, p.quotas());
            prop_assert_eq!(pure, p.peek_at(at, 0));
            // The binding member carries the overall outcome.
            prop_assert_eq!(d.decision().is_allowed(), d.is_allowed());
        }
    }
}

/// `gcra::refund` on a full limiter changes nothing, and never moves the
/// state before `now`.
#[test]
fn refund_of_a_full_limiter_is_a_no_op() {
    let q = Quota::per_second(5).unwrap();
    assert_eq!(gcra::refund(0, Instant::from_nanos(10), 3, &q), 0);
    let (tat, _) = gcra::decide(0, Instant::ZERO, 5, &q);
    assert_eq!(gcra::refund(tat, Instant::ZERO, 100, &q), 0);
    let w = FixedWindow::new(Window::new(3, Nanos::from_secs(1)).unwrap(), NoClock);
    assert!(w.check_at(Instant::ZERO, 3).is_allowed());
    assert_eq!(w.refund_at(Instant::ZERO, 10).remaining(), 3);
}

/// A reservation on one limiter cannot be cancelled on another.
#[test]
fn cancel_on_another_limiter_does_nothing() {
    let q = Quota::per_second(2).unwrap();
    let (a, b) = (Gcra::new(q, NoClock), Gcra::new(q, NoClock));
    let r = a.reserve_at(Instant::ZERO, 1, Nanos::ZERO);
    assert!(b.check_at(Instant::ZERO, 1).is_allowed());
    assert_eq!(a.state(), b.state());
    assert!(!b.cancel(r));
    assert_eq!(b.state(), a.state(), "b gave back a's reservation");
    let r = a.reserve_at(Instant::ZERO, 1, Nanos::ZERO);
    assert!(a.cancel(r));
}

/// Regression (found in review): `TokenBucket::reserve_at` with a stale
/// `now` clamped the deficit at the capacity and granted a reservation that
/// GCRA and the leaky meter deny (three permits acting within one `T` with
/// a burst of 1). The interval bucket granted a wait beyond `max_wait`.
#[test]
fn regression_reserve_with_stale_now_never_over_admits() {
    let q = Quota::per_second(1).unwrap();
    let sec = |s: u64| Instant::from_nanos(s * 1_000_000_000);
    let tb = TokenBucket::new(q, NoClock);
    let g = Gcra::new(q, NoClock);
    for (at, wait) in
        [(sec(10), Nanos::from_secs(1)), (sec(10), Nanos::from_secs(1)), (sec(0), Nanos::from_secs(1))]
    {
        let (a, b) = (tb.reserve_at(at, 1, wait), g.reserve_at(at, 1, wait));
        assert_eq!(a.decision(), b.decision(), "token bucket and GCRA disagree at {at:?}");
    }
    assert!(!tb.reserve_at(sec(0), 1, Nanos::from_secs(1)).is_granted());
    let ib = IntervalBucket::new(Refill::from_quota(q).unwrap(), NoClock);
    assert!(ib.check_at(sec(10), 1).is_allowed());
    let r = ib.reserve_at(sec(0), 1, Nanos::from_secs(1));
    assert!(!r.is_granted() || r.wait() <= Nanos::from_secs(1), "granted a wait of {:?}", r.wait());
}

type Reserve = Box<dyn Fn(Instant, u32, Nanos) -> ratecore::Reservation>;
type Refund = Box<dyn Fn(Instant, u32) -> Decision>;

/// The reservable limiters behind one face, for the fuzz regressions below.
fn reservable(q: Quota) -> Vec<(&'static str, Reserve, Refund)> {
    let g = std::rc::Rc::new(Gcra::new(q, NoClock));
    let t = std::rc::Rc::new(TokenBucket::new(q, NoClock));
    let m = std::rc::Rc::new(LeakyMeter::new(q, NoClock));
    let (g2, t2, m2) = (g.clone(), t.clone(), m.clone());
    vec![
        ("gcra", Box::new(move |a, c, w| g.reserve_at(a, c, w)), Box::new(move |a, c| g2.refund_at(a, c))),
        (
            "token_bucket",
            Box::new(move |a, c, w| t.reserve_at(a, c, w)),
            Box::new(move |a, c| t2.refund_at(a, c)),
        ),
        (
            "leaky_meter",
            Box::new(move |a, c, w| m.reserve_at(a, c, w)),
            Box::new(move |a, c| m2.refund_at(a, c)),
        ),
    ]
}

/// Regression (found by the fuzz targets, `fuzz/regressions/*-reserve-act-rounding`):
/// with `T` not a whole number of nanoseconds (7 per second), reservations'
/// waits were each rounded up on their own, so two permits could act less
/// than `T` apart with a burst of 1. A waiting slot now starts at a whole ns.
#[test]
fn regression_reservations_never_bunch_with_a_fractional_interval() {
    let q = Quota::new(7, Nanos::from_secs(1), 1).unwrap();
    for (name, reserve, _) in reservable(q) {
        let acts: Vec<Admission> = (0..8)
            .map(|_| reserve(Instant::ZERO, 1, Nanos::from_secs(10)))
            .inspect(|r| assert!(r.is_granted(), "{name}"))
            .map(|r| Admission { at: r.wait().as_nanos(), cost: 1 })
            .collect();
        check_s1(&acts, 7, 1_000_000_000, 1).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

/// Regression (fuzz, `*-refund-while-pending`): a refund while a
/// reservation was still waiting moved the schedule earlier, and the next
/// reservation was handed the waiting one's slot (40 permits at once with a
/// burst of 20). A refund now gives nothing back while anything waits.
#[test]
fn regression_refund_while_a_reservation_waits_gives_nothing() {
    let q = Quota::new(7, Nanos::from_secs(1), 20).unwrap();
    for (name, reserve, refund) in reservable(q) {
        let first = reserve(Instant::ZERO, 20, Nanos::ZERO);
        assert!(first.is_granted() && first.wait() == Nanos::ZERO, "{name}");
        let waiting = reserve(Instant::ZERO, 20, Nanos::from_secs(10));
        assert!(waiting.is_granted() && waiting.wait() > Nanos::ZERO, "{name}");
        let _ = refund(Instant::ZERO, 20);
        let next = reserve(Instant::ZERO, 20, Nanos::from_secs(10));
        assert!(next.wait() > waiting.wait(), "{name}: the waiting slot was handed out again");
    }
}

/// Regression (fuzz, `*-reserve-deep-debt`, `*-reserve-saturated-at-zero`):
/// the token bucket clamped its deficit at the capacity, so a reservation
/// deeper in debt than one burst acted too early (11 permits at once with a
/// burst of 10).
#[test]
fn regression_reservations_deeper_than_a_burst_wait_their_turn() {
    let q = Quota::per_second(10).unwrap(); // T = 100 ms, burst 10
    for (name, reserve, _) in reservable(q) {
        assert!(reserve(Instant::ZERO, 1, Nanos::ZERO).wait() == Nanos::ZERO, "{name}");
        assert_eq!(reserve(Instant::ZERO, 10, Nanos::from_secs(5)).wait(), Nanos::from_millis(100), "{name}");
        assert_eq!(reserve(Instant::ZERO, 1, Nanos::from_secs(5)).wait(), Nanos::from_millis(200), "{name}");
    }
}

/// Regression (fuzz, `*-retry-at-top-of-range`): reservations with huge
/// waits piled the state up to the end of the tick range, and a denial then
/// reported a finite retry time at which the request is still denied. It is
/// now reported as never (`Nanos::MAX`), or its retry time is honoured.
#[test]
fn regression_retry_at_the_top_of_the_range_is_honoured_or_never() {
    let q = Quota::new(1, Nanos::from_secs(1), u64::from(u32::MAX)).unwrap();
    let l = Gcra::new(q, NoClock);
    let huge = Nanos::from_nanos(u64::MAX);
    while l.reserve_at(Instant::ZERO, u32::MAX, huge).is_granted() {}
    let d = l.check_at(Instant::ZERO, 1);
    match d.retry_after() {
        Some(Nanos::MAX) => {}
        Some(r) => {
            // Replay the same reservations on a local limiter, then retry.
            let mut probe = LocalGcra::new(q, NoClock);
            let at = Instant::from_nanos(r.as_nanos());
            while probe.reserve_at(Instant::ZERO, u32::MAX, huge).is_granted() {}
            assert!(probe.check_at(at, 1).is_allowed(), "retry after {r:?} not honoured");
        }
        None => panic!("denied without a retry time"),
    }
}

/// Regression (fuzz, `interval_bucket-reserve-retry-past-u64-ns`): an
/// interval-bucket reservation whose covering refill comes after u64::MAX
/// ns reported a retry of 1 ns (a saturated instant minus `max_wait`); it
/// can never be granted, so it now reports never.
#[test]
fn regression_interval_reserve_past_the_clock_range_is_never() {
    let cap = 181_802; // refilling it takes 498 years of days
    let r = Refill::new(1, Nanos::from_days(1), cap).unwrap();
    let l = IntervalBucket::new(r, NoClock);
    assert!(l.check_at(Instant::ZERO, cap as u32).is_allowed());
    let huge = Nanos::MAX;
    // Covered by the refill of day 181 802 (1.57e19 ns): granted, waiting.
    let first = l.reserve_at(Instant::ZERO, cap as u32, huge);
    assert!(first.is_granted() && first.wait() > Nanos::ZERO);
    // Would need day 363 604, past u64::MAX ns: never.
    let second = l.reserve_at(Instant::ZERO, cap as u32, huge);
    assert!(!second.is_granted());
    assert_eq!(second.decision().retry_after(), Some(Nanos::MAX));
    assert_eq!(l.check_at(Instant::ZERO, cap as u32).retry_after(), Some(Nanos::MAX));
}
