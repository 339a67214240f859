//! Link-time panic check and footprint probe: `LeakyMeter` and
//! `LocalLeakyMeter` (see `ratecore_firmware::probe`).
#![no_std]
#![no_main]

use core::hint::black_box;

use ratecore::{LeakyMeter, LocalLeakyMeter, NoClock};
use ratecore_firmware::schedule::QUOTA;

ratecore_firmware::probe! {
    shared ratecore_leaky_meter_shared: LeakyMeter<NoClock> = LeakyMeter::new(black_box(QUOTA), NoClock);
    local ratecore_leaky_meter_local: LocalLeakyMeter<NoClock> = LocalLeakyMeter::new(black_box(QUOTA), NoClock);
}
