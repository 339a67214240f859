//! Token buckets, with continuous refill ([`TokenBucket`]) and with whole
//! refills at interval boundaries ([`IntervalBucket`]).
//!
//! # Algorithm
//!
//! **Continuous refill.** A bucket of capacity `B` gains one token every `T =
//! P / n`, continuously, and a request of cost `c` takes `c` tokens if the
//! bucket holds at least `c`. Tokens are exact fixed-point numbers with `T`
//! ticks per token (a fraction of a token is a count of ticks).
//!
//! Storing `(tokens, last refill)` would need two fields of more than 60 bits
//! each for exact fractional tokens over 50 years of clock: more than one
//! atomic word. The bucket therefore stores the one number both are derived
//! from: `full_at`, the tick at which the bucket would be full again. At tick
//! `now`, the bucket is short of `min(B·T, full_at − now)` ticks of tokens, so
//! `tokens = B·T − max(0, full_at − now)` exactly. Taking `c` tokens moves
//! `full_at` to `max(full_at, now) + c·T`. This is the SPEC's equivalence
//! with GCRA (E1), written here in tokens; the tests check both
//! implementations against each other on every generated history.
//!
//! **Interval refill.** `n` whole tokens are added at every multiple of the
//! period `P` (as a refill timer would), capped at `B`. The same single word
//! works in units of tokens on a stepped clock: with `v(now) = ⌊now / P⌋ · n`
//! the bucket holds `B − max(0, V − v(now))` tokens, and taking `c` sets
//! `V ← max(V, v(now)) + c`. Boundaries are aligned to the clock's origin.
//! Admitted in any window of length `t` ≤ `B + n·(⌊t/P⌋ + 1)` (SPEC).
//!
//! # Example
//!
//! ```
//! use ratecore::{IntervalBucket, Instant, NoClock, Quota, Refill, TokenBucket};
//!
//! // 4 tokens per second, capacity 4.
//! let q = Quota::per_second(4)?;
//! let smooth = TokenBucket::new(q, NoClock);
//! let stepped = IntervalBucket::new(Refill::from_quota(q)?, NoClock);
//! let t0 = Instant::ZERO;
//! assert!(smooth.check_at(t0, 4).is_allowed() && stepped.check_at(t0, 4).is_allowed());
//! // 250 ms later the continuous bucket has one token back...
//! let t1 = Instant::from_nanos(250_000_000);
//! assert!(smooth.check_at(t1, 1).is_allowed());
//! // ...the interval bucket refills only at the next whole second.
//! let d = stepped.check_at(t1, 1);
//! assert_eq!(d.retry_after().unwrap().as_nanos(), 750_000_000);
//! assert_eq!(smooth.tokens_at(t1), (0, 0)); // whole tokens, fraction in ticks
//! # Ok::<(), ratecore::Error>(())
//! ```
//!
//! # Progress
//!
//! Both are lock-free: one load, the pure `decide`, one compare-and-swap if
//! admitted; a denial never writes. The `Local*` variants use a plain `u64`.
//!
//! # Complexity
//!
//! O(1). The continuous bucket does no division; the interval bucket divides
//! `now` by the period once.
//!
//! # Memory
//!
//! State: one `u64`. The whole limiter with its [`Quota`] is listed in the
//! README's size table (asserted by `tests/sizes.rs`).
//!
//! # References
//!
//! - J. Turner, "New directions in communications (or which way to the
//!   information age?)", IEEE Communications Magazine, 1986 (token bucket).
//! - RFC 2697 / RFC 2698 (token-bucket meters); the SPEC's equivalence
//!   `tokens(s) = B − max(0, TAT − s)/T`.

use crate::clock::{Instant, Nanos};
use crate::decision::{Decision, Outcome, Scale};
use crate::error::Error;
use crate::limiter::single_word_limiters;
use crate::quota::{HORIZON, Quota, div_ceil};

/// The pure continuous token-bucket transition.
///
/// `full_at` is the state word: bits 63..0 are the tick (the quota's `1/s`
/// ns) at which the bucket is full; `0` is a full bucket at every `now`.
/// Tokens at `now` are `B·T − max(0, full_at − now)` ticks, `T` ticks per
/// token. A denial, an impossible request and cost 0 return the word
/// unchanged.
#[inline]
pub fn decide(full_at: u64, now: Instant, cost: u32, quota: &Quota) -> (u64, Decision) {
    take(full_at, now, cost, quota, 0)
}

/// The pure reservation: the bucket may go up to `max_wait` worth of tokens
/// into debt, and [`Decision::wait`] says how long until the debt is repaid.
#[inline]
pub fn reserve(full_at: u64, now: Instant, cost: u32, max_wait: Nanos, quota: &Quota) -> (u64, Decision) {
    take(full_at, now, cost, quota, max_wait.as_nanos().saturating_mul(quota.ticks_per_ns()))
}

/// Puts `cost` tokens back at `now`, never above the capacity; nothing
/// while a reservation is still waiting (its slot is promised).
#[inline]
#[must_use]
pub fn refund(full_at: u64, now: Instant, cost: u32, quota: &Quota) -> u64 {
    let now_t = quota.ticks(now);
    if full_at <= now_t || quota.waiting(now_t, full_at) {
        return full_at; // already full, or a reservation waits
    }
    full_at.saturating_sub(u64::from(cost).saturating_mul(quota.interval_ticks())).max(now_t)
}

/// Takes `cost` tokens if the bucket holds them, or would within `debt`
/// ticks of tokens.
#[inline]
fn take(full_at: u64, now: Instant, cost: u32, quota: &Quota, debt: u64) -> (u64, Decision) {
    let now_t = quota.ticks(now);
    let per_token = quota.interval_ticks();
    let capacity = quota.capacity_ticks();
    // Ticks of tokens missing; more than the capacity only after the clock
    // stepped back (then the bucket counts as empty).
    let missing = full_at.saturating_sub(now_t);
    let tokens = capacity.saturating_sub(missing);
    let mut d = quota.decision(now, tokens, full_at);
    let cost = u64::from(cost);
    if cost > quota.burst() {
        d.outcome = Outcome::Impossible;
        return (full_at, d);
    }
    if cost == 0 {
        return (full_at, d);
    }
    // cost <= burst, so need <= capacity.
    let need = cost.saturating_mul(per_token);
    // Compare the unclamped deficit (more than the capacity after the clock
    // stepped back): `tokens + debt >= need` with tokens possibly negative.
    let enough = missing <= capacity.saturating_add(debt).saturating_sub(need);
    // The slots of this request end at `now + missing + need`.
    let next = missing.checked_add(need).and_then(|m| now_t.checked_add(m));
    if !enough {
        // Tokens (plus the allowed debt) reach `need` when `missing` falls
        // to `capacity + debt − need`: at tick `full_at − (capacity + debt −
        // need)` (no overflow) — if the request then fits the tick range.
        match next {
            Some(_) => {
                d.deny_until(full_at.saturating_sub(capacity.saturating_add(debt).saturating_sub(need)))
            }
            None => d.deny_never(),
        }
        return (full_at, d);
    }
    match next.and_then(|next| quota.settle(now_t, next)) {
        Some((next, ready)) => {
            d.avail = tokens.saturating_sub(need);
            d.reset_at = next;
            // In debt (a reservation): act once the bucket is back to zero.
            d.ready_at = ready;
            (next, d)
        }
        // Past the end of the tick range: saturate toward denying.
        None => {
            d.deny_never();
            (full_at, d)
        }
    }
}

single_word_limiters! {
    /// A lock-free token bucket with continuous refill (one `AtomicU64`).
    ///
    /// See the [module docs](self) for the algorithm and an example.
    shared TokenBucket;
    /// A single-threaded continuous token bucket (`&mut self`, a plain `u64`).
    local LocalTokenBucket;
    params Quota;
    initial 0;
    decide decide;
    refund refund;
    reserve reserve;
    reconfigure yes;
}

impl<C> TokenBucket<C> {
    /// The tokens in the bucket at `now`: whole tokens and the fraction of
    /// the next one, in ticks (of [`Quota::interval_ticks`] per token).
    #[must_use]
    pub fn tokens_at(&self, now: Instant) -> (u64, u64) {
        tokens(self.state(), now, self.params())
    }
}

impl<C> LocalTokenBucket<C> {
    /// The tokens in the bucket at `now`: whole tokens and the fraction of
    /// the next one, in ticks.
    #[must_use]
    pub fn tokens_at(&self, now: Instant) -> (u64, u64) {
        tokens(self.state(), now, self.params())
    }
}

fn tokens(full_at: u64, now: Instant, q: &Quota) -> (u64, u64) {
    let fixed = q.capacity_ticks().saturating_sub(full_at.saturating_sub(q.ticks(now)));
    let per = q.interval_ticks();
    (fixed.checked_div(per).unwrap_or(0), fixed.checked_rem(per).unwrap_or(0))
}

/// Parameters of an interval-refill bucket: `amount` tokens at every
/// multiple of `every`, up to `capacity`.
///
/// Build it from a [`Quota`] (`n` tokens every `P`, capacity `B`) with
/// [`Refill::from_quota`], or directly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Refill {
    amount: u64,
    every: u64,
    capacity: u64,
    /// `ceil(capacity / amount) · every`: time to refill from empty.
    window: u64,
}

impl Refill {
    /// `amount` tokens added at every multiple of `every`, capped at `capacity`.
    ///
    /// # Errors
    ///
    /// [`Error::ZeroRate`] (`amount == 0`), [`Error::ZeroPeriod`],
    /// [`Error::ZeroBurst`] (`capacity == 0`), and [`Error::Overflow`] when
    /// the tokens refilled over [`HORIZON`] plus a capacity do not fit a
    /// `u64` (a rate above about 10^10 tokens per second), or when refilling
    /// from empty takes longer than about 530 years.
    pub const fn new(amount: u64, every: Nanos, capacity: u64) -> Result<Self, Error> {
        let every = every.as_nanos();
        if amount == 0 {
            return Err(Error::ZeroRate);
        }
        if every == 0 {
            return Err(Error::ZeroPeriod);
        }
        if capacity == 0 {
            return Err(Error::ZeroBurst);
        }
        let intervals = match HORIZON.as_nanos().checked_div(every) {
            Some(k) => k.saturating_add(1),
            None => return Err(Error::ZeroPeriod),
        };
        match intervals.checked_mul(amount) {
            Some(v) if v.checked_add(capacity).is_some() => {}
            _ => return Err(Error::Overflow),
        }
        // Refilling from empty must fit beside the horizon, so every reset
        // and retry time within it is exact.
        let window = match div_ceil(capacity, amount).checked_mul(every) {
            Some(w) => w,
            None => return Err(Error::Overflow),
        };
        if window.checked_add(HORIZON.as_nanos()).is_none() {
            return Err(Error::Overflow);
        }
        Ok(Self { amount, every, capacity, window })
    }

    /// `n` tokens every period `P`, capacity `B`, from a quota.
    ///
    /// # Errors
    ///
    /// As [`Refill::new`].
    pub const fn from_quota(q: Quota) -> Result<Self, Error> {
        Self::new(q.permits(), q.period(), q.burst())
    }

    /// Tokens added per interval.
    #[must_use]
    pub const fn amount(&self) -> u64 {
        self.amount
    }

    /// The refill interval.
    #[must_use]
    pub const fn every(&self) -> Nanos {
        Nanos::from_nanos(self.every)
    }

    /// The bucket's capacity.
    #[must_use]
    pub const fn capacity(&self) -> u64 {
        self.capacity
    }
}

/// The pure interval-refill transition.
///
/// `v` is the state word: bits 63..0 count tokens on a stepped clock that
/// gains `amount` tokens at every multiple of `every`; the bucket holds
/// `capacity − max(0, v − ⌊now/every⌋·amount)` tokens. `0` is a full bucket.
#[inline]
pub fn decide_interval(v: u64, now: Instant, cost: u32, r: &Refill) -> (u64, Decision) {
    take_interval(v, now, cost, r, 0)
}

/// The pure interval reservation: admits if the refills due within
/// `max_wait` cover the request, and says how long to wait.
#[inline]
pub fn reserve_interval(v: u64, now: Instant, cost: u32, max_wait: Nanos, r: &Refill) -> (u64, Decision) {
    // Tokens refilled between now and `now + max_wait`.
    let late = now.as_nanos().saturating_add(max_wait.as_nanos());
    let debt = r.stepped(late).saturating_sub(r.stepped(now.as_nanos()));
    let (next, mut d) = take_interval(v, now, cost, r, debt);
    if d.retry_after().is_some() && max_wait > Nanos::ZERO && !d.never {
        // Denied although refills were counted: it is granted once the
        // refill covering it is at most `max_wait` away. That instant is
        // `max_wait` before a refill boundary, so state it in nanoseconds —
        // unless that boundary is past u64::MAX ns: then never.
        match r.instant_of(v.saturating_add(u64::from(cost)).saturating_sub(r.capacity)) {
            Some(due) => {
                d.reset_at = d.scale.to_nanos(d.reset_at);
                d.scale = Scale { div: 1, mul: 1 };
                d.deny_until(due.saturating_sub(max_wait.as_nanos()).max(now.as_nanos().saturating_add(1)));
            }
            None => d.deny_never(),
        }
    }
    (next, d)
}

/// Puts `cost` tokens back at `now`, never above the capacity.
#[inline]
#[must_use]
pub fn refund_interval(v: u64, now: Instant, cost: u32, r: &Refill) -> u64 {
    let now_v = r.stepped(now.as_nanos());
    if v <= now_v || v.saturating_sub(now_v) > r.capacity {
        return v; // already full, or a reservation waits (its tokens are promised)
    }
    v.saturating_sub(u64::from(cost)).max(now_v)
}

impl Refill {
    /// The parameters as seven words, for a reconfigurable limiter's slot.
    pub(crate) const fn to_words(self) -> [u64; 7] {
        [self.amount, self.every, self.capacity, self.window, 0, 0, 0]
    }

    /// The parameters [`Refill::to_words`] wrote (trusted).
    pub(crate) const fn from_words(w: [u64; 7]) -> Self {
        let [amount, every, capacity, window, ..] = w;
        Self { amount, every, capacity, window }
    }

    /// Carries the state word (tokens on the stepped clock) from `old` to
    /// `self` at `now`.
    #[must_use]
    pub(crate) fn carry(&self, v: u64, now: Instant, old: &Self, how: crate::Carry) -> u64 {
        // Tokens missing at `now` under the old parameters.
        let used = v.saturating_sub(old.stepped(now.as_nanos()));
        let in_new = match how {
            crate::Carry::Reset => return 0,
            crate::Carry::Level => used,
            crate::Carry::Proportional => crate::quota::saturate_u64(crate::quota::div_ceil_u128(
                u128::from(used).saturating_mul(u128::from(self.capacity)),
                u128::from(old.capacity),
            )),
        };
        self.stepped(now.as_nanos()).saturating_add(in_new)
    }

    /// A full bucket as of `at` that is no fuller at earlier instants than
    /// one that was full exactly at `at` (for the keyed table).
    pub(crate) const fn fresh_at(&self, at: Instant) -> u64 {
        self.stepped(at.as_nanos())
    }

    /// The instant (ns) of the first refill at which the stepped clock
    /// reaches `v` tokens; `None` if that is past `u64::MAX` ns.
    const fn instant_of(&self, v: u64) -> Option<u64> {
        div_ceil(v, self.amount).checked_mul(self.every)
    }

    /// Tokens refilled by instant `t` since the origin: `⌊t / every⌋·amount`.
    #[inline]
    const fn stepped(&self, t: u64) -> u64 {
        match t.checked_div(self.every) {
            Some(k) => k.saturating_mul(self.amount),
            None => u64::MAX,
        }
    }
}

#[inline]
fn take_interval(v: u64, now: Instant, cost: u32, r: &Refill, debt: u64) -> (u64, Decision) {
    let now_v = r.stepped(now.as_nanos());
    let missing = v.saturating_sub(now_v);
    let tokens = r.capacity.saturating_sub(missing);
    let mut d = Decision {
        outcome: Outcome::Allowed,
        never: false,
        limit: r.capacity,
        window: r.window,
        now: now.as_nanos(),
        avail: tokens,
        per: 1,
        reset_at: v,
        ready_at: 0,
        scale: Scale { div: r.amount, mul: r.every },
    };
    let cost = u64::from(cost);
    if cost > r.capacity {
        d.outcome = Outcome::Impossible;
        return (v, d);
    }
    if cost == 0 {
        return (v, d);
    }
    // The unclamped deficit, as in the continuous bucket.
    let enough = missing <= r.capacity.saturating_add(debt).saturating_sub(cost);
    match missing.checked_add(cost).and_then(|m| now_v.checked_add(m)) {
        Some(next) if enough => {
            d.avail = tokens.saturating_sub(cost);
            d.reset_at = next;
            // In debt: act at the refill that brings the bucket back to zero.
            d.ready_at = next.saturating_sub(r.capacity);
            (next, d)
        }
        None if enough => {
            d.deny_never();
            (v, d)
        }
        _ => {
            // Passes at the refill bringing the tokens (plus the allowed
            // debt) to `cost` — if that refill comes before u64::MAX ns.
            let at = v.saturating_sub(r.capacity.saturating_add(debt).saturating_sub(cost));
            match r.instant_of(at) {
                Some(_) => d.deny_until(at),
                None => d.deny_never(),
            }
            (v, d)
        }
    }
}

single_word_limiters! {
    /// A lock-free token bucket refilled in whole chunks at interval
    /// boundaries (one `AtomicU64`).
    ///
    /// Construct with [`IntervalBucket::new`] from [`Refill`] parameters
    /// (directly, or from a [`Quota`] with [`Refill::from_quota`]).
    shared IntervalBucket;
    /// A single-threaded interval-refill bucket (`&mut self`, a plain `u64`).
    local LocalIntervalBucket;
    params Refill;
    initial 0;
    decide decide_interval;
    refund refund_interval;
    reserve reserve_interval;
    reconfigure yes;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractional_tokens_are_exact() {
        let q = Quota::per_second(3).unwrap(); // T = 1/3 s: 1 tick = 1/3 ns
        let (full_at, d) = decide(0, Instant::ZERO, 3, &q);
        assert!(d.is_allowed());
        // 500 ms later: 1.5 tokens, i.e. one token and half of the next.
        let now = Instant::from_nanos(500_000_000);
        let (whole, frac) = tokens(full_at, now, &q);
        assert_eq!((whole, frac * 2), (1, q.interval_ticks()));
        let (_, d) = decide(full_at, now, 2, &q);
        // Needs 0.5 token more: 1/6 s.
        assert_eq!(d.retry_after(), Some(Nanos::from_nanos(166_666_667)));
    }

    #[test]
    fn interval_refills_in_whole_chunks() {
        let r = Refill::new(2, Nanos::from_secs(1), 5).unwrap();
        let mut v = 0;
        for _ in 0..5 {
            let (n, d) = decide_interval(v, Instant::from_nanos(10), 1, &r);
            assert!(d.is_allowed());
            v = n;
        }
        let (_, d) = decide_interval(v, Instant::from_nanos(999_999_999), 1, &r);
        assert_eq!(d.retry_after(), Some(Nanos::from_nanos(1)));
        assert_eq!(d.reset_after(), Nanos::from_nanos(2_000_000_001));
        let (v2, d) = decide_interval(v, Instant::from_nanos(1_000_000_000), 2, &r);
        assert!(d.is_allowed());
        let (_, d) = decide_interval(v2, Instant::from_nanos(1_000_000_000), 1, &r);
        assert!(!d.is_allowed());
        // Capped at capacity after a long idle.
        let (_, d) = decide_interval(v2, Instant::from_nanos(100_000_000_000), 0, &r);
        assert_eq!(d.remaining(), 5);
    }

    #[test]
    fn refusals() {
        assert_eq!(Refill::new(0, Nanos::from_secs(1), 1), Err(Error::ZeroRate));
        assert_eq!(Refill::new(1, Nanos::ZERO, 1), Err(Error::ZeroPeriod));
        assert_eq!(Refill::new(1, Nanos::from_secs(1), 0), Err(Error::ZeroBurst));
        assert_eq!(Refill::new(u64::MAX, Nanos::from_nanos(1), 1), Err(Error::Overflow));
    }

    #[test]
    fn saturation_denies() {
        let q = Quota::per_second(10).unwrap();
        let (_, d) = decide(u64::MAX, Instant::MAX, 1, &q);
        assert!(!d.is_allowed());
        let r = Refill::from_quota(q).unwrap();
        let (_, d) = decide_interval(u64::MAX, Instant::MAX, 1, &r);
        assert!(!d.is_allowed());
    }
}
