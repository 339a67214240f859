//! Token buckets against their oracles: the continuous bucket against the
//! SPEC's GCRA model (its definition of the continuous bucket) with S1; the
//! interval bucket against a whole-token model with its interval bound.
//! Every decision and field compared; S2, S3, L3 on every step.
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

use oracle::bounds::{check_interval, check_s1};
use oracle::buckets::Interval;
use oracle::gcra::Gcra as GcraModel;
use oracle::harness::drive;
use proptest::prelude::*;
use ratecore::{
    HORIZON, Instant, IntervalBucket, LocalIntervalBucket, LocalTokenBucket, Nanos, NoClock, Refill,
    TokenBucket,
};
use strategies::{burst, config, ops, period, permits, quota_history};

fn refill_history() -> impl Strategy<Value = (Refill, Vec<(u64, u32)>)> {
    (permits(), period(), burst())
        .prop_filter_map("refill does not fit", |(n, p, b)| Refill::new(n, Nanos::from_nanos(p), b).ok())
        .prop_flat_map(|r| (Just(r), ops(r.every().as_nanos(), r.capacity())))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn token_bucket_matches_oracle_and_s1((q, ops) in quota_history()) {
        let shared = TokenBucket::new(q, NoClock);
        let admitted = drive(&shared, || shared.state(), LocalTokenBucket::new(q, NoClock), GcraModel::for_quota(&q), q.burst(), &ops, HORIZON.as_nanos())
            .map_err(TestCaseError::fail)?;
        check_s1(&admitted, q.permits(), q.period().as_nanos(), q.burst()).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn interval_bucket_matches_oracle_and_bound((r, ops) in refill_history()) {
        let shared = IntervalBucket::new(r, NoClock);
        let admitted = drive(&shared, || shared.state(), LocalIntervalBucket::new(r, NoClock), Interval::new(&r), r.capacity(), &ops, HORIZON.as_nanos())
            .map_err(TestCaseError::fail)?;
        check_interval(&admitted, r.amount(), r.every().as_nanos(), r.capacity()).map_err(TestCaseError::fail)?;
    }
}

/// SPEC adversarial 15: after exactly k·T from empty, exactly k whole tokens.
#[test]
fn fractional_token_boundaries() {
    let q = ratecore::Quota::per_second(3).unwrap(); // T = 1/3 s
    let b = LocalTokenBucket::new(q, NoClock);
    let mut b2 = b.clone();
    assert!(b2.check_at(Instant::ZERO, 3).is_allowed());
    for k in 0..=3u64 {
        // k·T = k/3 s: 333 333 333.33… ns, so the first whole ns at or after.
        let at = (k * 1_000_000_000).div_ceil(3);
        assert_eq!(b2.tokens_at(Instant::from_nanos(at)).0, k, "k = {k}");
        if at > 0 {
            assert_eq!(b2.tokens_at(Instant::from_nanos(at - 1)).0, k - 1, "k = {k}, 1 ns early");
        }
    }
}
