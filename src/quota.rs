//! [`Quota`]: `n` permits per period `P`, with a burst `B` — validated once,
//! then exact in integers.
//!
//! # The time model
//!
//! The emission interval `T = P / n` is a rational number of nanoseconds
//! (10^10 per second is `T = 0.1 ns`; 13 per second is `T = 76 923 076.923… ns`).
//! Rounding it to whole nanoseconds would drift: a limiter would admit slightly
//! more or fewer than `n` per `P` forever. Instead every quota gets its own
//! *tick*: `1/s` of a nanosecond, where `s = n / gcd(n, P)` whenever that is at
//! most [`MAX_TICKS_PER_NS`]. Then `T = P / gcd(n, P)` ticks exactly, every
//! instant `now` is exactly `now · s` ticks, and the long-run admitted rate is
//! exactly `n / P` (SPEC L4: zero drift).
//!
//! Why at most 11 ticks per nanosecond: limiter state is one `u64` of ticks
//! and must cover [`HORIZON`] (50 years) of clock range plus one burst;
//! `u64::MAX / 50 years` is 11.69 ticks per ns.
//!
//! Which quotas are exact: every quota whose reduced `n / gcd(n, P)` is at most
//! 11. That is every rate of the form `n` per second, minute, hour or day
//! where `n` divides out against the period — 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
//! 11, 12, 15, 20, 25, 30, 50, 60, 100, 1000, 10^6 … per second, 10^10 per
//! second (`T = 0.1 ns`), any `n` per minute with `n | 60·10^9·k` and so on.
//! For the others (13 per second, 12 345 per second …) the interval is rounded
//! **up** to a whole tick at the scale `s ≤ 11` with the smallest error: never
//! more admissions than configured (SPEC S6), a relative rate error reported
//! by [`Quota::rate_error_ppb`] and at most 1 ppm — a quota that cannot meet
//! 1 ppm is refused with [`Error::Unrepresentable`].
//!
//! # Example
//!
//! ```
//! use ratecore::{Nanos, Quota};
//!
//! let q = Quota::per_second(100)?.with_burst(20)?;
//! assert_eq!(q.burst(), 20);
//! assert_eq!(q.emission_interval(), Nanos::from_millis(10));
//! assert!(q.is_exact());
//!
//! let tiny = Quota::per_second(10_000_000_000)?; // T = 0.1 ns: still exact
//! assert!(tiny.is_exact());
//!
//! let odd = Quota::per_second(13)?; // rounded up by < 1 ppm
//! assert!(!odd.is_exact() && odd.rate_error_ppb() <= 1_000);
//! # Ok::<(), ratecore::Error>(())
//! ```

use crate::clock::{Instant, Nanos};
use crate::decision::{Decision, Outcome, Scale};
use crate::error::Error;

/// The clock range every limiter is exact over: 50 Julian years of
/// nanoseconds from the clock's origin. Past it, decisions saturate toward
/// denying (never a wrap into an admit).
pub const HORIZON: Nanos = Nanos::from_nanos(1_577_880_000_000_000_000); // 50 × 365.25 d

/// The finest tick: `u64::MAX / HORIZON` = 11 ticks per nanosecond.
pub const MAX_TICKS_PER_NS: u64 = u64::MAX / HORIZON.as_nanos();

/// The largest relative rate error accepted for an inexact quota, in parts per
/// billion (1 ppm).
pub const MAX_RATE_ERROR_PPB: u64 = 1_000;

/// `n` permits per period `P` with a burst of `B`, in exact integer ticks.
///
/// Built only through validating `const fn` constructors; every value of this
/// type is usable by every limiter for [`HORIZON`] of clock range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Quota {
    permits: u64,
    period: Nanos,
    burst: u64,
    /// `s`: ticks per nanosecond, `1 ..= MAX_TICKS_PER_NS` (fits a byte).
    ticks_per_ns: u8,
    /// `T` in ticks (exact, or rounded up when `!exact`), `>= 1`.
    interval: u64,
    /// `B · T` in ticks.
    capacity: u64,
    /// `ceil(B · T)` in nanoseconds, kept so decisions need no division.
    window: Nanos,
}

/// `ceil(a / b)`, and `u64::MAX` for `b == 0` (saturating toward "never").
#[must_use]
pub(crate) const fn div_ceil(a: u64, b: u64) -> u64 {
    match (a.checked_div(b), a.checked_rem(b)) {
        (Some(q), Some(0)) => q,
        (Some(q), Some(_)) => q.saturating_add(1),
        _ => u64::MAX,
    }
}

/// `ceil(a / b)` in `u128`, and `u128::MAX` for `b == 0`.
#[must_use]
pub(crate) const fn div_ceil_u128(a: u128, b: u128) -> u128 {
    match (a.checked_div(b), a.checked_rem(b)) {
        (Some(q), Some(0)) => q,
        (Some(q), Some(_)) => q.saturating_add(1),
        _ => u128::MAX,
    }
}

/// Narrows a `u128` to `u64`, saturating.
#[must_use]
pub(crate) const fn saturate_u64(x: u128) -> u64 {
    if x > u64::MAX as u128 {
        u64::MAX
    } else {
        #[allow(clippy::cast_possible_truncation)] // checked just above
        {
            x as u64
        }
    }
}

const fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        let r = match a.checked_rem(b) {
            Some(r) => r,
            None => 0,
        };
        a = b;
        b = r;
    }
    a
}

impl Quota {
    /// `permits` per `period`, with a burst of `burst` permits.
    ///
    /// # Errors
    ///
    /// [`Error::ZeroRate`], [`Error::ZeroPeriod`], [`Error::ZeroBurst`] for
    /// zeros; [`Error::Unrepresentable`] when no tick of at most 1/11 ns makes
    /// the rate exact or within 1 ppm; [`Error::Overflow`] when one burst plus
    /// 50 years of clock do not fit in a `u64` of ticks (e.g. 1 per day with a
    /// burst of `u32::MAX`).
    pub const fn new(permits: u64, period: Nanos, burst: u64) -> Result<Self, Error> {
        if permits == 0 {
            return Err(Error::ZeroRate);
        }
        let p = period.as_nanos();
        if p == 0 {
            return Err(Error::ZeroPeriod);
        }
        if burst == 0 {
            return Err(Error::ZeroBurst);
        }
        let g = gcd(permits, p);
        let (reduced_n, reduced_p) = match (permits.checked_div(g), p.checked_div(g)) {
            (Some(n), Some(rp)) => (n, rp),
            _ => return Err(Error::ZeroRate), // unreachable: g >= 1
        };
        let (ticks_per_ns, interval, _excess) = if reduced_n <= MAX_TICKS_PER_NS {
            // Exact: T = P/n ns = reduced_p / reduced_n ns = reduced_p ticks of 1/reduced_n ns.
            (reduced_n, reduced_p, 0)
        } else {
            match Self::best_rounding(permits, p) {
                Some(best) => best,
                None => return Err(Error::Unrepresentable),
            }
        };
        let capacity = match burst.checked_mul(interval) {
            Some(c) => c,
            None => return Err(Error::Overflow),
        };
        // A state can sit one burst past the last instant of the horizon:
        // that must fit, so every decision and every retry time within the
        // horizon is exact (the decision functions never add beyond it).
        match HORIZON.as_nanos().checked_mul(ticks_per_ns) {
            Some(h) if h.checked_add(capacity).is_some() => {}
            _ => return Err(Error::Overflow),
        }
        let window = Nanos::from_nanos(div_ceil(capacity, ticks_per_ns));
        // `ticks_per_ns <= MAX_TICKS_PER_NS = 11` by construction.
        #[allow(clippy::cast_possible_truncation)]
        let ticks_per_ns = ticks_per_ns as u8;
        Ok(Self { permits, period, burst, ticks_per_ns, interval, capacity, window })
    }

    /// For a rate with no exact tick: the scale `s ≤ 11` whose rounded-up
    /// interval `ceil(P·s/n)` has the smallest relative error, if that error
    /// is at most 1 ppm. Returns `(s, T, T·n − P·s)`.
    const fn best_rounding(permits: u64, p: u64) -> Option<(u64, u64, u64)> {
        let n = permits as u128;
        let p = p as u128;
        let mut best: Option<(u64, u64, u64)> = None;
        let mut s: u64 = 1;
        while s <= MAX_TICKS_PER_NS {
            let ps = p.saturating_mul(s as u128);
            let t = div_ceil_u128(ps, n);
            if t >= 1 && t <= u64::MAX as u128 {
                // err = T·n − P·s < n, so it fits in u64.
                let err = t.saturating_mul(n).saturating_sub(ps);
                // Relative error err / (P·s) <= 1e-6  <=>  err·1e9 <= P·s·1000.
                let within =
                    err.saturating_mul(1_000_000_000) <= ps.saturating_mul(MAX_RATE_ERROR_PPB as u128);
                let better = match best {
                    None => true,
                    // err_a/(P·s_a) < err_b/(P·s_b)  <=>  err_a·s_b < err_b·s_a
                    Some((bs, _, be)) => {
                        err.saturating_mul(bs as u128) < (be as u128).saturating_mul(s as u128)
                    }
                };
                if within && better {
                    best = Some((s, saturate_u64(t), saturate_u64(err)));
                }
            }
            s = s.saturating_add(1);
        }
        best
    }

    /// `permits` per second, burst `permits`.
    ///
    /// # Errors
    ///
    /// As [`Quota::new`].
    pub const fn per_second(permits: u64) -> Result<Self, Error> {
        Self::new(permits, Nanos::from_secs(1), permits)
    }

    /// `permits` per minute, burst `permits`.
    ///
    /// # Errors
    ///
    /// As [`Quota::new`].
    pub const fn per_minute(permits: u64) -> Result<Self, Error> {
        Self::new(permits, Nanos::from_mins(1), permits)
    }

    /// `permits` per hour, burst `permits`.
    ///
    /// # Errors
    ///
    /// As [`Quota::new`].
    pub const fn per_hour(permits: u64) -> Result<Self, Error> {
        Self::new(permits, Nanos::from_hours(1), permits)
    }

    /// `permits` per day (86 400 s), burst `permits`.
    ///
    /// # Errors
    ///
    /// As [`Quota::new`].
    pub const fn per_day(permits: u64) -> Result<Self, Error> {
        Self::new(permits, Nanos::from_days(1), permits)
    }

    /// The same rate with another burst.
    ///
    /// # Errors
    ///
    /// As [`Quota::new`].
    pub const fn with_burst(self, burst: u64) -> Result<Self, Error> {
        Self::new(self.permits, self.period, burst)
    }

    /// `n`, the permits per period.
    #[must_use]
    pub const fn permits(&self) -> u64 {
        self.permits
    }

    /// `P`, the period.
    #[must_use]
    pub const fn period(&self) -> Nanos {
        self.period
    }

    /// `B`, the most permits available at once (after idling).
    #[must_use]
    pub const fn burst(&self) -> u64 {
        self.burst
    }

    /// `T = P / n`, rounded up to whole nanoseconds (the limiters themselves
    /// use the exact tick value).
    #[must_use]
    pub const fn emission_interval(&self) -> Nanos {
        Nanos::from_nanos(div_ceil(self.interval, self.ticks_per_ns as u64))
    }

    /// `B · T` rounded up: how long an empty limiter takes to refill its
    /// whole burst. This is the `w` of an IETF `RateLimit-Policy` item whose
    /// `q` is the burst.
    #[must_use]
    pub const fn window(&self) -> Nanos {
        self.window
    }

    /// Whether the long-run admitted rate is exactly `n / P`.
    #[must_use]
    pub const fn is_exact(&self) -> bool {
        self.excess() == 0
    }

    /// `T·n − P·s`: how much the rounded interval exceeds the exact one, in
    /// ticks per period (zero iff exact). `T·n ≤ P·s + n` fits in `u128`.
    const fn excess(&self) -> u128 {
        let tn = (self.interval as u128).saturating_mul(self.permits as u128);
        let ps = (self.period.as_nanos() as u128).saturating_mul(self.ticks_per_ns as u128);
        tn.saturating_sub(ps)
    }

    /// The relative shortfall of the admitted rate against `n / P`, in parts
    /// per billion, rounded up: 0 for exact quotas, at most 1000 otherwise.
    #[must_use]
    pub const fn rate_error_ppb(&self) -> u64 {
        // Relative error of T: excess / (P·s).
        let ps = (self.period.as_nanos() as u128).saturating_mul(self.ticks_per_ns as u128);
        saturate_u64(div_ceil_u128(self.excess().saturating_mul(1_000_000_000), ps))
    }

    /// `s`, the quota's ticks per nanosecond (`1 ..= 11`). Limiter state
    /// words count these ticks; a replica of the state elsewhere (a Redis
    /// script, a simulator) needs them to agree bit for bit.
    #[must_use]
    pub const fn ticks_per_ns(&self) -> u64 {
        self.ticks_per_ns as u64
    }

    /// The emission interval `T` in ticks: exactly `P·s/n`, or rounded up
    /// when the quota is not exact. The effective rate is
    /// `ticks_per_ns / interval_ticks` permits per nanosecond.
    #[must_use]
    pub const fn interval_ticks(&self) -> u64 {
        self.interval
    }

    /// `B · T` in ticks.
    #[must_use]
    pub const fn capacity_ticks(&self) -> u64 {
        self.capacity
    }

    /// The quota as seven words, for a reconfigurable limiter's parameter
    /// slot ([`Quota::from_words`] is its inverse).
    pub(crate) const fn to_words(self) -> [u64; 7] {
        [
            self.permits,
            self.period.as_nanos(),
            self.burst,
            self.ticks_per_ns as u64,
            self.interval,
            self.capacity,
            self.window.as_nanos(),
        ]
    }

    /// The quota [`Quota::to_words`] wrote (trusted: never from user input).
    pub(crate) const fn from_words(w: [u64; 7]) -> Self {
        let [permits, period, burst, s, interval, capacity, window] = w;
        #[allow(clippy::cast_possible_truncation)] // written from a u8
        let ticks_per_ns = s as u8;
        Self {
            permits,
            period: Nanos::from_nanos(period),
            burst,
            ticks_per_ns,
            interval,
            capacity,
            window: Nanos::from_nanos(window),
        }
    }

    /// Carries a state word (a tick at which the limiter is full again: GCRA's
    /// `TAT`, the token bucket's `full_at`, the meter's `empty_at`) from
    /// quota `old` to `self` at `now`.
    #[must_use]
    pub(crate) fn carry(&self, state: u64, now: Instant, old: &Self, how: crate::Carry) -> u64 {
        // Ticks of the old quota in use at `now` (0 when full).
        let used = u128::from(state.saturating_sub(old.ticks(now)));
        let in_new = match how {
            crate::Carry::Reset => return 0,
            // The same number of permits in use: used / T_old · T_new.
            crate::Carry::Level => {
                div_ceil_u128(used.saturating_mul(u128::from(self.interval)), u128::from(old.interval))
            }
            // The same fraction of the burst in use.
            crate::Carry::Proportional => {
                div_ceil_u128(used.saturating_mul(u128::from(self.capacity)), u128::from(old.capacity))
            }
        };
        self.ticks(now).saturating_add(saturate_u64(in_new))
    }

    /// Settles an admission whose slots end at tick `next`: returns the
    /// state after it and the tick at which it may act (`next − capacity`).
    /// A reservation that must wait has its slots moved to start at a whole
    /// nanosecond (wasting less than 1 ns of capacity), so that acting at
    /// `now + wait` — a whole number of nanoseconds — never bunches two
    /// permits closer than their slots. `None` past the end of the tick
    /// range.
    #[inline]
    pub(crate) const fn settle(&self, now_t: u64, next: u64) -> Option<(u64, u64)> {
        let ready = next.saturating_sub(self.capacity);
        if ready <= now_t {
            return Some((next, ready));
        }
        let s = self.ticks_per_ns as u64;
        match div_ceil(ready, s).checked_mul(s) {
            Some(r) => match r.checked_add(self.capacity) {
                Some(n) => Some((n, r)),
                None => None,
            },
            None => None,
        }
    }

    /// Whether a reservation is still waiting in a state whose slots end at
    /// tick `state` (they reach beyond `now + capacity`): then nothing may be
    /// refunded, or a later request could be given the waiting one's slot.
    #[inline]
    pub(crate) const fn waiting(&self, now_t: u64, state: u64) -> bool {
        state.saturating_sub(now_t) > self.capacity
    }

    /// An admitting decision skeleton in this quota's ticks: `avail` ticks of
    /// capacity left, full again at tick `reset_at`.
    #[inline]
    pub(crate) const fn decision(&self, now: Instant, avail: u64, reset_at: u64) -> Decision {
        Decision {
            outcome: Outcome::Allowed,
            never: false,
            limit: self.burst,
            window: self.window.as_nanos(),
            now: now.as_nanos(),
            avail,
            per: self.interval,
            reset_at,
            ready_at: 0,
            scale: Scale { div: self.ticks_per_ns as u64, mul: 1 },
        }
    }

    /// `now` in ticks, saturating at `u64::MAX` past the representable range
    /// (where every request of cost ≥ 1 is then denied).
    #[must_use]
    #[inline]
    pub(crate) const fn ticks(&self, now: Instant) -> u64 {
        now.as_nanos().saturating_mul(self.ticks_per_ns as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn horizon_and_scale() {
        assert_eq!(HORIZON.as_nanos(), 1_577_880_000_000_000_000);
        assert_eq!(MAX_TICKS_PER_NS, 11);
    }

    #[test]
    fn exact_quotas_people_write() {
        for n in [1, 2, 3, 7, 10, 11, 12, 60, 100, 1000, 1_000_000, 10_000_000_000] {
            let q = Quota::per_second(n).unwrap();
            assert!(q.is_exact(), "{n}/s");
            assert_eq!(q.rate_error_ppb(), 0);
        }
        for n in [1, 7, 11, 1000, 6_000] {
            assert!(Quota::per_minute(n).unwrap().is_exact(), "{n}/min");
        }
        // 13 per minute: n/gcd(n, 6e10) = 13 > 11, rounded by 0.015 ppb.
        assert_eq!(Quota::per_minute(13).unwrap().rate_error_ppb(), 1);
        // 12 345 per minute: reduced n = 823; 10 ppb.
        assert!(Quota::per_minute(12_345).unwrap().rate_error_ppb() <= 10);
        let q = Quota::per_day(1).unwrap();
        assert_eq!(q.interval_ticks(), 86_400_000_000_000);
        assert_eq!(q.ticks_per_ns(), 1);
    }

    #[test]
    fn sub_nanosecond_interval_is_exact() {
        let q = Quota::per_second(10_000_000_000).unwrap();
        assert_eq!((q.ticks_per_ns(), q.interval_ticks()), (10, 1));
        let q = Quota::per_second(3_000_000_000).unwrap();
        assert_eq!((q.ticks_per_ns(), q.interval_ticks()), (3, 1));
    }

    #[test]
    fn inexact_rounds_up_within_1ppm() {
        let q = Quota::per_second(13).unwrap();
        assert!(!q.is_exact());
        // T·13 >= 1e9·s : never more than 13 per second.
        assert!(u128::from(q.interval_ticks()) * 13 >= 1_000_000_000 * u128::from(q.ticks_per_ns()));
        assert!(q.rate_error_ppb() <= MAX_RATE_ERROR_PPB);
    }

    #[test]
    fn refusals() {
        assert_eq!(Quota::per_second(0), Err(Error::ZeroRate));
        assert_eq!(Quota::new(1, Nanos::ZERO, 1), Err(Error::ZeroPeriod));
        assert_eq!(Quota::new(1, Nanos::from_secs(1), 0), Err(Error::ZeroBurst));
        // 10^12/s: T = 1 ps.
        assert_eq!(Quota::new(1000, Nanos::from_nanos(1), 1), Err(Error::Unrepresentable));
        // 1/day, burst u32::MAX: B·T overflows.
        assert_eq!(Quota::per_day(1).unwrap().with_burst(u64::from(u32::MAX)), Err(Error::Overflow));
        // 33 333/s cannot be within 1 ppm at 11 ticks/ns.
        assert_eq!(Quota::per_second(33_333), Err(Error::Unrepresentable));
        // A period of u64::MAX ns plus 50 years does not fit.
        assert_eq!(Quota::new(1, Nanos::MAX, 1), Err(Error::Overflow));
    }

    #[test]
    fn century_period_fits_with_small_burst() {
        let century = Nanos::from_days(36_525);
        assert!(Quota::new(1, century, 1).is_ok());
        assert!(Quota::new(1, century, 5).is_ok());
        assert_eq!(Quota::new(1, century, 6), Err(Error::Overflow));
    }

    #[test]
    fn helpers_are_total() {
        assert_eq!(div_ceil(7, 0), u64::MAX);
        assert_eq!(div_ceil(7, 2), 4);
        assert_eq!(div_ceil(u64::MAX, 1), u64::MAX);
        assert_eq!(div_ceil_u128(1, 0), u128::MAX);
        assert_eq!(saturate_u64(u128::MAX), u64::MAX);
    }
}
