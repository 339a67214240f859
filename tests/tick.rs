//! `TickClock`: a wrapping 32-bit (or narrower) counter extended to
//! monotonic nanoseconds — exact across many wraps, at the exact boundary,
//! with the counter read while another reader updates the clock (the
//! interrupt case, deterministically), and with real threads.
// Tests may index, unwrap and do plain arithmetic: a panic is a failure.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use ratecore::{Clock, Error, Gcra, Instant, Nanos, Quota, TickClock, TickCounter};

const SEC: u64 = 1_000_000_000;

/// A fake hardware counter: the true elapsed tick count; reads return its
/// low 32 bits, as the register would.
#[derive(Debug, Default)]
struct Fake {
    total: AtomicU64,
}

impl Fake {
    fn at(total: u64) -> Self {
        Self { total: AtomicU64::new(total) }
    }
    fn advance(&self, ticks: u64) -> u64 {
        self.total.fetch_add(ticks, Ordering::SeqCst) + ticks
    }
    fn total(&self) -> u64 {
        self.total.load(Ordering::SeqCst)
    }
}

impl TickCounter for &Fake {
    fn read(&self) -> u32 {
        self.total.load(Ordering::SeqCst) as u32
    }
}

/// The exact reference: `⌊ticks · 10^9 / hz⌋` in `u128`.
fn nanos(ticks: u64, hz: u64) -> u64 {
    (u128::from(ticks) * u128::from(SEC) / u128::from(hz)) as u64
}

#[test]
fn steps_just_under_a_period_across_many_wraps() {
    // Each step is 2^32 − 1 ticks: almost a whole wrap, the worst legal poll
    // interval. 40 steps cross 39 wraps; the count stays exact throughout.
    let fake = Fake::default();
    let clock = TickClock::new(&fake, 1_000_000_000).unwrap();
    assert_eq!(clock.ticks(), 0);
    let mut last = 0;
    for _ in 0..40 {
        let total = fake.advance(u64::from(u32::MAX));
        let t = clock.ticks();
        assert_eq!(t, total);
        assert!(t > last);
        last = t;
        assert_eq!(clock.now(), Instant::from_nanos(total)); // 1 GHz: 1 tick = 1 ns
    }
    assert_eq!(last, 40 * u64::from(u32::MAX));
}

#[test]
fn mixed_steps_are_exact_and_monotonic() {
    // A deterministic mix of tiny, medium and near-period steps (an LCG),
    // across ~100 wraps of a 32-bit counter at 48 MHz.
    let fake = Fake::default();
    let hz = 48_000_000;
    let clock = TickClock::new(&fake, hz).unwrap();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut prev = Instant::ZERO;
    for i in 0..2_000 {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let step = match i % 3 {
            0 => (x >> 60) + 1,                       // 1..=16 ticks
            1 => (x >> 40) % 1_000_000,               // up to ~21 ms
            _ => (x >> 32) % u64::from(u32::MAX) + 1, // up to a whole period − 1
        };
        let total = fake.advance(step);
        let now = clock.now();
        assert_eq!(now.as_nanos(), nanos(total, hz), "step {i}");
        assert!(now >= prev);
        prev = now;
    }
    assert!(fake.total() > 100 * (1u64 << 32), "crossed {} wraps", fake.total() >> 32);
}

#[test]
fn wraps_exactly_at_the_boundary() {
    let fake = Fake::at(u64::from(u32::MAX) - 1);
    let clock = TickClock::new(&fake, 1_000).unwrap();
    assert_eq!(clock.ticks(), u64::from(u32::MAX) - 1);
    fake.advance(1); // raw 0xFFFF_FFFF
    assert_eq!(clock.ticks(), u64::from(u32::MAX));
    fake.advance(1); // raw 0: the wrap itself
    assert_eq!(clock.ticks(), 1 << 32);
    fake.advance(1); // raw 1
    assert_eq!(clock.ticks(), (1 << 32) + 1);
    // An unchanged counter: the same reading, nothing stored.
    assert_eq!(clock.ticks(), (1 << 32) + 1);
    // 1 kHz: one tick is exactly 1 ms.
    assert_eq!(clock.now(), Instant::from_nanos(((1 << 32) + 1) * 1_000_000));
}

#[test]
fn narrow_counter_systick_24_bits() {
    // SysTick: 24 bits at 12 MHz wraps every 1.398 101 333 s.
    let fake = Fake::default();
    let clock = TickClock::with_bits(&fake, 12_000_000, 24).unwrap();
    assert_eq!(clock.bits(), 24);
    assert_eq!(clock.wrap_period(), Nanos::from_nanos(1_398_101_333));
    // The reader's bits above 24 are ignored (the register reads them as 0
    // anyway; here the fake returns the full low 32 bits).
    let mut expected = 0u64;
    for _ in 0..50 {
        let step = (1 << 24) - 1;
        fake.advance(step);
        expected += step;
        assert_eq!(clock.ticks(), expected);
    }
    assert_eq!(clock.now().as_nanos(), nanos(expected, 12_000_000));
}

#[test]
fn a_missed_wrap_falls_behind_never_ahead() {
    // Polled after exactly one period (too late): the wrap is invisible and
    // the clock is one period behind — but still monotonic, so a limiter
    // over it only sees less time pass.
    let fake = Fake::default();
    let clock = TickClock::new(&fake, 1_000_000_000).unwrap();
    fake.advance(100);
    assert_eq!(clock.ticks(), 100);
    fake.advance(1 << 32);
    assert_eq!(clock.ticks(), 100);
    fake.advance((1 << 32) + 5);
    assert_eq!(clock.ticks(), 105);
    fake.advance(7);
    assert_eq!(clock.ticks(), 112);
}

#[test]
fn nanosecond_conversion_at_known_points() {
    // 32 768 Hz (a watch crystal): a tick is 30 517.578 125 ns, rounded down.
    let fake = Fake::default();
    let clock = TickClock::new(&fake, 32_768).unwrap();
    for (ticks, ns) in [
        (1, 30_517),
        (2, 61_035),
        (8, 244_140),
        (64, 1_953_125), // exact
        (32_768, SEC),
        (32_769, SEC + 30_517),
        (u64::from(u32::MAX), 131_071_999_969_482),
    ] {
        let f = Fake::at(ticks);
        let c = TickClock::new(&f, 32_768).unwrap();
        assert_eq!(c.now().as_nanos(), ns, "{ticks} ticks");
        assert_eq!(ns, nanos(ticks, 32_768));
    }
    // Several wraps at 32 768 Hz: 3 · 2^32 + 1 ticks.
    for _ in 0..3 {
        fake.advance(u64::from(u32::MAX));
        clock.ticks();
    }
    fake.advance(4);
    assert_eq!(clock.ticks(), 3 * (1 << 32) + 1);
    assert_eq!(clock.now().as_nanos(), nanos(3 * (1 << 32) + 1, 32_768));
    // A frequency above 18.4 GHz takes the u128 path.
    let f = Fake::at(u64::from(u32::MAX));
    let c = TickClock::new(&f, 20_000_000_000).unwrap();
    assert_eq!(c.now().as_nanos(), nanos(u64::from(u32::MAX), 20_000_000_000));
}

#[test]
fn constructor_errors_and_accessors() {
    let read = || 0u32;
    assert_eq!(TickClock::new(read, 0).unwrap_err(), Error::ZeroRate);
    assert_eq!(TickClock::with_bits(read, 1, 0).unwrap_err(), Error::Overflow);
    assert_eq!(TickClock::with_bits(read, 1, 33).unwrap_err(), Error::Overflow);
    let c = TickClock::with_bits(read, 1, 1).unwrap();
    assert_eq!((c.bits(), c.hz(), c.wrap_period()), (1, 1, Nanos::from_secs(2)));
    let c = TickClock::new(read, 1_000_000).unwrap();
    assert_eq!(c.bits(), 32);
    assert_eq!(c.wrap_period(), Nanos::from_nanos(4_294_967_296_000));
    let c = TickClock::new(read, 48_000_000).unwrap();
    assert_eq!(c.wrap_period(), Nanos::from_nanos(89_478_485_333));
    let c = TickClock::new(read, 480_000_000).unwrap();
    assert_eq!(c.wrap_period(), Nanos::from_nanos(8_947_848_533));
    assert_eq!((c.counter())(), 0);
}

// --- A reader interrupted between its load and its compare-and-swap -------

static NESTED_RAW: AtomicU32 = AtomicU32::new(0);
static NESTED_ARMED: AtomicBool = AtomicBool::new(false);
static NESTED_SEEN: AtomicU64 = AtomicU64::new(0);
static NESTED: TickClock<fn() -> u32> = match TickClock::new(nested_read as fn() -> u32, 1_000_000_000) {
    Ok(c) => c,
    Err(_) => panic!("valid"),
};

/// The counter of `NESTED`: when armed, the read is "interrupted" by a
/// handler that advances time and reads the clock itself, so the outer
/// reader's compare-and-swap fails and it must re-read the counter.
fn nested_read() -> u32 {
    let raw = NESTED_RAW.load(Ordering::SeqCst);
    if NESTED_ARMED.swap(false, Ordering::SeqCst) {
        NESTED_RAW.store(raw.wrapping_add(1_000), Ordering::SeqCst);
        NESTED_SEEN.store(NESTED.ticks(), Ordering::SeqCst);
        NESTED_RAW.store(raw.wrapping_add(2_000), Ordering::SeqCst);
    }
    raw
}

#[test]
fn interrupted_reader_retries_and_stays_monotonic() {
    // Just before a wrap, so the retried read crosses it.
    NESTED_RAW.store(u32::MAX - 1_500, Ordering::SeqCst);
    let before = NESTED.ticks();
    assert_eq!(before, u64::from(u32::MAX) - 1_500);
    // The counter moves 10 ticks; the outer reader reads that, then the
    // "interrupt" moves it 1000 more and reads the clock (storing
    // before + 1010), then moves it 1000 more (across the wrap).
    NESTED_RAW.store(u32::MAX - 1_490, Ordering::SeqCst);
    NESTED_ARMED.store(true, Ordering::SeqCst);
    let outer = NESTED.ticks();
    let inner = NESTED_SEEN.load(Ordering::SeqCst);
    assert_eq!(inner, before + 1_010);
    // The outer reader's CAS (before -> before + 10) failed; its retry
    // started from the handler's count and re-read the counter.
    assert_eq!(outer, before + 2_010);
    assert_eq!(outer, (1 << 32) + 509);
    assert_eq!(NESTED.ticks(), outer);
}

// --- Real threads ----------------------------------------------------------

#[test]
fn concurrent_readers_see_monotonic_exact_time() {
    // One thread advances the counter across 24 000 wraps of a 32-bit counter
    // and reads the clock after every step (the periodic interrupt that
    // meets the polling requirement); three readers hammer the clock. Every
    // reader's sequence is non-decreasing and never ahead of the true count,
    // and the final count is exact.
    const STEPS: u64 = 20_000;
    const STEP: u64 = 5_153_960_755; // 1.2 · 2^32: each step spans a wrap...
    // ...so it is applied in two halves, each under a period, both polled.
    const READERS: usize = 3;
    let fake = Arc::new(Fake::default());
    let clock = Arc::new(TickClock::new(Shared(Arc::clone(&fake)), 1_000_000_000).unwrap());
    let done = Arc::new(AtomicBool::new(false));
    let reading = Arc::new(AtomicUsize::new(0));
    let readers: Vec<_> = (0..READERS)
        .map(|_| {
            let (fake, clock, done, reading) =
                (Arc::clone(&fake), Arc::clone(&clock), Arc::clone(&done), Arc::clone(&reading));
            std::thread::spawn(move || {
                let mut last = 0;
                let mut reads = 0u64;
                // At least 1000 reads each, however the threads are scheduled.
                while reads < 1_000 || !done.load(Ordering::SeqCst) {
                    let t = clock.ticks();
                    assert!(t >= last, "went backwards: {last} -> {t}");
                    assert!(t <= fake.total(), "ahead of the counter: {t} > {}", fake.total());
                    last = t;
                    reads += 1;
                    if reads == 1 {
                        reading.fetch_add(1, Ordering::SeqCst);
                    }
                }
                reads
            })
        })
        .collect();
    // Start advancing once every reader is reading, and let them in often.
    while reading.load(Ordering::SeqCst) < READERS {
        std::thread::yield_now();
    }
    let mut expected = 0;
    for _ in 0..STEPS / 1_000 {
        for _ in 0..1_000 {
            fake.advance(STEP / 2);
            clock.ticks();
            expected = fake.advance(STEP - STEP / 2);
            clock.ticks();
        }
        std::thread::yield_now();
    }
    done.store(true, Ordering::SeqCst);
    let reads: u64 = readers.into_iter().map(|r| r.join().unwrap()).sum();
    assert!(reads >= 3 * 1_000);
    assert_eq!(clock.ticks(), expected);
    assert_eq!(expected, STEPS * STEP);
    assert!(expected >> 32 >= 20_000, "wraps: {}", expected >> 32);
}

/// The fake, shared with the thread that advances it.
struct Shared(Arc<Fake>);

impl TickCounter for Shared {
    fn read(&self) -> u32 {
        self.0.total.load(Ordering::SeqCst) as u32
    }
}

#[test]
fn a_limiter_over_a_wrapping_counter() {
    // 1 per second, burst 1, over a 24-bit counter at 12 MHz (wraps every
    // 1.398 s): permits come back exactly on time across wraps.
    static RAW: AtomicU32 = AtomicU32::new(0);
    fn read() -> u32 {
        RAW.load(Ordering::SeqCst)
    }
    static CLOCK: TickClock<fn() -> u32> = match TickClock::with_bits(read as fn() -> u32, 12_000_000, 24) {
        Ok(c) => c,
        Err(_) => panic!("valid"),
    };
    let limiter = Gcra::new(Quota::per_second(1).unwrap(), &CLOCK);
    let mut total: u64 = 0;
    let mut admitted = 0;
    // 100 polls 0.25 s apart (3 000 000 ticks): 25 s, ~18 wraps.
    for _ in 0..100 {
        total += 3_000_000;
        RAW.store((total & 0xff_ffff) as u32, Ordering::SeqCst);
        if limiter.check(1).is_allowed() {
            admitted += 1;
        }
    }
    assert_eq!(CLOCK.ticks(), total);
    // The first poll at 0.25 s, then one per second: at 0.25, 1.25, ..., 24.25.
    assert_eq!(admitted, 25);
}

#[test]
fn size_is_three_words_and_the_reader() {
    // State word, frequency, mask and a function pointer (FOOTPRINT.md lists
    // the Cortex-M layout; the qemu example prints it).
    let expected = if cfg!(target_pointer_width = "64") { 32 } else { 24 };
    assert_eq!(core::mem::size_of::<TickClock<fn() -> u32>>(), expected);
}
