//! Link-time panic check and footprint probe: `SlidingWindow` and
//! `LocalSlidingWindow` (see `ratecore_firmware::probe`).
#![no_std]
#![no_main]

use core::hint::black_box;

use ratecore::{LocalSlidingWindow, NoClock, SlidingWindow};
use ratecore_firmware::schedule::SLIDING;

ratecore_firmware::probe! {
    shared ratecore_sliding_window_shared: SlidingWindow<NoClock> = SlidingWindow::new(black_box(SLIDING), NoClock);
    local ratecore_sliding_window_local: LocalSlidingWindow<NoClock> = LocalSlidingWindow::new(black_box(SLIDING), NoClock);
}
