//! Link-time panic check and footprint probe: `Gcra` and
//! `LocalGcra` (see `ratecore_firmware::probe`).
#![no_std]
#![no_main]

use core::hint::black_box;

use ratecore::{Gcra, LocalGcra, NoClock};
use ratecore_firmware::schedule::QUOTA;

ratecore_firmware::probe! {
    shared ratecore_gcra_shared: Gcra<NoClock> = Gcra::new(black_box(QUOTA), NoClock);
    local ratecore_gcra_local: LocalGcra<NoClock> = LocalGcra::new(black_box(QUOTA), NoClock);
}
