//! The sliding-window log against a list of every admission
//! (`tests/sliding_window.rs`, fuzzed): every decision and field, S2, S3,
//! L3 on every step, and exactness on the admitted history (at most `L` in
//! every window of length `W`), with rings smaller than, around and larger
//! than the limit (1, 8 and 64 entries). Then peeks in lockstep
//! (`ratecore_fuzz::lockstep`): shared = local = check on a clone, the log
//! (`snapshot()`) unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ratecore::{HORIZON, LocalSlidingLog, NoClock, SlidingLog, Window};
use ratecore_fuzz::input::{Act, WindowInput, has_peeks};
use ratecore_fuzz::lockstep::lockstep;
use ratecore_fuzz::oracle::bounds::check_sliding;
use ratecore_fuzz::oracle::harness::drive;
use ratecore_fuzz::oracle::windows::Log;
use ratecore_fuzz::verdict;

fn check_log<const N: usize>(w: Window, ops: &[(u64, u32)], events: &[(u64, Act)]) {
    let shared = SlidingLog::<NoClock, N>::new(w, NoClock);
    let admitted = verdict(drive(
        &shared,
        || shared.snapshot(),
        LocalSlidingLog::<NoClock, N>::new(w, NoClock),
        Log::new(&w, N),
        w.limit(),
        ops,
        HORIZON.as_nanos(),
    ));
    verdict(check_sliding(&admitted, w.length().as_nanos(), w.limit(), "exact log bound"));
    if has_peeks(events) {
        let shared = SlidingLog::<NoClock, N>::new(w, NoClock);
        let local = LocalSlidingLog::<NoClock, N>::new(w, NoClock);
        verdict(lockstep(&shared, local, events, w.limit(), HORIZON.as_nanos()));
    }
}

fuzz_target!(|input: WindowInput| {
    let Ok(w) = input.log_window() else { return };
    // The oracle's expiry instants `a + W` are u64: they overflow for windows
    // longer than u64::MAX − HORIZON ns (534 years), out of its domain.
    if w.length().as_nanos() > u64::MAX - HORIZON.as_nanos() {
        return;
    }
    let ops = input.history(w.length(), w.limit());
    let events = input.events(w.length(), w.limit());
    check_log::<1>(w, &ops, &events);
    check_log::<8>(w, &ops, &events);
    check_log::<64>(w, &ops, &events);
});
