//! SysTick as the counter of a [`ratecore::TickClock`]: a 24-bit timer that
//! counts *down* from its reload value, read here as a 24-bit up-counter.
//!
//! (The DWT cycle counter would be the 32-bit choice on real Cortex-M3/M4
//! silicon, but qemu does not model it — it reads 0 there — and Cortex-M0
//! has none. SysTick exists on both and runs under qemu.)

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;

/// Counter width.
pub const BITS: u32 = 24;
/// The reload value that makes SysTick cycle through all `2^24` values.
const RELOAD: u32 = 0x00FF_FFFF;

/// SysTick's clock, the core clock: 12 MHz on qemu's lm3s6965evb (the
/// LM3S6965 on its 12 MHz crystal, PLL off — the reset state), 16 MHz on
/// qemu's microbit (nRF51). Wrap period: 1.398 s and 1.049 s.
#[cfg(not(armv6m))]
pub const HZ: u64 = 12_000_000;
/// See above.
#[cfg(armv6m)]
pub const HZ: u64 = 16_000_000;

/// Starts SysTick free-running over the whole 24-bit range, on the core
/// clock, without its interrupt.
pub fn start(syst: &mut SYST) {
    syst.disable_counter();
    syst.disable_interrupt();
    // The core clock: the external reference clock is board-specific.
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(RELOAD);
    syst.clear_current();
    syst.enable_counter();
}

/// The count since the last wrap, counting up: `RELOAD − current`.
pub fn read() -> u32 {
    RELOAD.wrapping_sub(SYST::get_current()) & RELOAD
}
