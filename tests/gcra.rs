//! GCRA against the exact oracle: every decision and every metadata field,
//! plus SPEC S1, S2, S3, S4, L1, L2, L3 and L4 on generated histories.
//!
//! Case counts: `strategies::cases()` (10 000) per property in debug and in
//! release; Miri runs a handful.
// Tests may index, unwrap and do plain arithmetic: a panic is a failure.
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

use oracle::bounds::check_s1;
use oracle::gcra::Gcra as Model;
use oracle::harness::drive;
use proptest::prelude::*;
use ratecore::{Gcra, HORIZON, Instant, LocalGcra, Nanos, NoClock, Quota};
use strategies::{SEC, config, quota, quota_history as history};

proptest! {
    #![proptest_config(config())]

    /// Every decision and metadata field equals the oracle's; the shared and
    /// the `&mut` limiter agree; S1 holds on the history (at effective
    /// times, SPEC S4); S2: non-admissions leave the state bit-identical;
    /// S3: impossible requests are classified; L3: retry-after is exact.
    #[test]
    fn gcra_matches_oracle_and_spec((q, ops) in history()) {
        let shared = Gcra::new(q, NoClock);
        let admitted = drive(&shared, || shared.state(), LocalGcra::new(q, NoClock), Model::for_quota(&q), q.burst(), &ops, HORIZON.as_nanos())
            .map_err(TestCaseError::fail)?;
        check_s1(&admitted, q.permits(), q.period().as_nanos(), q.burst()).map_err(TestCaseError::fail)?;
    }

    /// S4: on any state, deciding at an earlier `now` never admits what a
    /// later `now` denies.
    #[test]
    fn gcra_stale_now_never_helps((q, ops) in history(), back in 0..=u64::from(u32::MAX)) {
        let mut local = LocalGcra::new(q, NoClock);
        for (now, c) in ops {
            let stale = now.saturating_sub(back);
            let at_stale = local.clone().check_at(Instant::from_nanos(stale), c);
            let at_now = local.clone().check_at(Instant::from_nanos(now), c);
            if at_stale.is_allowed() && c > 0 {
                prop_assert!(at_now.is_allowed(), "stale {} admits, {} denies", stale, now);
            }
            let _ = local.check_at(Instant::from_nanos(now), c);
        }
    }

    /// L4: under saturating demand, whatever the polling instants (gaps up to
    /// `(B−1)·T`, so the limiter never idles full), the total admitted by `H`
    /// is exactly `B + ⌊n·H/P⌋`.
    #[test]
    fn gcra_no_drift(
        q in quota().prop_filter("exact, B ≥ 2", |q| q.is_exact() && q.burst() >= 2),
        gaps in prop::collection::vec(0..=1_000u64, 1..strategies::MAX_OPS * 3),
    ) {
        // Largest gap that keeps the state on its lattice, in whole ns.
        let max_gap = (u128::from(q.burst() - 1) * u128::from(q.interval_ticks())
            / u128::from(q.ticks_per_ns())) as u64;
        prop_assume!(max_gap >= 1);
        let mut local = LocalGcra::new(q, NoClock);
        // Takes everything available at `at` (a peek says how much, one
        // request takes it, the next unit is denied): admitted count.
        let drain = |l: &mut LocalGcra<NoClock>, at: u64| -> Result<u128, TestCaseError> {
            let now = Instant::from_nanos(at);
            let mut got = 0u128;
            loop {
                let avail = l.check_at(now, 0).remaining();
                if avail == 0 {
                    break;
                }
                let c = u32::try_from(avail).unwrap_or(u32::MAX);
                prop_assert!(l.check_at(now, c).is_allowed(), "remaining {} not admitted", avail);
                got += u128::from(c);
            }
            prop_assert!(!l.check_at(now, 1).is_allowed());
            Ok(got)
        };
        let mut total = drain(&mut local, 0)?;
        prop_assert_eq!(total, u128::from(q.burst()));
        let mut now = 0u64;
        for g in gaps {
            now = now.saturating_add((u128::from(max_gap) * u128::from(g) / 1_000) as u64);
            if now > HORIZON.as_nanos() {
                break;
            }
            total += drain(&mut local, now)?;
            let expected = u128::from(q.burst())
                + u128::from(q.permits()) * u128::from(now) / u128::from(q.period().as_nanos());
            prop_assert_eq!(total, expected, "after polling at {} ns", now);
        }
    }
}

/// L1: from full, requests spaced exactly `c·T` apart are all admitted.
#[test]
fn gcra_conforming_traffic_is_never_rejected() {
    for (n, p, b, c) in [(7, SEC, 3, 1), (10, SEC, 1, 1), (3, 60 * SEC, 5, 2), (10_000_000_000, SEC, 4, 3)] {
        let q = Quota::new(n, Nanos::from_nanos(p), b).unwrap();
        assert!(q.is_exact());
        let mut l = LocalGcra::new(q, NoClock);
        // Whole-ns instants spaced at least c·T apart.
        let spacing = (u64::from(c) * q.interval_ticks()).div_ceil(q.ticks_per_ns());
        for k in 0..if cfg!(miri) { 50u64 } else { 10_000 } {
            let at = k * spacing;
            assert!(l.check_at(Instant::from_nanos(at), c).is_allowed(), "{n}/{p} cost {c} request {k}");
        }
    }
}

/// L2: after idling ≥ B·T exactly B unit requests pass at one instant; after
/// idling d < B·T from empty, exactly ⌊d/T⌋.
#[test]
fn gcra_idle_refill_is_exact() {
    let q = Quota::new(7, Nanos::from_secs(1), 5).unwrap(); // T = 142 857 142.857… ns
    let mut l = LocalGcra::new(q, NoClock);
    let burst = |l: &mut LocalGcra<NoClock>, at: u64| {
        let mut k = 0;
        while l.check_at(Instant::from_nanos(at), 1).is_allowed() {
            k += 1;
        }
        k
    };
    assert_eq!(burst(&mut l, 0), 5);
    // Idle exactly B·T = 5/7 s (not a whole ns: the first ns after).
    assert_eq!(burst(&mut l, 714_285_715), 5);
    // From empty at t0 = 714 285 715, idle d for several d < B·T.
    for k in 1..5u64 {
        let mut l2 = l.clone();
        let d = (u128::from(k) * 1_000_000_000).div_ceil(7) as u64; // ≥ k·T, < (k+1)·T
        assert_eq!(burst(&mut l2, 714_285_715 + d), k, "k = {k}");
        let mut l3 = l.clone();
        assert_eq!(burst(&mut l3, 714_285_715 + d - 1), k - 1, "k = {k}, 1 ns early");
    }
}

/// SPEC adversarial 16 / L4: polling every 1 ns and every 1 s give identical
/// totals. Over 2 s in release; over 20 ms (1 ns vs 1 ms) in debug builds,
/// where 2·10^9 polls would take minutes.
#[test]
fn gcra_polling_granularity_does_not_change_totals() {
    // 1000/s with burst 1001: (B−1)·T = 1 s, the coarse gap. Under Miri the
    // same shape 10^6 times faster (10^9/s, burst 1001, gap 1 µs).
    let (q, horizon, coarse) = if cfg!(miri) {
        (Quota::new(1_000_000_000, Nanos::from_secs(1), 1_001).unwrap(), 2_000u64, 1_000u64)
    } else if cfg!(debug_assertions) {
        (Quota::new(1_000, Nanos::from_secs(1), 1_001).unwrap(), 20_000_000, 1_000_000)
    } else {
        (Quota::new(1_000, Nanos::from_secs(1), 1_001).unwrap(), 2 * SEC, SEC)
    };
    let total = |gap: u64| {
        let mut l = LocalGcra::new(q, NoClock);
        let mut n = 0u64;
        let mut at = 0;
        while at <= horizon {
            while l.check_at(Instant::from_nanos(at), 1).is_allowed() {
                n += 1;
            }
            at += gap;
        }
        n
    };
    let fine = total(1);
    let per_period = u128::from(q.permits()) * u128::from(horizon) / u128::from(q.period().as_nanos());
    assert_eq!(u128::from(fine), u128::from(q.burst()) + per_period);
    assert_eq!(total(coarse), fine);
}
