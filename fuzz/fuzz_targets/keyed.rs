//! The keyed table against its model (`tests/keyed.rs`, fuzzed, with every
//! plan kind): two plans of any algorithm, keys that change plan between
//! requests, checks and peeks with any cost, a clock that moves forward by
//! steps scaled to the plans. Either an 8-slot table (one window: every key
//! competes for the same slots, so evictions and the full-table policy
//! happen all the time; the model tracks occupancy) or a 1024-slot table
//! with 40 keys (never full). Every decision equals the model's (K1: an
//! eviction is invisible, even to a key that changes plan; K3: keys are
//! isolated; tiers), except that a new
//! key at a full 8-slot table under `Full::Deny` is denied with a retry time
//! (K2); the table never holds more than its capacity, and exactly as many
//! keys as the model.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ratecore::keyed::{Full, Keyed, Plan, Slot};
use ratecore::{Instant, Nanos, NoClock, Outcome};
use ratecore_fuzz::input::{Cost, Rate, Step};
use ratecore_fuzz::oracle::keyed::KeyedModel;

#[derive(Arbitrary, Clone, Copy, Debug)]
enum Kind {
    Gcra,
    TokenBucket,
    IntervalBucket,
    LeakyMeter,
    FixedWindow,
    SlidingWindow,
}

#[derive(Arbitrary, Debug)]
struct PlanInput {
    kind: Kind,
    rate: Rate,
}

impl PlanInput {
    /// The plan, if its constructor accepts the integers.
    fn plan(&self) -> Option<Plan> {
        match self.kind {
            Kind::Gcra => self.rate.quota().ok().map(Plan::Gcra),
            Kind::TokenBucket => self.rate.quota().ok().map(Plan::TokenBucket),
            Kind::IntervalBucket => self.rate.refill().ok().map(Plan::IntervalBucket),
            Kind::LeakyMeter => self.rate.quota().ok().map(Plan::LeakyMeter),
            Kind::FixedWindow => self.rate.window().ok().map(Plan::FixedWindow),
            Kind::SlidingWindow => self.rate.sliding().ok().map(Plan::SlidingWindow),
        }
    }
}

#[derive(Arbitrary, Clone, Copy, Debug)]
enum Act {
    /// Moves the clock (never back: see `oracle::keyed`).
    Step(Step),
    Check {
        key: u8,
        plan: u8,
        cost: Cost,
    },
    Peek {
        key: u8,
        plan: u8,
        cost: Cost,
    },
}

#[derive(Arbitrary, Debug)]
struct Input {
    seed: u128,
    admit_untracked: bool,
    one_window: bool,
    plans: [PlanInput; 2],
    acts: Vec<Act>,
}

fuzz_target!(|input: Input| {
    let (Some(p0), Some(p1)) = (input.plans[0].plan(), input.plans[1].plan()) else { return };
    let plans = [p0, p1];
    let full = if input.admit_untracked { Full::AdmitUntracked } else { Full::Deny };
    let (capacity, keys, cap) = if input.one_window { (8, 24, Some(8)) } else { (1024, 40, None) };
    let mut slots: Vec<Slot> = (0..capacity).map(|_| Slot::new()).collect();
    let table = Keyed::new(&mut slots, &plans, input.seed, full, NoClock).expect("valid table");
    let mut model = KeyedModel::new(&plans, cap);
    let scale = input.plans[0].rate.scale().min(input.plans[1].rate.scale());
    let mut now = 0u64;
    for &act in &input.acts {
        let (key, plan, cost, check) = match act {
            Act::Step(s) => {
                now = now.max(s.apply(now, scale));
                continue;
            }
            Act::Check { key, plan, cost } => (key, plan, cost, true),
            Act::Peek { key, plan, cost } => (key, plan, cost, false),
        };
        let (k, p) = (u64::from(key) % keys, usize::from(plan) % 2);
        let c = cost.resolve(input.plans[p].rate.limit());
        let at = Instant::from_nanos(now);
        if check {
            let d = table.check_at(&k, p, at, c);
            let m = model.check(k, p, at, c);
            if full == Full::Deny && cap.is_some() && !model.tracks(k) && m.is_allowed() && c > 0 {
                // A new key at a full table (K2).
                assert_eq!(d.outcome(), Outcome::Denied, "key {k} plan {p} cost {c} at {now}: {d:?}");
                assert!(d.retry_after().is_some_and(|r| r >= Nanos::from_nanos(1)), "{d:?}");
            } else {
                assert_eq!(d, m, "key {k} plan {p} cost {c} at {now}");
            }
        } else {
            let d = table.peek_at(&k, p, at, c);
            let m = model.peek(k, p, at, c);
            assert_eq!(d, m, "peek: key {k} plan {p} cost {c} at {now}");
        }
        assert!(table.len() <= capacity);
        assert_eq!(table.len(), model.keys.len(), "tracked keys at {now}");
    }
});
