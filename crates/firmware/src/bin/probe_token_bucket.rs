//! Link-time panic check and footprint probe: `TokenBucket` and
//! `LocalTokenBucket` (see `ratecore_firmware::probe`).
#![no_std]
#![no_main]

use core::hint::black_box;

use ratecore::{LocalTokenBucket, NoClock, TokenBucket};
use ratecore_firmware::schedule::QUOTA;

ratecore_firmware::probe! {
    shared ratecore_token_bucket_shared: TokenBucket<NoClock> = TokenBucket::new(black_box(QUOTA), NoClock);
    local ratecore_token_bucket_local: LocalTokenBucket<NoClock> = LocalTokenBucket::new(black_box(QUOTA), NoClock);
}
