//! [`Limiter`]: the one trait every limiter implements, and the thin wrappers
//! that turn an algorithm's pure `decide` function into a lock-free shared
//! limiter and a single-threaded `&mut` limiter.
//!
//! The trait takes `&mut self` so that one generic function drives both kinds:
//! the single-threaded limiters implement it directly, the shared ones through
//! `&Limiter` (a shared reference is all a shared limiter needs).
//!
//! ```
//! use ratecore::{Gcra, Instant, Limiter, LocalGcra, NoClock, Quota};
//!
//! fn admitted(mut l: impl Limiter, n: u32) -> usize {
//!     (0..n).filter(|_| l.check_at(Instant::ZERO, 1).is_allowed()).count()
//! }
//! let q = Quota::per_second(5)?;
//! assert_eq!(admitted(&Gcra::new(q, NoClock), 10), 5);
//! assert_eq!(admitted(LocalGcra::new(q, NoClock), 10), 5);
//! # Ok::<(), ratecore::Error>(())
//! ```

use crate::clock::{Clock, Instant, Nanos};
use crate::decision::Decision;

/// A rate limiter: decides whether `cost` permits may be taken at an instant.
pub trait Limiter {
    /// The clock [`check`](Self::check) reads; [`NoClock`] for limiters that
    /// are only ever given explicit instants.
    type Clock;

    /// The limiter's clock.
    fn clock(&self) -> &Self::Clock;

    /// Decides at an explicit instant, reading no clock: for callers that
    /// already hold the time, simulators, and replicated state. Cost 0 is a
    /// side-effect-free look at the state.
    fn check_at(&mut self, now: Instant, cost: u32) -> Decision;

    /// Decides now: reads the clock once, then [`check_at`](Self::check_at).
    #[inline]
    fn check(&mut self, cost: u32) -> Decision
    where
        Self::Clock: Clock,
    {
        let now = self.clock().now();
        self.check_at(now, cost)
    }

    /// The decision a request of `cost` would get at `now`, consuming
    /// nothing (for headers on responses that were not limited, and for
    /// dashboards). Never writes.
    fn peek_at(&mut self, now: Instant, cost: u32) -> Decision;

    /// [`peek_at`](Self::peek_at) now.
    #[inline]
    fn peek(&mut self, cost: u32) -> Decision
    where
        Self::Clock: Clock,
    {
        let now = self.clock().now();
        self.peek_at(now, cost)
    }
}

/// Capacity taken ahead of time by `reserve_at`: the decision (granted with
/// the [`wait`](Decision::wait) before acting, or denied), and what
/// [`cancel`](crate::Gcra::cancel) needs to give it back exactly.
///
/// ```
/// use ratecore::{Gcra, Instant, Nanos, NoClock, Quota};
///
/// let l = Gcra::new(Quota::per_second(1)?, NoClock);
/// assert!(l.check_at(Instant::ZERO, 1).is_allowed());
/// // Take the next permit now, act when it is due (in 1 s).
/// let r = l.reserve_at(Instant::ZERO, 1, Nanos::from_secs(5));
/// assert!(r.is_granted());
/// assert_eq!(r.wait(), Nanos::from_secs(1));
/// let taken = l.state();
/// // Changed our mind: give it back exactly.
/// assert!(l.cancel(r));
/// assert_ne!(l.state(), taken);
/// // A wait beyond the caller's maximum takes nothing.
/// let too_far = l.reserve_at(Instant::ZERO, 1, Nanos::from_millis(999));
/// assert!(!too_far.is_granted());
/// # Ok::<(), ratecore::Error>(())
/// ```
///
/// Not `Clone`: [`cancel`](crate::Gcra::cancel) consumes it, so a
/// reservation can be given back at most once (a second cancel, which once
/// handed back a later admission with the same state word, does not
/// compile):
///
/// ```compile_fail
/// # use ratecore::{Gcra, Instant, Nanos, NoClock, Quota};
/// let l = Gcra::new(Quota::per_second(1).unwrap(), NoClock);
/// let r = l.reserve_at(Instant::ZERO, 1, Nanos::ZERO);
/// l.cancel(r);
/// l.cancel(r); // use of a moved value
/// ```
#[must_use = "a granted reservation holds capacity until it is used or cancelled"]
#[derive(Debug, PartialEq, Eq)]
pub struct Reservation {
    decision: Decision,
    /// The limiter it was taken from (its address), so that cancelling on
    /// another limiter does nothing.
    origin: usize,
    before: u64,
    after: u64,
}

impl Reservation {
    pub(crate) const fn new(decision: Decision, origin: usize, before: u64, after: u64) -> Self {
        Self { decision, origin, before, after }
    }

    /// The decision: allowed (granted) with a wait, denied with a retry time,
    /// or impossible.
    pub const fn decision(&self) -> Decision {
        self.decision
    }

    /// Whether capacity was taken.
    #[must_use]
    pub const fn is_granted(&self) -> bool {
        self.decision.is_allowed()
    }

    /// How long to wait before acting (zero if the capacity was there now).
    /// A waiting reservation's slot starts at a whole nanosecond, so acting
    /// exactly at `now + wait` keeps every permit in its slot (SPEC S1 at
    /// the acting instants).
    #[must_use]
    pub const fn wait(&self) -> Nanos {
        self.decision.wait()
    }

    /// The state words before and after the reservation, if it took
    /// something from the limiter at `origin`.
    pub(crate) const fn undo(&self, origin: usize) -> Option<(u64, u64)> {
        if self.origin == origin && self.before != self.after && self.decision.is_allowed() {
            Some((self.after, self.before))
        } else {
            None
        }
    }
}

/// A placeholder clock for limiters driven only through explicit instants
/// (`check_at`). It does not implement [`Clock`], so calling `check` on such
/// a limiter is a compile error rather than a silent wrong time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoClock;

/// Generates, for a single-word algorithm, the lock-free shared limiter (one
/// `AtomicU64` around the algorithm's pure `decide`) and the `&mut` limiter
/// (a plain `u64`), both implementing [`Limiter`].
macro_rules! single_word_limiters {
    (
        $(#[$shared_doc:meta])*
        shared $Shared:ident;
        $(#[$local_doc:meta])*
        local $Local:ident;
        params $Params:ty;
        initial $initial:expr;
        decide $decide:path;
        $(refund $refund:path;)?
        $(reserve $reserve:path;)?
        $(reconfigure $reconf:ident;)?
    ) => {
        $(#[$shared_doc])*
        #[derive(Debug)]
        pub struct $Shared<C> {
            state: $crate::sync::AtomicU64,
            params: $Params,
            clock: C,
        }

        impl<C> $Shared<C> {
            $crate::sync::const_fn! {
                /// A limiter with these parameters, full (at its burst), reading `clock`.
                #[must_use]
                pub fn new(params: $Params, clock: C) -> Self {
                    Self { state: $crate::sync::AtomicU64::new($initial), params, clock }
                }
            }

            /// The parameters.
            #[must_use]
            pub const fn params(&self) -> &$Params {
                &self.params
            }

            /// The clock.
            #[must_use]
            pub const fn clock(&self) -> &C {
                &self.clock
            }

            /// The raw state word (documented on the algorithm's `decide`).
            #[must_use]
            pub fn state(&self) -> u64 {
                // Relaxed: a snapshot for inspection; see `sync::update_word`.
                self.state.load($crate::sync::Ordering::Relaxed)
            }

            /// The atomic word itself, for crate-internal extensions (leases).
            #[allow(dead_code)]
            pub(crate) const fn word(&self) -> &$crate::sync::AtomicU64 {
                &self.state
            }

            /// Decides at an explicit instant: one load, the algorithm's pure
            /// `decide`, and one compare-and-swap if admitted (retried on
            /// contention). A denial writes nothing.
            #[inline]
            pub fn check_at(&self, now: $crate::Instant, cost: u32) -> $crate::Decision {
                $crate::sync::update_word(&self.state, |word| {
                    let (next, decision) = $decide(word, now, cost, &self.params);
                    (decision.is_allowed().then_some(next), decision)
                })
            }

            /// Decides now: one clock read, then [`check_at`](Self::check_at).
            #[inline]
            pub fn check(&self, cost: u32) -> $crate::Decision
            where
                C: $crate::Clock,
            {
                self.check_at($crate::Clock::now(&self.clock), cost)
            }

            /// The decision `cost` would get at `now`, consuming nothing: one
            /// load, no write.
            #[inline]
            pub fn peek_at(&self, now: $crate::Instant, cost: u32) -> $crate::Decision {
                $decide(self.state(), now, cost, &self.params).1
            }

            /// [`peek_at`](Self::peek_at) now.
            pub fn peek(&self, cost: u32) -> $crate::Decision
            where
                C: $crate::Clock,
            {
                self.peek_at($crate::Clock::now(&self.clock), cost)
            }
$(
            /// Gives `cost` permits back (a request that failed upstream),
            /// never above the capacity; returns the state after, as a peek.
            pub fn refund_at(&self, now: $crate::Instant, cost: u32) -> $crate::Decision {
                $crate::sync::update_word(&self.state, |word| {
                    let next = $refund(word, now, cost, &self.params);
                    (Some(next), $decide(next, now, 0, &self.params).1)
                })
            }

            /// [`refund_at`](Self::refund_at) now.
            pub fn refund(&self, cost: u32) -> $crate::Decision
            where
                C: $crate::Clock,
            {
                self.refund_at($crate::Clock::now(&self.clock), cost)
            }
)?
$(
            /// Takes `cost` permits now if they are available within
            /// `max_wait`, and says how long to wait before acting. A request
            /// that could never be honoured (cost above the capacity, or a
            /// wait beyond `max_wait`) takes nothing.
            pub fn reserve_at(&self, now: $crate::Instant, cost: u32, max_wait: $crate::Nanos) -> $crate::Reservation {
                let origin = (self as *const Self).addr();
                $crate::sync::update_word(&self.state, |word| {
                    let (next, d) = $reserve(word, now, cost, max_wait, &self.params);
                    let taken = if d.is_allowed() { next } else { word };
                    (d.is_allowed().then_some(next), $crate::Reservation::new(d, origin, word, taken))
                })
            }

            /// [`reserve_at`](Self::reserve_at) now.
            pub fn reserve(&self, cost: u32, max_wait: $crate::Nanos) -> $crate::Reservation
            where
                C: $crate::Clock,
            {
                self.reserve_at($crate::Clock::now(&self.clock), cost, max_wait)
            }

            /// Gives a reservation back exactly: restores the state from just
            /// before it, if nothing was taken after it (one compare-and-swap
            /// from the exact state it produced). Returns whether it did.
            /// When something was taken after it, nothing is given back — its
            /// slot may already have been promised to a later request — and
            /// the caller may [`refund`](Self::refund_at) instead.
            pub fn cancel(&self, r: $crate::Reservation) -> bool {
                match r.undo((self as *const Self).addr()) {
                    Some((from, to)) => $crate::sync::restore_word(&self.state, from, to),
                    None => false,
                }
            }
)?
        }

        impl<C> $crate::Limiter for &$Shared<C> {
            type Clock = C;

            fn clock(&self) -> &C {
                &self.clock
            }

            #[inline]
            fn check_at(&mut self, now: $crate::Instant, cost: u32) -> $crate::Decision {
                $Shared::check_at(self, now, cost)
            }

            fn peek_at(&mut self, now: $crate::Instant, cost: u32) -> $crate::Decision {
                $Shared::peek_at(self, now, cost)
            }
        }

        $(#[$local_doc])*
        #[derive(Clone, Debug)]
        pub struct $Local<C> {
            state: u64,
            params: $Params,
            clock: C,
        }

        impl<C> $Local<C> {
            /// A limiter with these parameters, full (at its burst), reading `clock`.
            #[must_use]
            pub const fn new(params: $Params, clock: C) -> Self {
                Self { state: $initial, params, clock }
            }

            /// The parameters.
            #[must_use]
            pub const fn params(&self) -> &$Params {
                &self.params
            }

            /// The clock.
            #[must_use]
            pub const fn clock(&self) -> &C {
                &self.clock
            }

            /// The raw state word (documented on the algorithm's `decide`).
            #[must_use]
            pub const fn state(&self) -> u64 {
                self.state
            }

            /// Decides at an explicit instant with the same pure function as
            /// the shared limiter; a denial writes nothing.
            #[inline]
            pub fn check_at(&mut self, now: $crate::Instant, cost: u32) -> $crate::Decision {
                let (next, decision) = $decide(self.state, now, cost, &self.params);
                if decision.is_allowed() {
                    self.state = next;
                }
                decision
            }

            /// Decides now: one clock read, then [`check_at`](Self::check_at).
            #[inline]
            pub fn check(&mut self, cost: u32) -> $crate::Decision
            where
                C: $crate::Clock,
            {
                let now = $crate::Clock::now(&self.clock);
                self.check_at(now, cost)
            }

            /// The decision `cost` would get at `now`, consuming nothing.
            #[inline]
            pub fn peek_at(&self, now: $crate::Instant, cost: u32) -> $crate::Decision {
                $decide(self.state, now, cost, &self.params).1
            }
$(
            /// Gives `cost` permits back, never above the capacity; returns
            /// the state after, as a peek.
            pub fn refund_at(&mut self, now: $crate::Instant, cost: u32) -> $crate::Decision {
                self.state = $refund(self.state, now, cost, &self.params);
                self.peek_at(now, 0)
            }
)?
$(
            /// Takes `cost` permits now if available within `max_wait` (see
            /// the shared limiter's `reserve_at`).
            pub fn reserve_at(&mut self, now: $crate::Instant, cost: u32, max_wait: $crate::Nanos) -> $crate::Reservation {
                let before = self.state;
                let (next, d) = $reserve(before, now, cost, max_wait, &self.params);
                if d.is_allowed() {
                    self.state = next;
                }
                $crate::Reservation::new(d, (self as *const Self).addr(), before, self.state)
            }

            /// Gives a reservation back exactly if nothing was taken after it
            /// (and the limiter has not moved since); returns whether it did.
            pub fn cancel(&mut self, r: $crate::Reservation) -> bool {
                match r.undo((self as *const Self).addr()) {
                    Some((from, to)) if self.state == from => {
                        self.state = to;
                        true
                    }
                    _ => false,
                }
            }
)?
$(
            /// Switches to new parameters at `now`, carrying the permits in
            /// use as `carry` says (the shared limiters that can do this
            /// while other threads check are in [`crate::live`]).
            pub fn reconfigure_at(&mut self, params: $Params, now: $crate::Instant, carry: $crate::Carry) {
                // (`$reconf` only switches this method on.)
                let _ = stringify!($reconf);
                self.state = params.carry(self.state, now, &self.params, carry);
                self.params = params;
            }
)?
        }

        impl<C> $crate::Limiter for $Local<C> {
            type Clock = C;

            fn clock(&self) -> &C {
                &self.clock
            }

            #[inline]
            fn check_at(&mut self, now: $crate::Instant, cost: u32) -> $crate::Decision {
                $Local::check_at(self, now, cost)
            }

            fn peek_at(&mut self, now: $crate::Instant, cost: u32) -> $crate::Decision {
                $Local::peek_at(self, now, cost)
            }
        }
    };
}
pub(crate) use single_word_limiters;
