//! Models for the window algorithms: counts per window index kept in a map,
//! the sliding estimate as an exact rational, the log as a plain list; retry
//! and reset times found by search over the (monotone) admission predicate,
//! independently of the closed forms the implementation uses.

use std::collections::BTreeMap;

use super::Expected;
use super::harness::Model;
use ratecore::{Outcome, Sliding, Window};

/// Counts per aligned window. A clock that steps back stays in the window of
/// the latest admission.
#[derive(Clone, Debug)]
pub struct Fixed {
    limit: u64,
    len: u64,
    counts: BTreeMap<u64, u64>,
    current: u64,
}

impl Fixed {
    pub fn new(w: &Window) -> Self {
        Self { limit: w.limit(), len: w.length().as_nanos(), counts: BTreeMap::new(), current: 0 }
    }
}

impl Model for Fixed {
    fn check(&mut self, now: u64, cost: u64) -> Expected {
        let idx = (now / self.len).max(self.current);
        let count = self.counts.get(&idx).copied().unwrap_or(0);
        let end = (idx + 1) * self.len - now;
        let mut e = Expected {
            outcome: Outcome::Allowed,
            limit: self.limit,
            window: self.len,
            remaining: self.limit - count,
            reset_after: if count > 0 { end } else { 0 },
            retry_after: None,
            wait: 0,
        };
        if cost > self.limit {
            e.outcome = Outcome::Impossible;
        } else if cost > 0 && count + cost <= self.limit {
            self.counts.insert(idx, count + cost);
            self.current = idx;
            e.remaining = self.limit - count - cost;
            e.reset_after = end;
        } else if cost > 0 {
            e.outcome = Outcome::Denied;
            e.retry_after = Some(end);
        }
        e
    }
}

/// The two-window weighted estimate, exactly: `prev·(W − e) + curr·W`
/// compared with `L·W`. A clock that steps back behind the latest admission's
/// window counts as the start of that window.
#[derive(Clone, Debug)]
pub struct SlidingCounter {
    limit: u64,
    len: u64,
    counts: BTreeMap<u64, u64>,
    current: u64,
}

impl SlidingCounter {
    pub fn new(s: &Sliding) -> Self {
        Self { limit: s.limit(), len: s.length().as_nanos(), counts: BTreeMap::new(), current: 0 }
    }

    /// (window index, time into it) at instant `t`.
    fn position(&self, t: u64) -> (u64, u64) {
        let idx = t / self.len;
        if idx < self.current { (self.current, 0) } else { (idx, t % self.len) }
    }

    /// `estimate · W` at instant `t`, plus `extra` in the current window.
    fn weighted(&self, t: u64, extra: u64) -> u128 {
        let (idx, e) = self.position(t);
        let prev = idx.checked_sub(1).and_then(|p| self.counts.get(&p)).copied().unwrap_or(0);
        let curr = self.counts.get(&idx).copied().unwrap_or(0) + extra;
        u128::from(prev) * u128::from(self.len - e) + u128::from(curr) * u128::from(self.len)
    }

    /// The first instant ≥ `now` at which `pred` holds (binary search; the
    /// estimate never rises while nothing is admitted).
    fn first(&self, now: u64, pred: impl Fn(u64) -> bool) -> u64 {
        let (idx, _) = self.position(now);
        let (mut lo, mut hi) = (now, (idx + 2) * self.len);
        assert!(pred(hi), "the estimate is zero two windows on");
        if pred(lo) {
            return lo;
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if pred(mid) { hi = mid } else { lo = mid }
        }
        hi
    }
}

impl Model for SlidingCounter {
    fn check(&mut self, now: u64, cost: u64) -> Expected {
        let cap = u128::from(self.limit) * u128::from(self.len);
        let snapshot = |m: &Self| {
            let w = m.weighted(now, 0);
            let remaining = (cap.saturating_sub(w) / u128::from(m.len)) as u64;
            let reset = m.first(now, |t| m.weighted(t, 0) == 0) - now;
            (remaining, reset)
        };
        let (remaining, reset_after) = snapshot(self);
        let mut e = Expected {
            outcome: Outcome::Allowed,
            limit: self.limit,
            window: self.len,
            remaining,
            reset_after,
            retry_after: None,
            wait: 0,
        };
        if cost > self.limit {
            e.outcome = Outcome::Impossible;
        } else if cost > 0 && self.weighted(now, cost) <= cap {
            let (idx, _) = self.position(now);
            *self.counts.entry(idx).or_insert(0) += cost;
            self.current = idx;
            (e.remaining, e.reset_after) = snapshot(self);
        } else if cost > 0 {
            e.outcome = Outcome::Denied;
            e.retry_after = Some(self.first(now, |t| self.weighted(t, cost) <= cap) - now);
        }
        e
    }
}

/// The exact sliding window over a list of every admission, with at most `n`
/// admissions live at once.
#[derive(Clone, Debug)]
pub struct Log {
    limit: u64,
    len: u64,
    n: usize,
    admitted: Vec<(u64, u64)>,
    latest: u64,
}

impl Log {
    pub fn new(w: &Window, n: usize) -> Self {
        Self { limit: w.limit(), len: w.length().as_nanos(), n, admitted: Vec::new(), latest: 0 }
    }

    /// Live (sum, count) at effective instant `t`: admissions in `(t − W, t]`.
    fn live(&self, t: u64) -> (u64, usize) {
        let live = self.admitted.iter().filter(|&&(a, _)| a + self.len > t);
        live.fold((0, 0), |(s, k), &(_, c)| (s + c, k + 1))
    }

    fn fits(&self, t: u64, cost: u64) -> bool {
        let (sum, k) = self.live(t);
        sum + cost <= self.limit && k < self.n
    }
}

impl Model for Log {
    fn check(&mut self, now: u64, cost: u64) -> Expected {
        let t = now.max(self.latest);
        let (sum, k) = self.live(t);
        let newest = self.admitted.iter().map(|&(a, _)| a).filter(|&a| a + self.len > t).max();
        let mut e = Expected {
            outcome: Outcome::Allowed,
            limit: self.limit,
            window: self.len,
            remaining: if k >= self.n { 0 } else { self.limit - sum },
            reset_after: newest.map_or(0, |a| a + self.len - now),
            retry_after: None,
            wait: 0,
        };
        if cost > self.limit || self.n == 0 {
            e.outcome = Outcome::Impossible;
        } else if cost > 0 && self.fits(t, cost) {
            self.admitted.push((t, cost));
            self.latest = t;
            e.remaining = if k + 1 >= self.n { 0 } else { self.limit - sum - cost };
            e.reset_after = t + self.len - now;
        } else if cost > 0 {
            e.outcome = Outcome::Denied;
            // Candidates: the instants at which some admission expires.
            let at = self
                .admitted
                .iter()
                .map(|&(a, _)| a + self.len)
                .filter(|&x| x > t && self.fits(x, cost))
                .min()
                .expect("everything expires eventually");
            e.retry_after = Some(at - now);
        }
        e
    }
}
