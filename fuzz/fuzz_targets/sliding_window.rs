//! The sliding-window counter against the exact rational estimate
//! (`tests/sliding_window.rs`, fuzzed): every decision and field, S2, S3,
//! L3 on every step, and W2 on the admitted history: at most `L` per
//! aligned window, at most `2L` in any window of length `W`. Then peeks
//! and refunds in lockstep (`ratecore_fuzz::lockstep`): shared = local, a
//! peek is a check on a clone and writes nothing, a refund never exceeds
//! the limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ratecore::{HORIZON, LocalSlidingWindow, NoClock, SlidingWindow};
use ratecore_fuzz::input::{WindowInput, beyond_checks};
use ratecore_fuzz::lockstep::lockstep;
use ratecore_fuzz::oracle::bounds::{check_aligned, check_sliding};
use ratecore_fuzz::oracle::harness::drive;
use ratecore_fuzz::oracle::windows::SlidingCounter;
use ratecore_fuzz::verdict;

fuzz_target!(|input: WindowInput| {
    let Ok(s) = input.sliding() else { return };
    // The oracle's search bound `(idx + 2)·W` is u64: it overflows for
    // windows longer than u64::MAX / 2 ns (292 years), out of its domain.
    if s.length().as_nanos() > u64::MAX / 2 {
        return;
    }
    let ops = input.history(s.length(), s.limit());
    let shared = SlidingWindow::new(s, NoClock);
    let admitted = verdict(drive(
        &shared,
        || shared.state(),
        LocalSlidingWindow::new(s, NoClock),
        SlidingCounter::new(&s),
        s.limit(),
        &ops,
        HORIZON.as_nanos(),
    ));
    verdict(check_aligned(&admitted, s.length().as_nanos(), s.limit()));
    verdict(check_sliding(&admitted, s.length().as_nanos(), 2 * s.limit(), "W2 (2L)"));

    let events = input.events(s.length(), s.limit());
    if beyond_checks(&events) {
        let shared = SlidingWindow::new(s, NoClock);
        let local = LocalSlidingWindow::new(s, NoClock);
        verdict(lockstep(&shared, local, &events, s.limit(), HORIZON.as_nanos()));
    }
});
