//! The panic check's negative control: a reachable panic (an index that may
//! be out of bounds). This binary must FAIL to link with
//! `undefined symbol: ratecore_panic_is_reachable`; if it ever links, the
//! check proves nothing. Built only with `--features canary`.
#![no_std]
#![no_main]

use core::hint::black_box;

/// Panics when `i > 3`.
#[unsafe(no_mangle)]
#[inline(never)]
pub fn ratecore_canary(xs: &[u32; 4], i: usize) -> u32 {
    xs[i]
}

#[cortex_m_rt::entry]
fn main() -> ! {
    loop {
        black_box(ratecore_canary(black_box(&[1, 2, 3, 4]), black_box(7)));
    }
}

ratecore_firmware::link_time_panic_check!();
