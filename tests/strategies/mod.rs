//! Edge-biased proptest generators shared by the property tests: quotas from
//! 1/day to 10^10/s with periods from 1 ns to a century, bursts up to
//! u32::MAX, window limits and lengths, costs up to u32::MAX, and time steps
//! scaled to the configuration (with backward jumps).
#![allow(dead_code, unreachable_pub)]

use proptest::prelude::*;
use proptest::test_runner::Config;
use ratecore::{HORIZON, Nanos, Quota};

/// Cases per property: 10 000 (the test command's debug and release
/// stages); 3 under Miri. `RATECORE_PROPTEST_CASES` overrides it
/// (the emulated 32-bit and big-endian stages use fewer).
pub fn cases() -> u32 {
    let default = if cfg!(miri) { 3 } else { 10_000 };
    std::env::var("RATECORE_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

pub const SEC: u64 = 1_000_000_000;

pub fn config() -> Config {
    let cases = cases();
    Config {
        cases,
        max_global_rejects: cases * 20,
        max_local_rejects: cases * 20,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Permit counts people configure, edges, and random ones.
pub fn permits() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(1u64),
        Just(2),
        Just(3),
        Just(7),
        Just(10),
        Just(11),
        Just(13),
        Just(100),
        Just(1_000),
        Just(1_000_000),
        Just(10_000_000_000),
        1..=1_000_000u64,
    ]
}

/// Periods from 1 ns to a century, 2^32 ± 1 and random.
pub fn period() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(1u64),
        Just(1_000),
        Just(1_000_000),
        Just(SEC),
        Just(60 * SEC),
        Just(3_600 * SEC),
        Just(86_400 * SEC),
        Just(36_525 * 86_400 * SEC),
        Just((1 << 32) - 1),
        Just((1 << 32) + 1),
        1..=1_000_000_000_000u64,
    ]
}

/// Bursts and limits from 1 to u32::MAX.
pub fn burst() -> impl Strategy<Value = u64> {
    prop_oneof![Just(1u64), Just(2), Just(3), 1..=20u64, 1..=1_000_000u64, Just(u64::from(u32::MAX)),]
}

/// Every quota the constructor accepts, exact and rounded.
pub fn quota() -> impl Strategy<Value = Quota> {
    (permits(), period(), burst())
        .prop_filter_map("unrepresentable quota", |(n, p, b)| Quota::new(n, Nanos::from_nanos(p), b).ok())
}

/// Window limits: small, 2^k − 1 edges, random.
pub fn window_limit() -> impl Strategy<Value = u64> {
    prop_oneof![Just(1u64), Just(2), Just(3), 1..=20u64, Just(255), Just(65_535), 1..=1_000_000u64]
}

#[derive(Clone, Copy, Debug)]
pub enum Step {
    Forward(u64),
    Back(u64),
}

/// Time steps scaled to `t` (an interval or window length, so that every
/// configuration sees interesting fractions of it), absolute ones, and
/// backward jumps (up to an hour).
pub fn step(t: u64) -> impl Strategy<Value = Step> {
    let t = t.max(1);
    prop_oneof![
        6 => (0..=8u64, -1i64..=1).prop_map(move |(k, j)| Step::Forward((t / 4 * k).saturating_add_signed(j))),
        2 => prop_oneof![Just(0u64), Just(1), 0..=1_000u64, 0..=u64::from(u32::MAX)].prop_map(Step::Forward),
        1 => (1..=8u64).prop_map(move |k| Step::Forward(t.saturating_mul(k))),
        1 => prop_oneof![Just(1u64), 0..=t, Just(3_600 * SEC)].prop_map(Step::Back),
    ]
}

/// Costs: mostly 1, and 0, 2, the limit, one above it, u32::MAX.
pub fn cost(limit: u64) -> impl Strategy<Value = u32> {
    let b = u32::try_from(limit).unwrap_or(u32::MAX);
    prop_oneof![
        3 => Just(1u32),
        1 => Just(0),
        1 => Just(2),
        1 => Just(b),
        1 => Just(b.saturating_add(1)),
        1 => 0..=b.saturating_add(1),
        1 => Just(u32::MAX),
    ]
}

/// Longest generated history (shorter under Miri, which is ~10^4 times
/// slower).
pub const MAX_OPS: usize = if cfg!(miri) { 10 } else { 64 };

/// A history: up to [`MAX_OPS`] (instant, cost) pairs, instants from 0
/// within [`HORIZON`], stepping by [`step`]`(t)`.
pub fn ops(t: u64, limit: u64) -> impl Strategy<Value = Vec<(u64, u32)>> {
    prop::collection::vec((step(t), cost(limit)), 1..MAX_OPS).prop_map(|v| {
        let mut now = 0u64;
        v.into_iter()
            .map(|(s, c)| {
                now = match s {
                    Step::Forward(d) => now.saturating_add(d).min(HORIZON.as_nanos()),
                    Step::Back(d) => now.saturating_sub(d),
                };
                (now, c)
            })
            .collect()
    })
}

/// A quota and a history scaled to its emission interval.
pub fn quota_history() -> impl Strategy<Value = (Quota, Vec<(u64, u32)>)> {
    quota().prop_flat_map(|q| {
        let t = q.emission_interval().as_nanos();
        (Just(q), ops(t, q.burst()))
    })
}
