//! Hot-key leases never over-admit: S1 on the union of every lease's and
//! every direct check's admissions, single-threaded on generated histories
//! (10 000 cases) and with real threads under contention; a lease of batch 1
//! is exactly GCRA.
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

use std::sync::Mutex;

use oracle::bounds::{Admission, check_s1};
use proptest::prelude::*;
use ratecore::{Clock, Gcra, Instant, LocalGcra, ManualClock, Nanos, NoClock, Quota};
use strategies::{config, quota_history};

proptest! {
    #![proptest_config(config())]

    /// Two leases (batches 1..=8) and direct checks interleaved on one
    /// limiter, monotone time: S1 holds on the union of admissions.
    #[test]
    fn leases_and_checks_never_over_admit(
        (q, ops) in quota_history(),
        batches in (1..=8u32, 1..=8u32),
        who in prop::collection::vec(0..3u8, 64),
    ) {
        let l = Gcra::new(q, NoClock);
        let mut a = l.lease(batches.0);
        let mut b = l.lease(batches.1);
        let mut admitted = Vec::new();
        let mut now = 0;
        for (i, &(t, cost)) in ops.iter().enumerate() {
            now = t.max(now);
            let at = Instant::from_nanos(now);
            let d = match who[i % who.len()] {
                0 => a.check_at(at, cost),
                1 => b.check_at(at, cost),
                _ => l.check_at(at, cost),
            };
            if d.is_allowed() && cost > 0 {
                admitted.push(Admission { at: now, cost: cost.into() });
            }
            prop_assert!(a.held() <= u64::from(batches.0).max(u64::from(cost)));
        }
        check_s1(&admitted, q.permits(), q.period().as_nanos(), q.burst()).map_err(TestCaseError::fail)?;
    }

    /// A lease of batch 1 decides exactly like GCRA.
    #[test]
    fn lease_of_one_is_gcra((q, ops) in quota_history()) {
        let l = Gcra::new(q, NoClock);
        let mut lease = l.lease(1);
        let mut gcra = LocalGcra::new(q, NoClock);
        let mut now = 0;
        for &(t, cost) in &ops {
            now = t.max(now);
            let at = Instant::from_nanos(now);
            prop_assert_eq!(lease.check_at(at, cost).is_allowed(), gcra.check_at(at, cost).is_allowed());
            prop_assert_eq!(l.state(), gcra.state());
        }
    }
}

/// Four threads with leases and one with direct checks on one limiter, the
/// clock advancing in frozen phases: every phase, and the union of all
/// admissions, stays within S1 — and the phases admit close to the quota
/// (what leases hold back is bounded by a batch per lease).
#[test]
fn leases_under_contention_never_over_admit() {
    let q = Quota::new(1_000, Nanos::from_secs(1), 200).unwrap(); // T = 1 ms, B = 200
    let clock = ManualClock::new(Instant::ZERO);
    let l = Gcra::new(q, &clock);
    let log = Mutex::new(Vec::new());
    let phases = if cfg!(miri) { 3 } else { 40 };
    let batch = 8;
    for phase in 0..phases {
        clock.set(Instant::from_nanos(phase * 7_000_000)); // 7 ms: 7 permits refill
        std::thread::scope(|s| {
            for t in 0..5 {
                let (l, log) = (&l, &log);
                s.spawn(move || {
                    let now = l.clock().now();
                    let mut got = 0u64;
                    if t < 4 {
                        let mut lease = l.lease(batch);
                        for _ in 0..300 {
                            got += u64::from(lease.check(1).is_allowed());
                        }
                    } else {
                        for _ in 0..300 {
                            got += u64::from(l.check(1).is_allowed());
                        }
                    }
                    log.lock().unwrap().push(Admission { at: now.as_nanos(), cost: got });
                });
            }
        });
    }
    let admitted = log.into_inner().unwrap();
    check_s1(&admitted, q.permits(), q.period().as_nanos(), q.burst()).unwrap();
    let total: u64 = admitted.iter().map(|a| a.cost).sum();
    let bound = 200 + (phases - 1) * 7;
    // Never above; below by at most what 4 leases can hold per phase.
    assert!(total <= bound, "{total} > {bound}");
    assert!(total + 4 * u64::from(batch) * phases >= bound, "{total} far below {bound}");
}
