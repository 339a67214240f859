//! SPEC E1: GCRA, the continuous token bucket and the leaky-bucket meter,
//! built from the same quota, make exactly the same decisions (and report the
//! same metadata) on every history — three formulations (arrival time,
//! tokens, level) of one algorithm.
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

mod strategies;

use proptest::prelude::*;
use ratecore::{Instant, LocalGcra, LocalLeakyMeter, LocalTokenBucket, NoClock};
use strategies::{config, quota_history};

proptest! {
    #![proptest_config(config())]

    #[test]
    fn e1_gcra_token_bucket_leaky_meter_agree((q, ops) in quota_history()) {
        let mut gcra = LocalGcra::new(q, NoClock);
        let mut bucket = LocalTokenBucket::new(q, NoClock);
        let mut meter = LocalLeakyMeter::new(q, NoClock);
        for (now, cost) in ops {
            let at = Instant::from_nanos(now);
            let g = gcra.check_at(at, cost);
            prop_assert_eq!(g, bucket.check_at(at, cost), "token bucket at {} cost {}", now, cost);
            prop_assert_eq!(g, meter.check_at(at, cost), "leaky meter at {} cost {}", now, cost);
        }
    }
}
