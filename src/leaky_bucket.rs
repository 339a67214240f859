//! Leaky buckets: as a meter ([`LeakyMeter`]) and as a shaping queue with
//! nginx `limit_req` semantics ([`LeakyQueue`]).
//!
//! # Algorithm
//!
//! **Meter.** A bucket of capacity `B` drains at one permit per `T = P / n`.
//! A request of cost `c` is admitted iff `level + c ≤ B`, and then adds `c`.
//! The state is `empty_at`, the tick at which the bucket would be empty:
//! `level(now) = max(0, empty_at − now) / T`, exact in ticks. Its decisions
//! equal GCRA's and the continuous token bucket's (SPEC E1, tested).
//!
//! **Shaping queue.** The nginx `limit_req` model: requests arrive into a
//! queue that drains at the rate; a request that finds at most `burst`
//! requests ahead of it is accepted but told how long to wait so that the
//! output is evenly spaced; beyond that it is rejected with `retry_after`.
//! `delay = N` lets the first `N` queued requests go at once (nginx `delay=`),
//! `nodelay` lets all of them go at once (`delay = burst`) while still
//! counting them against the queue. The state is the tick at which the queue
//! drains; a request of cost `c` occupies `c` consecutive slots starting at
//! `start = max(drain_at, now)`, so it may go after
//! `max(0, start − now − N·T)` and is admitted iff
//! `start + c·T − now ≤ (burst + 1)·T`. The limit reported is `burst + 1`,
//! the most requests accepted at one instant (nginx accepts the request it is
//! serving plus `burst` queued ones).
//!
//! # Example
//!
//! ```
//! use ratecore::{Instant, LeakyQueue, NoClock, Shaping};
//!
//! // nginx: rate=10r/s burst=3  (and delay=1)
//! let q = LeakyQueue::new(Shaping::per_second(10, 3)?.delay(1), NoClock);
//! let t0 = Instant::ZERO;
//! let waits: Vec<u64> = (0..4)
//!     .map(|_| q.check_at(t0, 1).wait().as_nanos() / 1_000_000)
//!     .collect();
//! assert_eq!(waits, [0, 0, 100, 200]); // ms: the first two at once, then 100 ms apart
//! let rejected = q.check_at(t0, 1);
//! assert_eq!(rejected.retry_after().unwrap().as_nanos(), 100_000_000);
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
//! O(1), no division on the decision path.
//!
//! # Memory
//!
//! State: one `u64` each; whole-limiter sizes in the README table.
//!
//! # References
//!
//! - The leaky bucket as a meter: ATM Forum TM 4.0 / ITU-T I.371
//!   (continuous-state leaky bucket, equivalent to GCRA).
//! - nginx `ngx_http_limit_req_module` documentation (`burst`, `nodelay`,
//!   `delay`).

use crate::clock::{Instant, Nanos};
use crate::decision::{Decision, Outcome};
use crate::error::Error;
use crate::gcra;
use crate::limiter::single_word_limiters;
use crate::quota::Quota;

/// The pure leaky-bucket-meter transition.
///
/// `empty_at` is the state word: bits 63..0 are the tick at which the bucket
/// drains empty; `0` is empty at every `now`. The level at `now` is
/// `max(0, empty_at − now)` ticks (`T` ticks per permit).
#[inline]
pub fn decide(empty_at: u64, now: Instant, cost: u32, quota: &Quota) -> (u64, Decision) {
    pour(empty_at, now, cost, quota, 0)
}

/// The pure meter reservation: the level may overflow the capacity by up to
/// what drains within `max_wait`; [`Decision::wait`] says how long until the
/// request fits.
#[inline]
pub fn reserve(empty_at: u64, now: Instant, cost: u32, max_wait: Nanos, quota: &Quota) -> (u64, Decision) {
    pour(empty_at, now, cost, quota, max_wait.as_nanos().saturating_mul(quota.ticks_per_ns()))
}

/// Takes `cost` permits back out of the bucket at `now`, never below empty.
#[inline]
#[must_use]
pub fn refund(empty_at: u64, now: Instant, cost: u32, quota: &Quota) -> u64 {
    let now_t = quota.ticks(now);
    if empty_at <= now_t || quota.waiting(now_t, empty_at) {
        return empty_at; // already empty, or a reservation waits
    }
    empty_at.saturating_sub(u64::from(cost).saturating_mul(quota.interval_ticks())).max(now_t)
}

/// Pours `cost` permits in if the level allows, or will within `overflow`
/// ticks of draining.
#[inline]
fn pour(empty_at: u64, now: Instant, cost: u32, quota: &Quota, overflow: u64) -> (u64, Decision) {
    let now_t = quota.ticks(now);
    let per = quota.interval_ticks();
    let capacity = quota.capacity_ticks();
    let level = empty_at.saturating_sub(now_t);
    let mut d = quota.decision(now, capacity.saturating_sub(level), empty_at);
    let cost = u64::from(cost);
    if cost > quota.burst() {
        d.outcome = Outcome::Impossible;
        return (empty_at, d);
    }
    if cost == 0 {
        return (empty_at, d);
    }
    let added = cost.saturating_mul(per);
    let fits = capacity.saturating_sub(added);
    let room = fits.saturating_add(overflow);
    // The level after pouring ends at tick `now + level + added`.
    let next = level.checked_add(added).and_then(|l| now_t.checked_add(l));
    if level > room {
        // Fits once the level has drained to `room`: at tick `empty_at −
        // room` (no overflow) — if it then fits the tick range at all.
        match next {
            Some(_) => d.deny_until(empty_at.saturating_sub(room)),
            None => d.deny_never(),
        }
        return (empty_at, d);
    }
    match next.and_then(|next| quota.settle(now_t, next)) {
        Some((next, ready)) => {
            d.avail = fits.saturating_sub(level);
            d.reset_at = next;
            // Overflowing (a reservation): act once it has drained to fit.
            d.ready_at = ready;
            (next, d)
        }
        // Fits, but past the end of the tick range: saturate toward denying.
        None => {
            d.deny_never();
            (empty_at, d)
        }
    }
}

single_word_limiters! {
    /// A lock-free leaky bucket used as a meter (one `AtomicU64`).
    ///
    /// See the [module docs](self) for the algorithm.
    shared LeakyMeter;
    /// A single-threaded leaky-bucket meter (`&mut self`, a plain `u64`).
    local LocalLeakyMeter;
    params Quota;
    initial 0;
    decide decide;
    refund refund;
    reserve reserve;
    reconfigure yes;
}

/// Parameters of a shaping queue: a drain rate, a queue of `burst` slots
/// beyond the request in service, and how many queued requests go without
/// delay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shaping {
    /// The rate, with `burst + 1` as the quota's burst (the ticks of the
    /// whole queue).
    quota: Quota,
    /// Requests ahead of which one goes without delay (nginx `delay=`).
    delay: u64,
}

impl Shaping {
    /// `permits` per `period` out of the queue, with `burst` queued requests
    /// accepted (delayed) beyond the one in service. Every queued request is
    /// delayed (nginx's default); see [`delay`](Self::delay) and
    /// [`nodelay`](Self::nodelay).
    ///
    /// # Errors
    ///
    /// As [`Quota::new`]; `burst = u64::MAX` is [`Error::Overflow`].
    pub const fn new(permits: u64, period: Nanos, burst: u64) -> Result<Self, Error> {
        let slots = match burst.checked_add(1) {
            Some(s) => s,
            None => return Err(Error::Overflow),
        };
        match Quota::new(permits, period, slots) {
            Ok(quota) => Ok(Self { quota, delay: 0 }),
            Err(e) => Err(e),
        }
    }

    /// `permits` per second with `burst` queued requests (nginx
    /// `rate=Nr/s burst=B`).
    ///
    /// # Errors
    ///
    /// As [`Shaping::new`].
    pub const fn per_second(permits: u64, burst: u64) -> Result<Self, Error> {
        Self::new(permits, Nanos::from_secs(1), burst)
    }

    /// The first `n` queued requests go without delay (nginx `delay=n`);
    /// clamped to the burst.
    #[must_use]
    pub const fn delay(mut self, n: u64) -> Self {
        let burst = self.burst();
        self.delay = if n < burst { n } else { burst };
        self
    }

    /// Every accepted request goes at once (nginx `nodelay`); the queue still
    /// fills and drains at the rate, so the burst bound is unchanged.
    #[must_use]
    pub const fn nodelay(self) -> Self {
        let burst = self.burst();
        self.delay(burst)
    }

    /// Queued requests accepted beyond the one in service.
    #[must_use]
    pub const fn burst(&self) -> u64 {
        self.quota.burst().saturating_sub(1)
    }

    /// The configured no-delay count.
    #[must_use]
    pub const fn delay_count(&self) -> u64 {
        self.delay
    }

    /// The drain rate as a quota whose burst is `burst + 1`.
    #[must_use]
    pub const fn quota(&self) -> &Quota {
        &self.quota
    }
}

/// The pure shaping-queue transition.
///
/// `drain_at` is the state word: bits 63..0 are the tick at which the queue
/// is empty (`0`: empty at every `now`). An accepted request's
/// [`Decision::wait`] is how long to hold it.
#[inline]
pub fn decide_queue(drain_at: u64, now: Instant, cost: u32, s: &Shaping) -> (u64, Decision) {
    // Admission is GCRA's with a capacity of `burst + 1` slots: the request
    // fits iff its last slot starts within `burst` slots of now.
    let (next, mut d) = gcra::decide(drain_at, now, cost, &s.quota);
    if d.is_allowed() && next != drain_at {
        // Its first slot starts at `max(drain_at, now)`; go `delay` slots early.
        let now_t = s.quota.ticks(now);
        let start = if drain_at > now_t { drain_at } else { now_t };
        d.ready_at = start.saturating_sub(s.delay.saturating_mul(s.quota.interval_ticks()));
    }
    (next, d)
}

single_word_limiters! {
    /// A lock-free shaping queue with nginx `limit_req` semantics (one
    /// `AtomicU64`): accepted requests carry a [`Decision::wait`].
    ///
    /// See the [module docs](self) for the algorithm and an example.
    shared LeakyQueue;
    /// A single-threaded shaping queue (`&mut self`, a plain `u64`).
    local LocalLeakyQueue;
    params Shaping;
    initial 0;
    decide decide_queue;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_default_delays_every_queued_request() {
        let s = Shaping::per_second(10, 2).unwrap();
        let mut st = 0;
        let mut waits = [0u64; 3];
        for w in &mut waits {
            let (n, d) = decide_queue(st, Instant::ZERO, 1, &s);
            assert!(d.is_allowed());
            *w = d.wait().as_nanos();
            st = n;
        }
        assert_eq!(waits, [0, 100_000_000, 200_000_000]);
        let (_, d) = decide_queue(st, Instant::ZERO, 1, &s);
        assert_eq!(d.outcome(), Outcome::Denied);
        assert_eq!(d.limit(), 3);
    }

    #[test]
    fn nodelay_passes_the_whole_burst_at_once() {
        let s = Shaping::per_second(10, 2).unwrap().nodelay();
        let mut st = 0;
        for _ in 0..3 {
            let (n, d) = decide_queue(st, Instant::ZERO, 1, &s);
            assert!(d.is_allowed());
            assert_eq!(d.wait(), Nanos::ZERO);
            st = n;
        }
        assert!(!decide_queue(st, Instant::ZERO, 1, &s).1.is_allowed());
        // The queue drains at the rate: one slot after 100 ms.
        assert!(decide_queue(st, Instant::from_nanos(100_000_000), 1, &s).1.is_allowed());
    }

    #[test]
    fn meter_level_and_overflow() {
        let q = Quota::per_second(2).unwrap();
        let (e, d) = decide(0, Instant::ZERO, 2, &q);
        assert!(d.is_allowed());
        let (_, d) = decide(e, Instant::from_nanos(250_000_000), 1, &q);
        assert_eq!(d.retry_after(), Some(Nanos::from_nanos(250_000_000)));
        let (_, d) = decide(u64::MAX, Instant::MAX, 1, &q);
        assert!(!d.is_allowed());
        assert_eq!(Shaping::per_second(1, u64::MAX), Err(Error::Overflow));
        assert_eq!(Shaping::per_second(1, 5).unwrap().delay(9).delay_count(), 5);
    }
}
