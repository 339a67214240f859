//! The deterministic part of the example: every algorithm on one scripted
//! arrival schedule at explicit instants (`check_at`), and the tick adapter
//! over a simulated 32-bit counter that wraps. Its output is the same on
//! every target (checked against `expected.txt` under qemu).
//!
//! Each shared limiter lives in a `static` (their constructors are `const
//! fn`); its single-threaded twin runs the same schedule on the stack, and
//! every decision of the two must agree.

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicU32, Ordering};

use ratecore::{
    Decision, FixedWindow, Gcra, Instant, IntervalBucket, LeakyMeter, LeakyQueue, Limiter, LocalFixedWindow,
    LocalGcra, LocalIntervalBucket, LocalLeakyMeter, LocalLeakyQueue, LocalSlidingLog, LocalSlidingWindow,
    LocalTokenBucket, Nanos, NoClock, Outcome, Quota, Refill, Shaping, Sliding, SlidingLog, SlidingWindow,
    TickClock, TokenBucket, Window,
};

use crate::konst;

/// 4 per second, burst 4.
pub const QUOTA: Quota = konst!(Quota::per_second(4));
/// 4 whole tokens at every second, capacity 4.
pub const REFILL: Refill = konst!(Refill::from_quota(QUOTA));
/// Drains 4 per second; 2 queue slots behind the one in service.
pub const SHAPING: Shaping = konst!(Shaping::per_second(4, 2));
/// 4 per 1 s window.
pub const WINDOW: Window = konst!(Window::new(4, Nanos::from_secs(1)));
/// 4 per sliding 1 s.
pub const SLIDING: Sliding = konst!(Sliding::new(4, Nanos::from_secs(1)));

static GCRA: Gcra<NoClock> = Gcra::new(QUOTA, NoClock);
static TOKEN_BUCKET: TokenBucket<NoClock> = TokenBucket::new(QUOTA, NoClock);
static INTERVAL_BUCKET: IntervalBucket<NoClock> = IntervalBucket::new(REFILL, NoClock);
static LEAKY_METER: LeakyMeter<NoClock> = LeakyMeter::new(QUOTA, NoClock);
static LEAKY_QUEUE: LeakyQueue<NoClock> = LeakyQueue::new(SHAPING, NoClock);
static FIXED_WINDOW: FixedWindow<NoClock> = FixedWindow::new(WINDOW, NoClock);
static SLIDING_WINDOW: SlidingWindow<NoClock> = SlidingWindow::new(SLIDING, NoClock);
static SLIDING_LOG: SlidingLog<NoClock, 8> = SlidingLog::new(WINDOW, NoClock);

/// Arrivals: (milliseconds, cost). A burst at 0, a trickle, a request above
/// every burst (5), a peek (cost 0), and a second burst after idling.
pub const ARRIVALS: [(u64, u32); 16] = [
    (0, 1),
    (0, 1),
    (0, 1),
    (0, 1),
    (0, 1),
    (100, 1),
    (250, 1),
    (400, 2),
    (900, 1),
    (1000, 1),
    (1000, 1),
    (1250, 3),
    (1500, 0),
    (1600, 5),
    (2600, 4),
    (2700, 1),
];

/// One decision as one line.
fn line(out: &mut impl Write, name: &str, ms: u64, cost: u32, d: &Decision) -> fmt::Result {
    write!(out, "{name:<15} t={ms:>4}ms c={cost} ")?;
    match d.outcome() {
        Outcome::Allowed => {
            write!(out, "allowed    r={} reset={}", d.remaining(), d.reset_after())?;
            if d.wait() > Nanos::ZERO {
                write!(out, " wait={}", d.wait())?;
            }
        }
        Outcome::Denied => match d.retry_after() {
            Some(retry) => write!(out, "denied     r={} retry={retry}", d.remaining())?,
            None => write!(out, "denied     r={} retry=never", d.remaining())?,
        },
        Outcome::Impossible => write!(out, "impossible limit={}", d.limit())?,
    }
    writeln!(out)
}

/// Runs the schedule on a shared limiter and its single-threaded twin,
/// printing the shared one's decisions; returns how many decisions differed
/// between the two (must be 0).
fn drive(
    out: &mut impl Write,
    name: &str,
    mut shared: impl Limiter,
    mut local: impl Limiter,
) -> Result<u32, fmt::Error> {
    let mut mismatches = 0u32;
    for (ms, cost) in ARRIVALS {
        let at = Instant::from_nanos(ms.saturating_mul(1_000_000));
        let d = shared.check_at(at, cost);
        if local.check_at(at, cost) != d {
            mismatches = mismatches.saturating_add(1);
            writeln!(out, "MISMATCH {name} t={ms}ms: shared and local limiters disagree")?;
        }
        line(out, name, ms, cost, &d)?;
    }
    Ok(mismatches)
}

/// The whole deterministic part: [`algorithms`] and [`tick_adapter`] with
/// their headings. Returns the number of failed self-checks (must be 0).
pub fn run(out: &mut impl Write) -> Result<u32, fmt::Error> {
    writeln!(out, "-- every algorithm at explicit instants (shared static vs local twin)")?;
    let mismatches = algorithms(out)?;
    writeln!(out, "shared/local mismatches: {mismatches}")?;
    writeln!(out, "-- the wrapping tick adapter over a simulated 32-bit timer")?;
    let wrong = tick_adapter(out)?;
    Ok(mismatches.saturating_add(wrong))
}

/// Every algorithm on [`ARRIVALS`]; returns the number of shared/local
/// mismatches (must be 0).
pub fn algorithms(out: &mut impl Write) -> Result<u32, fmt::Error> {
    let mut bad = 0u32;
    bad = bad.saturating_add(drive(out, "gcra", &GCRA, LocalGcra::new(QUOTA, NoClock))?);
    bad =
        bad.saturating_add(drive(out, "token_bucket", &TOKEN_BUCKET, LocalTokenBucket::new(QUOTA, NoClock))?);
    bad = bad.saturating_add(drive(
        out,
        "interval_bucket",
        &INTERVAL_BUCKET,
        LocalIntervalBucket::new(REFILL, NoClock),
    )?);
    bad = bad.saturating_add(drive(out, "leaky_meter", &LEAKY_METER, LocalLeakyMeter::new(QUOTA, NoClock))?);
    bad =
        bad.saturating_add(drive(out, "leaky_queue", &LEAKY_QUEUE, LocalLeakyQueue::new(SHAPING, NoClock))?);
    bad = bad.saturating_add(drive(
        out,
        "fixed_window",
        &FIXED_WINDOW,
        LocalFixedWindow::new(WINDOW, NoClock),
    )?);
    bad = bad.saturating_add(drive(
        out,
        "sliding_window",
        &SLIDING_WINDOW,
        LocalSlidingWindow::new(SLIDING, NoClock),
    )?);
    bad = bad.saturating_add(drive(
        out,
        "sliding_log",
        &SLIDING_LOG,
        LocalSlidingLog::<NoClock, 8>::new(WINDOW, NoClock),
    )?);
    Ok(bad)
}

/// A simulated free-running 32-bit timer at 1 MHz (wraps every 71.6 min).
static SIM_TIMER: AtomicU32 = AtomicU32::new(0);

fn sim_timer() -> u32 {
    // A plain atomic load: available even without compare-and-swap.
    SIM_TIMER.load(Ordering::Relaxed)
}

/// The tick adapter over the simulated timer.
pub static SIM_CLOCK: TickClock<fn() -> u32> = konst!(TickClock::new(sim_timer as fn() -> u32, 1_000_000));

/// One per hour, burst 1, reading [`SIM_CLOCK`].
static HOURLY: Gcra<&TickClock<fn() -> u32>> = Gcra::new(konst!(Quota::per_hour(1)), &SIM_CLOCK);

/// The timer advances 40 minutes per step (under one wrap period, so every
/// wrap is seen): 8 steps cross 4 wraps. At each step the clock is read and
/// a limiter over it decides. Returns the number of readings that differ
/// from the true elapsed ticks (must be 0).
pub fn tick_adapter(out: &mut impl Write) -> Result<u32, fmt::Error> {
    let mut wrong = 0u32;
    writeln!(out, "tick: 32-bit timer at 1 MHz, wrap period {}", SIM_CLOCK.wrap_period())?;
    let step: u64 = 40 * 60 * 1_000_000;
    let mut elapsed: u64 = 0;
    for _ in 0..8 {
        elapsed = elapsed.saturating_add(step);
        // The register holds the low 32 bits of the elapsed ticks.
        let raw = u32::try_from(elapsed & u64::from(u32::MAX)).unwrap_or(0);
        SIM_TIMER.store(raw, Ordering::Relaxed);
        let d = HOURLY.check(1);
        let ticks = SIM_CLOCK.ticks();
        let exact = if ticks == elapsed {
            "exact"
        } else {
            wrong = wrong.saturating_add(1);
            "WRONG"
        };
        write!(
            out,
            "tick raw={raw:#010x} wraps={} ticks={ticks} ({exact}) now={} hourly: ",
            elapsed >> 32,
            Nanos::from_nanos(SIM_CLOCK.now_nanos()),
        )?;
        match d.retry_after() {
            None => writeln!(out, "allowed")?,
            Some(retry) => writeln!(out, "denied retry={retry}")?,
        }
    }
    Ok(wrong)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::String;

    /// The host (64-bit, native atomics) makes exactly the decisions the
    /// qemu runs print (32-bit; lock-based and critical-section atomics).
    #[test]
    fn host_decisions_match_expected_txt() {
        let mut out = String::new();
        assert_eq!(super::run(&mut out), Ok(0));
        let expected = include_str!("../expected.txt");
        let start = expected.find("-- every algorithm").expect("section start");
        let end = expected.find("-- the hardware clock").expect("section end");
        assert_eq!(out, expected[start..end]);
    }
}
