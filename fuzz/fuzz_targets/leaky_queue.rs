//! The nginx-style shaping queue against its excess model
//! (`tests/leaky_bucket.rs`, fuzzed): every decision and field including
//! the wait, S2, S3, L3 on every step, and S1 with `B = burst + 1` on the
//! accepted history. Then peeks in lockstep (`ratecore_fuzz::lockstep`;
//! the queue has no reserve or refund): shared = local = check on a clone,
//! nothing written.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ratecore::{HORIZON, LeakyQueue, LocalLeakyQueue, NoClock};
use ratecore_fuzz::input::{ShapingInput, has_peeks};
use ratecore_fuzz::lockstep::lockstep;
use ratecore_fuzz::oracle::bounds::check_s1;
use ratecore_fuzz::oracle::buckets::Queue;
use ratecore_fuzz::oracle::harness::drive;
use ratecore_fuzz::verdict;

fuzz_target!(|input: ShapingInput| {
    let Ok(s) = input.shaping() else { return };
    let ops = input.history(&s);
    let q = *s.quota();
    let shared = LeakyQueue::new(s, NoClock);
    let admitted = verdict(drive(
        &shared,
        || shared.state(),
        LocalLeakyQueue::new(s, NoClock),
        Queue::new(&s),
        q.burst(),
        &ops,
        HORIZON.as_nanos(),
    ));
    verdict(check_s1(&admitted, q.permits(), q.period().as_nanos(), q.burst()));

    let events = input.events(&s);
    if has_peeks(&events) {
        let shared = LeakyQueue::new(s, NoClock);
        let local = LocalLeakyQueue::new(s, NoClock);
        verdict(lockstep(&shared, local, &events, q.burst(), HORIZON.as_nanos()));
    }
});
