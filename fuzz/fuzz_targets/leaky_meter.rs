//! The leaky bucket as a meter against the SPEC's GCRA model, its
//! definition (`tests/leaky_bucket.rs`, fuzzed): every decision and field,
//! S2, S3, L3 on every step, S1 on the admitted history.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ratecore::{HORIZON, LeakyMeter, LocalLeakyMeter, NoClock};
use ratecore_fuzz::input::QuotaInput;
use ratecore_fuzz::oracle::bounds::check_s1;
use ratecore_fuzz::oracle::gcra::Gcra as Model;
use ratecore_fuzz::oracle::harness::drive;
use ratecore_fuzz::verdict;

fuzz_target!(|input: QuotaInput| {
    let Ok(q) = input.quota() else { return };
    let ops = input.history(&q);
    let shared = LeakyMeter::new(q, NoClock);
    let admitted = verdict(drive(
        &shared,
        || shared.state(),
        LocalLeakyMeter::new(q, NoClock),
        Model::for_quota(&q),
        q.burst(),
        &ops,
        HORIZON.as_nanos(),
    ));
    verdict(check_s1(&admitted, q.permits(), q.period().as_nanos(), q.burst()));
});
