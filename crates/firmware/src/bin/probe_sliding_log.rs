//! Link-time panic check and footprint probe: `SlidingLog` and
//! `LocalSlidingLog` (see `ratecore_firmware::probe`).
#![no_std]
#![no_main]

use core::hint::black_box;

use ratecore::{LocalSlidingLog, NoClock, SlidingLog};
use ratecore_firmware::schedule::WINDOW;

ratecore_firmware::probe! {
    shared ratecore_sliding_log_shared: SlidingLog<NoClock, 8> = SlidingLog::new(black_box(WINDOW), NoClock);
    local ratecore_sliding_log_local: LocalSlidingLog<NoClock, 8> = LocalSlidingLog::new(black_box(WINDOW), NoClock);
}
