//! Models for the interval-refill token bucket and the shaping queue. The
//! continuous token bucket and the leaky meter are checked against
//! `gcra::Gcra`, as SPEC.md defines them by it.

use super::harness::Model;
use super::{Expected, ceil_div, to_u64};
use ratecore::{Outcome, Refill, Shaping};

/// Whole tokens: `amount` added at every multiple of `every`, capped at
/// `capacity`. `tokens` is the level as of refill index `last` and extends
/// linearly (then capped) to any other index, earlier ones included.
#[derive(Clone, Debug)]
pub struct Interval {
    amount: i128,
    every: u64,
    capacity: i128,
    tokens: i128,
    last: i128,
}

impl Interval {
    pub fn new(r: &Refill) -> Self {
        Self {
            amount: r.amount().into(),
            every: r.every().as_nanos(),
            capacity: r.capacity().into(),
            tokens: r.capacity().into(),
            last: 0,
        }
    }

    fn tokens_at(&self, k: i128) -> i128 {
        (self.tokens + (k - self.last) * self.amount).min(self.capacity)
    }

    /// The first instant at or after refill index `k` holding `need` tokens.
    fn instant_with(&self, k: i128, need: i128, now: u64) -> u64 {
        let have = self.tokens_at(k);
        if have >= need {
            return 0;
        }
        let steps = (need - have + self.amount - 1) / self.amount;
        let at = (k + steps) as u128 * u128::from(self.every);
        to_u64(at - u128::from(now))
    }
}

impl Model for Interval {
    fn check(&mut self, now: u64, cost: u64) -> Expected {
        let k = i128::from(now / self.every);
        let have = self.tokens_at(k);
        let window = to_u64(ceil_div(self.capacity as u128, self.amount as u128) * u128::from(self.every));
        let mut e = Expected {
            outcome: Outcome::Allowed,
            limit: self.capacity as u64,
            window,
            remaining: have.max(0) as u64,
            reset_after: self.instant_with(k, self.capacity, now),
            retry_after: None,
            wait: 0,
        };
        let cost = i128::from(cost);
        if cost > self.capacity {
            e.outcome = Outcome::Impossible;
        } else if cost > 0 && have >= cost {
            self.tokens = have - cost;
            self.last = k;
            e.remaining = self.tokens as u64;
            e.reset_after = self.instant_with(k, self.capacity, now);
        } else if cost > 0 {
            e.outcome = Outcome::Denied;
            e.retry_after = Some(self.instant_with(k, cost, now));
        }
        e
    }
}

/// The nginx `limit_req` queue: `excess` permits queued as of `last` (in
/// units of 1/s ns), draining one per `T` units; a request of cost `c` is
/// accepted iff `excess + c ≤ burst + 1`, and waits `max(0, excess − delay)`
/// slots.
#[derive(Clone, Debug)]
pub struct Queue {
    s: u128,
    t: u128,
    slots: u128,
    delay: u128,
    /// Queue length in units (permits × T), as of `last` (units).
    queued: i128,
    last: i128,
}

impl Queue {
    pub fn new(sh: &Shaping) -> Self {
        let q = sh.quota();
        Self {
            s: q.ticks_per_ns().into(),
            t: q.interval_ticks().into(),
            slots: q.burst().into(),
            delay: sh.delay_count().into(),
            queued: 0,
            last: 0,
        }
    }
}

impl Model for Queue {
    fn check(&mut self, now: u64, cost: u64) -> Expected {
        let now_u = i128::from(now) * self.s as i128;
        // Drained since `last` (negative when the clock went back: more queued).
        let queued = (self.queued - (now_u - self.last)).max(0) as u128;
        let cap = self.slots * self.t;
        let mut e = Expected {
            outcome: Outcome::Allowed,
            limit: to_u64(self.slots),
            window: to_u64(ceil_div(cap, self.s)),
            remaining: to_u64(cap.saturating_sub(queued) / self.t),
            reset_after: to_u64(ceil_div(queued, self.s)),
            retry_after: None,
            wait: 0,
        };
        let cost = u128::from(cost);
        if cost > self.slots {
            e.outcome = Outcome::Impossible;
        } else if cost > 0 && queued + cost * self.t <= cap {
            let after = queued + cost * self.t;
            e.wait = to_u64(ceil_div(queued.saturating_sub(self.delay * self.t), self.s));
            e.remaining = to_u64((cap - after) / self.t);
            e.reset_after = to_u64(ceil_div(after, self.s));
            self.queued = after as i128;
            self.last = now_u;
        } else if cost > 0 {
            e.outcome = Outcome::Denied;
            // Slots ending past the largest state word (ticks): never.
            let end = now_u as u128 + queued + cost * self.t;
            e.retry_after = Some(if end > u128::from(u64::MAX) {
                u64::MAX
            } else {
                to_u64(ceil_div(queued + cost * self.t - cap, self.s))
            });
        }
        e
    }
}
