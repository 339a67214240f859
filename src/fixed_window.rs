//! The fixed-window counter: at most `L` permits per aligned window of
//! length `W` — the baseline every gateway starts with.
//!
//! # Algorithm
//!
//! The window of `now` is `⌊now / W⌋`. The state holds the window index and
//! the count admitted in it; a request of cost `c` is admitted iff
//! `count + c ≤ L` (a new window starts at 0). Cheap and exact per aligned
//! window, but bursty at boundaries: `L` just before a boundary and `L` just
//! after put `2L` into an unaligned stretch of length `W` (SPEC W1). Windows
//! are aligned to the clock's origin. A clock that steps back stays in the
//! window already recorded (it never reopens an old window's budget).
//!
//! # Example
//!
//! ```
//! use ratecore::{FixedWindow, Instant, Nanos, NoClock, Window};
//!
//! let w = FixedWindow::new(Window::new(3, Nanos::from_secs(1))?, NoClock);
//! let at = |ms: u64| Instant::from_nanos(ms * 1_000_000);
//! assert!(w.check_at(at(900), 3).is_allowed());
//! let d = w.check_at(at(950), 1);
//! assert_eq!(d.retry_after(), Some(Nanos::from_millis(50))); // the next window
//! assert!(w.check_at(at(1000), 3).is_allowed()); // 6 within 100 ms: the W1 edge
//! # Ok::<(), ratecore::Error>(())
//! ```
//!
//! # Progress
//!
//! Lock-free: one load, the pure [`decide`], one compare-and-swap if admitted;
//! a denial never writes. [`LocalFixedWindow`] uses a plain `u64`.
//!
//! # Complexity
//!
//! O(1): one division of `now` by `W`.
//!
//! # Memory
//!
//! State: one `u64` packing the window index (high bits) and the count (low
//! `⌈log2(L + 1)⌉` bits). [`Window::new`] refuses limits and lengths whose
//! index over [`HORIZON`] and count do not both fit.
//!
//! # References
//!
//! - The fixed-window counter as described in Cloudflare's "How we built rate
//!   limiting capable of scaling to millions of domains" (2017) and in most
//!   gateway documentation (Kong, Envoy's local rate limit descriptors).

use crate::clock::{Instant, Nanos};
use crate::decision::{Decision, Outcome, Scale};
use crate::error::Error;
use crate::limiter::single_word_limiters;
use crate::quota::HORIZON;

/// `L` permits per aligned window of length `W`, validated for a one-word
/// state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    limit: u64,
    length: u64,
    /// Bits of the count field: `⌈log2(limit + 1)⌉`.
    count_bits: u32,
    /// The largest window index the state can hold.
    max_index: u64,
}

/// Bits needed to hold `0 ..= x`.
const fn bits_for(x: u64) -> u32 {
    u64::BITS.saturating_sub(x.leading_zeros())
}

/// The largest value of `bits` bits (`bits <= 64`).
pub(crate) const fn mask(bits: u32) -> u64 {
    match u64::MAX.checked_shr(u64::BITS.saturating_sub(bits)) {
        Some(m) if bits > 0 => m,
        _ => 0,
    }
}

impl Window {
    /// At most `limit` permits per window of `length`.
    ///
    /// # Errors
    ///
    /// [`Error::ZeroBurst`] for `limit == 0`, [`Error::ZeroPeriod`] for a
    /// zero length, [`Error::Overflow`] when the window index over
    /// [`HORIZON`] and a count up to `limit` do not fit in 64 bits together
    /// (e.g. `10^9` per 1 µs).
    pub const fn new(limit: u64, length: Nanos) -> Result<Self, Error> {
        Self::packed(limit, length, 1)
    }

    /// Validates `fields` count fields of `⌈log2(limit + 1)⌉` bits beside the
    /// window index.
    pub(crate) const fn packed(limit: u64, length: Nanos, fields: u32) -> Result<Self, Error> {
        let length = length.as_nanos();
        if limit == 0 {
            return Err(Error::ZeroBurst);
        }
        if length == 0 {
            return Err(Error::ZeroPeriod);
        }
        let count_bits = bits_for(limit);
        let index_bits = match count_bits.checked_mul(fields) {
            Some(b) if b < u64::BITS => u64::BITS.saturating_sub(b),
            _ => return Err(Error::Overflow),
        };
        let max_index = mask(index_bits);
        // Every window up to the horizon, and the one after it, must fit.
        match HORIZON.as_nanos().checked_div(length) {
            Some(last) if last < max_index => {}
            _ => return Err(Error::Overflow),
        }
        Ok(Self { limit, length, count_bits, max_index })
    }

    /// `L`, the permits per window.
    #[must_use]
    pub const fn limit(&self) -> u64 {
        self.limit
    }

    /// `W`, the window length.
    #[must_use]
    pub const fn length(&self) -> Nanos {
        Nanos::from_nanos(self.length)
    }

    pub(crate) const fn count_bits(&self) -> u32 {
        self.count_bits
    }

    /// The window index of `now`, or `None` past the representable range.
    #[inline]
    pub(crate) const fn index(&self, now: Instant) -> Option<u64> {
        match now.as_nanos().checked_div(self.length) {
            Some(i) if i <= self.max_index => Some(i),
            _ => None,
        }
    }

    /// An empty window at `at` with `fields` zero counts: the state of a key
    /// seen first at `at` (for the keyed table).
    pub(crate) const fn fresh_at(&self, at: Instant, fields: u32) -> u64 {
        match self.index(at) {
            Some(i) => match i.checked_shl(self.count_bits.saturating_mul(fields)) {
                Some(w) => w,
                None => 0,
            },
            None => 0,
        }
    }

    /// The first nanosecond of window `index + k` (saturating).
    #[inline]
    pub(crate) const fn start(&self, index: u64, k: u64) -> u64 {
        index.saturating_add(k).saturating_mul(self.length)
    }

    /// The first nanosecond of window `index + k`, if it exists.
    #[inline]
    pub(crate) const fn checked_start(&self, index: u64, k: u64) -> Option<u64> {
        match index.checked_add(k) {
            Some(i) => i.checked_mul(self.length),
            None => None,
        }
    }

    /// A decision skeleton in nanoseconds for this window.
    #[inline]
    pub(crate) const fn decision(&self, now: Instant, remaining: u64) -> Decision {
        Decision {
            outcome: Outcome::Allowed,
            never: false,
            limit: self.limit,
            window: self.length,
            now: now.as_nanos(),
            avail: remaining,
            per: 1,
            reset_at: 0,
            ready_at: 0,
            scale: Scale { div: 1, mul: 1 },
        }
    }
}

/// The pure fixed-window transition.
///
/// The state word packs the window index in its high `64 − k` bits and the
/// admitted count in its low `k = ⌈log2(L + 1)⌉` bits; `0` is window 0 with
/// nothing admitted. A denial, an impossible request and cost 0 return it
/// unchanged. Past the representable window index every request of cost ≥ 1
/// is denied.
#[inline]
pub fn decide(state: u64, now: Instant, cost: u32, w: &Window) -> (u64, Decision) {
    let bits = w.count_bits();
    let stored_index = state.checked_shr(bits).unwrap_or(0);
    let stored_count = state & mask(bits);
    let now_index = w.index(now);
    // A later window starts empty; the same or an earlier one (the clock
    // stepped back) keeps the recorded window and count.
    let (index, count) = match now_index {
        Some(i) if i > stored_index => (i, 0),
        _ => (stored_index, stored_count),
    };
    let mut d = w.decision(now, w.limit().saturating_sub(count));
    if count > 0 {
        d.reset_at = w.start(index, 1);
    }
    let cost = u64::from(cost);
    if cost > w.limit() {
        d.outcome = Outcome::Impossible;
        return (state, d);
    }
    if cost == 0 {
        return (state, d);
    }
    let total = count.saturating_add(cost);
    if now_index.is_some() && total <= w.limit() {
        d.avail = w.limit().saturating_sub(total);
        d.reset_at = w.start(index, 1);
        let next = index.checked_shl(bits).unwrap_or(0) | total;
        (next, d)
    } else {
        // cost <= limit: the next window admits it, if it starts within the
        // clock range.
        match w.checked_start(index, 1).filter(|_| now_index.is_some()) {
            Some(at) => d.deny_until(at),
            None => d.deny_never(),
        }
        (state, d)
    }
}

/// Gives `cost` permits back to the current window (never below zero). A
/// refund after the window has ended gives nothing: the new window is
/// already full.
#[inline]
#[must_use]
pub fn refund(state: u64, now: Instant, cost: u32, w: &Window) -> u64 {
    let bits = w.count_bits();
    let stored_index = state.checked_shr(bits).unwrap_or(0);
    match w.index(now) {
        Some(i) if i > stored_index => state,
        _ => {
            let count = (state & mask(bits)).saturating_sub(u64::from(cost));
            (state & !mask(bits)) | count
        }
    }
}

single_word_limiters! {
    /// A lock-free fixed-window counter (one `AtomicU64`).
    ///
    /// See the [module docs](self) for the algorithm and an example.
    shared FixedWindow;
    /// A single-threaded fixed-window counter (`&mut self`, a plain `u64`).
    local LocalFixedWindow;
    params Window;
    initial 0;
    decide decide;
    refund refund;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_limits() {
        assert_eq!(mask(0), 0);
        assert_eq!(mask(1), 1);
        assert_eq!(mask(64), u64::MAX);
        let w = Window::new(1, Nanos::from_secs(1)).unwrap();
        assert_eq!(w.count_bits(), 1);
        assert_eq!(Window::new(u64::MAX, Nanos::from_secs(1)), Err(Error::Overflow));
        assert_eq!(Window::new(1_000_000_000, Nanos::from_micros(1)), Err(Error::Overflow));
        assert!(Window::new(1 << 32, Nanos::from_secs(1)).is_ok());
        assert_eq!(Window::new(0, Nanos::from_secs(1)), Err(Error::ZeroBurst));
        assert_eq!(Window::new(1, Nanos::ZERO), Err(Error::ZeroPeriod));
    }

    #[test]
    fn counts_reset_per_window_and_clock_back_keeps_window() {
        let w = Window::new(2, Nanos::from_nanos(100)).unwrap();
        let (s, d) = decide(0, Instant::from_nanos(150), 2, &w);
        assert!(d.is_allowed());
        assert_eq!(d.reset_after(), Nanos::from_nanos(50));
        // Clock back into window 0: still window 1's count.
        let (_, d) = decide(s, Instant::from_nanos(50), 1, &w);
        assert_eq!(d.retry_after(), Some(Nanos::from_nanos(150)));
        let (_, d) = decide(s, Instant::from_nanos(200), 2, &w);
        assert!(d.is_allowed());
    }

    #[test]
    fn past_the_index_range_denies() {
        let w = Window::new(1 << 30, Nanos::from_nanos(1 << 30)).unwrap();
        let (_, d) = decide(0, Instant::MAX, 1, &w);
        assert_eq!(d.retry_after(), Some(Nanos::MAX));
    }
}
