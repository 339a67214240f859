//! Multi-limit policies: several GCRA limits — say 10 per second AND 1000
//! per hour — checked and consumed in one call, all or none.
//!
//! # Algorithm
//!
//! The pure [`decide`] takes every member's state word: the request is
//! admitted iff every member admits it alone, and then every member is
//! charged; otherwise nothing changes. The decision reports every member's
//! metadata and which member binds (the longest `retry_after` on a denial,
//! the fewest `remaining` on an admission), so a gateway can emit one
//! `RateLimit-Policy` item per member and the `RateLimit` of the binding one.
//!
//! Several words cannot be swapped with one compare-and-swap, so the shared
//! [`Policy`] uses an **ordered charge with exact rollback**: it reads every
//! member, decides with the pure function (a denial returns right there,
//! having written nothing), then charges the members in index order, each
//! with one compare-and-swap from the exact word it decided on. If a member
//! changed in between, the members already charged are given back exactly
//! (compare-and-swap back to the word before) when nothing touched them
//! since — and the
//! whole decision is retried on fresh words. A member that changed between
//! its charge and the rollback keeps the charge (see Guarantees).
//!
//! # Guarantees
//!
//! - **No member ever over-admits**: every charge is an ordinary GCRA
//!   admission on that member's current word.
//! - **All or none, up to lost races**: a request that is finally rejected
//!   leaves no member charged — except a member that another thread changed
//!   between this request's charge and its rollback: that member keeps the
//!   charge (an under-admission of `cost` on it), because giving it back
//!   then could hand a permit out twice. Without contention on the members
//!   there is no rollback at all.
//! - **Not linearizable**: while a charge is in flight (between the first
//!   member's compare-and-swap and the last one's, or a rollback), a
//!   concurrent request may see a member already charged for a request that
//!   will be rolled back, and be denied — a transient **under**-admission,
//!   never an over-admission. Without contention on the members, decisions
//!   are exactly those of the pure function.
//!
//! # Example
//!
//! ```
//! use ratecore::{Instant, Nanos, NoClock, Policy, Quota};
//!
//! // 10 per second with bursts of 20, AND 1000 per hour.
//! let policy = Policy::new([Quota::per_second(10)?.with_burst(20)?, Quota::per_hour(1000)?], NoClock);
//! let t0 = Instant::ZERO;
//! let first = policy.check_at(t0, 20);
//! assert!(first.is_allowed());
//! assert_eq!(first.binding(), 0); // the per-second member has 0 left
//! let d = policy.check_at(t0, 1);
//! assert!(!d.is_allowed());
//! assert_eq!(d.decision().retry_after(), Some(Nanos::from_millis(100)));
//! // Nothing was charged to the hourly member by the rejected request.
//! assert_eq!(d.members()[1].remaining(), 980);
//! # Ok::<(), ratecore::Error>(())
//! ```
//!
//! # Progress
//!
//! Lock-free: a retry happens only because another thread changed a member.
//! A denial reads the members and writes nothing.
//!
//! # Complexity
//!
//! O(N) per decision; N compare-and-swaps to admit.
//!
//! # Memory
//!
//! `N` state words plus `N` quotas; [`PolicyDecision`] holds `N` decisions.
//!
//! # References
//!
//! - bucket4j's multi-bandwidth buckets (several limits on one bucket).

use crate::clock::{Clock, Instant};
use crate::decision::{Decision, Outcome};
use crate::gcra;
use crate::quota::Quota;
use crate::sync::{AtomicU64, Ordering, restore_word, update_word};

/// The decision of a policy: the overall verdict with the binding member's
/// metadata, plus every member's.
#[must_use = "a decision that is not read admits nothing"]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyDecision<const N: usize> {
    binding: usize,
    members: [Decision; N],
}

impl<const N: usize> PolicyDecision<N> {
    /// Whether the request was admitted (by every member).
    #[must_use]
    pub fn is_allowed(&self) -> bool {
        self.members.get(self.binding).is_some_and(Decision::is_allowed)
    }

    /// The index of the binding member: on a denial the one with the longest
    /// `retry_after` (an impossible member first), on an admission the one
    /// with the fewest permits remaining.
    #[must_use]
    pub const fn binding(&self) -> usize {
        self.binding
    }

    /// The binding member's decision, which carries the overall outcome.
    pub fn decision(&self) -> Decision {
        self.members.get(self.binding).copied().unwrap_or(Decision::NOTHING)
    }

    /// Every member's decision. On a rejection, members that would have
    /// admitted report their current state (a cost-0 look: nothing was
    /// taken); the others report their own denial.
    pub const fn members(&self) -> &[Decision; N] {
        &self.members
    }
}

/// The pure all-or-none transition over every member's GCRA state word.
/// Returns the next words (unchanged unless admitted) and the decision. A
/// policy with no members admits nothing.
pub fn decide<const N: usize>(
    states: &[u64; N],
    now: Instant,
    cost: u32,
    quotas: &[Quota; N],
) -> ([u64; N], PolicyDecision<N>) {
    let mut next = *states;
    let mut members = [Decision::NOTHING; N];
    let mut allowed = N > 0;
    for ((n, d), (&s, q)) in next.iter_mut().zip(members.iter_mut()).zip(states.iter().zip(quotas.iter())) {
        let (word, decision) = gcra::decide(s, now, cost, q);
        *n = word;
        *d = decision;
        allowed &= decision.is_allowed();
    }
    if !allowed {
        // Nothing is charged: members that would admit report their state.
        for ((d, &s), q) in members.iter_mut().zip(states.iter()).zip(quotas.iter()) {
            if d.is_allowed() {
                *d = gcra::decide(s, now, 0, q).1;
            }
        }
        next = *states;
    }
    let binding = binding(&members, allowed);
    (next, PolicyDecision { binding, members })
}

/// The binding member (see [`PolicyDecision::binding`]).
fn binding<const N: usize>(members: &[Decision; N], allowed: bool) -> usize {
    let key = |d: &Decision| -> (u8, u64) {
        if allowed {
            // Fewest remaining binds: maximise the complement.
            (0, u64::MAX.saturating_sub(d.remaining()))
        } else {
            match d.outcome() {
                Outcome::Impossible => (2, 0),
                Outcome::Denied => (1, d.retry_after().map_or(0, |r| r.as_nanos())),
                Outcome::Allowed => (0, 0),
            }
        }
    };
    let mut best = 0;
    for (i, d) in members.iter().enumerate() {
        if members.get(best).is_some_and(|b| key(d) > key(b)) {
            best = i;
        }
    }
    best
}

/// A lock-free multi-limit policy over `N` GCRA members (see the module docs
/// for the ordered-charge scheme and its guarantees).
#[derive(Debug)]
pub struct Policy<C, const N: usize> {
    states: [AtomicU64; N],
    quotas: [Quota; N],
    clock: C,
}

impl<C, const N: usize> Policy<C, N> {
    /// A policy whose members are full, reading `clock`.
    #[must_use]
    pub fn new(quotas: [Quota; N], clock: C) -> Self {
        Self { states: core::array::from_fn(|_| AtomicU64::new(0)), quotas, clock }
    }

    /// The members' quotas.
    #[must_use]
    pub const fn quotas(&self) -> &[Quota; N] {
        &self.quotas
    }

    /// The clock.
    #[must_use]
    pub const fn clock(&self) -> &C {
        &self.clock
    }

    /// The members' raw state words (a snapshot, member by member).
    #[must_use]
    pub fn states(&self) -> [u64; N] {
        // Relaxed: a snapshot for inspection, as in `sync::update_word`.
        core::array::from_fn(|i| self.states.get(i).map_or(0, |s| s.load(Ordering::Relaxed)))
    }

    /// Checks and consumes on every member at an explicit instant, all or
    /// none.
    pub fn check_at(&self, now: Instant, cost: u32) -> PolicyDecision<N> {
        loop {
            let seen = self.states();
            let (next, decision) = decide(&seen, now, cost, &self.quotas);
            if !decision.is_allowed() {
                return decision;
            }
            if self.charge(&seen, &next) {
                return decision;
            }
        }
    }

    /// Charges members in order from exactly `seen` to `next`; on a lost
    /// race rolls back the members already charged and returns false.
    fn charge(&self, seen: &[u64; N], next: &[u64; N]) -> bool {
        let mut charged = 0usize;
        for ((state, &from), &to) in self.states.iter().zip(seen.iter()).zip(next.iter()) {
            // Strong CAS from the exact word decided on; Relaxed as in
            // `sync::update_word` (each word carries only its own state).
            if from != to && state.compare_exchange(from, to, Ordering::Relaxed, Ordering::Relaxed).is_err() {
                break;
            }
            charged = charged.saturating_add(1);
        }
        if charged == N {
            return true;
        }
        for (state, (&before, &after)) in self.states.iter().zip(seen.iter().zip(next.iter())).take(charged) {
            // Give the charge back exactly, if nothing touched the member
            // since. If something did, keep it: a later admission may have
            // been scheduled on top of it, or (after an idle gap) beside it,
            // and subtracting it could hand that permit out twice.
            if before != after {
                let _ = restore_word(state, after, before);
            }
        }
        false
    }

    /// [`check_at`](Self::check_at) now.
    pub fn check(&self, cost: u32) -> PolicyDecision<N>
    where
        C: Clock,
    {
        self.check_at(self.clock.now(), cost)
    }

    /// The decision `cost` would get at `now`, consuming nothing.
    pub fn peek_at(&self, now: Instant, cost: u32) -> PolicyDecision<N> {
        decide(&self.states(), now, cost, &self.quotas).1
    }

    /// Checks one member alone (the same state the policy charges), e.g. a
    /// per-hour allowance also spent by another path. `None` if `member` is
    /// out of range.
    pub fn check_member_at(&self, member: usize, now: Instant, cost: u32) -> Option<Decision> {
        let (state, q) = (self.states.get(member)?, self.quotas.get(member)?);
        Some(update_word(state, |w| {
            let (next, d) = gcra::decide(w, now, cost, q);
            (d.is_allowed().then_some(next), d)
        }))
    }
}

impl<C, const N: usize> crate::Limiter for &Policy<C, N> {
    type Clock = C;

    fn clock(&self) -> &C {
        &self.clock
    }

    fn check_at(&mut self, now: Instant, cost: u32) -> Decision {
        Policy::check_at(self, now, cost).decision()
    }

    fn peek_at(&mut self, now: Instant, cost: u32) -> Decision {
        Policy::peek_at(self, now, cost).decision()
    }
}
