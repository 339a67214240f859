//! A firmware-style example of ratecore: no_std, no allocator, limiters in
//! `static`s, a clock over a hardware timer (SysTick, through the wrapping
//! tick adapter), decisions printed over semihosting. Runs in qemu:
//!
//! ```text
//! cargo run --release                                  # Cortex-M3, lm3s6965evb
//! cargo run --release --target thumbv6m-none-eabi      # Cortex-M0 (no CAS), microbit
//! ```
//!
//! Everything except the lines starting with `hw:` is deterministic and is
//! compared with `expected.txt` by `scripts/embedded.sh`; the `hw:` lines
//! depend on emulation speed, and the firmware checks them itself (the
//! `hw check:` line, which is compared).
#![no_std]
#![no_main]

use core::fmt::{self, Write};
use core::mem::size_of;

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hio};
use ratecore::{Clock, Decision, Gcra, Instant, Nanos, Quota, TickClock};
use ratecore_firmware::{konst, schedule, systick};

/// The hardware clock: SysTick (24 bits) extended to monotonic nanoseconds.
static HW_CLOCK: TickClock<fn() -> u32> =
    konst!(TickClock::with_bits(systick::read as fn() -> u32, systick::HZ, systick::BITS));

/// 1000 per second, burst 5 — over the hardware clock.
const HW_QUOTA: Quota = konst!(konst!(Quota::per_second(1000)).with_burst(5));
static HW_LIMITER: Gcra<&TickClock<fn() -> u32>> = Gcra::new(HW_QUOTA, &HW_CLOCK);

/// Semihosting stdout as a `fmt::Write`.
struct Host(hio::HostStream);

impl Write for Host {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.write_all(s.as_bytes()).map_err(|()| fmt::Error)
    }
}

#[entry]
fn main() -> ! {
    let ok = match hio::hstdout() {
        Ok(stdout) => run(&mut Host(stdout)).unwrap_or(false),
        Err(()) => false,
    };
    debug::exit(if ok { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
    #[allow(clippy::empty_loop)]
    loop {}
}

fn run(out: &mut Host) -> Result<bool, fmt::Error> {
    writeln!(out, "ratecore firmware example: no_std, no alloc, limiters in statics")?;
    sizes(out)?;

    let failed = schedule::run(out)?;

    writeln!(out, "-- the hardware clock: SysTick through the tick adapter")?;
    let hw_ok = hardware(out)?;

    let ok = failed == 0 && hw_ok;
    writeln!(out, "done: {}", if ok { "ok" } else { "FAILED" })?;
    Ok(ok)
}

/// Bytes of each limiter as laid out on this target (32-bit ARM EABI).
fn sizes(out: &mut Host) -> fmt::Result {
    use ratecore::{
        FixedWindow, IntervalBucket, LeakyMeter, LeakyQueue, LocalGcra, LocalSlidingLog, NoClock, SlidingLog,
        SlidingWindow, TokenBucket,
    };
    writeln!(
        out,
        "sizes: Gcra {} LocalGcra {} TokenBucket {} IntervalBucket {} LeakyMeter {} LeakyQueue {} \
         FixedWindow {} SlidingWindow {} SlidingLog<8> {} LocalSlidingLog<8> {} Decision {} \
         TickClock {} state word {}",
        size_of::<Gcra<NoClock>>(),
        size_of::<LocalGcra<NoClock>>(),
        size_of::<TokenBucket<NoClock>>(),
        size_of::<IntervalBucket<NoClock>>(),
        size_of::<LeakyMeter<NoClock>>(),
        size_of::<LeakyQueue<NoClock>>(),
        size_of::<FixedWindow<NoClock>>(),
        size_of::<SlidingWindow<NoClock>>(),
        size_of::<SlidingLog<NoClock, 8>>(),
        size_of::<LocalSlidingLog<NoClock, 8>>(),
        size_of::<Decision>(),
        size_of::<TickClock<fn() -> u32>>(),
        size_of::<u64>(),
    )
}

/// Decisions through the hardware clock for 1.5 s of SysTick time — across
/// at least one wrap of the 24-bit counter — polling as fast as the
/// (emulated) core goes. Timing varies run to run, so the details are
/// printed as `hw:` lines and the firmware checks the quota's bound itself:
/// admitted ≤ burst + ⌊elapsed · 1000/s⌋ (SPEC S1).
fn hardware(out: &mut Host) -> Result<bool, fmt::Error> {
    if let Some(mut p) = cortex_m::Peripherals::take() {
        systick::start(&mut p.SYST);
    }
    writeln!(out, "hw: SysTick at {} Hz, 24 bits, wrap period {}", systick::HZ, HW_CLOCK.wrap_period())?;
    let start_ticks = HW_CLOCK.ticks();
    let start = HW_CLOCK.now();
    let run_for = Nanos::from_millis(1_500);
    let (mut admitted, mut denied, mut shown) = (0u64, 0u64, 0u32);
    let mut last = start;
    let mut monotonic = true;
    loop {
        let d = HW_LIMITER.check(1);
        let now = HW_CLOCK.now();
        monotonic &= now >= last;
        last = now;
        if d.is_allowed() {
            admitted = admitted.saturating_add(1);
        } else {
            denied = denied.saturating_add(1);
        }
        // The first few decisions, and the first denial.
        if shown < 6 || (denied == 1 && !d.is_allowed()) {
            shown = shown.saturating_add(1);
            let at = now.saturating_duration_since(start);
            match d.retry_after() {
                None => writeln!(out, "hw: t+{at} allowed r={}", d.remaining())?,
                Some(retry) => writeln!(out, "hw: t+{at} denied retry={retry}")?,
            }
        }
        if now.saturating_duration_since(start) >= run_for {
            break;
        }
    }
    let elapsed = last.saturating_duration_since(start);
    let wraps = (HW_CLOCK.ticks() >> systick::BITS).saturating_sub(start_ticks >> systick::BITS);
    writeln!(out, "hw: SysTick wraps crossed: {wraps}")?;
    // ⌊elapsed · 1000 / s⌋ = ⌊elapsed / 1 ms⌋.
    let bound = 5u64.saturating_add(elapsed.as_nanos() / 1_000_000);
    writeln!(
        out,
        "hw: {} decisions in {elapsed}: {admitted} admitted, {denied} denied, bound {bound}",
        admitted + denied
    )?;
    let ok =
        monotonic && admitted >= 5 && admitted <= bound && denied > 0 && wraps >= 1 && last > Instant::ZERO;
    writeln!(
        out,
        "hw check: {} (clock monotonic across SysTick wraps, the burst of 5 admitted, \
         admitted within burst + elapsed x rate, some denied)",
        if ok { "ok" } else { "FAILED" }
    )?;
    Ok(ok)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    if let Ok(stdout) = hio::hstdout() {
        let _ = writeln!(Host(stdout), "PANIC: {info}");
    }
    debug::exit(debug::EXIT_FAILURE);
    #[allow(clippy::empty_loop)]
    loop {}
}
