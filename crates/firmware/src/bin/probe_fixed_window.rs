//! Link-time panic check and footprint probe: `FixedWindow` and
//! `LocalFixedWindow` (see `ratecore_firmware::probe`).
#![no_std]
#![no_main]

use core::hint::black_box;

use ratecore::{FixedWindow, LocalFixedWindow, NoClock};
use ratecore_firmware::schedule::WINDOW;

ratecore_firmware::probe! {
    shared ratecore_fixed_window_shared: FixedWindow<NoClock> = FixedWindow::new(black_box(WINDOW), NoClock);
    local ratecore_fixed_window_local: LocalFixedWindow<NoClock> = LocalFixedWindow::new(black_box(WINDOW), NoClock);
}
