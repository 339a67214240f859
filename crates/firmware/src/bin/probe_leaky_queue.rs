//! Link-time panic check and footprint probe: `LeakyQueue` and
//! `LocalLeakyQueue` (see `ratecore_firmware::probe`).
#![no_std]
#![no_main]

use core::hint::black_box;

use ratecore::{LeakyQueue, LocalLeakyQueue, NoClock};
use ratecore_firmware::schedule::SHAPING;

ratecore_firmware::probe! {
    shared ratecore_leaky_queue_shared: LeakyQueue<NoClock> = LeakyQueue::new(black_box(SHAPING), NoClock);
    local ratecore_leaky_queue_local: LocalLeakyQueue<NoClock> = LocalLeakyQueue::new(black_box(SHAPING), NoClock);
}
