//! The keyed table against a `HashMap` model (SPEC K1–K3, the full-table
//! policy, tiers), and a churn test with 10^7 distinct keys (10^6 in debug
//! builds) that keeps throttled keys throttled and never grows.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

mod oracle;
mod strategies;

use oracle::keyed::KeyedModel;
use proptest::prelude::*;
use ratecore::keyed::{Full, Keyed, Plan, Slot};
use ratecore::{Instant, Nanos, NoClock, Outcome, Quota};
use strategies::config;

/// Two tiers: free (3 per 100 ns, burst 2) and paid (1 per 10 ns, burst 5).
fn plans() -> [Plan; 2] {
    [
        Plan::Gcra(Quota::new(3, Nanos::from_nanos(100), 2).unwrap()),
        Plan::Gcra(Quota::new(1, Nanos::from_nanos(10), 5).unwrap()),
    ]
}

/// A key's tier: odd keys pay; one request in five names the other plan
/// (a client that upgraded or downgraded).
fn tier(key: u64, switched: bool) -> usize {
    ((key + u64::from(switched)) % 2) as usize
}

#[derive(Clone, Debug)]
enum Op {
    Advance(u64),
    /// Key, cost, and whether the request names the key's other plan.
    Check(u64, u32, bool),
}

fn op(keys: u64) -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (0..60u64).prop_map(Op::Advance),
        4 => (0..keys, prop_oneof![3 => Just(1u32), 1 => 0..=6u32], prop::bool::weighted(0.2))
            .prop_map(|(k, c, s)| Op::Check(k, c, s)),
    ]
}

proptest! {
    #![proptest_config(config())]

    /// A roomy table (1024 slots, 40 keys) decides exactly like an
    /// unbounded map of limiters: evictions are invisible (K1) and keys are
    /// isolated (K3); tiers apply per key.
    #[test]
    fn keyed_equals_unbounded_map(ops in prop::collection::vec(op(40), 1..200), seed in any::<u128>()) {
        let mut slots: Vec<Slot> = (0..1024).map(|_| Slot::new()).collect();
        let plans = plans();
        let table = Keyed::new(&mut slots, &plans, seed, Full::Deny, NoClock).unwrap();
        let mut model = KeyedModel::new(&plans, None);
        let mut now = 0;
        for op in ops {
            match op {
                Op::Advance(d) => now += d,
                Op::Check(k, c, s) => {
                    let at = Instant::from_nanos(now);
                    let d = table.check_at(&k, tier(k, s), at, c);
                    prop_assert_eq!(d, model.check(k, tier(k, s), at, c), "key {} cost {} at {}", k, c, now);
                }
            }
            prop_assert!(table.len() <= 1024);
        }
    }

    /// A table of 8 slots (one window: every key competes for the same
    /// slots) against the model with capacity 8: the full-table policy
    /// applies exactly when all 8 are throttled, existing keys are never
    /// affected (K2), and the table never holds more than 8 keys.
    #[test]
    fn keyed_full_table_policy(
        ops in prop::collection::vec(op(24), 1..200),
        seed in any::<u128>(),
        admit in any::<bool>(),
    ) {
        let full = if admit { Full::AdmitUntracked } else { Full::Deny };
        let mut slots: [Slot; 8] = Default::default();
        let plans = plans();
        let table = Keyed::new(&mut slots, &plans, seed, full, NoClock).unwrap();
        let mut model = KeyedModel::new(&plans, Some(8));
        let mut now = 0;
        for op in ops {
            match op {
                Op::Advance(d) => now += d,
                Op::Check(k, c, s) => {
                    let at = Instant::from_nanos(now);
                    let d = table.check_at(&k, tier(k, s), at, c);
                    let m = model.check(k, tier(k, s), at, c);
                    if full == Full::Deny && !model.tracks(k) && m.is_allowed() && c > 0 {
                        // A new key at a full table: denied.
                        prop_assert_eq!(d.outcome(), Outcome::Denied, "key {} at {}", k, now);
                        prop_assert!(d.retry_after().unwrap() >= Nanos::from_nanos(1));
                    } else {
                        prop_assert_eq!(d, m, "key {} cost {} at {}", k, c, now);
                    }
                }
            }
            prop_assert!(table.len() <= 8);
            prop_assert_eq!(table.len(), model.keys.len());
        }
    }
}

/// 10^7 distinct keys (10^6 in debug builds) stream through a 4096-slot
/// table while 64 hot keys are hammered and kept throttled: the table never
/// holds more than its capacity, every churning key is served, and no hot
/// key is ever evicted (an evicted hot key would start fresh and be admitted
/// beyond its rate — the admitted counts prove it never happened).
#[test]
fn churn_ten_million_keys_keeps_throttled_keys() {
    let distinct: u64 = if cfg!(miri) {
        2_000
    } else if cfg!(debug_assertions) {
        1_000_000
    } else {
        10_000_000
    };
    let mut slots: Vec<Slot> = (0..4096).map(|_| Slot::new()).collect();
    // Hot keys: 1 per 1000 ns, burst 1. Churning keys: the same.
    let plans = [Plan::Gcra(Quota::new(1, Nanos::from_nanos(1_000), 1).unwrap())];
    let table = Keyed::new(&mut slots, &plans, 0xC0FFEE, Full::Deny, NoClock).unwrap();
    let hot: Vec<u64> = (0..64).map(|i| u64::MAX - i).collect();
    let mut hot_admitted = vec![0u64; hot.len()];
    let mut churn_denied = 0u64;
    let step = 10; // ns per churning key
    for i in 0..distinct {
        let now = Instant::from_nanos(i * step);
        if !table.check_at(&i, 0, now, 1).is_allowed() {
            churn_denied += 1;
        }
        if i % 16 == 0 {
            for (h, n) in hot.iter().zip(hot_admitted.iter_mut()) {
                *n += u64::from(table.check_at(h, 0, now, 1).is_allowed());
            }
        }
        if i % 65_536 == 0 {
            assert!(table.len() <= table.capacity());
        }
    }
    let elapsed = distinct * step;
    for (h, &n) in hot.iter().zip(&hot_admitted) {
        // At most B + elapsed / T: a hot key that had been evicted and
        // re-inserted fresh would have been admitted more.
        assert!(n <= 1 + elapsed / 1_000, "hot key {h}: {n} admitted");
        assert!(n >= elapsed / 1_000 / 2, "hot key {h}: only {n} admitted");
    }
    assert!(table.len() <= table.capacity());
    // Each churning key is idle 1 µs after its check, so slots keep freeing.
    assert!(churn_denied < distinct / 100, "{churn_denied} of {distinct} new keys found no room");
}

/// Regression (found in review): an eviction at `R` followed by a check of
/// the evicted key at a stale instant before `R` re-inserted it with a
/// state "full at every instant", admitting it at the stale instant although
/// the key (had it stayed) was still throttled then. New keys now start
/// fresh as of the latest eviction.
#[test]
fn regression_eviction_then_stale_check_does_not_readmit() {
    // 3 buckets: every key's two buckets are two of {0, 1, 2}.
    let mut slots: [Slot; 12] = Default::default();
    let plans = [Plan::Gcra(Quota::new(1, Nanos::from_secs(1), 1).unwrap())];
    let table = Keyed::new(&mut slots, &plans, 99, Full::Deny, NoClock).unwrap();
    let sec = |s: u64| Instant::from_nanos(s * 1_000_000_000);
    let with = |pair: (usize, usize), skip: &[u64]| -> u64 {
        (1000..).find(|k| table.buckets(k) == pair && !skip.contains(k)).unwrap()
    };
    // X in bucket 0 (a new key goes to the emptier bucket, ties to its
    // first): X's buckets are (0, 2); bucket 0 is empty, so X lands in 0.
    let x = with((0, 2), &[]);
    assert!(table.check_at(&x, 0, sec(0), 1).is_allowed());
    // Fill bucket 1 and the rest of bucket 0 at 5 s (throttled then) with
    // keys whose buckets are (1, 0) — bucket 1 fills first, then 0.
    let mut used = vec![x];
    for _ in 0..7 {
        let k = with((1, 0), &used);
        used.push(k);
        assert!(table.check_at(&k, 0, sec(5), 1).is_allowed());
    }
    // Y, buckets (0, 1): both full; the only idle slot is X's, evicted at 5 s.
    let y = with((0, 1), &used);
    assert!(table.check_at(&y, 0, sec(5), 1).is_allowed());
    assert_eq!(table.len(), 8);
    // X at a stale 0 s: its bucket 2 is empty, so it is re-inserted — and
    // not admitted (as if it had never been evicted).
    assert!(!table.check_at(&x, 0, sec(0), 1).is_allowed());
    // …and at 5 s exactly once.
    assert!(table.check_at(&x, 0, sec(5), 1).is_allowed());
    assert!(!table.check_at(&x, 0, sec(5), 1).is_allowed());
}

/// Regression (found in review): keys of different types hashed alike, so
/// `(1u32, 2u32)` and `0x2_0000_0001u64` shared one limiter.
#[test]
fn regression_keys_of_different_types_never_share_a_state() {
    let mut slots: Vec<Slot> = (0..64).map(|_| Slot::new()).collect();
    let plans = [Plan::Gcra(Quota::new(1, Nanos::from_secs(1), 1).unwrap())];
    let table = Keyed::new(&mut slots, &plans, 1, Full::Deny, NoClock).unwrap();
    let t = Instant::ZERO;
    // Each is a distinct key with its own burst of 1.
    assert!(table.check_at(&(1u32, 2u32), 0, t, 1).is_allowed());
    assert!(table.check_at(&0x2_0000_0001u64, 0, t, 1).is_allowed());
    assert!(table.check_at(&-1i32, 0, t, 1).is_allowed());
    assert!(table.check_at(&u32::MAX, 0, t, 1).is_allowed());
    assert!(table.check_at(&"ab", 0, t, 1).is_allowed());
    assert_eq!(table.len(), 5);
    // A string and its bytes are the same key, by design.
    assert!(!table.check_at(&b"ab"[..], 0, t, 1).is_allowed());
}

/// Regression (found by the `keyed` fuzz target): a key idle on one plan
/// whose next request named another plan was decided on its old plan while
/// it was still tracked, and on the new one once it had been evicted — an
/// eviction that was visible (K1). An idle key now takes the plan its
/// request names either way.
#[test]
fn regression_an_idle_key_changing_plan_is_decided_alike_evicted_or_not() {
    let plans = [
        Plan::Gcra(Quota::new(1, Nanos::from_secs(1), 2).unwrap()),
        Plan::Gcra(Quota::new(1, Nanos::from_secs(1), 5).unwrap()),
    ];
    let sec = |s: u64| Instant::from_nanos(s * 1_000_000_000);
    let mut kept_slots: [Slot; 8] = Default::default();
    let mut evicted_slots: [Slot; 8] = Default::default();
    let kept = Keyed::new(&mut kept_slots, &plans, 5, Full::Deny, NoClock).unwrap();
    let evicted = Keyed::new(&mut evicted_slots, &plans, 5, Full::Deny, NoClock).unwrap();
    // Key 0 on the paid plan at 0 s, in both tables.
    for t in [&kept, &evicted] {
        assert!(t.check_at(&0u64, 1, sec(0), 1).is_allowed());
    }
    // In one, eight more keys at 10 s (key 0 idle since 1 s): the eighth
    // takes key 0's slot, the only one left.
    for k in 1..=8u64 {
        assert!(evicted.check_at(&k, 1, sec(10), 1).is_allowed());
    }
    assert_eq!(evicted.len(), 8);
    // At 20 s key 0 asks on the free plan: in both tables, a new key's
    // decision on that plan (limit 2, one left), for a peek and a check.
    for t in [&kept, &evicted] {
        let peek = t.peek_at(&0u64, 0, sec(20), 1);
        assert_eq!((peek.limit(), peek.remaining()), (2, 1), "{peek:?}");
        let d = t.check_at(&0u64, 0, sec(20), 1);
        assert_eq!((d.limit(), d.remaining()), (2, 1), "{d:?}");
        assert!(t.check_at(&0u64, 0, sec(20), 1).is_allowed());
        assert!(!t.check_at(&0u64, 0, sec(20), 1).is_allowed(), "free plan: burst 2");
    }
}
