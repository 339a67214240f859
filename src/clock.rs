//! Time: [`Instant`] and [`Nanos`] (both `u64` nanoseconds), the one-method
//! [`Clock`] trait, the settable [`ManualClock`] and, with the `std` feature,
//! the monotonic [`StdClock`].
//!
//! All arithmetic is explicit: `checked_*` returns `None` on overflow,
//! `saturating_*` clamps. Nothing here panics.
//!
//! # Example
//!
//! ```
//! use ratecore::{Clock, Instant, ManualClock, Nanos};
//!
//! static CLOCK: ManualClock = ManualClock::new(Instant::ZERO);
//! CLOCK.advance(Nanos::from_millis(1500));
//! assert_eq!(CLOCK.now(), Instant::from_nanos(1_500_000_000));
//! assert_eq!(Instant::MAX.checked_add(Nanos::from_nanos(1)), None);
//! assert_eq!(Instant::MAX.saturating_add(Nanos::from_secs(1)), Instant::MAX);
//! ```

use core::fmt;
use core::time::Duration;

use crate::sync::{AtomicU64, Ordering};

/// A point in time: nanoseconds since the origin of the clock that produced it.
///
/// Only differences between instants of the same clock mean anything. The range
/// is `0 ..= u64::MAX` ns, about 584 years.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

/// A length of time in nanoseconds (`u64`, up to about 584 years).
///
/// Convert to and from [`core::time::Duration`] with [`Nanos::from_duration`]
/// (saturating) and `Duration::from(nanos)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Nanos(u64);

const NANOS_PER_MICRO: u64 = 1_000;
const NANOS_PER_MILLI: u64 = 1_000_000;
const NANOS_PER_SEC: u64 = 1_000_000_000;

impl Instant {
    /// The clock's origin.
    pub const ZERO: Self = Self(0);
    /// The last representable instant. Limiters deny every request here.
    pub const MAX: Self = Self(u64::MAX);

    /// The instant `nanos` nanoseconds after the origin.
    #[must_use]
    pub const fn from_nanos(nanos: u64) -> Self {
        Self(nanos)
    }

    /// Nanoseconds since the origin.
    #[must_use]
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// `self + d`, or `None` past [`Instant::MAX`].
    #[must_use]
    pub const fn checked_add(self, d: Nanos) -> Option<Self> {
        match self.0.checked_add(d.0) {
            Some(t) => Some(Self(t)),
            None => None,
        }
    }

    /// `self - d`, or `None` before the origin.
    #[must_use]
    pub const fn checked_sub(self, d: Nanos) -> Option<Self> {
        match self.0.checked_sub(d.0) {
            Some(t) => Some(Self(t)),
            None => None,
        }
    }

    /// `self + d`, clamped to [`Instant::MAX`].
    #[must_use]
    pub const fn saturating_add(self, d: Nanos) -> Self {
        Self(self.0.saturating_add(d.0))
    }

    /// `self - d`, clamped to [`Instant::ZERO`].
    #[must_use]
    pub const fn saturating_sub(self, d: Nanos) -> Self {
        Self(self.0.saturating_sub(d.0))
    }

    /// Time from `earlier` to `self`, or `None` if `earlier` is later.
    #[must_use]
    pub const fn checked_duration_since(self, earlier: Self) -> Option<Nanos> {
        match self.0.checked_sub(earlier.0) {
            Some(d) => Some(Nanos(d)),
            None => None,
        }
    }

    /// Time from `earlier` to `self`, zero if `earlier` is later.
    #[must_use]
    pub const fn saturating_duration_since(self, earlier: Self) -> Nanos {
        Nanos(self.0.saturating_sub(earlier.0))
    }
}

impl Nanos {
    /// No time.
    pub const ZERO: Self = Self(0);
    /// The longest representable duration (`u64::MAX` ns).
    pub const MAX: Self = Self(u64::MAX);

    /// `nanos` nanoseconds.
    #[must_use]
    pub const fn from_nanos(nanos: u64) -> Self {
        Self(nanos)
    }

    /// `micros` microseconds, saturating at [`Nanos::MAX`].
    #[must_use]
    pub const fn from_micros(micros: u64) -> Self {
        Self(micros.saturating_mul(NANOS_PER_MICRO))
    }

    /// `millis` milliseconds, saturating at [`Nanos::MAX`].
    #[must_use]
    pub const fn from_millis(millis: u64) -> Self {
        Self(millis.saturating_mul(NANOS_PER_MILLI))
    }

    /// `secs` seconds, saturating at [`Nanos::MAX`].
    #[must_use]
    pub const fn from_secs(secs: u64) -> Self {
        Self(secs.saturating_mul(NANOS_PER_SEC))
    }

    /// `mins` minutes, saturating at [`Nanos::MAX`].
    #[must_use]
    pub const fn from_mins(mins: u64) -> Self {
        Self::from_secs(mins.saturating_mul(60))
    }

    /// `hours` hours, saturating at [`Nanos::MAX`].
    #[must_use]
    pub const fn from_hours(hours: u64) -> Self {
        Self::from_secs(hours.saturating_mul(3_600))
    }

    /// `days` days of 86 400 s, saturating at [`Nanos::MAX`].
    #[must_use]
    pub const fn from_days(days: u64) -> Self {
        Self::from_secs(days.saturating_mul(86_400))
    }

    /// A [`Duration`] in nanoseconds, saturating at [`Nanos::MAX`].
    #[must_use]
    pub const fn from_duration(d: Duration) -> Self {
        let n = d.as_nanos();
        if n > u64::MAX as u128 {
            Self::MAX
        } else {
            #[allow(clippy::cast_possible_truncation)] // checked just above
            Self(n as u64)
        }
    }

    /// The length in nanoseconds.
    #[must_use]
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// The length in whole seconds, rounded **up**: what an HTTP
    /// `Retry-After` or `RateLimit` `t=` field needs (a client that waits the
    /// rounded-down value would be denied again).
    #[must_use]
    pub const fn as_secs_ceil(self) -> u64 {
        crate::quota::div_ceil(self.0, NANOS_PER_SEC)
    }

    /// `self + rhs`, or `None` on overflow.
    #[must_use]
    pub const fn checked_add(self, rhs: Self) -> Option<Self> {
        match self.0.checked_add(rhs.0) {
            Some(n) => Some(Self(n)),
            None => None,
        }
    }

    /// `self - rhs`, or `None` if `rhs` is longer.
    #[must_use]
    pub const fn checked_sub(self, rhs: Self) -> Option<Self> {
        match self.0.checked_sub(rhs.0) {
            Some(n) => Some(Self(n)),
            None => None,
        }
    }

    /// `self * k`, or `None` on overflow.
    #[must_use]
    pub const fn checked_mul(self, k: u64) -> Option<Self> {
        match self.0.checked_mul(k) {
            Some(n) => Some(Self(n)),
            None => None,
        }
    }

    /// `self + rhs`, clamped to [`Nanos::MAX`].
    #[must_use]
    pub const fn saturating_add(self, rhs: Self) -> Self {
        Self(self.0.saturating_add(rhs.0))
    }

    /// `self - rhs`, clamped to zero.
    #[must_use]
    pub const fn saturating_sub(self, rhs: Self) -> Self {
        Self(self.0.saturating_sub(rhs.0))
    }

    /// `self * k`, clamped to [`Nanos::MAX`].
    #[must_use]
    pub const fn saturating_mul(self, k: u64) -> Self {
        Self(self.0.saturating_mul(k))
    }
}

impl From<Nanos> for Duration {
    fn from(n: Nanos) -> Self {
        Duration::from_nanos(n.0)
    }
}

impl fmt::Display for Nanos {
    /// Seconds with nanosecond precision, e.g. `1.500000000s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0 / NANOS_PER_SEC;
        let frac = self.0 % NANOS_PER_SEC;
        write!(f, "{secs}.{frac:09}s")
    }
}

/// A source of monotonic time.
///
/// The contract is monotonicity; the limiters nevertheless survive a clock
/// that steps backwards (it never makes them admit more, SPEC S4). A clock is
/// read once per decision, before any state is touched, so a clock that
/// panics leaves every limiter untouched.
pub trait Clock {
    /// The current time.
    fn now(&self) -> Instant;
}

impl<C: Clock + ?Sized> Clock for &C {
    #[inline]
    fn now(&self) -> Instant {
        (**self).now()
    }
}

/// A clock that moves only when told to: for tests, simulators and for
/// callers that already hold the time.
///
/// It is one atomic word, needs no allocation and can live in a `static`.
///
/// ```
/// use ratecore::{Clock, Instant, ManualClock, Nanos};
///
/// let clock = ManualClock::new(Instant::from_nanos(10));
/// clock.advance(Nanos::from_nanos(5));
/// assert_eq!(clock.now().as_nanos(), 15);
/// clock.set(Instant::ZERO); // stepping back is allowed (a test of S4 needs it)
/// assert_eq!(clock.now(), Instant::ZERO);
/// ```
#[derive(Debug)]
pub struct ManualClock {
    nanos: AtomicU64,
}

impl ManualClock {
    crate::sync::const_fn! {
        /// A clock reading `start`.
        #[must_use]
        pub fn new(start: Instant) -> Self {
            Self { nanos: AtomicU64::new(start.0) }
        }
    }

    /// Sets the time, forwards or backwards.
    pub fn set(&self, t: Instant) {
        // Release: a thread that reads this value with `now` (Acquire) also
        // sees what the setter wrote before; tests rely on that to order
        // "set the time, then check" across threads.
        self.nanos.store(t.0, Ordering::Release);
    }

    /// Moves the time forward by `d`, saturating at [`Instant::MAX`].
    pub fn advance(&self, d: Nanos) {
        // Release, like `set`: pairs with the Acquire in `now`. Relaxed on a
        // failed attempt (it is retried from the value seen).
        let _ =
            self.nanos.fetch_update(Ordering::Release, Ordering::Relaxed, |t| Some(t.saturating_add(d.0)));
    }
}

impl Clock for ManualClock {
    #[inline]
    fn now(&self) -> Instant {
        // Acquire pairs with the Release in `set` and in `advance`.
        Instant(self.nanos.load(Ordering::Acquire))
    }
}

/// The monotonic clock of the standard library: nanoseconds since the clock
/// was created (so the first reading is near zero and 584 years of range lie
/// ahead).
///
/// Reading it costs one `std::time::Instant::now()` (a vDSO call, ~20–30 ns on
/// x86_64 Linux).
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug)]
pub struct StdClock {
    origin: std::time::Instant,
}

#[cfg(feature = "std")]
impl StdClock {
    /// A clock whose origin is now.
    #[must_use]
    pub fn new() -> Self {
        Self { origin: std::time::Instant::now() }
    }
}

#[cfg(feature = "std")]
impl Default for StdClock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "std")]
impl Clock for StdClock {
    #[inline]
    fn now(&self) -> Instant {
        Instant(Nanos::from_duration(self.origin.elapsed()).0)
    }
}

/// A clock reading the CPU's time-stamp counter through `quanta` (feature
/// `quanta`): nanoseconds since the clock was created.
///
/// Cheaper than [`StdClock`] (no vDSO call: a `rdtsc` and a multiply on
/// x86_64). Caveats, from quanta's design: it calibrates the counter against
/// the OS clock when first created (a few milliseconds, once per process);
/// it assumes an invariant TSC that is synchronised across cores — on CPUs
/// or hypervisors without one, quanta falls back to the OS monotonic clock
/// (correct, just not faster); readings are monotonic on one core, and
/// across cores only as far as the TSCs are synchronised (a reading taken
/// on another core may be a few nanoseconds behind). A clock that steps
/// back never makes a limiter admit more (SPEC S4), so such skew can only
/// delay an admission by that much.
#[cfg(feature = "quanta")]
#[derive(Clone, Debug)]
pub struct QuantaClock {
    clock: quanta::Clock,
    origin: u64,
}

#[cfg(feature = "quanta")]
impl QuantaClock {
    /// A clock whose origin is now.
    #[must_use]
    pub fn new() -> Self {
        let clock = quanta::Clock::new();
        let origin = clock.raw();
        Self { clock, origin }
    }
}

#[cfg(feature = "quanta")]
impl Default for QuantaClock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "quanta")]
impl Clock for QuantaClock {
    #[inline]
    fn now(&self) -> Instant {
        Instant(self.clock.delta_as_nanos(self.origin, self.clock.raw()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instant_edges() {
        assert_eq!(Instant::MAX.checked_add(Nanos(1)), None);
        assert_eq!(Instant::ZERO.checked_sub(Nanos(1)), None);
        assert_eq!(Instant::ZERO.saturating_sub(Nanos(1)), Instant::ZERO);
        assert_eq!(Instant(5).checked_duration_since(Instant(7)), None);
        assert_eq!(Instant(5).saturating_duration_since(Instant(7)), Nanos::ZERO);
        assert_eq!(Instant(7).saturating_duration_since(Instant(5)), Nanos(2));
    }

    #[test]
    fn nanos_constructors_saturate() {
        assert_eq!(Nanos::from_days(u64::MAX), Nanos::MAX);
        assert_eq!(Nanos::from_secs(2), Nanos(2_000_000_000));
        assert_eq!(Nanos::from_duration(Duration::MAX), Nanos::MAX);
        assert_eq!(Nanos::from_duration(Duration::from_micros(3)), Nanos(3_000));
        assert_eq!(Nanos(1).as_secs_ceil(), 1);
        assert_eq!(Nanos(1_000_000_000).as_secs_ceil(), 1);
        assert_eq!(Nanos(1_000_000_001).as_secs_ceil(), 2);
        assert_eq!(Nanos::MAX.as_secs_ceil(), 18_446_744_074);
        assert_eq!(Nanos::MAX.checked_mul(2), None);
        assert_eq!(Nanos::MAX.saturating_mul(2), Nanos::MAX);
    }

    #[test]
    fn manual_clock_saturates() {
        let c = ManualClock::new(Instant(u64::MAX - 1));
        c.advance(Nanos(10));
        assert_eq!(c.now(), Instant::MAX);
    }

    #[cfg(feature = "quanta")]
    #[test]
    fn quanta_clock_is_monotonic_and_tracks_std() {
        let (q, s) = (QuantaClock::new(), StdClock::new());
        let (a, a_std) = (q.now(), s.now());
        std::thread::sleep(core::time::Duration::from_millis(20));
        let (b, b_std) = (q.now(), s.now());
        assert!(b >= a);
        let (dq, ds) = (b.as_nanos() - a.as_nanos(), b_std.as_nanos() - a_std.as_nanos());
        // Within 10% of the OS clock over 20 ms.
        assert!(dq.abs_diff(ds) < ds / 10, "quanta {dq} ns vs std {ds} ns");
    }

    #[cfg(feature = "std")]
    #[test]
    fn std_clock_is_monotonic() {
        let c = StdClock::new();
        let a = c.now();
        let b = c.now();
        assert!(b >= a);
    }
}
