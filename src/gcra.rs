//! GCRA, the generic cell rate algorithm: a token bucket's decisions from a
//! single timestamp.
//!
//! # Algorithm
//!
//! The state is the *theoretical arrival time* `TAT`: the instant at which the
//! limiter would be full again. With emission interval `T = P / n` and burst
//! `B`, a request of cost `c` at `now` conforms iff
//! `max(TAT, now) + c·T − now ≤ B·T`, and then `TAT ← max(TAT, now) + c·T`.
//! Everything is in the quota's exact ticks (see [`crate::quota`]), so the
//! long-run rate is exactly `n / P` and there is no rounding anywhere in the
//! decision. `B·T` — not the classic tolerance `τ = (B − 1)·T` plus one
//! request — is the capacity, which avoids the off-by-one that admits an
//! extra request after idling.
//!
//! A clock that steps back only makes `now` smaller, which makes the
//! condition stricter: stale or backward time never admits more (SPEC S4).
//! No field is ever set from a raw `now`, only from `max(TAT, now)`.
//!
//! # Example
//!
//! ```
//! use ratecore::{Gcra, Instant, ManualClock, Nanos, Quota};
//!
//! // 10 per second, bursts of up to 3.
//! let clock = ManualClock::new(Instant::ZERO);
//! let limiter = Gcra::new(Quota::per_second(10)?.with_burst(3)?, &clock);
//! let admitted = (0..5).filter(|_| limiter.check(1).is_allowed()).count();
//! assert_eq!(admitted, 3);
//! let denied = limiter.check(1);
//! assert_eq!(denied.retry_after(), Some(Nanos::from_millis(100)));
//! clock.advance(Nanos::from_millis(100));
//! assert!(limiter.check(1).is_allowed());
//! # Ok::<(), ratecore::Error>(())
//! ```
//!
//! # Progress
//!
//! [`Gcra`] is lock-free: one load, the pure [`decide`], and one
//! compare-and-swap if the request is admitted. A CAS fails only because
//! another thread's CAS succeeded (or spuriously), and the retry recomputes
//! from the observed word. A denial issues no store and no CAS. On targets
//! without native 64-bit atomics the word is portable-atomic's lock-based
//! fallback (see [`crate::sync`](crate#no_std-and-targets)).
//! [`LocalGcra`] is the same function over a plain `u64` for one thread.
//!
//! # Complexity
//!
//! O(1): a handful of integer operations and no division on the decision
//! path (the decision's fields are derived when read).
//!
//! # Memory
//!
//! State: one `u64`. `Gcra<NoClock>` is 64 bytes with its [`Quota`] (the
//! quota holds the precomputed ticks); the state word is what a keyed table
//! stores per key.
//!
//! # References
//!
//! - ITU-T I.371 and the ATM Forum Traffic Management 4.0 specification
//!   (the virtual-scheduling form of GCRA).
//! - Brandur Leach, "Rate Limiting, Cells, and GCRA" (2015); redis-cell.
//! - governor's `gcra.rs` (the pure decision / state store split).

use crate::clock::{Instant, Nanos};
use crate::decision::{Decision, Outcome};
use crate::limiter::single_word_limiters;
use crate::quota::Quota;

/// The pure GCRA transition.
///
/// `tat` is the state word: bits 63..0 are the theoretical arrival time in
/// the quota's ticks (`now · s`). `0` is a full limiter at every `now ≥ 0`.
/// Returns the next state and the decision; a denied or impossible request
/// returns `tat` unchanged, and so does cost 0 (a look at the state).
///
/// Total for all inputs: `now` up to `u64::MAX` (past [`crate::HORIZON`] the
/// tick count saturates and every request of cost ≥ 1 is denied), cost up to
/// `u32::MAX`.
///
/// ```
/// use ratecore::{gcra, Instant, Quota};
///
/// let q = Quota::per_second(1)?;
/// let (tat, d) = gcra::decide(0, Instant::ZERO, 1, &q);
/// assert!(d.is_allowed());
/// let (same, d) = gcra::decide(tat, Instant::ZERO, 1, &q);
/// assert!(!d.is_allowed() && same == tat);
/// # Ok::<(), ratecore::Error>(())
/// ```
#[inline]
pub fn decide(tat: u64, now: Instant, cost: u32, quota: &Quota) -> (u64, Decision) {
    admit(tat, now, cost, quota, 0)
}

/// The pure GCRA reservation: admits if the request fits within `max_wait`
/// of now, and then says (in [`Decision::wait`]) how long to wait before
/// acting. With `max_wait = 0` it is [`decide`].
#[inline]
pub fn reserve(tat: u64, now: Instant, cost: u32, max_wait: Nanos, quota: &Quota) -> (u64, Decision) {
    admit(tat, now, cost, quota, max_wait.as_nanos().saturating_mul(quota.ticks_per_ns()))
}

/// Gives `cost` permits back at `now`: the theoretical arrival time moves
/// back by `cost·T`, never before `now` (never above the burst). Nothing is
/// given back while a reservation is still waiting: its slot is promised.
#[inline]
#[must_use]
pub fn refund(tat: u64, now: Instant, cost: u32, quota: &Quota) -> u64 {
    let now_t = quota.ticks(now);
    if tat <= now_t || quota.waiting(now_t, tat) {
        return tat; // already full, or a reservation waits (see `Quota::waiting`)
    }
    tat.saturating_sub(u64::from(cost).saturating_mul(quota.interval_ticks())).max(now_t)
}

/// GCRA with `slack` extra ticks of tolerance that a request may wait out.
#[inline]
fn admit(tat: u64, now: Instant, cost: u32, quota: &Quota, slack: u64) -> (u64, Decision) {
    let now_t = quota.ticks(now);
    let interval = quota.interval_ticks();
    let capacity = quota.capacity_ticks();
    // Ticks until full; above `capacity` only after the clock stepped back.
    let used = tat.saturating_sub(now_t);
    let mut d = quota.decision(now, capacity.saturating_sub(used), tat);
    let cost = u64::from(cost);
    if cost > quota.burst() {
        d.outcome = Outcome::Impossible;
        return (tat, d);
    }
    if cost == 0 {
        return (tat, d);
    }
    let base = if tat > now_t { tat } else { now_t };
    // cost <= burst, so cost·T <= B·T = capacity. The test
    // `base + cost·T − now <= capacity + slack` is written as
    // `base − now <= capacity − cost·T + slack` so that nothing can
    // overflow; only the new state `base + cost·T` is computed, and only
    // when admitted.
    let take = cost.saturating_mul(interval);
    let fits = capacity.saturating_sub(take);
    let room = fits.saturating_add(slack);
    let queued = base.saturating_sub(now_t);
    if queued > room {
        // Passes once `now` reaches `base − room` ticks (> now_t here), if
        // its slots then fit in the tick range at all.
        if base.checked_add(take).is_some() {
            d.deny_until(base.saturating_sub(room));
        } else {
            d.deny_never();
        }
        return (tat, d);
    }
    match base.checked_add(take).and_then(|next| quota.settle(now_t, next)) {
        Some((next, ready)) => {
            d.avail = fits.saturating_sub(queued);
            d.reset_at = next;
            // Act at `next − capacity`: now or earlier, unless this is a
            // reservation that waits.
            d.ready_at = ready;
            (next, d)
        }
        // Past the end of the tick range (`now` beyond the horizon, or
        // reservations piled up to it): saturate toward denying.
        None => {
            d.deny_never();
            (tat, d)
        }
    }
}

single_word_limiters! {
    /// A lock-free GCRA limiter shared between threads (one `AtomicU64`).
    ///
    /// See the [module docs](self) for the algorithm and an example.
    shared Gcra;
    /// A single-threaded GCRA limiter (`&mut self`, a plain `u64`): the same
    /// decisions as [`Gcra`] without atomics, for one thread or for targets
    /// with no atomics at all.
    local LocalGcra;
    params Quota;
    initial 0;
    decide decide;
    refund refund;
    reserve reserve;
    reconfigure yes;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Nanos;

    fn q(n: u64, burst: u64) -> Quota {
        Quota::per_second(n).unwrap().with_burst(burst).unwrap()
    }

    #[test]
    fn burst_then_deny_then_refill() {
        let q = q(10, 3);
        let mut tat = 0;
        for i in 0..3 {
            let (next, d) = decide(tat, Instant::ZERO, 1, &q);
            assert!(d.is_allowed(), "request {i}");
            assert_eq!(d.remaining(), 2 - i);
            tat = next;
        }
        let (same, d) = decide(tat, Instant::ZERO, 1, &q);
        assert_eq!((same, d.outcome()), (tat, Outcome::Denied));
        assert_eq!(d.retry_after(), Some(Nanos::from_millis(100)));
        assert_eq!(d.reset_after(), Nanos::from_millis(300));
        let (_, d) = decide(tat, Instant::from_nanos(99_999_999), 1, &q);
        assert!(!d.is_allowed());
        let (_, d) = decide(tat, Instant::from_nanos(100_000_000), 1, &q);
        assert!(d.is_allowed());
    }

    #[test]
    fn now_zero_first_call_is_full() {
        let q = q(1, 5);
        let (_, d) = decide(0, Instant::ZERO, 5, &q);
        assert!(d.is_allowed());
        assert_eq!(d.remaining(), 0);
    }

    #[test]
    fn cost_zero_is_a_peek() {
        let q = q(1, 5);
        let (s, d) = decide(123, Instant::ZERO, 0, &q);
        assert_eq!(s, 123);
        assert!(d.is_allowed());
    }

    #[test]
    fn cost_above_burst_is_impossible() {
        let q = q(1, 5);
        for cost in [6, u32::MAX] {
            let (s, d) = decide(0, Instant::ZERO, cost, &q);
            assert_eq!((s, d.outcome(), d.retry_after()), (0, Outcome::Impossible, None));
        }
    }

    #[test]
    fn saturates_near_u64_max() {
        let q = q(10, 3);
        for now in [u64::MAX, u64::MAX - 1, u64::MAX / 2, 1 << 63] {
            for tat in [0, u64::MAX, u64::MAX - 1] {
                let (s, d) = decide(tat, Instant::from_nanos(now), 1, &q);
                // Past the horizon nothing is admitted, and nothing wraps.
                if d.is_allowed() {
                    assert!(s > tat);
                }
                assert_ne!(d.retry_after(), Some(Nanos::ZERO));
            }
        }
        // The state at the very top never admits.
        let (_, d) = decide(u64::MAX, Instant::MAX, 1, &q);
        assert!(!d.is_allowed());
    }

    #[test]
    fn clock_back_never_helps() {
        let q = q(10, 2);
        let t = Instant::from_nanos(3_600_000_000_000);
        let (s1, _) = decide(0, t, 1, &q);
        let (s2, _) = decide(s1, t, 1, &q);
        // An hour earlier: denied until the clock catches up.
        let (_, d) = decide(s2, Instant::from_nanos(1), 1, &q);
        assert!(!d.is_allowed());
        assert_eq!(d.remaining(), 0);
    }

    #[test]
    fn sub_nanosecond_interval() {
        // 10^10/s: 10 permits per ns.
        let q = Quota::per_second(10_000_000_000).unwrap().with_burst(10).unwrap();
        let mut tat = 0;
        let mut admitted = 0;
        for ns in 1..=100 {
            for _ in 0..20 {
                let (next, d) = decide(tat, Instant::from_nanos(ns), 1, &q);
                if d.is_allowed() {
                    admitted += 1;
                    tat = next;
                }
            }
        }
        // The burst of 10 at t=1, then exactly 10 per ns for 99 ns.
        assert_eq!(admitted, 10 + 990);
    }

    #[test]
    fn shared_and_local_agree() {
        let q = q(3, 2);
        let shared = Gcra::new(q, crate::NoClock);
        let mut local = LocalGcra::new(q, crate::NoClock);
        for (i, cost) in [1, 1, 1, 2, 0, 3, 1].into_iter().enumerate() {
            let now = Instant::from_nanos(i as u64 * 200_000_000);
            assert_eq!(shared.check_at(now, cost), local.check_at(now, cost));
            assert_eq!(shared.state(), local.state());
        }
    }
}
