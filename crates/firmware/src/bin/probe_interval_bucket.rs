//! Link-time panic check and footprint probe: `IntervalBucket` and
//! `LocalIntervalBucket` (see `ratecore_firmware::probe`).
#![no_std]
#![no_main]

use core::hint::black_box;

use ratecore::{IntervalBucket, LocalIntervalBucket, NoClock};
use ratecore_firmware::schedule::REFILL;

ratecore_firmware::probe! {
    shared ratecore_interval_bucket_shared: IntervalBucket<NoClock> = IntervalBucket::new(black_box(REFILL), NoClock);
    local ratecore_interval_bucket_local: LocalIntervalBucket<NoClock> = LocalIntervalBucket::new(black_box(REFILL), NoClock);
}
