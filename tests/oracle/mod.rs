//! Exact reference models, written for obviousness rather than speed: `u128`
//! arithmetic on rationals, no ticks, no packing, no saturation tricks.
//!
//! Shared by the property tests (`tests/*.rs`, via `mod oracle;`) and the
//! fuzz targets (`fuzz/fuzz_targets/*.rs`, via `#[path]`), so both compare
//! against the same models and assert the same invariants.
#![allow(dead_code, unreachable_pub)]
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

pub mod bounds;
pub mod buckets;
pub mod gcra;
pub mod harness;
pub mod keyed;
pub mod windows;

use ratecore::{Decision, Outcome};

/// What a decision should say, in plain numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expected {
    pub outcome: Outcome,
    pub limit: u64,
    pub window: u64,
    pub remaining: u64,
    pub reset_after: u64,
    pub retry_after: Option<u64>,
    pub wait: u64,
}

impl Expected {
    /// The same fields read off a real decision.
    pub fn of(d: &Decision) -> Self {
        Self {
            outcome: d.outcome(),
            limit: d.limit(),
            window: d.window().as_nanos(),
            remaining: d.remaining(),
            reset_after: d.reset_after().as_nanos(),
            retry_after: d.retry_after().map(|r| r.as_nanos()),
            wait: d.wait().as_nanos(),
        }
    }
}

/// `ceil(a / b)` for `b > 0`.
pub fn ceil_div(a: u128, b: u128) -> u128 {
    a.div_ceil(b)
}

/// Narrows, panicking loudly if a model value does not fit (a model bug).
pub fn to_u64(x: u128) -> u64 {
    u64::try_from(x).expect("model value exceeds u64")
}
