//! The interval-refill token bucket against its whole-token model
//! (`tests/token_bucket.rs`, fuzzed): every decision and field, S2, S3, L3
//! on every step, and the interval bound `B + R·(⌊t/I⌋ + 1)` on the
//! admitted history. Then peeks, reservations, cancels and refunds in
//! lockstep (`ratecore_fuzz::lockstep`) and the interval bound net of
//! refunds, reservations counted when they act.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ratecore::{HORIZON, IntervalBucket, LocalIntervalBucket, NoClock};
use ratecore_fuzz::input::{RefillInput, beyond_checks};
use ratecore_fuzz::lockstep::lockstep;
use ratecore_fuzz::net::check_interval_net;
use ratecore_fuzz::oracle::bounds::check_interval;
use ratecore_fuzz::oracle::buckets::Interval;
use ratecore_fuzz::oracle::harness::drive;
use ratecore_fuzz::verdict;

fuzz_target!(|input: RefillInput| {
    let Ok(r) = input.refill() else { return };
    let ops = input.history(&r);
    let shared = IntervalBucket::new(r, NoClock);
    let admitted = verdict(drive(
        &shared,
        || shared.state(),
        LocalIntervalBucket::new(r, NoClock),
        Interval::new(&r),
        r.capacity(),
        &ops,
        HORIZON.as_nanos(),
    ));
    verdict(check_interval(&admitted, r.amount(), r.every().as_nanos(), r.capacity()));

    let events = input.events(&r);
    if beyond_checks(&events) {
        let shared = IntervalBucket::new(r, NoClock);
        let local = LocalIntervalBucket::new(r, NoClock);
        let trace = verdict(lockstep(&shared, local, &events, r.capacity(), HORIZON.as_nanos()));
        verdict(check_interval_net(&trace, &r));
    }
});
