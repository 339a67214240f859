//! GCRA exactly as SPEC.md states it, in units of `1/n` ns so that the
//! emission interval `T = p/n` ns is the integer `p`.

use super::{Expected, ceil_div, to_u64};
use ratecore::{Outcome, Quota};

#[derive(Clone, Debug)]
pub struct Gcra {
    n: u128,
    p: u128,
    b: u128,
    /// Theoretical arrival time in units of 1/n ns.
    tat: u128,
}

impl Gcra {
    /// `n` permits per `p` ns, burst `b`.
    pub fn new(n: u64, p: u64, b: u64) -> Self {
        assert!(n > 0 && p > 0 && b > 0);
        Self { n: n.into(), p: p.into(), b: b.into(), tat: 0 }
    }

    /// The model of what a `Quota` promises: its effective interval
    /// `interval_ticks / ticks_per_ns` ns (equal to `P/n` for exact quotas).
    /// Its units are then exactly the limiter's ticks, so "past the largest
    /// state word" is `> u64::MAX` here too.
    pub fn for_quota(q: &Quota) -> Self {
        Self::new(q.ticks_per_ns(), q.interval_ticks(), q.burst())
    }

    pub fn check(&mut self, now: u64, cost: u64) -> Expected {
        let now_u = u128::from(now) * self.n;
        let t = self.p;
        let cap = self.b * t;
        let used = self.tat.saturating_sub(now_u);
        let mut e = Expected {
            outcome: Outcome::Allowed,
            limit: to_u64(self.b),
            window: to_u64(ceil_div(cap, self.n)),
            remaining: to_u64(cap.saturating_sub(used) / t),
            reset_after: to_u64(ceil_div(used, self.n)),
            retry_after: None,
            wait: 0,
        };
        let cost = u128::from(cost);
        if cost > self.b {
            e.outcome = Outcome::Impossible;
            return e;
        }
        if cost == 0 {
            return e;
        }
        let next = self.tat.max(now_u) + cost * t;
        if next - now_u <= cap {
            self.tat = next;
            e.remaining = to_u64((cap - (next - now_u)) / t);
            e.reset_after = to_u64(ceil_div(next - now_u, self.n));
        } else {
            e.outcome = Outcome::Denied;
            // A request whose slots would end past the largest state word
            // (in ticks) can never be recorded: it never passes.
            e.retry_after = Some(if next > u128::from(u64::MAX) {
                u64::MAX
            } else {
                to_u64(ceil_div(next - cap - now_u, self.n))
            });
        }
        e
    }
}

impl super::harness::Model for Gcra {
    fn check(&mut self, now: u64, cost: u64) -> Expected {
        Gcra::check(self, now, cost)
    }
}
