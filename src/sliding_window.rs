//! Sliding windows: the weighted two-window counter ([`SlidingWindow`]) and
//! the exact log of timestamps ([`SlidingLog`]).
//!
//! # Algorithm
//!
//! **Counter.** Two adjacent fixed windows of length `W`: the count of the
//! previous one (`prev`) and of the current one (`curr`). With `e` the time
//! into the current window, the estimate of the last `W` is
//! `prev · (W − e) / W + curr`, and a request of cost `c` is admitted iff
//! `estimate + c ≤ L` — the approximation Cloudflare describes, evaluated
//! here exactly in integers (`prev · (W − e) + (curr + c) · W ≤ L · W`, in
//! `u128`). It assumes the previous window's requests were spread evenly, so
//! it is an estimate, not an exact count: at most `L` per aligned window, at
//! most `2L` in an adversarial unaligned window (SPEC W2); its error against
//! the exact log on uniform and Poisson traffic is measured by
//! `tests/sliding_window.rs` and reported in the README.
//!
//! **Log.** The exact sliding window: the timestamps and costs of admitted
//! requests in a ring of `N` entries; a request is admitted iff the cost
//! admitted in `(now − W, now]` plus its own is at most `L`. Exact as long
//! as at most `N` admitted requests fall into one window (with unit costs,
//! `N ≥ L` guarantees it); when the ring is full a request is denied until
//! the oldest entry expires — never admitted beyond `L`.
//!
//! # Example
//!
//! ```
//! use ratecore::{Instant, Nanos, NoClock, Sliding, SlidingLog, SlidingWindow, Window};
//!
//! let at = |ms: u64| Instant::from_nanos(ms * 1_000_000);
//! let counter = SlidingWindow::new(Sliding::new(4, Nanos::from_secs(1))?, NoClock);
//! assert!(counter.check_at(at(500), 4).is_allowed());
//! // 1.25 s: the previous window still weighs 3/4 · 4 = 3.
//! assert_eq!(counter.check_at(at(1_250), 0).remaining(), 1);
//!
//! let log = SlidingLog::<NoClock, 8>::new(Window::new(4, Nanos::from_secs(1))?, NoClock);
//! assert!(log.check_at(at(500), 4).is_allowed());
//! // Exact: nothing comes back until 1.5 s, when all four expire at once.
//! assert_eq!(log.check_at(at(1_250), 1).retry_after(), Some(Nanos::from_millis(250)));
//! # Ok::<(), ratecore::Error>(())
//! ```
//!
//! # Progress
//!
//! [`SlidingWindow`] is lock-free: one load, the pure [`decide`], one
//! compare-and-swap if admitted; a denial never writes.
//!
//! [`SlidingLog`] is **not** lock-free: a ring of `N` entries cannot be
//! updated with one compare-and-swap, so a spin lock guards it. A thread
//! holding the lock for the O(1) amortised update can delay the others; do
//! not call it from an interrupt handler that can preempt a holder on the
//! same core (it would spin forever). [`LocalSlidingLog`] needs no lock.
//!
//! # Complexity
//!
//! Counter: O(1), one division of `now` by `W`, and (for `remaining`) one
//! more division. Log: amortised O(1) per admission (expired entries are
//! popped once), O(N) to compute `retry_after` on a denial.
//!
//! # Memory
//!
//! Counter: one `u64` packing the window index and two counts of
//! `⌈log2(L + 1)⌉` bits each ([`Sliding::new`] refuses what does not fit,
//! e.g. `L` above 2^16 with 1 s windows). Log: 16 bytes per entry plus a
//! running sum; see the README size table.
//!
//! # References
//!
//! - Cloudflare, "How we built rate limiting capable of scaling to millions of
//!   domains" (2017): the two-window weighted counter and its measured error
//!   (0.003 % of requests wrongly allowed or limited, over 400 M requests).
//! - The sliding-window log as in many Redis sorted-set limiters.

use core::cell::UnsafeCell;

use heapless::Deque;

use crate::clock::{Instant, Nanos};
use crate::decision::{Decision, Outcome};
use crate::error::Error;
use crate::fixed_window::{Window, mask};
use crate::limiter::single_word_limiters;
use crate::quota::saturate_u64;
use crate::sync::{AtomicBool, Ordering};

/// Parameters of the sliding-window counter: `L` per sliding `W`, validated
/// for a one-word state holding the window index and two counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sliding {
    window: Window,
}

impl Sliding {
    /// At most (an estimate of) `limit` permits in any sliding window of
    /// `length`.
    ///
    /// # Errors
    ///
    /// [`Error::ZeroBurst`], [`Error::ZeroPeriod`], and [`Error::Overflow`]
    /// when the window index over [`crate::HORIZON`] plus two counts up to
    /// `limit` do not fit in 64 bits (with 1 s windows: `limit < 2^16`;
    /// with 1 min windows: `limit < 2^19`).
    pub const fn new(limit: u64, length: Nanos) -> Result<Self, Error> {
        match Window::packed(limit, length, 2) {
            Ok(window) => Ok(Self { window }),
            Err(e) => Err(e),
        }
    }

    /// `L`.
    #[must_use]
    pub const fn limit(&self) -> u64 {
        self.window.limit()
    }

    /// `W`.
    #[must_use]
    pub const fn length(&self) -> Nanos {
        self.window.length()
    }

    /// Empty windows at `at`: the state of a key seen first at `at`.
    pub(crate) const fn fresh_at(&self, at: Instant) -> u64 {
        self.window.fresh_at(at, 2)
    }
}

/// `a / b` for `u128` by a `u64`, on the fast 64-bit path when `a` fits.
#[inline]
fn div_u128(a: u128, b: u64) -> u128 {
    match u64::try_from(a) {
        Ok(a64) => u128::from(a64.checked_div(b).unwrap_or(u64::MAX)),
        Err(_) => a.checked_div(u128::from(b)).unwrap_or(u128::MAX),
    }
}

/// The pure sliding-window-counter transition.
///
/// The state word packs, from the top: the current window index
/// (`64 − 2k` bits), the previous window's count (`k` bits) and the current
/// window's count (`k` bits), `k = ⌈log2(L + 1)⌉`. `0` is window 0, empty.
#[inline]
pub fn decide(state: u64, now: Instant, cost: u32, s: &Sliding) -> (u64, Decision) {
    let w = &s.window;
    let k = w.count_bits();
    let m = mask(k);
    let stored_index = state.checked_shr(k.saturating_mul(2)).unwrap_or(0);
    let stored_prev = state.checked_shr(k).unwrap_or(0) & m;
    let stored_curr = state & m;
    let len = w.length().as_nanos();
    let limit = w.limit();
    let now_index = w.index(now);
    // Effective position: a clock that stepped back is treated as the start
    // of the recorded window (where the previous window weighs fully).
    let (index, elapsed, prev, curr) = match now_index {
        Some(i) if i > stored_index => {
            let e = now.as_nanos().saturating_sub(w.start(i, 0));
            if i == stored_index.saturating_add(1) { (i, e, stored_curr, 0) } else { (i, e, 0, 0) }
        }
        Some(i) if i == stored_index => {
            (i, now.as_nanos().saturating_sub(w.start(i, 0)), stored_prev, stored_curr)
        }
        _ => (stored_index, 0, stored_prev, stored_curr),
    };
    let len128 = u128::from(len);
    let weighted = |curr: u64| {
        u128::from(prev)
            .saturating_mul(u128::from(len.saturating_sub(elapsed)))
            .saturating_add(u128::from(curr).saturating_mul(len128))
    };
    let cap = u128::from(limit).saturating_mul(len128);
    let remaining = |curr: u64| saturate_u64(div_u128(cap.saturating_sub(weighted(curr)), len));
    let reset = |curr: u64| {
        if curr > 0 {
            w.start(index, 2)
        } else if prev > 0 {
            w.start(index, 1)
        } else {
            0
        }
    };
    let mut d = w.decision(now, remaining(curr));
    d.reset_at = reset(curr);
    let cost = u64::from(cost);
    if cost > limit {
        d.outcome = Outcome::Impossible;
        return (state, d);
    }
    if cost == 0 {
        return (state, d);
    }
    let total = curr.saturating_add(cost);
    if now_index.is_some() && total <= limit && weighted(total) <= cap {
        d.avail = remaining(total);
        d.reset_at = reset(total);
        let next =
            index.checked_shl(k.saturating_mul(2)).unwrap_or(0) | prev.checked_shl(k).unwrap_or(0) | total;
        return (next, d);
    }
    match now_index.and_then(|_| retry_at(index, prev, curr, cost, w)) {
        Some(at) => d.deny_until(at),
        None => d.deny_never(),
    }
    (state, d)
}

/// The first nanosecond at which a request of `cost` passes, if nothing else
/// is admitted: the estimate only falls as time passes (and is continuous
/// across the window boundary), so this is a search over two linear pieces.
/// `None` when that instant is past `u64::MAX`.
fn retry_at(index: u64, prev: u64, curr: u64, cost: u64, w: &Window) -> Option<u64> {
    let len = w.length().as_nanos();
    let limit = w.limit();
    // In the current window, time into it `e` must satisfy
    // prev·(W − e) ≤ (L − curr − cost)·W.
    if let Some(room) = limit.checked_sub(curr.saturating_add(cost)) {
        let slack = u128::from(room).saturating_mul(u128::from(len));
        let lead = saturate_u64(div_u128(slack, prev.max(1)));
        if lead > 0 {
            let e = len.saturating_sub(lead);
            return w.checked_start(index, 0).and_then(|s| s.checked_add(e));
        }
    }
    // In the next window the current count becomes `prev`:
    // curr·(W − e) ≤ (L − cost)·W.
    let slack = u128::from(limit.saturating_sub(cost)).saturating_mul(u128::from(len));
    let lead = if curr == 0 { len } else { saturate_u64(div_u128(slack, curr)).min(len) };
    w.checked_start(index, 1).and_then(|s| s.checked_add(len.saturating_sub(lead)))
}

/// Gives `cost` permits back to the window they were most likely counted in:
/// the current one, or — just after a boundary — the previous one (never
/// below zero). Older windows no longer weigh, so nothing is given back.
#[inline]
#[must_use]
pub fn refund(state: u64, now: Instant, cost: u32, s: &Sliding) -> u64 {
    let w = &s.window;
    let k = w.count_bits();
    let m = mask(k);
    let stored_index = state.checked_shr(k.saturating_mul(2)).unwrap_or(0);
    let stored_prev = state.checked_shr(k).unwrap_or(0) & m;
    let stored_curr = state & m;
    let cost = u64::from(cost);
    let pack = |index: u64, prev: u64, curr: u64| {
        index.checked_shl(k.saturating_mul(2)).unwrap_or(0) | prev.checked_shl(k).unwrap_or(0) | curr
    };
    match w.index(now) {
        Some(i) if i > stored_index.saturating_add(1) => state,
        Some(i) if i > stored_index => pack(i, stored_curr.saturating_sub(cost), 0),
        _ => pack(stored_index, stored_prev, stored_curr.saturating_sub(cost)),
    }
}

single_word_limiters! {
    /// A lock-free sliding-window counter (one `AtomicU64`).
    ///
    /// See the [module docs](self) for the algorithm and an example.
    shared SlidingWindow;
    /// A single-threaded sliding-window counter (`&mut self`, a plain `u64`).
    local LocalSlidingWindow;
    params Sliding;
    initial 0;
    decide decide;
    refund refund;
}

/// One admitted request in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    at: u64,
    cost: u64,
}

/// The state of an exact sliding-window log of capacity `N`: admitted
/// requests in arrival order and the sum of their costs.
#[derive(Clone, Debug)]
pub struct Log<const N: usize> {
    entries: Deque<Entry, N>,
    sum: u64,
    /// The latest instant applied (a clock that steps back is clamped to it).
    latest: u64,
}

impl<const N: usize> Log<N> {
    /// An empty log.
    #[must_use]
    pub const fn new() -> Self {
        Self { entries: Deque::new(), sum: 0, latest: 0 }
    }

    /// Admitted requests currently held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the log holds nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<const N: usize> PartialEq for Log<N> {
    fn eq(&self, other: &Self) -> bool {
        self.sum == other.sum && self.latest == other.latest && self.entries.iter().eq(other.entries.iter())
    }
}

impl<const N: usize> Eq for Log<N> {}

impl<const N: usize> Default for Log<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// The sliding-log transition (pure apart from mutating the log it is given,
/// and only when it admits).
///
/// Entries older than the window at the effective instant
/// `max(now, latest admission)` no longer count; the request is admitted iff
/// the live sum plus `cost` is at most `L` and a live entry is free. Expired
/// entries are dropped by the next admission, so a denial or a peek leaves
/// the log untouched (SPEC S2).
pub fn decide_log<const N: usize>(log: &mut Log<N>, now: Instant, cost: u32, w: &Window) -> Decision {
    let (d, plan) = evaluate(log, now, cost, w);
    if let Some((expired, entry)) = plan {
        let sum = log.sum_after(expired, entry.cost);
        for _ in 0..expired {
            let _ = log.entries.pop_front();
        }
        // `evaluate` admits only with a live entry free: the push has room.
        if log.entries.push_back(entry).is_ok() {
            log.sum = sum;
            log.latest = entry.at;
        }
    }
    d
}

impl<const N: usize> Log<N> {
    /// The running sum once `expired` entries are dropped and `cost` added.
    fn sum_after(&self, expired: usize, cost: u64) -> u64 {
        let dropped = self.entries.iter().take(expired).fold(0u64, |s, e| s.saturating_add(e.cost));
        self.sum.saturating_sub(dropped).saturating_add(cost)
    }
}

/// The decision for `cost` at `now` on an unchanged log, and, if admitted,
/// how to apply it: the number of expired entries to drop and the entry to
/// append. A peek is this without the apply.
fn evaluate<const N: usize>(
    log: &Log<N>,
    now: Instant,
    cost: u32,
    w: &Window,
) -> (Decision, Option<(usize, Entry)>) {
    let len = w.length().as_nanos();
    let t = now.as_nanos().max(log.latest);
    // An entry at `a` counts while `a > t − W` (written without `a + W`,
    // which would saturate near `u64::MAX` and expire entries early).
    let live = |e: &&Entry| t.checked_sub(len).is_none_or(|start| e.at > start);
    let expired = log.entries.iter().take_while(|e| !live(e)).fold(0usize, |n, _| n.saturating_add(1));
    let expired_sum = log.entries.iter().take(expired).fold(0u64, |s, e| s.saturating_add(e.cost));
    let sum = log.sum.saturating_sub(expired_sum);
    let held = log.entries.len().saturating_sub(expired);
    let limit = w.limit();
    let full = held >= N;
    let mut d = w.decision(now, if full { 0 } else { limit.saturating_sub(sum) });
    d.reset_at = log.entries.back().filter(live).map_or(0, |e| e.at.saturating_add(len));
    let cost = u64::from(cost);
    if cost > limit {
        d.outcome = Outcome::Impossible;
        return (d, None);
    }
    if cost == 0 {
        return (d, None);
    }
    let total = sum.saturating_add(cost);
    if !full && total <= limit {
        d.avail = if held.saturating_add(1) >= N { 0 } else { limit.saturating_sub(total) };
        d.reset_at = t.saturating_add(len);
        return (d, Some((expired, Entry { at: t, cost })));
    }
    // Let live entries expire, oldest first, until the sum leaves room and
    // an entry is free; that entry's expiry, if it is within the clock range.
    let (mut sum, mut held) = (sum, held);
    let expiry = log.entries.iter().skip(expired).find_map(|e| {
        sum = sum.saturating_sub(e.cost);
        held = held.saturating_sub(1);
        (sum.saturating_add(cost) <= limit && held < N).then_some(e.at.checked_add(len))
    });
    match expiry.flatten() {
        Some(at) => d.deny_until(at),
        None => d.deny_never(),
    }
    (d, None)
}

/// A sliding-window log shared between threads: exact, `N` entries, guarded
/// by a spin lock (see the module's Progress section: not lock-free).
#[derive(Debug)]
pub struct SlidingLog<C, const N: usize> {
    locked: AtomicBool,
    log: UnsafeCell<Log<N>>,
    window: Window,
    clock: C,
}

// SAFETY: the `Log` behind the `UnsafeCell` is only touched inside
// `with_log`, which holds the spin lock (`locked`) for the whole access, so
// at most one thread has a reference to it at a time. `Log` is plain data.
unsafe impl<C: Sync, const N: usize> Sync for SlidingLog<C, N> {}

impl<C, const N: usize> SlidingLog<C, N> {
    crate::sync::const_fn! {
        /// An empty log with `N` entries for `window`, reading `clock`.
        #[must_use]
        pub fn new(window: Window, clock: C) -> Self {
            Self { locked: AtomicBool::new(false), log: UnsafeCell::new(Log::new()), window, clock }
        }
    }

    /// The window.
    #[must_use]
    pub const fn params(&self) -> &Window {
        &self.window
    }

    /// The clock.
    #[must_use]
    pub const fn clock(&self) -> &C {
        &self.clock
    }

    fn with_log<R>(&self, f: impl FnOnce(&mut Log<N>) -> R) -> R {
        // Acquire on success: pairs with the Release store below, so this
        // thread sees every write the previous holder made to the log.
        // Relaxed on failure: nothing is read until the lock is ours.
        while self.locked.compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
            // Relaxed: only a hint to retry; the CAS above re-validates.
            while self.locked.load(Ordering::Relaxed) {
                crate::sync::spin_hint();
            }
        }
        // SAFETY: the lock is held (the CAS above set `locked` from false to
        // true), so no other reference to the log exists until the store
        // below.
        let result = f(unsafe { &mut *self.log.get() });
        // Release: publishes the log's writes to the next Acquire.
        self.locked.store(false, Ordering::Release);
        result
    }

    /// Decides at an explicit instant (see [`decide_log`]).
    pub fn check_at(&self, now: Instant, cost: u32) -> Decision {
        self.with_log(|log| decide_log(log, now, cost, &self.window))
    }

    /// The decision `cost` would get at `now`, consuming nothing (under the
    /// lock, without writing the log).
    pub fn peek_at(&self, now: Instant, cost: u32) -> Decision {
        self.with_log(|log| evaluate(log, now, cost, &self.window).0)
    }

    /// A copy of the log, taken under the lock.
    #[must_use]
    pub fn snapshot(&self) -> Log<N> {
        self.with_log(|log| log.clone())
    }

    /// Decides now: one clock read (before the lock), then
    /// [`check_at`](Self::check_at).
    pub fn check(&self, cost: u32) -> Decision
    where
        C: crate::Clock,
    {
        self.check_at(self.clock.now(), cost)
    }
}

impl<C, const N: usize> crate::Limiter for &SlidingLog<C, N> {
    type Clock = C;

    fn clock(&self) -> &C {
        &self.clock
    }

    fn check_at(&mut self, now: Instant, cost: u32) -> Decision {
        SlidingLog::check_at(self, now, cost)
    }

    fn peek_at(&mut self, now: Instant, cost: u32) -> Decision {
        SlidingLog::peek_at(self, now, cost)
    }
}

/// A single-threaded exact sliding-window log (`&mut self`, no lock).
#[derive(Clone, Debug)]
pub struct LocalSlidingLog<C, const N: usize> {
    log: Log<N>,
    window: Window,
    clock: C,
}

impl<C, const N: usize> LocalSlidingLog<C, N> {
    /// An empty log with `N` entries for `window`, reading `clock`.
    #[must_use]
    pub const fn new(window: Window, clock: C) -> Self {
        Self { log: Log::new(), window, clock }
    }

    /// The window.
    #[must_use]
    pub const fn params(&self) -> &Window {
        &self.window
    }

    /// The log.
    #[must_use]
    pub const fn log(&self) -> &Log<N> {
        &self.log
    }

    /// Decides at an explicit instant (see [`decide_log`]).
    pub fn check_at(&mut self, now: Instant, cost: u32) -> Decision {
        decide_log(&mut self.log, now, cost, &self.window)
    }

    /// Decides now: one clock read, then [`check_at`](Self::check_at).
    pub fn check(&mut self, cost: u32) -> Decision
    where
        C: crate::Clock,
    {
        let now = self.clock.now();
        self.check_at(now, cost)
    }

    /// The decision `cost` would get at `now`, consuming nothing.
    pub fn peek_at(&self, now: Instant, cost: u32) -> Decision {
        evaluate(&self.log, now, cost, &self.window).0
    }
}

impl<C, const N: usize> crate::Limiter for LocalSlidingLog<C, N> {
    type Clock = C;

    fn clock(&self) -> &C {
        &self.clock
    }

    fn check_at(&mut self, now: Instant, cost: u32) -> Decision {
        LocalSlidingLog::check_at(self, now, cost)
    }

    fn peek_at(&mut self, now: Instant, cost: u32) -> Decision {
        LocalSlidingLog::peek_at(self, now, cost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_weights_previous_window() {
        let s = Sliding::new(10, Nanos::from_nanos(100)).unwrap();
        let (st, d) = decide(0, Instant::from_nanos(50), 10, &s);
        assert!(d.is_allowed());
        // At 130: prev 10 weighs 0.7 → 7; 3 left.
        let (_, d) = decide(st, Instant::from_nanos(130), 3, &s);
        assert!(d.is_allowed());
        let (_, d) = decide(st, Instant::from_nanos(130), 4, &s);
        // 4 fits once 10·(100 − e) ≤ 6·100 → e ≥ 40 → t = 140.
        assert_eq!(d.retry_after(), Some(Nanos::from_nanos(10)));
    }

    #[test]
    fn counter_retry_into_next_window() {
        let s = Sliding::new(10, Nanos::from_nanos(100)).unwrap();
        let (st, _) = decide(0, Instant::from_nanos(0), 6, &s);
        let (st, _) = decide(st, Instant::from_nanos(150), 6, &s);
        // At 150: prev 6 · 0.5 = 3, curr 6 → estimate 9; cost 5 needs the
        // next window: 6·(100 − e) ≤ 5·100 → e ≥ 16.67 → 217.
        let (_, d) = decide(st, Instant::from_nanos(150), 5, &s);
        assert_eq!(d.retry_after(), Some(Nanos::from_nanos(67)));
    }

    #[test]
    fn log_is_exact_and_bounded_by_capacity() {
        let w = Window::new(3, Nanos::from_nanos(100)).unwrap();
        let mut log = Log::<2>::new();
        assert!(decide_log(&mut log, Instant::from_nanos(0), 1, &w).is_allowed());
        assert!(decide_log(&mut log, Instant::from_nanos(10), 1, &w).is_allowed());
        // Sum 2 ≤ 3 but the ring (N = 2) is full: denied until 100.
        let d = decide_log(&mut log, Instant::from_nanos(20), 1, &w);
        assert_eq!(d.retry_after(), Some(Nanos::from_nanos(80)));
        assert!(decide_log(&mut log, Instant::from_nanos(100), 1, &w).is_allowed());
    }
}
