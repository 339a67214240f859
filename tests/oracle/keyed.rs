//! The keyed table's model (SPEC K1–K3, the full-table policy, tiers): an
//! unbounded map from each key to its plan's own `&mut` limiter (the
//! algorithm's `Local*` type, not the table's dispatch), created when the
//! key is first seen. For a table whose every key shares one window (8
//! slots), the model also tracks which keys occupy slots: a new key takes a
//! free slot, else an idle key's (one whose limiter reports
//! `reset_after == 0`: evicting it must be invisible, K1), else gets a fresh
//! key's decision, not stored (the caller applies the full-table policy).
//!
//! Decisions are compared with a clock that never steps back: after an
//! eviction, a stale instant is answered by the table more strictly than by
//! a model that never forgot the key (by design: SPEC K1 with S4), so the
//! two are not equal there.

use std::collections::HashMap;

use ratecore::keyed::Plan;
use ratecore::{
    Decision, Instant, LocalFixedWindow, LocalGcra, LocalIntervalBucket, LocalLeakyMeter, LocalSlidingWindow,
    LocalTokenBucket, Nanos, NoClock,
};

/// A plan's own limiter.
#[derive(Clone, Debug)]
pub enum Local {
    Gcra(LocalGcra<NoClock>),
    TokenBucket(LocalTokenBucket<NoClock>),
    IntervalBucket(LocalIntervalBucket<NoClock>),
    LeakyMeter(LocalLeakyMeter<NoClock>),
    FixedWindow(LocalFixedWindow<NoClock>),
    SlidingWindow(LocalSlidingWindow<NoClock>),
}

impl Local {
    /// A fresh limiter of plan `p`.
    pub fn new(p: &Plan) -> Self {
        match *p {
            Plan::Gcra(q) => Self::Gcra(LocalGcra::new(q, NoClock)),
            Plan::TokenBucket(q) => Self::TokenBucket(LocalTokenBucket::new(q, NoClock)),
            Plan::IntervalBucket(r) => Self::IntervalBucket(LocalIntervalBucket::new(r, NoClock)),
            Plan::LeakyMeter(q) => Self::LeakyMeter(LocalLeakyMeter::new(q, NoClock)),
            Plan::FixedWindow(w) => Self::FixedWindow(LocalFixedWindow::new(w, NoClock)),
            Plan::SlidingWindow(s) => Self::SlidingWindow(LocalSlidingWindow::new(s, NoClock)),
        }
    }

    pub fn check_at(&mut self, now: Instant, cost: u32) -> Decision {
        match self {
            Self::Gcra(l) => l.check_at(now, cost),
            Self::TokenBucket(l) => l.check_at(now, cost),
            Self::IntervalBucket(l) => l.check_at(now, cost),
            Self::LeakyMeter(l) => l.check_at(now, cost),
            Self::FixedWindow(l) => l.check_at(now, cost),
            Self::SlidingWindow(l) => l.check_at(now, cost),
        }
    }

    pub fn peek_at(&self, now: Instant, cost: u32) -> Decision {
        match self {
            Self::Gcra(l) => l.peek_at(now, cost),
            Self::TokenBucket(l) => l.peek_at(now, cost),
            Self::IntervalBucket(l) => l.peek_at(now, cost),
            Self::LeakyMeter(l) => l.peek_at(now, cost),
            Self::FixedWindow(l) => l.peek_at(now, cost),
            Self::SlidingWindow(l) => l.peek_at(now, cost),
        }
    }
}

/// The model of a table over `plans`; `cap` is `Some(8)` for an 8-slot
/// table (one window), `None` for a table roomy enough never to be full.
#[derive(Debug)]
pub struct KeyedModel {
    pub plans: Vec<Plan>,
    /// Each tracked key's plan and limiter.
    pub keys: HashMap<u64, (usize, Local)>,
    pub cap: Option<usize>,
}

impl KeyedModel {
    pub fn new(plans: &[Plan], cap: Option<usize>) -> Self {
        Self { plans: plans.to_vec(), keys: HashMap::new(), cap }
    }

    /// Whether `key` is tracked.
    pub fn tracks(&self, key: u64) -> bool {
        self.keys.contains_key(&key)
    }

    /// The limiter `key` is decided on for plan `tier` at `now`: its own
    /// while it is not full (a tracked key keeps its plan while it is being
    /// limited); once full again, a fresh one of `tier` (it is then
    /// indistinguishable from a new key, whether or not it was evicted).
    fn current(&self, key: u64, tier: usize, now: Instant) -> Option<&Local> {
        self.keys
            .get(&key)
            .filter(|(plan, l)| *plan == tier || l.peek_at(now, 0).reset_after() != Nanos::ZERO)
            .map(|(_, l)| l)
    }

    /// What `peek_at` should say.
    pub fn peek(&self, key: u64, tier: usize, now: Instant, cost: u32) -> Decision {
        match self.current(key, tier, now) {
            Some(l) => l.peek_at(now, cost),
            None => Local::new(&self.plans[tier]).peek_at(now, cost),
        }
    }

    /// `cost` for `key` on plan `tier` at `now`.
    pub fn check(&mut self, key: u64, tier: usize, now: Instant, cost: u32) -> Decision {
        let fresh = Local::new(&self.plans[tier]).peek_at(now, cost);
        let current = self.current(key, tier, now).is_some();
        if !current && (cost == 0 || !fresh.is_allowed()) {
            return fresh; // nothing changes
        }
        if self.keys.contains_key(&key) {
            if !current {
                // Idle on another plan: now on this one, fresh.
                self.keys.insert(key, (tier, Local::new(&self.plans[tier])));
            }
        } else {
            if self.cap.is_some_and(|cap| self.keys.len() >= cap) {
                let idle = self
                    .keys
                    .iter()
                    .find(|(_, (_, l))| l.peek_at(now, 0).reset_after() == Nanos::ZERO)
                    .map(|(&k, _)| k);
                match idle {
                    Some(k) => {
                        self.keys.remove(&k);
                    }
                    // No room: a fresh key's decision, not stored.
                    None => return fresh,
                }
            }
            self.keys.insert(key, (tier, Local::new(&self.plans[tier])));
        }
        self.keys.get_mut(&key).unwrap().1.check_at(now, cost)
    }
}
