//! Leaky buckets against their oracles: the meter against the SPEC's GCRA
//! model (the SPEC defines the meter by it) with S1; the shaping queue
//! against an nginx-style excess model, with its burst bound
//! (`burst + 1` at once, then the rate).
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
use oracle::buckets::Queue;
use oracle::gcra::Gcra as GcraModel;
use oracle::harness::drive;
use proptest::prelude::*;
use ratecore::{
    HORIZON, Instant, LeakyMeter, LeakyQueue, LocalLeakyMeter, LocalLeakyQueue, Nanos, NoClock, Shaping,
};
use strategies::{burst, config, ops, period, permits, quota_history};

fn shaping_history() -> impl Strategy<Value = (Shaping, Vec<(u64, u32)>)> {
    (permits(), period(), burst(), prop_oneof![Just(0u64), Just(1), Just(u64::MAX), 0..=20u64])
        .prop_filter_map("unrepresentable", |(n, p, b, delay)| {
            Shaping::new(n, Nanos::from_nanos(p), b.saturating_sub(1)).ok().map(|s| s.delay(delay))
        })
        .prop_flat_map(|s| {
            let t = s.quota().emission_interval().as_nanos();
            (Just(s), ops(t, s.quota().burst()))
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn leaky_meter_matches_oracle_and_s1((q, ops) in quota_history()) {
        let shared = LeakyMeter::new(q, NoClock);
        let admitted = drive(&shared, || shared.state(), LocalLeakyMeter::new(q, NoClock), GcraModel::for_quota(&q), q.burst(), &ops, HORIZON.as_nanos())
            .map_err(TestCaseError::fail)?;
        check_s1(&admitted, q.permits(), q.period().as_nanos(), q.burst()).map_err(TestCaseError::fail)?;
    }

    /// Every decision (including the wait) equals the model's; the queue
    /// never accepts more than `burst + 1` plus the rate (S1 with
    /// B = burst + 1).
    #[test]
    fn leaky_queue_matches_oracle_and_bound((s, ops) in shaping_history()) {
        let shared = LeakyQueue::new(s, NoClock);
        let q = *s.quota();
        let admitted = drive(&shared, || shared.state(), LocalLeakyQueue::new(s, NoClock), Queue::new(&s), q.burst(), &ops, HORIZON.as_nanos())
            .map_err(TestCaseError::fail)?;
        check_s1(&admitted, q.permits(), q.period().as_nanos(), q.burst()).map_err(TestCaseError::fail)?;
    }
}

/// nginx `rate=2r/s burst=3` without nodelay: accepted requests leave the
/// queue exactly 500 ms apart.
#[test]
fn queue_output_is_evenly_spaced() {
    let q = LeakyQueue::new(Shaping::per_second(2, 3).unwrap(), NoClock);
    let departures: Vec<u64> = (0..4)
        .map(|_| {
            let d = q.check_at(Instant::ZERO, 1);
            assert!(d.is_allowed());
            d.wait().as_nanos()
        })
        .collect();
    assert_eq!(departures, [0, 500_000_000, 1_000_000_000, 1_500_000_000]);
    assert!(!q.check_at(Instant::ZERO, 1).is_allowed());
}
