//! The fixed window against its per-window count model
//! (`tests/fixed_window.rs`, fuzzed): every decision and field, S2, S3, L3
//! on every step, and W1 on the admitted history: at most `L` per aligned
//! window, at most `2L` in any window of length `W`. Then peeks and
//! refunds in lockstep (`ratecore_fuzz::lockstep`): shared = local, a peek
//! is a check on a clone and writes nothing, a refund never exceeds the
//! limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ratecore::{FixedWindow, HORIZON, LocalFixedWindow, NoClock};
use ratecore_fuzz::input::{WindowInput, beyond_checks};
use ratecore_fuzz::lockstep::lockstep;
use ratecore_fuzz::oracle::bounds::{check_aligned, check_sliding};
use ratecore_fuzz::oracle::harness::drive;
use ratecore_fuzz::oracle::windows::Fixed;
use ratecore_fuzz::verdict;

fuzz_target!(|input: WindowInput| {
    let Ok(w) = input.window() else { return };
    let ops = input.history(w.length(), w.limit());
    let shared = FixedWindow::new(w, NoClock);
    let admitted = verdict(drive(
        &shared,
        || shared.state(),
        LocalFixedWindow::new(w, NoClock),
        Fixed::new(&w),
        w.limit(),
        &ops,
        HORIZON.as_nanos(),
    ));
    verdict(check_aligned(&admitted, w.length().as_nanos(), w.limit()));
    verdict(check_sliding(&admitted, w.length().as_nanos(), 2 * w.limit(), "W1 (2L)"));

    let events = input.events(w.length(), w.limit());
    if beyond_checks(&events) {
        let shared = FixedWindow::new(w, NoClock);
        let local = LocalFixedWindow::new(w, NoClock);
        verdict(lockstep(&shared, local, &events, w.limit(), HORIZON.as_nanos()));
    }
});
