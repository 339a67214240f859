//! Link-time panic check and footprint probe: reading every numeric field of
//! a `Decision` (what a gateway puts into `Retry-After` and `RateLimit`).
#![no_std]
#![no_main]

use core::hint::black_box;

use ratecore::{Decision, Gcra, Instant, NoClock};
use ratecore_firmware::schedule::QUOTA;

/// Every numeric accessor of a decision.
#[unsafe(no_mangle)]
#[inline(never)]
pub fn ratecore_decision_fields(d: &Decision) -> [u64; 8] {
    [
        d.outcome() as u64,
        d.limit(),
        d.window().as_nanos(),
        d.remaining(),
        d.reset_after().as_nanos(),
        d.retry_after().map_or(u64::MAX, |r| r.as_nanos()),
        d.wait().as_nanos(),
        d.retry_after_secs().unwrap_or(u64::MAX),
    ]
}

#[cortex_m_rt::entry]
fn main() -> ! {
    let limiter = Gcra::new(black_box(QUOTA), NoClock);
    loop {
        let d = limiter.check_at(Instant::from_nanos(black_box(0)), black_box(1));
        black_box(ratecore_decision_fields(black_box(&d)));
    }
}

ratecore_firmware::link_time_panic_check!();
