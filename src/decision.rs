//! [`Decision`]: what every limiter returns — the verdict plus everything a
//! gateway writes into `429`, `Retry-After` and the IETF `RateLimit` /
//! `RateLimit-Policy` fields.
//!
//! A decision is computed on the hot path without a single division: it keeps
//! the exact integers the algorithm already had (capacity left, the instants
//! of "full again" and "would pass", in the algorithm's own time unit) and
//! turns them into permits and nanoseconds only when a field is read.
//!
//! # Example
//!
//! ```
//! use ratecore::{Gcra, Instant, Limiter, NoClock, Outcome, Quota};
//!
//! let limiter = Gcra::new(Quota::per_second(2)?, NoClock);
//! let t0 = Instant::ZERO;
//! assert!(limiter.check_at(t0, 1).is_allowed());
//! let d = limiter.check_at(t0, 1);
//! assert_eq!((d.remaining(), d.reset_after().as_nanos()), (0, 1_000_000_000));
//! let denied = limiter.check_at(t0, 1);
//! assert_eq!(denied.outcome(), Outcome::Denied);
//! assert_eq!(denied.retry_after().map(|r| r.as_nanos()), Some(500_000_000));
//! assert_eq!(denied.ratelimit("api").to_string(), r#""api";r=0;t=1"#);
//! assert_eq!(denied.ratelimit_policy("api").to_string(), r#""api";q=2;w=1"#);
//! // Asking for more than the burst can never succeed: no finite retry.
//! assert_eq!(limiter.check_at(t0, 3).outcome(), Outcome::Impossible);
//! # Ok::<(), ratecore::Error>(())
//! ```

use core::fmt;

use crate::clock::Nanos;
use crate::quota::div_ceil;

/// The verdict of a [`Decision`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The request conforms; its permits are taken (unless its cost was 0).
    /// A shaping limiter may ask to wait [`Decision::wait`] before acting.
    Allowed,
    /// Not now; exactly [`Decision::retry_after`] from now the same request
    /// passes, if nothing else is admitted meanwhile. Nothing was taken.
    Denied,
    /// The cost exceeds the limiter's burst or limit: no wait will ever make
    /// it pass (HTTP 413 rather than 429). Nothing was taken.
    Impossible,
}

/// How an algorithm's own time unit maps to nanoseconds:
/// `ns(v) = ceil(v / div) · mul`.
///
/// Quota ticks: `div = s` (ticks per ns), `mul = 1`. Refill intervals:
/// `div = tokens per interval`, `mul = interval ns`. Plain nanoseconds:
/// `div = mul = 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Scale {
    pub(crate) div: u64,
    pub(crate) mul: u64,
}

impl Scale {
    /// The first nanosecond at or after unit instant `v` (saturating).
    #[inline]
    pub(crate) const fn to_nanos(self, v: u64) -> u64 {
        div_ceil(v, self.div).saturating_mul(self.mul)
    }
}

/// The result of asking a limiter for `cost` permits at some instant.
///
/// Read it with [`is_allowed`](Self::is_allowed) / [`outcome`](Self::outcome)
/// and the metadata accessors; every accessor is exact (integer arithmetic,
/// durations rounded up to the nanosecond at which the statement becomes
/// true).
#[must_use = "a decision that is not read admits nothing"]
#[derive(Clone, Copy)]
pub struct Decision {
    pub(crate) outcome: Outcome,
    /// A denial that cannot pass within the clock range (its unit instant
    /// does not exist); `retry_after` is then `Nanos::MAX`.
    pub(crate) never: bool,
    /// The limit in permits (burst or window limit): the `q` of `RateLimit-Policy`.
    pub(crate) limit: u64,
    /// The policy window in nanoseconds: the `w` of `RateLimit-Policy`.
    pub(crate) window: u64,
    /// The decision instant in nanoseconds.
    pub(crate) now: u64,
    /// Capacity left after the decision, in units of `per` per permit.
    pub(crate) avail: u64,
    /// Units per permit (≥ 1).
    pub(crate) per: u64,
    /// Unit instant at which the limiter is full again.
    pub(crate) reset_at: u64,
    /// Unit instant at which the request passes (denied) or may act
    /// (allowed, shaping); 0 when irrelevant.
    pub(crate) ready_at: u64,
    pub(crate) scale: Scale,
}

impl Decision {
    /// An impossible request against a limit of zero (what an empty policy
    /// answers).
    pub(crate) const NOTHING: Self = Self {
        outcome: Outcome::Impossible,
        never: false,
        limit: 0,
        window: 0,
        now: 0,
        avail: 0,
        per: 1,
        reset_at: 0,
        ready_at: 0,
        scale: Scale { div: 1, mul: 1 },
    };

    /// Marks a denial that passes at unit instant `v`.
    #[inline]
    pub(crate) const fn deny_until(&mut self, v: u64) {
        self.outcome = Outcome::Denied;
        self.ready_at = v;
    }

    /// Marks a denial that cannot pass within the clock range (the unit
    /// instant at which it would pass is past `u64::MAX`).
    #[inline]
    pub(crate) const fn deny_never(&mut self) {
        self.outcome = Outcome::Denied;
        self.never = true;
    }

    /// The verdict.
    #[inline]
    pub const fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// Whether the request was admitted.
    #[inline]
    #[must_use]
    pub const fn is_allowed(&self) -> bool {
        matches!(self.outcome, Outcome::Allowed)
    }

    /// The limit in permits (the burst, or a window's limit): the `q` of the
    /// IETF `RateLimit-Policy` item.
    #[inline]
    #[must_use]
    pub const fn limit(&self) -> u64 {
        self.limit
    }

    /// The policy window: how long the limit takes to refill from empty (a
    /// bucket) or the window length (a window). The `w` of `RateLimit-Policy`.
    #[inline]
    #[must_use]
    pub const fn window(&self) -> Nanos {
        Nanos::from_nanos(self.window)
    }

    /// Whole permits available right now, after this decision.
    #[inline]
    #[must_use]
    pub const fn remaining(&self) -> u64 {
        match self.avail.checked_div(self.per) {
            Some(r) => r,
            None => 0,
        }
    }

    /// Time until the limiter is fully replenished (zero if it is full).
    #[inline]
    #[must_use]
    pub const fn reset_after(&self) -> Nanos {
        Nanos::from_nanos(self.scale.to_nanos(self.reset_at).saturating_sub(self.now))
    }

    /// For [`Outcome::Denied`]: the exact time after which this same request
    /// passes if nothing else is admitted meanwhile (1 ns earlier it is still
    /// denied). `None` when allowed or [`Outcome::Impossible`] — an impossible
    /// request has no finite retry time.
    #[inline]
    #[must_use]
    pub const fn retry_after(&self) -> Option<Nanos> {
        match self.outcome {
            // A denial always has a strictly positive wait; `never` marks a
            // request that cannot pass within the clock range.
            Outcome::Denied if self.never => Some(Nanos::MAX),
            Outcome::Denied => {
                let r = self.until(self.ready_at).as_nanos();
                Some(Nanos::from_nanos(if r == 0 { 1 } else { r }))
            }
            Outcome::Allowed | Outcome::Impossible => None,
        }
    }

    /// For an admitted request of a shaping limiter (the leaky-bucket queue):
    /// how long to hold it so the output stays smooth. Zero otherwise.
    #[inline]
    #[must_use]
    pub const fn wait(&self) -> Nanos {
        match self.outcome {
            Outcome::Allowed => self.until(self.ready_at),
            Outcome::Denied | Outcome::Impossible => Nanos::ZERO,
        }
    }

    #[inline]
    const fn until(&self, v: u64) -> Nanos {
        Nanos::from_nanos(self.scale.to_nanos(v).saturating_sub(self.now))
    }

    /// `Retry-After` in whole seconds, rounded up (HTTP has no finer unit;
    /// rounding down would send the client back too early).
    #[inline]
    #[must_use]
    pub const fn retry_after_secs(&self) -> Option<u64> {
        match self.retry_after() {
            Some(r) => Some(r.as_secs_ceil()),
            None => None,
        }
    }

    /// The IETF `RateLimit` field value for this decision, e.g.
    /// `"api";r=0;t=1` (`r` remaining permits, `t` seconds until full,
    /// rounded up). `name` is the policy name; `"` and `\` are escaped and
    /// characters outside printable ASCII are dropped, so the output is
    /// always a valid structured field.
    pub const fn ratelimit<'a>(&'a self, name: &'a str) -> Field<'a> {
        Field { decision: self, name, policy: false }
    }

    /// The IETF `RateLimit-Policy` field value, e.g. `"api";q=2;w=1` (`q`
    /// the limit, `w` the window in seconds, rounded up).
    pub const fn ratelimit_policy<'a>(&'a self, name: &'a str) -> Field<'a> {
        Field { decision: self, name, policy: true }
    }
}

impl PartialEq for Decision {
    /// Two decisions are equal when every observable field is.
    fn eq(&self, other: &Self) -> bool {
        self.outcome == other.outcome
            && self.limit == other.limit
            && self.window == other.window
            && self.remaining() == other.remaining()
            && self.reset_after() == other.reset_after()
            && self.retry_after() == other.retry_after()
            && self.wait() == other.wait()
    }
}

impl Eq for Decision {}

impl fmt::Debug for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decision")
            .field("outcome", &self.outcome)
            .field("limit", &self.limit)
            .field("remaining", &self.remaining())
            .field("reset_after", &self.reset_after())
            .field("retry_after", &self.retry_after())
            .field("wait", &self.wait())
            .field("window", &self.window())
            .finish()
    }
}

/// An IETF rate-limit field value, rendered by `Display`.
#[derive(Clone, Copy, Debug)]
pub struct Field<'a> {
    decision: &'a Decision,
    name: &'a str,
    policy: bool,
}

impl fmt::Display for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for c in self.name.chars() {
            match c {
                '"' | '\\' => write!(f, "\\{c}")?,
                ' '..='~' => write!(f, "{c}")?,
                _ => {}
            }
        }
        let d = self.decision;
        if self.policy {
            write!(f, "\";q={};w={}", d.limit(), d.window().as_secs_ceil())
        } else {
            write!(f, "\";r={};t={}", d.remaining(), d.reset_after().as_secs_ceil())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(outcome: Outcome) -> Decision {
        Decision {
            outcome,
            never: false,
            limit: 10,
            window: 2_000_000_000,
            now: 100,
            avail: 35,
            per: 10,
            reset_at: 1_000_000_100 * 3,
            ready_at: 1_000 * 3,
            scale: Scale { div: 3, mul: 1 },
        }
    }

    #[test]
    fn fields_derive_exactly() {
        let d = sample(Outcome::Denied);
        assert_eq!(d.remaining(), 3);
        assert_eq!(d.reset_after(), Nanos::from_nanos(1_000_000_000));
        assert_eq!(d.retry_after(), Some(Nanos::from_nanos(900)));
        assert_eq!(d.retry_after_secs(), Some(1));
        assert_eq!(d.wait(), Nanos::ZERO);
        assert_eq!(sample(Outcome::Allowed).wait(), Nanos::from_nanos(900));
        assert_eq!(sample(Outcome::Impossible).retry_after(), None);
    }

    #[test]
    fn header_names_are_escaped() {
        let d = sample(Outcome::Allowed);
        let mut buf = [0u8; 64];
        let mut w = Buf(&mut buf, 0);
        fmt::write(&mut w, format_args!("{}", d.ratelimit("a\"b\\c\u{e9}\n"))).unwrap();
        let n = w.1;
        assert_eq!(&buf[..n], br#""a\"b\\c";r=3;t=1"#);
    }

    struct Buf<'a>(&'a mut [u8], usize);
    impl fmt::Write for Buf<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            let end = self.1 + s.len();
            self.0.get_mut(self.1..end).ok_or(fmt::Error)?.copy_from_slice(s.as_bytes());
            self.1 = end;
            Ok(())
        }
    }

    #[test]
    fn zero_per_is_total() {
        let mut d = sample(Outcome::Allowed);
        d.per = 0;
        assert_eq!(d.remaining(), 0);
    }
}
