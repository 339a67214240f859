//! GCRA against the exact oracle (`tests/gcra.rs`, fuzzed): the shared and
//! the `&mut` limiter and the model agree on every decision and field; S2,
//! S3, L3 on every step (the harness); S1 on the admitted history; and S4:
//! deciding at a stale instant never admits what the current one denies.
//! Then the whole history again with peeks, reservations, cancels and
//! refunds (`ratecore_fuzz::lockstep`): shared = local, each action against
//! `check` on a clone, and S1 net of refunds with reservations counted when
//! they act.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ratecore::{Gcra, HORIZON, Instant, LocalGcra, NoClock};
use ratecore_fuzz::input::{QuotaInput, beyond_checks};
use ratecore_fuzz::lockstep::lockstep;
use ratecore_fuzz::net::check_s1_net;
use ratecore_fuzz::oracle::bounds::check_s1;
use ratecore_fuzz::oracle::gcra::Gcra as Model;
use ratecore_fuzz::oracle::harness::drive;
use ratecore_fuzz::verdict;

#[derive(Arbitrary, Debug)]
struct Input {
    /// How far back the stale instant of the S4 check is.
    back: u32,
    quota: QuotaInput,
}

fuzz_target!(|input: Input| {
    let Ok(q) = input.quota.quota() else { return };
    let ops = input.quota.history(&q);
    let shared = Gcra::new(q, NoClock);
    let admitted = verdict(drive(
        &shared,
        || shared.state(),
        LocalGcra::new(q, NoClock),
        Model::for_quota(&q),
        q.burst(),
        &ops,
        HORIZON.as_nanos(),
    ));
    verdict(check_s1(&admitted, q.permits(), q.period().as_nanos(), q.burst()));

    // S4 (`gcra_stale_now_never_helps`).
    let mut local = LocalGcra::new(q, NoClock);
    for &(now, c) in &ops {
        let stale = now.saturating_sub(input.back.into());
        let at_stale = local.clone().check_at(Instant::from_nanos(stale), c);
        let at_now = local.clone().check_at(Instant::from_nanos(now), c);
        if at_stale.is_allowed() && c > 0 {
            assert!(at_now.is_allowed(), "S4: stale {stale} admits cost {c}, {now} denies");
        }
        let _ = local.check_at(Instant::from_nanos(now), c);
    }

    let events = input.quota.events(&q);
    if beyond_checks(&events) {
        let shared = Gcra::new(q, NoClock);
        let local = LocalGcra::new(q, NoClock);
        let trace = verdict(lockstep(&shared, local, &events, q.burst(), HORIZON.as_nanos()));
        verdict(check_s1_net(&trace, &q));
    }
});
