//! Link-time panic check and footprint probe: the clocks — `TickClock::now`
//! over SysTick, `ManualClock::now`, and a GCRA decision that reads the tick
//! clock (`check`).
#![no_std]
#![no_main]

use core::hint::black_box;

use ratecore::{Clock, Decision, Gcra, Instant, ManualClock, TickClock};
use ratecore_firmware::schedule::QUOTA;
use ratecore_firmware::{konst, systick};

static CLOCK: TickClock<fn() -> u32> =
    konst!(TickClock::with_bits(systick::read as fn() -> u32, systick::HZ, systick::BITS));
static LIMITER: Gcra<&TickClock<fn() -> u32>> = Gcra::new(QUOTA, &CLOCK);
static MANUAL: ManualClock = ManualClock::new(Instant::ZERO);

/// The tick adapter: one counter read, one load, one CAS, nanoseconds.
#[unsafe(no_mangle)]
#[inline(never)]
pub fn ratecore_tick_clock_now(clock: &TickClock<fn() -> u32>) -> Instant {
    clock.now()
}

/// A manual clock's reading.
#[unsafe(no_mangle)]
#[inline(never)]
pub fn ratecore_manual_clock_now(clock: &ManualClock) -> Instant {
    clock.now()
}

/// A decision that reads the tick clock.
#[unsafe(no_mangle)]
#[inline(never)]
pub fn ratecore_gcra_tick_check(limiter: &Gcra<&TickClock<fn() -> u32>>, cost: u32) -> Decision {
    limiter.check(cost)
}

#[cortex_m_rt::entry]
fn main() -> ! {
    loop {
        black_box(ratecore_tick_clock_now(black_box(&CLOCK)));
        black_box(ratecore_manual_clock_now(black_box(&MANUAL)));
        let _ = black_box(ratecore_gcra_tick_check(black_box(&LIMITER), black_box(1)));
    }
}

ratecore_firmware::link_time_panic_check!();
