//! Live reconfiguration: limiters whose rate and burst change while other
//! threads check them ([`LiveGcra`], [`LiveTokenBucket`],
//! [`LiveIntervalBucket`]), with a defined carry-over ([`Carry`]).
//!
//! # Algorithm
//!
//! The limiter's state word and a *generation* number share one 128-bit
//! atomic word; the parameters live in two slots, generation `g` using slot
//! `g mod 2`. A check loads the word, reads the slot of its generation,
//! decides with the algorithm's pure function and commits with one 128-bit
//! compare-and-swap that also re-checks the generation; a denial or a peek
//! re-reads the word after an acquire fence and retries if the generation
//! moved (a seqlock read). A reconfiguration writes the new parameters into
//! the other slot, then swaps in `(g + 1, carried state)` with one
//! compare-and-swap, so every decision is made entirely under the old
//! parameters (and is ordered before the switch) or entirely under the new
//! ones (after it): there is no moment without a configuration, and so no
//! transient allow-all or deny-all window. SPEC S1 holds for the old quota
//! on the history before the switch and for the new quota after it.
//!
//! Carry-over ([`Carry`]) converts the state at the switch: keep the number
//! of permits in use, keep the fraction of the burst in use, or start full.
//! Both conversions round toward fewer permits available.
//!
//! # Example
//!
//! ```
//! use ratecore::{Carry, Instant, LiveGcra, NoClock, Quota};
//!
//! let l = LiveGcra::new(Quota::per_second(10)?, NoClock);
//! let t0 = Instant::ZERO;
//! assert!(l.check_at(t0, 6).is_allowed()); // 6 of 10 in use
//! // Upgrade the plan to 100 per second, keeping the fraction in use (60 %).
//! l.reconfigure_at(Quota::per_second(100)?, t0, Carry::Proportional);
//! assert_eq!(l.check_at(t0, 0).remaining(), 40);
//! // Downgrade to 10 per second keeping the 60 permits in use: nothing is
//! // available until 51 of them have drained (5.1 s) — never an allow-all.
//! l.reconfigure_at(Quota::per_second(10)?, t0, Carry::Level);
//! let d = l.check_at(t0, 1);
//! assert_eq!(d.retry_after().map(|r| r.as_nanos()), Some(5_100_000_000));
//! # Ok::<(), ratecore::Error>(())
//! ```
//!
//! # Progress
//!
//! Checks are lock-free: a retry happens only because a check or a
//! reconfiguration changed the word. Reconfigurations exclude each other
//! with a spin lock (they are rare; a preempted reconfiguration delays other
//! reconfigurations, never a check). The word is 128-bit: native
//! compare-and-swap on x86_64 (cmpxchg16b, detected at run time by
//! portable-atomic), aarch64 and s390x; portable-atomic's lock-based
//! fallback elsewhere. Under loom it is modelled by a mutex.
//!
//! # Complexity
//!
//! O(1): one 128-bit load, seven word loads of the parameters, the pure
//! decision and one 128-bit compare-and-swap.
//!
//! # Memory
//!
//! 16 bytes of word, two parameter slots of 56 bytes, a lock flag.
//!
//! # References
//!
//! - Lamport's sequence locks (the seqlock read of the parameter slots).
//! - bucket4j's configuration replacement with token inheritance strategies;
//!   governor issues #39 and #273 (runtime reconfiguration requests).

use crate::sync::{AtomicBool, AtomicU64, AtomicU128, Ordering, fence, spin_hint};

/// What happens to the permits in use when the configuration changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Carry {
    /// The same number of permits stays in use (bucket4j's "as is"): 6 used
    /// of 10 become 6 used of 100. If more are in use than the new burst,
    /// requests wait until enough has drained — never an allow-all.
    Level,
    /// The same fraction of the burst stays in use: 6 of 10 become 60 of 100.
    Proportional,
    /// The limiter starts full under the new configuration, as a new one
    /// would (an explicit choice: it can admit a whole new burst at once).
    Reset,
}

/// Parameters that fit a live limiter's slot.
pub(crate) trait Slot: Copy {
    fn to_words(self) -> [u64; 7];
    fn from_words(w: [u64; 7]) -> Self;
}

impl Slot for crate::Quota {
    fn to_words(self) -> [u64; 7] {
        crate::Quota::to_words(self)
    }
    fn from_words(w: [u64; 7]) -> Self {
        crate::Quota::from_words(w)
    }
}

impl Slot for crate::Refill {
    fn to_words(self) -> [u64; 7] {
        crate::Refill::to_words(self)
    }
    fn from_words(w: [u64; 7]) -> Self {
        crate::Refill::from_words(w)
    }
}

/// The 128-bit word: generation in the high half, state in the low half.
const fn join(generation: u64, state: u64) -> u128 {
    ((generation as u128) << 64) | state as u128
}

const fn split(word: u128) -> (u64, u64) {
    #[allow(clippy::cast_possible_truncation)] // the halves, by construction
    ((word >> 64) as u64, word as u64)
}

/// The shared machinery of the live limiters: the word, the two parameter
/// slots and the reconfiguration lock.
#[derive(Debug)]
pub(crate) struct Cell {
    word: AtomicU128,
    slots: [[AtomicU64; 7]; 2],
    writer: AtomicBool,
}

impl Cell {
    pub(crate) fn new(words: [u64; 7]) -> Self {
        Self {
            word: AtomicU128::new(0),
            slots: [words.map(AtomicU64::new), [0; 7].map(AtomicU64::new)],
            writer: AtomicBool::new(false),
        }
    }

    fn slot(&self, generation: u64) -> &[AtomicU64; 7] {
        let [even, odd] = &self.slots;
        if generation.is_multiple_of(2) { even } else { odd }
    }

    fn read<P: Slot>(&self, generation: u64) -> P {
        // Relaxed: validated afterwards, by the compare-and-swap (which
        // fails if the generation moved) or by `stable` (seqlock re-read).
        P::from_words(self.slot(generation).each_ref().map(|w| w.load(Ordering::Relaxed)))
    }

    /// Whether the generation is still `generation` after the slot reads
    /// that precede this call: a seqlock validation.
    fn stable(&self, generation: u64) -> bool {
        // Acquire fence: if a slot read saw a reconfiguration's store, this
        // fence and that reconfiguration's Release fence (see `reconfigure`)
        // make its load of the newer generation happen-before the load
        // below, which therefore sees a newer generation.
        fence(Ordering::Acquire);
        split(self.word.load(Ordering::Relaxed)).0 == generation
    }

    /// One decision: `decide` on the current parameters and state; commits
    /// an admission with a 128-bit compare-and-swap, validates anything else.
    pub(crate) fn decide<P: Slot, R>(&self, mut decide: impl FnMut(u64, &P) -> (Option<u64>, R)) -> R {
        loop {
            // Acquire: pairs with the Release compare-and-swap of
            // `reconfigure`, so the slot of the generation seen is complete.
            let word = self.word.load(Ordering::Acquire);
            let (generation, state) = split(word);
            let params: P = self.read(generation);
            match decide(state, &params) {
                (Some(next), result) if next != state => {
                    // Acquire fence: if a slot read saw a reconfiguration's
                    // store, the CAS below is ordered after that
                    // reconfiguration's generation bump (as in `stable`), so
                    // it fails. Relaxed on success: the word carries no other
                    // data. It fails whenever the generation moved, so an
                    // admission is never committed under parameters that were
                    // being replaced.
                    fence(Ordering::Acquire);
                    if self
                        .word
                        .compare_exchange(word, join(generation, next), Ordering::Relaxed, Ordering::Relaxed)
                        .is_ok()
                    {
                        return result;
                    }
                }
                (_, result) => {
                    if self.stable(generation) {
                        return result;
                    }
                }
            }
        }
    }

    /// The current parameters (a validated read).
    pub(crate) fn params<P: Slot>(&self) -> P {
        self.decide(|_, p: &P| (None, *p))
    }

    /// Switches to `params`, carrying the state with `carry(state, &old)`.
    pub(crate) fn reconfigure<P: Slot>(&self, params: P, mut carry: impl FnMut(u64, &P, &P) -> u64) {
        // Reconfigurations exclude each other. Acquire pairs with the
        // Release store that ends the previous one.
        while self.writer.compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
            spin_hint();
        }
        // Acquire: see the current generation and its slot.
        let mut word = self.word.load(Ordering::Acquire);
        let generation = split(word).0;
        let old: P = self.read(generation);
        let next_generation = generation.wrapping_add(1);
        // Release fence before overwriting the slot last used by generation
        // `generation − 1`: a reader still on that generation that sees one
        // of these stores also sees (through its Acquire fence) a newer
        // generation, and retries.
        fence(Ordering::Release);
        for (slot, w) in self.slot(next_generation).iter().zip(params.to_words()) {
            slot.store(w, Ordering::Relaxed);
        }
        loop {
            let next = join(next_generation, carry(split(word).1, &old, &params));
            // Release: publishes the slot stores above to every check that
            // loads the new generation with Acquire. Only checks can race
            // here (the generation is ours), so a failure just re-carries.
            match self.word.compare_exchange(word, next, Ordering::Release, Ordering::Acquire) {
                Ok(_) => break,
                Err(seen) => word = seen,
            }
        }
        // Release: the next reconfiguration's Acquire sees everything above.
        self.writer.store(false, Ordering::Release);
    }
}

/// Generates a live (reconfigurable) shared limiter for a single-word
/// algorithm.
macro_rules! live_limiter {
    (
        $(#[$doc:meta])*
        live $Live:ident;
        params $Params:ty;
        decide $decide:path;
    ) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $Live<C> {
            cell: $crate::live::Cell,
            clock: C,
        }

        impl<C> $Live<C> {
            /// A full limiter with these parameters, reading `clock`.
            #[must_use]
            pub fn new(params: $Params, clock: C) -> Self {
                Self { cell: $crate::live::Cell::new(params.to_words()), clock }
            }

            /// The current parameters.
            #[must_use]
            pub fn params(&self) -> $Params {
                self.cell.params()
            }

            /// The clock.
            #[must_use]
            pub const fn clock(&self) -> &C {
                &self.clock
            }

            /// Decides at an explicit instant under the current parameters.
            pub fn check_at(&self, now: $crate::Instant, cost: u32) -> $crate::Decision {
                self.cell.decide(|state, p: &$Params| {
                    let (next, d) = $decide(state, now, cost, p);
                    (d.is_allowed().then_some(next), d)
                })
            }

            /// Decides now.
            pub fn check(&self, cost: u32) -> $crate::Decision
            where
                C: $crate::Clock,
            {
                self.check_at($crate::Clock::now(&self.clock), cost)
            }

            /// The decision `cost` would get at `now`, consuming nothing.
            pub fn peek_at(&self, now: $crate::Instant, cost: u32) -> $crate::Decision {
                self.cell.decide(|state, p: &$Params| (None, $decide(state, now, cost, p).1))
            }

            /// Switches to `params` at `now`, carrying the permits in use as
            /// `carry` says, while other threads keep checking.
            pub fn reconfigure_at(&self, params: $Params, now: $crate::Instant, carry: $crate::Carry) {
                self.cell.reconfigure(params, |state, old: &$Params, new: &$Params| {
                    new.carry(state, now, old, carry)
                });
            }

            /// [`reconfigure_at`](Self::reconfigure_at) now.
            pub fn reconfigure(&self, params: $Params, carry: $crate::Carry)
            where
                C: $crate::Clock,
            {
                self.reconfigure_at(params, $crate::Clock::now(&self.clock), carry);
            }
        }

        impl<C> $crate::Limiter for &$Live<C> {
            type Clock = C;

            fn clock(&self) -> &C {
                &self.clock
            }

            fn check_at(&mut self, now: $crate::Instant, cost: u32) -> $crate::Decision {
                $Live::check_at(self, now, cost)
            }

            fn peek_at(&mut self, now: $crate::Instant, cost: u32) -> $crate::Decision {
                $Live::peek_at(self, now, cost)
            }
        }
    };
}

live_limiter! {
    /// A GCRA limiter whose quota can change while it is in use (see the
    /// [module docs](self)). Its decisions equal [`crate::Gcra`]'s between
    /// reconfigurations.
    live LiveGcra;
    params crate::Quota;
    decide crate::gcra::decide;
}

live_limiter! {
    /// A continuous token bucket whose quota can change while it is in use.
    live LiveTokenBucket;
    params crate::Quota;
    decide crate::token_bucket::decide;
}

live_limiter! {
    /// An interval-refill token bucket whose refill can change while it is
    /// in use.
    live LiveIntervalBucket;
    params crate::Refill;
    decide crate::token_bucket::decide_interval;
}
