//! Hot-key mode: per-thread [`Lease`]s of GCRA slots, drawn in batches from
//! a shared [`Gcra`], so that most decisions touch only the thread's own
//! memory and throughput scales with cores — without ever admitting more
//! than the quota.
//!
//! # Algorithm
//!
//! GCRA gives every admitted permit a *slot* of length `T` in one schedule:
//! the permit admitted at `u` gets `[s, s + T)` with `s = max(TAT, u) ≥ u`
//! and `s + T ≤ u + B·T`. Any set of (use instant, slot) pairs with disjoint
//! slots that satisfies those two inequalities obeys SPEC S1 at the use
//! instants (the slots of the permits used in `[a, a + t]` lie in
//! `[a, a + t + B·T)`, so there are at most `B + ⌊t/T⌋` of them).
//!
//! A lease draws up to `batch` consecutive slots from the shared limiter with
//! one compare-and-swap — only slots that conform at the draw instant, so the
//! shared `TAT` never runs ahead of `now + B·T` — and then hands them out
//! locally: slot `[s, s + T)` is used at `now` only if `s ≥ now` (it has not
//! started: a slot whose start has passed is dropped) and `s + T ≤ now +
//! B·T`. The union of all leases' and all direct checks' admissions is
//! therefore a valid GCRA schedule: **no over-admission, by construction**,
//! and the tests check S1 on the union under contention.
//!
//! # Under-admission
//!
//! Slots held by a lease are unavailable to others. At most `batch` permits
//! per lease are held at a time. Unused slots return to the limiter when the
//! lease is dropped, if nothing was drawn after them (one compare-and-swap);
//! otherwise they are lost, as are slots whose start passes while held (an
//! idle lease loses its slots one `T` at a time). So the shortfall is at
//! most `batch` permits per lease, per draw.
//!
//! Choosing `batch`: large enough that the shared word is written rarely
//! (each draw is one contended cache-line transfer, ~80 ns on two cores),
//! small against the burst so held slots do not starve other clients: e.g.
//! `batch ≤ B / (4 · threads)`, and a few dozen for rates in the millions
//! per second. `batch = 1` is exact GCRA (no holding, no loss).
//!
//! # Example
//!
//! ```
//! use core::sync::atomic::{AtomicU64, Ordering};
//! use ratecore::{Gcra, Instant, NoClock, Quota};
//!
//! let limiter = Gcra::new(Quota::per_second(1_000)?, NoClock); // burst 1000
//! let admitted = AtomicU64::new(0);
//! std::thread::scope(|s| {
//!     for _ in 0..2 {
//!         s.spawn(|| {
//!             let mut lease = limiter.lease(16);
//!             let n = (0..800).filter(|_| lease.check_at(Instant::ZERO, 1).is_allowed()).count();
//!             admitted.fetch_add(n as u64, Ordering::Relaxed);
//!         });
//!     }
//! });
//! // 1600 requests at one instant: never more than the burst, and (leases
//! // dropped, unused slots handed back) at most one batch per lease lost.
//! let n = admitted.load(Ordering::Relaxed);
//! assert!(n <= 1_000 && n >= 1_000 - 2 * 16, "{n}");
//! # Ok::<(), ratecore::Error>(())
//! ```
//!
//! # Progress
//!
//! Local decisions are wait-free (no shared write; one relaxed load of the
//! shared word for the decision's metadata). A draw is one compare-and-swap
//! loop on the shared word, lock-free as for [`Gcra`].
//!
//! # Complexity
//!
//! O(1) per decision.
//!
//! # Memory
//!
//! A lease is a reference plus three words, owned by one thread.

use crate::clock::{Clock, Instant};
use crate::decision::Decision;
use crate::gcra::Gcra;
use crate::quota::Quota;
use crate::sync::{restore_word, update_word};

/// A thread's batch of GCRA slots (see the [module docs](self)).
#[derive(Debug)]
pub struct Lease<'a, C> {
    limiter: &'a Gcra<C>,
    /// A copy of the limiter's quota: local decisions then read only this
    /// thread's memory (the quota shares a cache line with the contended
    /// state word).
    quota: Quota,
    /// Start of the next unused slot, in ticks.
    next: u64,
    /// Unused slots from `next` on.
    left: u64,
    batch: u64,
}

impl<C> Gcra<C> {
    /// A lease drawing up to `batch` slots at a time from this limiter (at
    /// least 1). See [`crate::lease`].
    pub fn lease(&self, batch: u32) -> Lease<'_, C> {
        Lease { limiter: self, quota: *self.params(), next: 0, left: 0, batch: u64::from(batch.max(1)) }
    }
}

impl<C> Lease<'_, C> {
    /// Decides at an explicit instant: from the leased slots if they cover
    /// the request, otherwise by drawing a new batch.
    #[inline]
    pub fn check_at(&mut self, now: Instant, cost: u32) -> Decision {
        let q = self.quota;
        let now_t = q.ticks(now);
        let t = q.interval_ticks();
        let cap = q.capacity_ticks();
        let cost64 = u64::from(cost);
        if cost == 0 || cost64 > q.burst() {
            return self.limiter.peek_at(now, cost);
        }
        // Drop the slots whose start has passed: using them now would admit
        // a permit earlier than its slot allows.
        if self.left > 0 && self.next < now_t {
            let stale = crate::quota::div_ceil(now_t.saturating_sub(self.next), t).min(self.left);
            self.left = self.left.saturating_sub(stale);
            self.next = self.next.saturating_add(stale.saturating_mul(t));
        }
        let need = cost64.saturating_mul(t);
        loop {
            let end = self.next.saturating_add(need);
            if self.left >= cost64 && self.next >= now_t && end.saturating_sub(now_t) <= cap {
                self.next = end;
                self.left = self.left.saturating_sub(cost64);
                // Metadata from the lease alone (reading the shared word
                // would pull its cache line on every local decision):
                // `remaining` is what this lease still holds, `reset_after`
                // when its own slots are spent — lower bounds of the shared
                // limiter's.
                let held_end = end.saturating_add(self.left.saturating_mul(t));
                return q.decision(now, self.left.saturating_mul(t), held_end);
            }
            self.give_back();
            if !self.draw(now_t, &q, cost64) {
                // No batch covers it now. Report the shared limiter's denial;
                // if capacity appeared meanwhile (a lease gave some back),
                // draw again rather than report an admission not taken.
                let d = self.limiter.peek_at(now, cost);
                if !d.is_allowed() {
                    return d;
                }
            }
        }
    }

    /// [`check_at`](Self::check_at) now.
    pub fn check(&mut self, cost: u32) -> Decision
    where
        C: Clock,
    {
        let now = self.limiter.clock().now();
        self.check_at(now, cost)
    }

    /// Slots held right now.
    #[must_use]
    pub const fn held(&self) -> u64 {
        self.left
    }

    /// Draws up to `batch` (at least `cost`) slots that all conform at
    /// `now_t`, starting at the shared `TAT` (or now); whether it got any.
    fn draw(&mut self, now_t: u64, q: &Quota, cost: u64) -> bool {
        let (t, cap) = (q.interval_ticks(), q.capacity_ticks());
        let want = self.batch.max(cost);
        let got = update_word(self.limiter.word(), |tat| {
            let base = tat.max(now_t);
            // Slots that fit before `now + B·T`.
            let room = cap.saturating_sub(base.saturating_sub(now_t)).checked_div(t).unwrap_or(0);
            let k = want.min(room);
            if k < cost {
                return (None, None);
            }
            let end = base.checked_add(k.saturating_mul(t));
            (end, end.map(|_| (base, k)))
        });
        match got {
            Some((base, k)) => {
                self.next = base;
                self.left = k;
                true
            }
            None => false,
        }
    }

    /// Returns the unused slots if nothing was drawn after them.
    fn give_back(&mut self) {
        if self.left > 0 {
            let t = self.quota.interval_ticks();
            let end = self.next.saturating_add(self.left.saturating_mul(t));
            let _ = restore_word(self.limiter.word(), end, self.next);
        }
        self.left = 0;
    }
}

impl<C> Drop for Lease<'_, C> {
    fn drop(&mut self) {
        self.give_back();
    }
}
