//! The fixed window against its model (counts per aligned window), with W1:
//! at most L per aligned window on every history, and 2L reachable in an
//! unaligned one.
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

use oracle::bounds::{check_aligned, check_sliding};
use oracle::harness::drive;
use oracle::windows::Fixed;
use proptest::prelude::*;
use ratecore::{FixedWindow, HORIZON, Instant, LocalFixedWindow, Nanos, NoClock, Window};
use strategies::{config, ops, period, window_limit};

fn window_history() -> impl Strategy<Value = (Window, Vec<(u64, u32)>)> {
    (window_limit(), period())
        .prop_filter_map("window does not fit", |(l, w)| Window::new(l, Nanos::from_nanos(w)).ok())
        .prop_flat_map(|w| (Just(w), ops(w.length().as_nanos(), w.limit())))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn fixed_window_matches_oracle_and_w1((w, ops) in window_history()) {
        let shared = FixedWindow::new(w, NoClock);
        let admitted = drive(&shared, || shared.state(), LocalFixedWindow::new(w, NoClock), Fixed::new(&w), w.limit(), &ops, HORIZON.as_nanos())
            .map_err(TestCaseError::fail)?;
        check_aligned(&admitted, w.length().as_nanos(), w.limit()).map_err(TestCaseError::fail)?;
        check_sliding(&admitted, w.length().as_nanos(), 2 * w.limit(), "W1 (2L)").map_err(TestCaseError::fail)?;
    }
}

/// W1: the boundary burst — L just before a boundary and L just after put
/// exactly 2L into an unaligned stretch shorter than W.
#[test]
fn w1_two_limits_straddle_a_boundary() {
    let w = FixedWindow::new(Window::new(10, Nanos::from_secs(1)).unwrap(), NoClock);
    assert!(w.check_at(Instant::from_nanos(999_999_999), 10).is_allowed());
    assert!(w.check_at(Instant::from_nanos(1_000_000_000), 10).is_allowed());
    assert!(!w.check_at(Instant::from_nanos(1_000_000_000), 1).is_allowed());
}

/// Regression (found by `fuzz/fuzz_targets/fixed_window.rs`, reproducer
/// `fuzz/regressions/fixed_window-retry-at-u64-max`): when the next window
/// starts exactly at `u64::MAX` ns, the retry time is that instant — it was
/// reported as "never" because `u64::MAX` doubled as the "never" sentinel.
#[test]
fn regression_retry_at_u64_max_is_exact_not_never() {
    let w = FixedWindow::new(Window::new(1, Nanos::MAX).unwrap(), NoClock);
    assert!(w.check_at(Instant::ZERO, 1).is_allowed());
    let d = w.check_at(Instant::from_nanos(1), 1);
    assert_eq!(d.retry_after(), Some(Nanos::from_nanos(u64::MAX - 1)));
    assert_eq!(d.retry_after(), Some(d.reset_after()));
    assert!(w.check_at(Instant::MAX, 1).is_allowed());
}
