//! A bounded keyed table: one limiter state per client (IP address, API key,
//! user id, endpoint + client …) in caller-provided storage, with plan
//! tiers, lock-free checks, inserts and evictions, and eviction that is never
//! visible.
//!
//! # Algorithm
//!
//! **Slots.** Each slot is one 128-bit atomic word (16 bytes): the key's
//! 60-bit fingerprint, its plan (3 bits) and a claim flag in the high half,
//! the limiter's state word in the low half. Slots are grouped in buckets of
//! four (64 bytes: one cache line when the storage is 64-byte aligned, e.g.
//! in a `#[repr(align(64))]` wrapper; `Slot` itself is 16-byte aligned); a
//! key may live in the eight slots of two
//! buckets picked by independent bits of its hash (bounded probing with two
//! choices: a new key goes to the emptier bucket, which keeps buckets from
//! overflowing at a 50 % load far better than adjacent probing).
//!
//! **Hashing.** Keys are hashed with SipHash-1-3 keyed by a 128-bit seed and
//! a 128-bit output: the first half picks the two buckets, the second half
//! (independent bits) is the fingerprint. Without the seed an attacker cannot
//! aim keys at one bucket (hash flooding); with it, a flood of one bucket
//! only meets the full-table policy for new keys in that bucket — existing
//! keys are never affected.
//!
//! **Distinct keys never share a state** unless two keys in the same
//! eight-slot window have equal 60-bit fingerprints: per lookup that
//! probability is at most `8 / 2^60` ≈ 7·10⁻¹⁸ (one in 10¹⁷ lookups, at any
//! capacity), and the seed keeps it from being chosen by an attacker.
//!
//! **Checks** of a present key read the window, decide with the plan's pure
//! function on the slot's state, and commit with one 128-bit
//! compare-and-swap of the whole slot, so the fingerprint is validated in
//! the same atomic step (a slot re-keyed meanwhile makes the CAS fail, and
//! the check starts over). A denial of a tracked key writes nothing (a new
//! key denied at a stale instant may still have been inserted, with a fresh
//! state: invisible, SPEC K1).
//!
//! **Inserts** of a new key take no lock. A new key first *claims* a slot:
//! an empty one, or the slot of the most idle key whose state is
//! indistinguishable from a fresh key's (its limiter is full:
//! `reset_after == 0`), with a compare-and-swap conditional on exactly the
//! word observed (SPEC K1). The claim word holds the key's fingerprint, a
//! claim flag and a number unique to the claim. The claim is then
//! *settled*: after a SeqCst fence the rest of the window is read; a member
//! of the key elsewhere, or a claim of it at a lower position, withdraws
//! this claim; claims of it at higher positions are withdrawn; otherwise the
//! claim becomes the key's member: when the claimant commits, its state is
//! fresh with the claimant's request already decided on it (insert and
//! first admission are one compare-and-swap); when another check of the key
//! settles the claim, it is plainly fresh. A claim is settled by its claimant or by any thread
//! checking the same key — a check that finds its key claimed settles the
//! claim rather than waiting for the claimant — so a thread preempted
//! mid-insert never holds up its key. Until it is settled, a claim occupies
//! its slot: a new key of another window that finds no other room meanwhile
//! meets the full-table policy (with a retry of 1 ns). The fence argument
//! that a key never gets two members is at `settle` in the source. An
//! eviction is invisible: the evicted key, seen again, starts fresh, which
//! is what its state said anyway.
//!
//! **Full table.** When no slot of the window is empty or idle, a new key
//! gets the configured [`Full`] outcome: denied (with a retry time at which a
//! slot of its window can free up at the earliest; 1 ns while another key's
//! claim is in flight there), or admitted untracked.
//! Keys already in the table are never affected (SPEC K2).
//!
//! **Tiers.** Each check names the plan of its key (free, paid, internal …)
//! by index into the table's plans; the plan index is stored in the slot (3
//! bits), never a quota. A key keeps the plan it was inserted with while its
//! limiter is not full (it is being limited); once it is full again —
//! indistinguishable from a new key — the plan its next request names
//! applies, from a fresh state, as if it had been evicted and inserted anew
//! (so which plan decides never depends on whether an idle key happened to
//! be evicted, SPEC K1; with a clock that steps back, an evicted key is
//! decided more strictly, see [`Plan::fresh_at`]). While it is limited on
//! its old plan, a cost beyond that plan's burst is
//! [`Impossible`](crate::Outcome::Impossible) there even if the new plan's
//! burst would allow it: it is possible again once the key is idle.
//!
//! # Example
//!
//! ```
//! use core::net::{IpAddr, Ipv4Addr};
//! use ratecore::keyed::{Full, Keyed, Plan, Slot};
//! use ratecore::{Instant, NoClock, Quota};
//!
//! // Per-IP limits: free clients 2 per second, paid ones 100 per second.
//! const FREE: usize = 0;
//! const PAID: usize = 1;
//! let mut slots = [const { Slot::new() }; 1024];
//! let plans = [Plan::Gcra(Quota::per_second(2)?), Plan::Gcra(Quota::per_second(100)?)];
//! let table = Keyed::new(&mut slots, &plans, 0x5eed_u128, Full::Deny, NoClock)?;
//!
//! let alice = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
//! let bob = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7));
//! let t0 = Instant::ZERO;
//! let free: Vec<bool> = (0..3).map(|_| table.check_at(&alice, FREE, t0, 1).is_allowed()).collect();
//! assert_eq!(free, [true, true, false]); // 429 on the third
//! assert!((0..100).all(|_| table.check_at(&bob, PAID, t0, 1).is_allowed()));
//! assert_eq!(table.len(), 2);
//! # Ok::<(), ratecore::Error>(())
//! ```
//!
//! # Progress
//!
//! Checks, inserts and evictions are lock-free: every compare-and-swap that
//! fails does so because another thread changed the slot (an update, a
//! claim, a settlement), and a claim in flight is settled by whichever
//! check of its key meets it, so no thread waits for another. A new key's
//! request is decided in the commit of its claim, so a new member its
//! claimant committed with an admission is not idle: two new keys cannot
//! keep evicting each other's member from one idle slot (a member committed
//! by a helper is idle until its first admission). An insert costs a claim, a fence,
//! a read of the window and a commit (plus a touch of the claim when
//! settling another thread's). The 128-bit word is native on x86_64
//! (cmpxchg16b, detected at run time), aarch64 and s390x, lock-based
//! elsewhere (portable-atomic's fallback), where nothing is lock-free.
//!
//! # Complexity
//!
//! One SipHash of the key, two multiplications to pick the buckets (no
//! division), at most eight slot loads over two buckets and one
//! compare-and-swap per admitted check of a key on its own plan (a key
//! whose request names another plan reads its window once more). The second bucket's first slot is
//! loaded before the first bucket is scanned, so that where 128-bit loads
//! are plain loads (x86_64 with AVX, detected at run time: `vmovdqa`) the
//! two cache misses of a cold lookup overlap. Where they are not (x86_64
//! without AVX, aarch64 without LSE2) a 128-bit load is itself a locked
//! read-modify-write and the early load costs one more on that line.
//!
//! # Memory
//!
//! 16 bytes per slot, fingerprint and state included; the table never grows
//! beyond the storage it was given. The table borrows its storage
//! exclusively (`&mut`): one table per storage, so the table-wide eviction
//! instant and claim counter it keeps are the storage's; share the table
//! itself between threads (`&Keyed` is `Sync`). At a load factor of 50 % that is 32
//! bytes per tracked key.
//!
//! # References
//!
//! - J.-P. Aumasson and D. J. Bernstein, "SipHash: a fast short-input PRF"
//!   (2012), used with 1 compression and 3 finalisation rounds as Rust's
//!   standard library does.
//! - governor issue #171 (unbounded keyed state under many distinct keys).

use crate::clock::{Clock, Instant, Nanos};
use crate::decision::Decision;
use crate::error::Error;
use crate::fixed_window::Window;
use crate::quota::Quota;
use crate::sliding_window::Sliding;
use crate::sync::{AtomicU64, AtomicU128, Ordering, fence};
use crate::token_bucket::Refill;
use crate::{fixed_window, gcra, leaky_bucket, sliding_window, token_bucket};

/// The limiter of one plan tier: any single-word algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Plan {
    /// [`crate::gcra`].
    Gcra(Quota),
    /// [`crate::token_bucket`], continuous refill.
    TokenBucket(Quota),
    /// [`crate::token_bucket`], interval refill.
    IntervalBucket(Refill),
    /// [`crate::leaky_bucket`] as a meter.
    LeakyMeter(Quota),
    /// [`crate::fixed_window`].
    FixedWindow(Window),
    /// [`crate::sliding_window`], the counter.
    SlidingWindow(Sliding),
}

impl Plan {
    /// The plan's pure transition. Always inlined, so that the table's
    /// check builds the decision in place rather than copying it out of a
    /// call's return slot.
    #[inline(always)]
    pub fn decide(&self, state: u64, now: Instant, cost: u32) -> (u64, Decision) {
        match self {
            Self::Gcra(q) => gcra::decide(state, now, cost, q),
            Self::TokenBucket(q) => token_bucket::decide(state, now, cost, q),
            Self::IntervalBucket(r) => token_bucket::decide_interval(state, now, cost, r),
            Self::LeakyMeter(q) => leaky_bucket::decide(state, now, cost, q),
            Self::FixedWindow(w) => fixed_window::decide(state, now, cost, w),
            Self::SlidingWindow(s) => sliding_window::decide(state, now, cost, s),
        }
    }

    /// The state of a key seen for the first time at `at`: full at `at` and
    /// later, and — for a caller whose clock reads earlier than `at` — no
    /// fuller than a key that was idle at `at` would be (so an eviction at
    /// `at` never gives a stale-clock caller a fresher state than the
    /// evicted key had, SPEC K1 with S4).
    #[must_use]
    pub fn fresh_at(&self, at: Instant) -> u64 {
        match self {
            Self::Gcra(q) | Self::TokenBucket(q) | Self::LeakyMeter(q) => q.ticks(at),
            Self::IntervalBucket(r) => r.fresh_at(at),
            Self::FixedWindow(w) => w.fresh_at(at, 1),
            Self::SlidingWindow(s) => s.fresh_at(at),
        }
    }

    /// Time until `state` is indistinguishable from a fresh key's (its
    /// limiter full again); zero when it already is (SPEC K1).
    ///
    /// A window state anchored in a later window than `now`'s (opened by a
    /// caller whose clock is ahead) is never idle at `now`, even with
    /// nothing counted: a window limiter decides a stale instant in its
    /// stored window, so replacing that state with a fresh key's at `now`
    /// (an eviction, or a change of plan) would let the stale caller count
    /// in an earlier window and the later window admit its limit again.
    /// It reports at least 1 ns until `now` reaches that window.
    #[must_use]
    pub fn idle_after(&self, state: u64, now: Instant) -> Nanos {
        let after = self.decide(state, now, 0).1.reset_after();
        match self {
            // The window index is the state's top bits, and a fresh state
            // is `now`'s index with nothing counted: a state above it is
            // anchored later (or counts in `now`'s window, and then is not
            // idle anyway).
            Self::FixedWindow(_) | Self::SlidingWindow(_) if state > self.fresh_at(now) => {
                after.max(Nanos::from_nanos(1))
            }
            _ => after,
        }
    }
}

/// What a new key gets when no slot of its window is empty or idle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Full {
    /// Denied, with the time at which a slot of its window can free up at
    /// the earliest as `retry_after` (1 ns while another key's insert is in
    /// flight there). Safe: nothing is ever over-admitted.
    Deny,
    /// Decided as a fresh key and not stored: every such request is admitted
    /// up to its plan's burst. Availability over limiting; an attacker who
    /// fills a bucket gets its other new keys through unlimited.
    AdmitUntracked,
}

/// One slot of a keyed table's storage (16 bytes). Provide storage as an
/// array (`[const { Slot::new() }; N]`), a boxed or leaked slice, or a
/// `static` taken once (e.g. through a `StaticCell`): any `&mut [Slot]` whose
/// length
/// must be a multiple of 4, at least 8.
#[derive(Debug)]
pub struct Slot(AtomicU128);

impl Slot {
    crate::sync::const_fn! {
        /// An empty slot.
        #[must_use]
        pub fn new() -> Self {
            Self(AtomicU128::new(0))
        }
    }
}

impl Default for Slot {
    fn default() -> Self {
        Self::new()
    }
}

/// Slots per bucket (64 bytes: one cache line in 64-byte-aligned storage).
const BUCKET: usize = 4;
/// The high-half bits: fingerprint in bits 127..68, plan in 67..65, and in
/// bit 64 the claim flag: set while a new key's slot is claimed but not yet
/// settled (the low half then holds the claim's unique number, not a state).
const CLAIM: u128 = 1 << 64;
const PLAN_SHIFT: u32 = 65;
const PLAN_MASK: u128 = 0b111 << PLAN_SHIFT;
const FP_SHIFT: u32 = 68;
/// Most plans a table can hold (3 bits).
pub const MAX_PLANS: usize = 8;

const fn fingerprint(word: u128) -> u64 {
    #[allow(clippy::cast_possible_truncation)] // 60 bits
    {
        (word >> FP_SHIFT) as u64
    }
}

/// The high half without the plan: fingerprint and claim flag.
const fn ident(word: u128) -> u64 {
    #[allow(clippy::cast_possible_truncation)] // the high half
    {
        ((word >> 64) as u64) & !((PLAN_MASK >> 64) as u64)
    }
}

const fn plan_of(word: u128) -> usize {
    ((word & PLAN_MASK) >> PLAN_SHIFT) as usize
}

const fn state_of(word: u128) -> u64 {
    #[allow(clippy::cast_possible_truncation)] // the low half
    {
        word as u64
    }
}

/// The word of key `fp`'s member (`fp` below 2^60, as `locate` makes it)
/// on plan `plan` (below [`MAX_PLANS`]; masked to its 3 bits) with limiter
/// state `state`.
const fn member_word(fp: u64, plan: usize, state: u64) -> u128 {
    ((fp as u128) << FP_SHIFT) | (((plan as u128) << PLAN_SHIFT) & PLAN_MASK) | (state as u128)
}

/// The word of a claim of key `fp` on plan `plan`, numbered `nonce`.
const fn claim_word(fp: u64, plan: usize, nonce: u64) -> u128 {
    member_word(fp, plan, nonce) | CLAIM
}

/// A fixed-capacity keyed table (see the [module docs](self)).
#[derive(Debug)]
pub struct Keyed<'a, C> {
    slots: &'a [Slot],
    plans: &'a [Plan],
    seed: (u64, u64),
    full: Full,
    /// The latest instant at which an entry was evicted: new keys start
    /// fresh as of this instant at the earliest (see [`Plan::fresh_at`]).
    last_eviction: AtomicU64,
    /// Claims drawn so far: each claim word carries a distinct number.
    claims: AtomicU64,
    clock: C,
}

impl<'a, C> Keyed<'a, C> {
    /// A table over `slots` (a multiple of 4, at least 8) with up to 8
    /// `plans`, hashing with the secret `seed` (pick it at random at start-up
    /// for flooding resistance), applying `full` when a new key finds no
    /// room. The table borrows `slots` exclusively for its life (one table
    /// per storage; see the module docs, "Memory").
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] for storage of the wrong size or a number of plans
    /// outside `1..=8`.
    pub fn new(
        slots: &'a mut [Slot],
        plans: &'a [Plan],
        seed: u128,
        full: Full,
        clock: C,
    ) -> Result<Self, Error> {
        if slots.len() < 2 * BUCKET
            || !slots.len().is_multiple_of(BUCKET)
            || plans.is_empty()
            || plans.len() > MAX_PLANS
        {
            return Err(Error::Storage);
        }
        #[allow(clippy::cast_possible_truncation)] // the halves
        let seed = ((seed >> 64) as u64, seed as u64);
        Ok(Self {
            slots,
            plans,
            seed,
            full,
            last_eviction: AtomicU64::new(0),
            claims: AtomicU64::new(0),
            clock,
        })
    }

    /// Slots of storage.
    #[must_use]
    pub const fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Slots in use right now: tracked keys, and claims of new keys in
    /// flight (a scan of every slot).
    #[must_use]
    pub fn len(&self) -> usize {
        // Relaxed: a statistic.
        self.slots.iter().filter(|s| fingerprint(s.0.load(Ordering::Relaxed)) != 0).count()
    }

    /// Whether no key is tracked.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The plans.
    #[must_use]
    pub const fn plans(&self) -> &'a [Plan] {
        self.plans
    }

    /// The clock.
    #[must_use]
    pub const fn clock(&self) -> &C {
        &self.clock
    }

    /// The two buckets a key may live in: for diagnostics, e.g. to see whether traffic concentrates
    /// on a few buckets.
    pub fn buckets<K: Key + ?Sized>(&self, key: &K) -> (usize, usize) {
        let (pair, _) = self.locate(key);
        (pair.first, pair.second)
    }

    /// The two buckets and the fingerprint of a key: independent bits of
    /// the hash pick each bucket (two choices: a new key goes to the emptier
    /// one, which keeps every bucket far from full at a 50 % load).
    #[inline]
    fn locate<K: Key + ?Sized>(&self, key: &K) -> (Pair, u64) {
        let mut h = KeyHasher::new(self.seed);
        key.write_key(&mut h);
        let (a, b) = h.finish128();
        let buckets = (self.slots.len() / BUCKET) as u64;
        // Multiply-shift range reduction (no division): the high bits of
        // `x · buckets`, near-uniform in `0..buckets`. The first bucket comes from
        // the high half of `a`, the second from its low half: independent
        // bits for any table below 2^32 buckets (256 GiB of slots).
        #[allow(clippy::cast_possible_truncation)] // < buckets, a usize
        let pick = |x: u64| (u128::from(x).wrapping_mul(u128::from(buckets)) >> 64) as usize;
        let first = pick(a);
        let second = pick(a.rotate_left(32));
        // Two distinct buckets (there are at least two): on a tie, the next
        // one round the table (no division here either).
        let second = if second != first {
            second
        } else if first.saturating_add(1) < self.slots.len() / BUCKET {
            first.saturating_add(1)
        } else {
            0
        };
        let fp = b >> 4;
        (Pair { first, second }, if fp == 0 { 1 } else { fp })
    }

    /// The slots of one bucket.
    #[inline]
    fn bucket(&self, b: usize) -> &'a [Slot] {
        self.slots
            .get(b.saturating_mul(BUCKET)..b.saturating_mul(BUCKET).saturating_add(BUCKET))
            .unwrap_or(&[])
    }

    /// The eight slots a key may occupy: its two buckets.
    fn window(&self, pair: Pair) -> impl Iterator<Item = &Slot> + '_ {
        self.bucket(pair.first).iter().chain(self.bucket(pair.second))
    }

    /// The slot holding fingerprint `fp` and the word read from it, if any.
    #[inline]
    fn find(&self, pair: Pair, fp: u64) -> Option<(&'a Slot, u128)> {
        // Relaxed loads: the caller's compare-and-swap validates the whole
        // slot (fingerprint included); no other memory hangs off it.
        let (one, two) = (self.bucket(pair.first), self.bucket(pair.second));
        // The second bucket's line is loaded before the first is scanned,
        // so that when the key is not in the first, the two cache misses
        // overlap instead of following each other.
        let head = two.first().map(|s| s.0.load(Ordering::Relaxed));
        // A member of `fp`: its fingerprint with the claim flag clear (a
        // claim is not a member yet; `insert` settles it).
        let member = fp << (FP_SHIFT - 64);
        let is = |w: u128| ident(w) == member;
        for s in one {
            let w = s.0.load(Ordering::Relaxed);
            if is(w) {
                return Some((s, w));
            }
        }
        let (first, rest) = two.split_first()?;
        if let Some(w) = head.filter(|&w| is(w)) {
            return Some((first, w));
        }
        rest.iter().find_map(|s| {
            let w = s.0.load(Ordering::Relaxed);
            is(w).then_some((s, w))
        })
    }

    /// Checks `cost` permits for `key` on plan `plan` at an explicit
    /// instant. A plan index out of range is [`Outcome::Impossible`](crate::Outcome::Impossible).
    #[inline]
    pub fn check_at<K: Key + ?Sized>(&self, key: &K, plan: usize, now: Instant, cost: u32) -> Decision {
        self.run(key, plan, now, cost, true)
    }

    /// [`check_at`](Self::check_at) now.
    pub fn check<K: Key + ?Sized>(&self, key: &K, plan: usize, cost: u32) -> Decision
    where
        C: Clock,
    {
        self.check_at(key, plan, self.clock.now(), cost)
    }

    /// The decision `cost` would get, consuming nothing and inserting
    /// nothing (a key not in the table is reported as fresh).
    #[inline]
    pub fn peek_at<K: Key + ?Sized>(&self, key: &K, plan: usize, now: Instant, cost: u32) -> Decision {
        self.run(key, plan, now, cost, false)
    }

    /// A check or peek: the common case (the key is a member and the first
    /// compare-and-swap lands) inline, so that the caller's decision is
    /// built where the caller keeps it (an out-of-line call here returned
    /// its decision through a stack copy whose wide loads of narrower
    /// stores stalled store forwarding: ~15 ns a check); everything else in
    /// [`run_slow`](Self::run_slow).
    #[inline(always)]
    fn run<K: Key + ?Sized>(&self, key: &K, plan: usize, now: Instant, cost: u32, write: bool) -> Decision {
        let Some(p) = self.plans.get(plan) else { return Decision::NOTHING };
        let (home, fp) = self.locate(key);
        // A member on the plan this request names (a member on another plan
        // is `run_slow`'s).
        if let Some((slot, word)) = self.find(home, fp).filter(|&(_, w)| plan_of(w) == plan) {
            let (next, d) = p.decide(state_of(word), now, cost);
            if !write || !d.is_allowed() || next == state_of(word) {
                return d;
            }
            // The whole slot from exactly the word decided on: fails if it
            // was re-keyed or updated meanwhile. Relaxed: no other memory
            // hangs off the slot.
            let new = member_word(fp, plan, next);
            if slot.0.compare_exchange(word, new, Ordering::Relaxed, Ordering::Relaxed).is_ok() {
                return d;
            }
        }
        self.run_slow(home, fp, plan, now, cost, write)
    }

    /// [`run`](Self::run) from the start for a key that is not a member (or
    /// whose slot changed under the first compare-and-swap).
    #[inline(never)]
    fn run_slow(&self, home: Pair, fp: u64, plan: usize, now: Instant, cost: u32, write: bool) -> Decision {
        let Some(p) = self.plans.get(plan) else { return Decision::NOTHING };
        loop {
            let Some((slot, word)) = self.find(home, fp) else {
                // A key not in the table gets what a fresh key would. A peek,
                // cost 0, or a request even a fresh key is denied inserts
                // nothing (SPEC S2, S3).
                let fresh = p.decide(0, now, cost).1;
                if !write || cost == 0 || !fresh.is_allowed() {
                    return fresh;
                }
                match self.insert(home, fp, plan, now, cost) {
                    Inserted::Yes => continue,
                    Inserted::Decided(d) => return d,
                    Inserted::Full(retry) => return self.when_full(p, now, cost, retry),
                }
            };
            // The key's own plan while its limiter is not full; once full
            // again (idle), the plan this request names, from a fresh state
            // — what an eviction and re-insert would give (module docs,
            // "Tiers").
            let own = plan_of(word);
            let (q, state, tag) = match self.plans.get(own) {
                Some(o) if own != plan && o.idle_after(state_of(word), now) == Nanos::ZERO => {
                    (p, p.fresh_at(now), plan)
                }
                Some(o) => (o, state_of(word), own),
                None => (p, state_of(word), own),
            };
            let (next, d) = q.decide(state, now, cost);
            if !write || cost == 0 || !d.is_allowed() || (next == state_of(word) && tag == own) {
                return d;
            }
            // As in `run`, with the plan the decision was made on.
            let new = member_word(fp, tag, next);
            if slot.0.compare_exchange(word, new, Ordering::Relaxed, Ordering::Relaxed).is_ok() {
                return d;
            }
        }
    }

    /// The full-table outcome for a new key.
    fn when_full(&self, p: &Plan, now: Instant, cost: u32, retry: Nanos) -> Decision {
        let (_, mut d) = p.decide(0, now, cost);
        if self.full == Full::Deny && d.is_allowed() {
            d.deny_until(now.as_nanos().saturating_add(retry.as_nanos().max(1)));
            d.scale = crate::decision::Scale { div: 1, mul: 1 };
            d.reset_at = 0;
            d.avail = 0;
        }
        d
    }

    /// One step of inserting `fp` for a request of `cost`: finishes a claim
    /// of the key that is already in flight (another thread's, perhaps
    /// stalled), or claims an empty or idle slot and settles the claim.
    /// `Decided` when this request was decided on the commit itself; `Yes`
    /// means "look again": the key is a member now, or a claim was lost to
    /// a concurrent one that made progress.
    fn insert(&self, home: Pair, fp: u64, plan: usize, now: Instant, cost: u32) -> Inserted {
        let (pos, old, evicting) = match self.choose(home, fp, now) {
            Choice::Present => return Inserted::Yes,
            Choice::Full(retry) => return Inserted::Full(retry),
            Choice::Claimed(pos, w) => {
                let _ = self.settle(home, fp, pos, w, now, None);
                return Inserted::Yes;
            }
            Choice::Empty(pos, w) => (pos, w, false),
            Choice::Evict(pos, w) => (pos, w, true),
        };
        let Some(slot) = self.window(home).nth(pos) else { return Inserted::Full(Nanos::MAX) };
        if evicting {
            // Before the eviction is visible: a caller that later finds the
            // evicted key missing starts it no fresher than now. Release:
            // seen by whoever acquires the slot's re-keying below.
            let _ = self.last_eviction.fetch_max(now.as_nanos(), Ordering::Release);
        }
        // A claim word unique over the table's life (a 64-bit counter; the
        // table borrows its storage exclusively, so no other table draws
        // claims for these slots), so that no compare-and-swap on a claim
        // can succeed on a later claim of the same key (no ABA). Relaxed:
        // only uniqueness is needed.
        let nonce = self.claims.fetch_add(1, Ordering::Relaxed);
        let claim = claim_word(fp, plan, nonce);
        // Conditional on exactly the word observed: an empty slot, or an
        // idle key's word (K1). SeqCst: the claim is this thread's write in
        // the store-fence-load pattern of `settle` (Release is what the
        // eviction mark needs).
        if slot.0.compare_exchange(old, claim, Ordering::SeqCst, Ordering::Relaxed).is_ok()
            && let Some(d) = self.settle(home, fp, pos, claim, now, Some(cost))
        {
            return Inserted::Decided(d);
        }
        Inserted::Yes
    }

    /// Settles the claim `claim` of `fp` at window position `pos`: makes it
    /// the key's member, or withdraws it when the key has a member elsewhere
    /// or a claim at a lower position. Higher claims of the key are
    /// withdrawn on the way. The claimant settles its own claim
    /// (`own = Some(cost)`: the member's first state is its request decided
    /// on the fresh state, in the same compare-and-swap, returned as the
    /// decision); any thread checking the same key settles a claim it meets
    /// (`own = None`: the member starts fresh), so a preempted claimant
    /// never holds up its key.
    ///
    /// Deciding the claimant's request in the commit makes insert and first
    /// admission one step: a new member that was admitted is not idle, so
    /// two new keys competing for one idle slot cannot evict each other's
    /// members for ever.
    ///
    /// Why a key never gets two members: whoever commits claim `p` first
    /// made a read-modify-write of `p` that read the claim (the claim
    /// itself, or the touch below), then a SeqCst fence, then read every
    /// other slot of the window. Take two claims `p`, `q` of one key both
    /// committed, by threads X and Y. The fences are totally ordered; say
    /// X's comes first. Then Y's read of `p`, after its own fence, sees X's
    /// read-modify-write of `p` or a later write: claim `p` or its member
    /// (so Y withdraws `q` instead of committing it), or the member already
    /// gone (evicted: then it is not a second member). The other order is
    /// symmetric (when Y's claim is the lower one, Y withdraws X's instead:
    /// X's commit then fails). The claim words are unique, so a stale
    /// compare-and-swap never lands on a later claim.
    fn settle(
        &self,
        home: Pair,
        fp: u64,
        pos: usize,
        claim: u128,
        now: Instant,
        own: Option<u32>,
    ) -> Option<Decision> {
        let slot = self.window(home).nth(pos)?;
        // A helper's read-modify-write of the claim (the claimant's was the
        // claim itself); if the claim is gone, it was settled meanwhile.
        // SeqCst, with the fence: see above.
        if own.is_none()
            && slot.0.compare_exchange(claim, claim, Ordering::SeqCst, Ordering::Relaxed).is_err()
        {
            return None;
        }
        fence(Ordering::SeqCst);
        for (j, s) in self.window(home).enumerate() {
            if j == pos {
                continue;
            }
            loop {
                // Ordered after the claim by the fence above. Acquire: a
                // slot re-keyed by an eviction (of the key's earlier member,
                // say) is seen together with that eviction's mark, which
                // the fresh state below must not be older than.
                let x = s.0.load(Ordering::Acquire);
                if fingerprint(x) != fp {
                    break;
                }
                if x & CLAIM == 0 || j < pos {
                    // A member elsewhere, or a lower claim (which wins): this
                    // claim is withdrawn. Relaxed: a unique word; nothing is
                    // published by emptying a slot.
                    let _ = slot.0.compare_exchange(claim, 0, Ordering::Relaxed, Ordering::Relaxed);
                    return None;
                }
                // A higher claim of the key: withdrawn (its commit then
                // fails). On failure it changed: look at it again.
                if s.0.compare_exchange(x, 0, Ordering::Relaxed, Ordering::Relaxed).is_ok() {
                    break;
                }
            }
        }
        // A new key starts fresh as of the latest eviction (never fresher
        // than a key evicted then), at `now` at the earliest. Acquire: pairs
        // with the Release of the eviction mark.
        let since = Instant::from_nanos(now.as_nanos().max(self.last_eviction.load(Ordering::Acquire)));
        let p = self.plans.get(plan_of(claim))?;
        let fresh = p.fresh_at(since);
        // The claimant's request, decided on the fresh state (an admission
        // is recorded in the commit; a denial leaves the state fresh).
        let (state, decided) = match own {
            Some(cost) => {
                let (next, d) = p.decide(fresh, now, cost);
                (if d.is_allowed() { next } else { fresh }, Some(d))
            }
            None => (fresh, None),
        };
        let member = member_word(fp, plan_of(claim), state);
        // Fails if the claim was withdrawn meanwhile (or committed by a
        // helper). Release: the slot carries the eviction mark on.
        slot.0.compare_exchange(claim, member, Ordering::Release, Ordering::Relaxed).ok().and(decided)
    }

    /// Where `fp` would go: already a member, claimed (the lowest claim),
    /// an empty slot, the most idle evictable slot, or nowhere (with the
    /// earliest a slot may free up). Positions are indices in the window.
    fn choose(&self, home: Pair, fp: u64, now: Instant) -> Choice {
        // The first empty slot of each bucket, and how many it has.
        let mut empty: [(Option<(usize, u128)>, usize); 2] = [(None, 0), (None, 0)];
        let mut idle: Option<(usize, u128)> = None;
        let mut claimed: Option<(usize, u128)> = None;
        let mut soonest = Nanos::MAX;
        for (i, s) in self.window(home).enumerate() {
            // Acquire: a slot re-keyed by an eviction is seen together with
            // that eviction's `last_eviction` (stored before it, Release).
            let w = s.0.load(Ordering::Acquire);
            let f = fingerprint(w);
            if f == fp {
                if w & CLAIM == 0 {
                    return Choice::Present;
                }
                claimed = claimed.or(Some((i, w)));
                continue;
            }
            if f == 0 {
                if let Some((first, count)) = empty.get_mut(i / BUCKET) {
                    *first = first.or(Some((i, w)));
                    *count = count.saturating_add(1);
                }
                continue;
            }
            if w & CLAIM != 0 {
                // Another key's claim in flight: its slot is taken until the
                // claimant (or a check of that key) settles it; then it
                // may be a member that is idle already.
                soonest = Nanos::ZERO;
                continue;
            }
            match self.plans.get(plan_of(w)).map(|p| p.idle_after(state_of(w), now)) {
                // The most idle: the smallest state (the oldest instant,
                // among keys of one plan).
                Some(Nanos::ZERO) if idle.is_none_or(|(_, iw)| state_of(w) < state_of(iw)) => {
                    idle = Some((i, w));
                }
                Some(Nanos::ZERO) | None => {}
                Some(after) => soonest = soonest.min(after),
            }
        }
        if let Some((i, w)) = claimed {
            return Choice::Claimed(i, w);
        }
        // The emptier bucket first (ties: the first bucket).
        let [(e1, n1), (e2, n2)] = empty;
        let empty = if n2 > n1 { e2.or(e1) } else { e1.or(e2) };
        match (empty, idle) {
            (Some((i, w)), _) => Choice::Empty(i, w),
            (None, Some((i, w))) => Choice::Evict(i, w),
            (None, None) => Choice::Full(soonest),
        }
    }
}

/// A key's two buckets.
#[derive(Clone, Copy, Debug)]
struct Pair {
    first: usize,
    second: usize,
}

/// Where a new key goes (window positions and the words observed there).
enum Choice {
    Present,
    Claimed(usize, u128),
    Empty(usize, u128),
    Evict(usize, u128),
    Full(Nanos),
}

enum Inserted {
    Yes,
    /// The key's member was committed with this request decided.
    Decided(Decision),
    /// No room; the earliest a slot of the window can become idle.
    Full(Nanos),
}

/// A value the keyed table can be keyed by: integers, byte strings, IP
/// addresses and tuples of them ("endpoint + client"). Every part carries a
/// type tag and variable-length parts a length, so `("ab", "c")` and
/// `("a", "bc")` differ, and keys of different types never collide by
/// construction (only by a fingerprint collision, see the module docs).
pub trait Key {
    /// Feeds the key to the hasher.
    fn write_key(&self, h: &mut KeyHasher);
}

/// Type tags: keys of different types never hash alike by construction
/// (`(1u32, 2u32)` is not `0x2_0000_0001u64`; `-1i32` is not `u32::MAX`).
mod tag {
    pub(super) const BYTES: u8 = 0x01;
    pub(super) const IPV4: u8 = 0x04;
    pub(super) const IPV6: u8 = 0x06;
    pub(super) const UNSIGNED: u8 = 0x10;
    pub(super) const SIGNED: u8 = 0x20;
}

/// Integers feed whole words: a tag word (type and width), then the value
/// as one or two little-endian words.
macro_rules! int_keys {
    ($tag:expr; $($t:ty => $wide:expr),*) => {$(
        impl Key for $t {
            #[inline]
            fn write_key(&self, h: &mut KeyHasher) {
                let v: u128 = $wide(*self);
                let width = core::mem::size_of::<$t>() as u64;
                h.write_u64((u64::from($tag) << 8) | width);
                #[allow(clippy::cast_possible_truncation)] // the low and high words
                {
                    h.write_u64(v as u64);
                    if width > 8 {
                        h.write_u64((v >> 64) as u64);
                    }
                }
            }
        }
    )*};
}
int_keys!(tag::UNSIGNED;
    u8 => u128::from, u16 => u128::from, u32 => u128::from, u64 => u128::from, u128 => u128::from,
    usize => |x: usize| u64::try_from(x).map_or(u128::MAX, u128::from));
int_keys!(tag::SIGNED;
    i8 => |x: i8| u128::from_le_bytes(i128::from(x).to_le_bytes()),
    i16 => |x: i16| u128::from_le_bytes(i128::from(x).to_le_bytes()),
    i32 => |x: i32| u128::from_le_bytes(i128::from(x).to_le_bytes()),
    i64 => |x: i64| u128::from_le_bytes(i128::from(x).to_le_bytes()),
    i128 => |x: i128| u128::from_le_bytes(x.to_le_bytes()),
    isize => |x: isize| u128::from_le_bytes(i64::try_from(x).map_or(i128::MIN, i128::from).to_le_bytes()));

impl Key for [u8] {
    #[inline]
    fn write_key(&self, h: &mut KeyHasher) {
        h.write(&[tag::BYTES]);
        h.write(&(self.len() as u64).to_le_bytes());
        h.write(self);
    }
}

impl Key for str {
    #[inline]
    fn write_key(&self, h: &mut KeyHasher) {
        self.as_bytes().write_key(h);
    }
}

impl<const N: usize> Key for [u8; N] {
    #[inline]
    fn write_key(&self, h: &mut KeyHasher) {
        self.as_slice().write_key(h);
    }
}

impl<K: Key + ?Sized> Key for &K {
    #[inline]
    fn write_key(&self, h: &mut KeyHasher) {
        (**self).write_key(h);
    }
}

impl Key for core::net::Ipv4Addr {
    #[inline]
    fn write_key(&self, h: &mut KeyHasher) {
        h.write(&[tag::IPV4]);
        h.write(&self.octets());
    }
}

impl Key for core::net::Ipv6Addr {
    #[inline]
    fn write_key(&self, h: &mut KeyHasher) {
        h.write(&[tag::IPV6]);
        h.write(&self.octets());
    }
}

impl Key for core::net::IpAddr {
    #[inline]
    fn write_key(&self, h: &mut KeyHasher) {
        match self {
            Self::V4(a) => a.write_key(h),
            Self::V6(a) => a.write_key(h),
        }
    }
}

impl<A: Key, B: Key> Key for (A, B) {
    #[inline]
    fn write_key(&self, h: &mut KeyHasher) {
        self.0.write_key(h);
        self.1.write_key(h);
    }
}

/// SipHash-1-3 with a 128-bit key and a 128-bit output, fed bytes by
/// [`Key`].
#[derive(Clone, Debug)]
pub struct KeyHasher {
    v: [u64; 4],
    tail: u64,
    ntail: usize,
    length: u64,
}

impl KeyHasher {
    #[inline]
    fn new((k0, k1): (u64, u64)) -> Self {
        // The four initialisation constants of SipHash; the second is
        // xored with 0xee for the 128-bit output variant (0x…6d ^ 0xee =
        // 0x…83).
        Self {
            v: [
                k0 ^ 0x736f_6d65_7073_6575,
                k1 ^ 0x646f_7261_6e64_6f83,
                k0 ^ 0x6c79_6765_6e65_7261,
                k1 ^ 0x7465_6462_7974_6573,
            ],
            tail: 0,
            ntail: 0,
            length: 0,
        }
    }

    #[inline(always)]
    fn round(&mut self) {
        let [v0, v1, v2, v3] = &mut self.v;
        *v0 = v0.wrapping_add(*v1);
        *v1 = v1.rotate_left(13) ^ *v0;
        *v0 = v0.rotate_left(32);
        *v2 = v2.wrapping_add(*v3);
        *v3 = v3.rotate_left(16) ^ *v2;
        *v0 = v0.wrapping_add(*v3);
        *v3 = v3.rotate_left(21) ^ *v0;
        *v2 = v2.wrapping_add(*v1);
        *v1 = v1.rotate_left(17) ^ *v2;
        *v2 = v2.rotate_left(32);
    }

    #[inline(always)]
    fn compress(&mut self, m: u64) {
        let [_, _, _, v3] = &mut self.v;
        *v3 ^= m;
        self.round();
        let [v0, ..] = &mut self.v;
        *v0 ^= m;
    }

    /// Feeds bytes (whole 8-byte words go straight to the compression when
    /// the buffer is empty).
    #[inline]
    pub fn write(&mut self, bytes: &[u8]) {
        self.length = self.length.wrapping_add(bytes.len() as u64);
        let mut rest = bytes;
        while self.ntail == 0 {
            let Some((word, tail)) = rest.split_first_chunk::<8>() else { break };
            self.compress(u64::from_le_bytes(*word));
            rest = tail;
        }
        for &b in rest {
            self.tail |= u64::from(b) << ((self.ntail & 7) << 3);
            self.ntail = self.ntail.wrapping_add(1);
            if self.ntail == 8 {
                let m = core::mem::take(&mut self.tail);
                self.ntail = 0;
                self.compress(m);
            }
        }
    }

    /// Feeds one little-endian word.
    #[inline]
    pub fn write_u64(&mut self, w: u64) {
        if self.ntail == 0 {
            self.length = self.length.wrapping_add(8);
            self.compress(w);
        } else {
            self.write(&w.to_le_bytes());
        }
    }

    /// The 128-bit SipHash-1-3 of everything fed.
    #[inline]
    fn finish128(&mut self) -> (u64, u64) {
        let m = ((self.length & 0xff) << 56) | self.tail;
        self.compress(m);
        self.v[2] ^= 0xee;
        for _ in 0..3 {
            self.round();
        }
        let a = self.v.iter().fold(0, |x, v| x ^ v);
        self.v[1] ^= 0xdd;
        for _ in 0..3 {
            self.round();
        }
        let b = self.v.iter().fold(0, |x, v| x ^ v);
        (a, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash<K: Key + ?Sized>(k: &K, seed: (u64, u64)) -> (u64, u64) {
        let mut h = KeyHasher::new(seed);
        k.write_key(&mut h);
        h.finish128()
    }

    #[test]
    fn hashing_is_keyed_and_prefix_free() {
        assert_ne!(hash(&7u64, (1, 2)), hash(&7u64, (1, 3)));
        assert_ne!(hash(&("ab", "c"), (1, 2)), hash(&("a", "bc"), (1, 2)));
        assert_eq!(hash("x", (5, 6)), hash(&"x", (5, 6)));
        let v4 = core::net::Ipv4Addr::new(1, 2, 3, 4);
        assert_ne!(hash(&v4, (0, 0)), hash(&u32::from_be_bytes([1, 2, 3, 4]), (0, 0)));
        // Type tags: no cross-type sharing by construction.
        assert_ne!(hash(&(1u32, 2u32), (0, 0)), hash(&0x2_0000_0001u64, (0, 0)));
        assert_ne!(hash(&-1i32, (0, 0)), hash(&u32::MAX, (0, 0)));
    }

    #[test]
    fn word_layout() {
        let w = claim_word(0xabc, 3, 42);
        assert_eq!((fingerprint(w), plan_of(w), state_of(w), w & CLAIM), (0xabc, 3, 42, CLAIM));
    }

    #[test]
    fn bucket_choices_are_distinct_in_range_and_spread() {
        // Small tables (including 2 and 3 buckets, where multiply-shift and
        // the tie rule matter most) and a larger, non-power-of-two one.
        let mut slots = [const { Slot::new() }; 4 * 1000];
        let plans = [Plan::Gcra(Quota::per_second(1).unwrap())];
        let sizes: &[usize] = if cfg!(miri) { &[2, 3] } else { &[2, 3, 5, 1000] };
        for &buckets in sizes {
            let table = Keyed::new(&mut slots[..4 * buckets], &plans, 0x5eed, Full::Deny, ()).unwrap();
            let mut first = [0u32; 1000];
            let mut second = [0u32; 1000];
            let mut next_door = 0u64;
            let keys = 200 * buckets as u64;
            for k in 0..keys {
                let (a, b) = table.buckets(&k);
                assert!(a < buckets && b < buckets && a != b, "{buckets} buckets: key {k} -> ({a}, {b})");
                first[a] += 1;
                second[b] += 1;
                next_door += u64::from(b == (a + 1) % buckets);
            }
            // Independent choices: the second is the first's neighbour about
            // once in `buckets - 1` (a second bucket derived from the first
            // would always be).
            if buckets >= 5 {
                assert!(
                    next_door * (buckets as u64 - 1) < 2 * keys,
                    "{buckets} buckets: {next_door} neighbours"
                );
            }
            // Each bucket gets about 200 keys as a first and as a second
            // choice: a broken reduction (a constant, a skewed half) fails.
            for (i, (&f, &s)) in first.iter().zip(&second).take(buckets).enumerate() {
                assert!(
                    (100..=300).contains(&f) && (100..=300).contains(&s),
                    "{buckets} buckets: bucket {i}: {f}, {s}"
                );
            }
        }
    }

    /// Writes the claim a thread preempted right after claiming would
    /// leave at window position `pos` of `key`.
    fn stalled_claim(table: &Keyed<'_, ()>, key: u64, pos: usize, nonce: u64) {
        let (home, fp) = table.locate(&key);
        let claim = claim_word(fp, 0, nonce);
        let slot = table.window(home).nth(pos).unwrap();
        assert!(slot.0.compare_exchange(0, claim, Ordering::SeqCst, Ordering::SeqCst).is_ok());
    }

    /// Lock-free inserts: a claim whose claimant never comes back holds
    /// nobody up. The next check of the key settles it (with the old bucket
    /// lock, a stalled insert made this check spin for ever), the key gets
    /// one member, and its burst of 1 admits once.
    #[test]
    fn a_stalled_claim_is_settled_by_the_next_check() {
        let mut slots = [const { Slot::new() }; 16];
        let plans = [Plan::Gcra(Quota::new(1, Nanos::from_secs(1), 1).unwrap())];
        let table = Keyed::new(&mut slots, &plans, 3, Full::Deny, ()).unwrap();
        stalled_claim(&table, 7, 5, 1_000);
        assert_eq!(table.len(), 1);
        assert!(table.check_at(&7u64, 0, Instant::ZERO, 1).is_allowed());
        assert_eq!(table.len(), 1, "a second slot was taken beside the claim");
        assert!(!table.check_at(&7u64, 0, Instant::ZERO, 1).is_allowed());
        // The member is where the claim was.
        let (home, _) = table.locate(&7u64);
        let w = table.window(home).nth(5).unwrap().0.load(Ordering::SeqCst);
        assert_eq!(w & CLAIM, 0);
        assert_ne!(fingerprint(w), 0);
    }

    /// Two stalled claims of one key: the lower one wins, the higher one is
    /// withdrawn, and the key has one member.
    #[test]
    fn of_two_claims_the_lower_wins() {
        let mut slots = [const { Slot::new() }; 16];
        let plans = [Plan::Gcra(Quota::new(1, Nanos::from_secs(1), 2).unwrap())];
        let table = Keyed::new(&mut slots, &plans, 3, Full::Deny, ()).unwrap();
        stalled_claim(&table, 7, 6, 1);
        stalled_claim(&table, 7, 2, 2);
        assert_eq!(table.len(), 2);
        assert!(table.check_at(&7u64, 0, Instant::ZERO, 1).is_allowed());
        assert_eq!(table.len(), 1);
        assert!(table.check_at(&7u64, 0, Instant::ZERO, 1).is_allowed());
        assert!(!table.check_at(&7u64, 0, Instant::ZERO, 1).is_allowed(), "burst 2 admitted 3");
        let (home, _) = table.locate(&7u64);
        let w = |i: usize| table.window(home).nth(i).unwrap().0.load(Ordering::SeqCst);
        assert_eq!((w(6), w(2) & CLAIM), (0, 0));
    }

    /// A claim of the key beside its member (a claimant that read the
    /// window before the member was committed): checks use the member, and
    /// settling the claim withdraws it.
    #[test]
    fn a_claim_beside_a_member_is_withdrawn() {
        let mut slots = [const { Slot::new() }; 16];
        let plans = [Plan::Gcra(Quota::new(1, Nanos::from_secs(1), 1).unwrap())];
        let table = Keyed::new(&mut slots, &plans, 3, Full::Deny, ()).unwrap();
        assert!(table.check_at(&7u64, 0, Instant::ZERO, 1).is_allowed());
        let (home, fp) = table.locate(&7u64);
        let member =
            (0..8).find(|&i| table.window(home).nth(i).unwrap().0.load(Ordering::SeqCst) != 0).unwrap();
        let pos = (0..8).find(|&i| i != member).unwrap();
        stalled_claim(&table, 7, pos, 9);
        assert!(
            !table.check_at(&7u64, 0, Instant::ZERO, 1).is_allowed(),
            "the claim was used as a fresh state"
        );
        let claim = table.window(home).nth(pos).unwrap().0.load(Ordering::SeqCst);
        let _ = table.settle(home, fp, pos, claim, Instant::ZERO, None);
        assert_eq!(table.len(), 1);
        assert!(!table.check_at(&7u64, 0, Instant::ZERO, 1).is_allowed());
    }

    /// Regression (found in review): a check at a stale instant settled a
    /// claim made at a later one (its member anchored in the later window),
    /// found the member idle on another plan at its stale instant and
    /// re-planned it from a fresh state there, dropping the anchor: the
    /// stale check counted in an earlier window and the later window
    /// admitted its limit again. A window state anchored after `now` is
    /// now never idle at `now`.
    #[test]
    fn regression_a_stale_replan_keeps_the_later_window() {
        let mut slots = [const { Slot::new() }; 8];
        let w = Window::new(1, Nanos::from_secs(1)).unwrap();
        let plans = [Plan::FixedWindow(w), Plan::FixedWindow(w)];
        let table = Keyed::new(&mut slots, &plans, 3, Full::Deny, ()).unwrap();
        let sec = |s: u64| Instant::from_nanos(s * 1_000_000_000);
        // Thread C, at 10 s, evicted an idle key for K and claimed its slot,
        // then stalled before settling.
        for k in 100..108u64 {
            assert!(table.check_at(&k, 0, sec(0), 1).is_allowed());
        }
        let _ = table.last_eviction.fetch_max(sec(10).as_nanos(), Ordering::SeqCst);
        let (home, fp) = table.locate(&7u64);
        let slot = table.window(home).next().unwrap();
        let old = slot.0.load(Ordering::SeqCst);
        let claim = claim_word(fp, 0, 1);
        assert!(slot.0.compare_exchange(old, claim, Ordering::SeqCst, Ordering::SeqCst).is_ok());
        // Thread H, its clock at 1.5 s, checks K on plan 1: it settles the
        // claim (a member of plan 0 in the 10 s window) and is admitted there.
        let h = table.check_at(&7u64, 1, Instant::from_nanos(1_500_000_000), 1);
        assert!(h.is_allowed());
        // C resumes: its commit fails; K on plan 0 at 10 s has used its 1.
        assert!(!table.check_at(&7u64, 0, sec(10), 1).is_allowed(), "window of 10 s admitted twice");
        assert!(!table.check_at(&7u64, 1, sec(10), 1).is_allowed(), "window of 10 s admitted twice");
    }

    /// Another key's stalled claims take their slots but hold up no insert.
    #[test]
    fn other_keys_claims_hold_up_nobody() {
        let mut slots = [const { Slot::new() }; 16];
        let plans = [Plan::Gcra(Quota::new(1, Nanos::from_secs(1), 1).unwrap())];
        let table = Keyed::new(&mut slots, &plans, 3, Full::Deny, ()).unwrap();
        // Claims of seven other keys (fingerprints 1..=7) in seven of key
        // 7's eight slots.
        let (home, _) = table.locate(&7u64);
        for (pos, s) in table.window(home).take(7).enumerate() {
            let claim = claim_word(pos as u64 + 1, 0, pos as u64);
            assert!(s.0.compare_exchange(0, claim, Ordering::SeqCst, Ordering::SeqCst).is_ok());
        }
        assert!(table.check_at(&7u64, 0, Instant::ZERO, 1).is_allowed());
        assert_eq!(table.len(), 8);
        assert!(!table.check_at(&7u64, 0, Instant::ZERO, 1).is_allowed());
    }

    #[test]
    fn storage_is_validated() {
        let mut slots: [Slot; 6] = Default::default();
        let plans = [Plan::Gcra(Quota::per_second(1).unwrap())];
        assert_eq!(Keyed::new(&mut slots, &plans, 0, Full::Deny, ()).unwrap_err(), Error::Storage);
        let mut slots: [Slot; 8] = Default::default();
        assert!(Keyed::new(&mut slots, &plans, 0, Full::Deny, ()).is_ok());
        assert_eq!(Keyed::new(&mut slots, &[], 0, Full::Deny, ()).unwrap_err(), Error::Storage);
    }
}
