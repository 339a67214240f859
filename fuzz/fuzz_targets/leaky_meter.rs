//! The leaky bucket as a meter against the SPEC's GCRA model, its
//! definition (`tests/leaky_bucket.rs`, fuzzed): every decision and field,
//! S2, S3, L3 on every step, S1 on the admitted history. Then peeks,
//! reservations, cancels and refunds in lockstep (`ratecore_fuzz::lockstep`)
//! and S1 net of refunds, reservations counted when they act.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ratecore::{HORIZON, LeakyMeter, LocalLeakyMeter, NoClock};
use ratecore_fuzz::input::{QuotaInput, beyond_checks};
use ratecore_fuzz::lockstep::lockstep;
use ratecore_fuzz::net::check_s1_net;
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

    let events = input.events(&q);
    if beyond_checks(&events) {
        let shared = LeakyMeter::new(q, NoClock);
        let local = LocalLeakyMeter::new(q, NoClock);
        let trace = verdict(lockstep(&shared, local, &events, q.burst(), HORIZON.as_nanos()));
        verdict(check_s1_net(&trace, &q));
    }
});
