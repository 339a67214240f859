//! [`TickClock`]: a [`Clock`] over a wrapping hardware counter — a 32-bit
//! timer, a cycle counter, SysTick's 24 bits — extended to monotonic `u64`
//! nanoseconds.
//!
//! # Algorithm
//!
//! The counter counts up modulo `2^bits` at `hz` ticks per second (read a
//! down-counter as `reload − value`). The clock keeps one `u64`: the
//! *extended* tick count at the last observation, whose low `bits` bits are
//! the raw value read then. A new raw value `r` advances it by
//! `δ = (r − last) mod 2^bits` — the ticks since the last observation,
//! counting the wrap if there was one — and the new count is stored with a
//! compare-and-swap. Nanoseconds are `⌊ticks · 10^9 / hz⌋`, computed exactly
//! (as `q · 10^9 + ⌊r · 10^9 / hz⌋` with `ticks = q · hz + r`, so nothing
//! overflows), which is monotonic because the tick count is.
//!
//! **Poll at least once per wrap period.** The counter returns to the same
//! raw value every `2^bits / hz` seconds:
//!
//! | counter | `hz` | wrap period `2^bits / hz` |
//! |---|---|---|
//! | 32-bit | 1 MHz | 4 294.97 s (71.6 min) |
//! | 32-bit | 48 MHz (a cycle counter) | 89.48 s |
//! | 32-bit | 480 MHz | 8.95 s |
//! | 24-bit (SysTick) | 12 MHz | 1.398 s |
//!
//! ([`TickClock::wrap_period`] computes it.) If two consecutive observations —
//! by any caller, of [`Clock::now`] or [`TickClock::ticks`] — are a whole
//! period or more apart, the wraps in between are invisible and the clock
//! falls behind by whole periods. It still never goes backwards and never
//! jumps ahead, so a limiter over it never admits more than its quota; it
//! only sees less time pass. A periodic interrupt or task that calls
//! [`Clock::now`] well within the period (a 24-bit SysTick at 12 MHz: every
//! second) makes it correct indefinitely.
//!
//! The origin is the counter's zero before the first observation: the first
//! reading is the raw value. The `u64` of ticks lasts 584 years at 1 GHz;
//! past `u64::MAX` nanoseconds the clock saturates at [`Instant::MAX`] (where
//! limiters deny).
//!
//! # Example
//!
//! ```
//! use core::sync::atomic::{AtomicU32, Ordering};
//! use ratecore::{Clock, Gcra, Instant, Nanos, Quota, TickClock};
//!
//! // Stands in for a free-running 32-bit timer register at 1 MHz.
//! static TIMER: AtomicU32 = AtomicU32::new(0);
//! fn read_timer() -> u32 {
//!     TIMER.load(Ordering::Relaxed)
//! }
//!
//! static CLOCK: TickClock<fn() -> u32> = match TickClock::new(read_timer as fn() -> u32, 1_000_000) {
//!     Ok(clock) => clock,
//!     Err(_) => panic!("a 1 MHz timer is valid"),
//! };
//! assert_eq!(CLOCK.wrap_period(), Nanos::from_nanos(4_294_967_296_000)); // 71.6 minutes
//!
//! // Just before the first wrap, then just after it.
//! TIMER.store(u32::MAX - 9, Ordering::Relaxed);
//! assert_eq!(CLOCK.now(), Instant::from_nanos(4_294_967_286_000));
//! TIMER.store(5, Ordering::Relaxed); // wrapped: 15 µs later
//! assert_eq!(CLOCK.now(), Instant::from_nanos(4_294_967_301_000));
//! assert_eq!(CLOCK.ticks(), (1 << 32) + 5);
//!
//! // A limiter reading it, in a `static` too.
//! static LIMITER: Gcra<&TickClock<fn() -> u32>> = Gcra::new(
//!     match Quota::per_second(2) {
//!         Ok(q) => q,
//!         Err(_) => panic!("2 per second is valid"),
//!     },
//!     &CLOCK,
//! );
//! assert!(LIMITER.check(2).is_allowed());
//! assert!(!LIMITER.check(1).is_allowed());
//! TIMER.store(500_005, Ordering::Relaxed); // 0.5 s later: one permit back
//! assert!(LIMITER.check(1).is_allowed());
//! ```
//!
//! # Progress
//!
//! One load, one counter read, and one compare-and-swap when the counter has
//! moved; a lost race re-reads the counter and retries. Concurrent callers
//! always see non-decreasing values: the counter is read *after* the stored
//! count is loaded (Acquire), so the raw value is never older than the stored
//! one. The word is an `AtomicU64`, so the clock is exactly as lock-free and
//! as interrupt-safe as the limiters on the same target (the crate's "no_std
//! and targets" section): lock-free with native 64-bit atomics; a critical
//! section per operation with the `critical-section` feature (thumbv6m,
//! riscv32imc); and on thumbv7m/thumbv7em, by default, portable-atomic's
//! lock-based fallback, which an interrupt handler must not use while the
//! code it interrupted may hold the lock (build with
//! `--cfg portable_atomic_unsafe_assume_single_core` to make it
//! interrupt-safe on a single-core chip). A periodic interrupt that only
//! polls the clock is the usual way to meet the polling requirement: on
//! thumbv7m/thumbv7em give it that cfg, or poll from the main loop instead.
//!
//! # Complexity
//!
//! O(1): one counter read, one load, at most one CAS per attempt, and one
//! `u64` division with remainder plus one more `u64` division to convert to
//! nanoseconds (a `u128` division instead for `hz` above 18.4 GHz).
//!
//! # Memory
//!
//! One `u64` of state, the frequency (`u64`), the mask (`u32`) and the
//! counter reader: 24 bytes with a `fn() -> u32` on 32-bit targets, 32 on
//! 64-bit ones.

use core::fmt;

use crate::clock::{Clock, Instant, Nanos};
use crate::error::Error;
use crate::sync::{AtomicU64, Ordering};

const NANOS_PER_SEC: u64 = 1_000_000_000;

/// A free-running counter that counts up and wraps: what a [`TickClock`]
/// reads.
///
/// Implemented for every `Fn() -> u32` (a `fn` reading a timer register, a
/// closure); implement it for a type that owns a timer peripheral. Only the
/// low `bits` bits of the value are used (see [`TickClock::with_bits`]).
pub trait TickCounter {
    /// The current raw count.
    fn read(&self) -> u32;
}

impl<F: Fn() -> u32> TickCounter for F {
    #[inline]
    fn read(&self) -> u32 {
        self()
    }
}

/// A [`Clock`] over a wrapping up-counter of up to 32 bits ticking at `hz`:
/// monotonic `u64` nanoseconds, provided it is polled at least once per wrap
/// period `2^bits / hz`.
///
/// See the [module docs](self) for the algorithm, the polling requirement and
/// an example.
pub struct TickClock<R> {
    /// The extended tick count at the last observation; its low `bits` bits
    /// are the raw counter value read then.
    ticks: AtomicU64,
    /// `2^bits − 1`.
    mask: u32,
    /// Ticks per second, `>= 1`.
    hz: u64,
    counter: R,
}

/// `2^bits − 1`, for `bits` in `1 ..= 32`.
const fn mask_of(bits: u32) -> Option<u32> {
    if bits == 0 || bits > u32::BITS {
        return None;
    }
    u32::MAX.checked_shr(u32::BITS.saturating_sub(bits))
}

/// `⌊ticks · 10^9 / hz⌋`, saturating at `u64::MAX`; `u64::MAX` for `hz == 0`.
///
/// With `ticks = q · hz + r` (`r < hz`) this is exactly
/// `q · 10^9 + ⌊r · 10^9 / hz⌋`: only the second product needs more than
/// `u64` when `hz` exceeds `u64::MAX / 10^9` (18.4 GHz).
#[must_use]
const fn ticks_to_nanos(ticks: u64, hz: u64) -> u64 {
    let (Some(q), Some(r)) = (ticks.checked_div(hz), ticks.checked_rem(hz)) else {
        return u64::MAX;
    };
    let frac = match r.checked_mul(NANOS_PER_SEC) {
        Some(scaled) => match scaled.checked_div(hz) {
            Some(f) => f,
            None => 0,
        },
        // r < hz, so the quotient is below 10^9 and fits.
        None => match (r as u128).saturating_mul(NANOS_PER_SEC as u128).checked_div(hz as u128) {
            Some(f) if f <= u64::MAX as u128 => {
                #[allow(clippy::cast_possible_truncation)] // checked just above
                {
                    f as u64
                }
            }
            _ => u64::MAX,
        },
    };
    q.saturating_mul(NANOS_PER_SEC).saturating_add(frac)
}

impl<R> fmt::Debug for TickClock<R> {
    /// The stored count, frequency and width (not the counter: a closure has
    /// no `Debug`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Relaxed: a snapshot for inspection.
        let ticks = self.ticks.load(Ordering::Relaxed);
        f.debug_struct("TickClock")
            .field("ticks", &ticks)
            .field("hz", &self.hz)
            .field("bits", &self.bits())
            .finish_non_exhaustive()
    }
}

impl<R> TickClock<R> {
    crate::sync::const_fn! {
        /// A clock over a full 32-bit `counter` ticking at `hz` per second.
        ///
        /// # Errors
        ///
        /// [`Error::ZeroRate`] if `hz` is 0.
        pub fn new(counter: R, hz: u64) -> Result<Self, Error> {
            Self::with_bits(counter, hz, u32::BITS)
        }
    }

    crate::sync::const_fn! {
        /// A clock over a counter of `bits` bits (1 to 32; SysTick has 24)
        /// ticking at `hz` per second. Only the low `bits` bits of each
        /// reading are used.
        ///
        /// # Errors
        ///
        /// [`Error::ZeroRate`] if `hz` is 0; [`Error::Overflow`] if `bits` is 0
        /// or above 32. (On an error `counter` is forgotten, not dropped: a
        /// `const fn` cannot run a generic destructor.)
        pub fn with_bits(counter: R, hz: u64, bits: u32) -> Result<Self, Error> {
            match (hz, mask_of(bits)) {
                (0, _) => {
                    core::mem::forget(counter);
                    Err(Error::ZeroRate)
                }
                (_, None) => {
                    core::mem::forget(counter);
                    Err(Error::Overflow)
                }
                (_, Some(mask)) => Ok(Self { ticks: AtomicU64::new(0), mask, hz, counter }),
            }
        }
    }

    /// Ticks per second.
    #[must_use]
    pub const fn hz(&self) -> u64 {
        self.hz
    }

    /// Bits of the counter.
    #[must_use]
    pub const fn bits(&self) -> u32 {
        u32::BITS.saturating_sub(self.mask.leading_zeros())
    }

    /// The wrap period `2^bits / hz`, rounded down to whole nanoseconds: the
    /// clock must be read at least this often.
    #[must_use]
    pub const fn wrap_period(&self) -> Nanos {
        // 2^bits · 10^9 / hz: 2^32 · 10^9 < 2^62 fits in u64.
        let span = (self.mask as u64).saturating_add(1);
        Nanos::from_nanos(ticks_to_nanos(span, self.hz))
    }

    /// The counter reader.
    #[must_use]
    pub const fn counter(&self) -> &R {
        &self.counter
    }
}

impl<R: TickCounter> TickClock<R> {
    /// Reads the counter and returns the extended, monotonic tick count
    /// (see the [module docs](self) for the polling requirement).
    pub fn ticks(&self) -> u64 {
        let mask = u64::from(self.mask);
        // Acquire: the counter is read after this load, and after the
        // reading published by the store we observe (Release below), so the
        // raw value is never older than the stored count. Not
        // `sync::update_word`: that loop is Relaxed by design (a limiter's
        // word publishes nothing), while here the order of the load and the
        // counter read is the correctness argument.
        let mut current = self.ticks.load(Ordering::Acquire);
        loop {
            let raw = u64::from(self.counter.read());
            // Ticks since the stored observation, modulo the wrap period.
            let delta = raw.wrapping_sub(current) & mask;
            if delta == 0 {
                return current;
            }
            let next = current.saturating_add(delta);
            // AcqRel on success: Release publishes this reading to the next
            // Acquire load. Acquire on failure: the retry reads the counter
            // after the newer count it observed.
            match self.ticks.compare_exchange_weak(current, next, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return next,
                Err(observed) => current = observed,
            }
        }
    }

    /// The time of [`ticks`](Self::ticks), in nanoseconds:
    /// `⌊ticks · 10^9 / hz⌋`, saturating at [`Instant::MAX`].
    pub fn now_nanos(&self) -> u64 {
        ticks_to_nanos(self.ticks(), self.hz)
    }
}

impl<R: TickCounter> Clock for TickClock<R> {
    #[inline]
    fn now(&self) -> Instant {
        Instant::from_nanos(self.now_nanos())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nanos_conversion_is_exact() {
        assert_eq!(ticks_to_nanos(0, 1), 0);
        assert_eq!(ticks_to_nanos(3, 3), NANOS_PER_SEC);
        assert_eq!(ticks_to_nanos(1, 3), 333_333_333);
        assert_eq!(ticks_to_nanos(2, 3), 666_666_666);
        assert_eq!(ticks_to_nanos(u64::MAX, 1), u64::MAX);
        assert_eq!(ticks_to_nanos(u64::MAX, u64::MAX), NANOS_PER_SEC);
        assert_eq!(ticks_to_nanos(u64::MAX - 1, u64::MAX), NANOS_PER_SEC - 1);
        assert_eq!(ticks_to_nanos(7, 0), u64::MAX);
        for (ticks, hz) in [(123_456_789_012, 48_000_000), (u64::MAX / 3, 32_768), (1 << 40, 19_000_000_000)]
        {
            let exact = u128::from(ticks) * 1_000_000_000 / u128::from(hz);
            assert_eq!(u128::from(ticks_to_nanos(ticks, hz)), exact.min(u128::from(u64::MAX)));
        }
    }

    #[test]
    fn masks() {
        assert_eq!(mask_of(0), None);
        assert_eq!(mask_of(1), Some(1));
        assert_eq!(mask_of(24), Some(0x00ff_ffff));
        assert_eq!(mask_of(32), Some(u32::MAX));
        assert_eq!(mask_of(33), None);
    }
}
