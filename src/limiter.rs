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

use crate::clock::{Clock, Instant};
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
    fn check(&mut self, cost: u32) -> Decision
    where
        Self::Clock: Clock,
    {
        let now = self.clock().now();
        self.check_at(now, cost)
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
        }
    };
}
pub(crate) use single_word_limiters;
