//! SPEC.md's adversarial list, one named row each, for every limiter it
//! applies to. "Safe" = no panic, no over-admission, the documented outcome.
//!
//! Rows not here live where their machinery is: 16 (polling granularity) in
//! `tests/gcra.rs`; 17 (many threads) in `tests/stress.rs`; 18 (spurious CAS
//! failures) runs the whole property suite with the `test-spurious-cas`
//! feature and under Miri (see `scripts/test.sh`); 20 (reconfiguration
//! racing checks) is a loom model in `tests/loom.rs` plus the live
//! reconfiguration property in `tests/extensions.rs`; 25 (no 64-bit
//! atomics, big endian) is `scripts/cross.sh` and the no_std builds. Rows
//! 21–23 (keyed table) arrive with it.
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

use core::panic::AssertUnwindSafe;
use std::panic::catch_unwind;
use std::sync::Arc;

use ratecore::{
    Clock, Decision, Error, FixedWindow, Gcra, Instant, IntervalBucket, LeakyMeter, LeakyQueue, Limiter,
    Nanos, NoClock, Outcome, Quota, Refill, Shaping, Sliding, SlidingLog, SlidingWindow, TokenBucket, Window,
};

const SEC: u64 = 1_000_000_000;
const HOUR: u64 = 3_600 * SEC;

/// One limiter of each kind behind a uniform face: check, and a printable
/// state for "unchanged" assertions.
struct Subject {
    name: &'static str,
    limit: u64,
    check: Box<dyn Fn(u64, u32) -> Decision>,
    state: Box<dyn Fn() -> String>,
}

fn subject<L: 'static>(
    name: &'static str,
    limit: u64,
    l: L,
    check: fn(&L, Instant, u32) -> Decision,
    state: fn(&L) -> String,
) -> Subject {
    let l = Arc::new(l);
    let l2 = Arc::clone(&l);
    Subject {
        name,
        limit,
        check: Box::new(move |t, c| check(&l, Instant::from_nanos(t), c)),
        state: Box::new(move || state(&l2)),
    }
}

/// Every limiter with a limit of `b` per `period`.
fn all(b: u64, period: Nanos) -> Vec<Subject> {
    let q = Quota::new(b, period, b).unwrap();
    let w = Window::new(b, period).unwrap();
    vec![
        subject("gcra", b, Gcra::new(q, NoClock), |l, t, c| l.check_at(t, c), |l| l.state().to_string()),
        subject(
            "token_bucket",
            b,
            TokenBucket::new(q, NoClock),
            |l, t, c| l.check_at(t, c),
            |l| l.state().to_string(),
        ),
        subject(
            "interval_bucket",
            b,
            IntervalBucket::new(Refill::from_quota(q).unwrap(), NoClock),
            |l, t, c| l.check_at(t, c),
            |l| l.state().to_string(),
        ),
        subject(
            "leaky_meter",
            b,
            LeakyMeter::new(q, NoClock),
            |l, t, c| l.check_at(t, c),
            |l| l.state().to_string(),
        ),
        subject(
            "leaky_queue",
            b,
            LeakyQueue::new(Shaping::new(b, period, b - 1).unwrap().nodelay(), NoClock),
            |l, t, c| l.check_at(t, c),
            |l| l.state().to_string(),
        ),
        subject(
            "fixed_window",
            b,
            FixedWindow::new(w, NoClock),
            |l, t, c| l.check_at(t, c),
            |l| l.state().to_string(),
        ),
        subject(
            "sliding_window",
            b,
            SlidingWindow::new(Sliding::new(b, period).unwrap(), NoClock),
            |l, t, c| l.check_at(t, c),
            |l| l.state().to_string(),
        ),
        subject(
            "sliding_log",
            b,
            SlidingLog::<NoClock, 64>::new(w, NoClock),
            |l, t, c| l.check_at(t, c),
            |l| format!("{:?}", l.snapshot()),
        ),
    ]
}

/// Takes unit permits at `t` until denied; returns how many.
fn drain(s: &Subject, t: u64) -> u64 {
    let mut n = 0;
    while (s.check)(t, 1).is_allowed() {
        n += 1;
        assert!(n <= s.limit, "{}: more than the limit at one instant", s.name);
    }
    n
}

#[test]
fn row_01_clock_jumps_back_one_hour() {
    for s in all(5, Nanos::from_secs(1)) {
        let t = 2 * HOUR;
        assert_eq!(drain(&s, t), 5, "{}", s.name);
        // An hour earlier: nothing passes, every retry is bounded by the jump.
        for back in [1, SEC / 2, HOUR / 2, HOUR] {
            let d = (s.check)(t - back, 1);
            assert_eq!(d.outcome(), Outcome::Denied, "{} back {back}", s.name);
            let r = d.retry_after().unwrap().as_nanos();
            // A bucket refills within 1 s of catching up; a sliding counter
            // may need up to two windows.
            assert!(r >= 1 && r <= back + 2 * SEC, "{}: retry {r} after a jump of {back}", s.name);
        }
        // Caught up: the normal refill applies (within two windows for the
        // sliding counter, whose previous window still weighs at t + 1 s).
        assert!((s.check)(t + 2 * SEC, 1).is_allowed(), "{}", s.name);
    }
}

#[test]
fn row_02_clock_jumps_forward_one_hour() {
    for s in all(5, Nanos::from_secs(1)) {
        assert_eq!(drain(&s, 0), 5, "{}", s.name);
        assert_eq!(drain(&s, HOUR), 5, "{}: at most B after the jump", s.name);
    }
}

#[test]
fn row_03_now_at_and_near_u64_max() {
    for s in all(5, Nanos::from_secs(1)) {
        // The algorithms on the quota's tick clock: `now` in ticks plus an
        // interval overflows at u64::MAX. (The interval bucket and the
        // windows count intervals, which stay far below u64::MAX.)
        let ticks = matches!(s.name, "gcra" | "token_bucket" | "leaky_meter" | "leaky_queue");
        for now in [u64::MAX, u64::MAX - 1, u64::MAX - SEC, 1 << 63, (1 << 63) + 1] {
            // Where the arithmetic still fits the decision is exact; where
            // it would overflow it saturates toward denying. Either way never
            // more than B at one instant, never a wrap, never a retry of 0.
            let n = drain(&s, now);
            assert!(n <= 5, "{} at {now}", s.name);
            let before = (s.state)();
            let denied = (s.check)(now, 1);
            assert_eq!(denied.outcome(), Outcome::Denied, "{} at {now}", s.name);
            assert_eq!((s.state)(), before, "{} at {now}", s.name);
            assert!(denied.retry_after().unwrap() >= Nanos::from_nanos(1), "{}", s.name);
            if ticks && now == u64::MAX {
                assert_eq!(n, 0, "{}: admitted at u64::MAX, where `now + T` overflows", s.name);
            }
        }
    }
}

#[test]
fn row_04_now_zero_on_the_first_call_is_full() {
    for s in all(5, Nanos::from_secs(1)) {
        let d = (s.check)(0, 0);
        assert_eq!(d.remaining(), 5, "{}", s.name);
        assert_eq!(drain(&s, 0), 5, "{}", s.name);
    }
}

#[test]
fn row_05_rate_zero_is_rejected() {
    assert_eq!(Quota::per_second(0), Err(Error::ZeroRate));
    assert_eq!(Refill::new(0, Nanos::from_secs(1), 1), Err(Error::ZeroRate));
    assert_eq!(Shaping::per_second(0, 1), Err(Error::ZeroRate));
    assert_eq!(Quota::new(1, Nanos::ZERO, 1), Err(Error::ZeroPeriod));
    assert_eq!(Window::new(1, Nanos::ZERO), Err(Error::ZeroPeriod));
    assert_eq!(Sliding::new(1, Nanos::ZERO), Err(Error::ZeroPeriod));
}

#[test]
fn row_06_burst_zero_is_rejected() {
    assert_eq!(Quota::new(1, Nanos::from_secs(1), 0), Err(Error::ZeroBurst));
    assert_eq!(Quota::per_second(1).unwrap().with_burst(0), Err(Error::ZeroBurst));
    assert_eq!(Refill::new(1, Nanos::from_secs(1), 0), Err(Error::ZeroBurst));
    assert_eq!(Window::new(0, Nanos::from_secs(1)), Err(Error::ZeroBurst));
    assert_eq!(Sliding::new(0, Nanos::from_secs(1)), Err(Error::ZeroBurst));
}

#[test]
fn row_07_cost_zero_is_a_peek() {
    for s in all(5, Nanos::from_secs(1)) {
        let _ = (s.check)(10, 2);
        let before = (s.state)();
        for t in [0, 10, 20, SEC, HOUR] {
            let d = (s.check)(t, 0);
            assert!(d.is_allowed(), "{}", s.name);
            assert_eq!((s.state)(), before, "{}: a peek wrote", s.name);
        }
    }
}

#[test]
fn row_08_cost_above_burst_is_impossible() {
    for s in all(5, Nanos::from_secs(1)) {
        let before = (s.state)();
        for cost in [6, 1_000, u32::MAX] {
            let d = (s.check)(0, cost);
            assert_eq!(d.outcome(), Outcome::Impossible, "{}", s.name);
            assert_eq!(d.retry_after(), None, "{}: a finite retry", s.name);
            assert_eq!((s.state)(), before, "{}", s.name);
        }
    }
}

#[test]
fn row_09_cost_u32_max_with_a_long_period() {
    // The SPEC's example, 1 per day with a burst of 200 000, is 547 years of
    // burst: it does not fit beside the 50-year horizon in u64 ns and is
    // refused at construction. 100 000 (274 years) fits: u32::MAX exceeds
    // the burst — never admitted, and in release builds nothing wraps into
    // an admit either.
    assert_eq!(Quota::per_day(1).unwrap().with_burst(200_000), Err(Error::Overflow));
    let q = Quota::per_day(1).unwrap().with_burst(100_000).unwrap();
    let l = Gcra::new(q, NoClock);
    for t in [0, 1, u64::from(u32::MAX), HOUR * 24 * 365] {
        assert_eq!(l.check_at(Instant::from_nanos(t), u32::MAX).outcome(), Outcome::Impossible);
    }
    assert_eq!(l.state(), 0);
    for s in all(100_000, Nanos::from_days(1)) {
        assert_eq!((s.check)(0, u32::MAX).outcome(), Outcome::Impossible, "{}", s.name);
    }
}

#[test]
fn row_10_sub_picosecond_interval_is_a_construction_error() {
    // 10^12/s: T = 1 ps. Never silently clamped, never T = 0.
    assert_eq!(Quota::new(1_000, Nanos::from_nanos(1), 1), Err(Error::Unrepresentable));
    // 10^10/s is exact (T = 0.1 ns).
    let q = Quota::per_second(10_000_000_000).unwrap();
    assert!(q.is_exact() && q.interval_ticks() == 1 && q.ticks_per_ns() == 10);
}

#[test]
fn row_11_one_per_century() {
    let century = 36_525 * 24 * HOUR;
    let l = Gcra::new(Quota::new(1, Nanos::from_nanos(century), 1).unwrap(), NoClock);
    assert!(l.check_at(Instant::ZERO, 1).is_allowed());
    let d = l.check_at(Instant::from_nanos(HOUR), 1);
    // A century of ns fits u64 and the wait is exact, never 0.
    assert_eq!(d.retry_after(), Some(Nanos::from_nanos(century - HOUR)));
}

#[test]
fn row_12_durations_of_2_pow_63_and_beyond() {
    // A period of 2^63 ns (292 years) still fits beside the horizon. The
    // second permit's slot would end at 2^64 ns, past every representable
    // instant: it saturates to "never" (Nanos::MAX), not a finite wait that
    // could not be honoured, and no panic. u64::MAX ns is refused.
    let l = Gcra::new(Quota::new(1, Nanos::from_nanos(1 << 63), 1).unwrap(), NoClock);
    assert!(l.check_at(Instant::ZERO, 1).is_allowed());
    assert_eq!(l.check_at(Instant::ZERO, 1).retry_after(), Some(Nanos::MAX));
    assert_eq!(l.check_at(Instant::from_nanos(1), 1).retry_after(), Some(Nanos::MAX));
    assert_eq!(Quota::new(1, Nanos::from_nanos(1 << 63), 2), Err(Error::Overflow));
    assert_eq!(Quota::new(1, Nanos::MAX, 1), Err(Error::Overflow));
    assert_eq!(Nanos::from_secs(u64::MAX), Nanos::MAX); // constructors saturate
    assert!(Window::new(1, Nanos::from_nanos(1 << 63)).is_ok()); // one window longer than the horizon
    assert!(Refill::new(1, Nanos::from_nanos(1 << 63), 1).is_ok());
    assert_eq!(Refill::new(1, Nanos::MAX, 1), Err(Error::Overflow));
}

#[test]
fn row_13_interval_times_burst_overflows() {
    assert_eq!(Quota::per_day(1).unwrap().with_burst(u64::from(u32::MAX)), Err(Error::Overflow));
}

#[test]
fn row_14_idle_for_days_refills_exactly_b() {
    for s in all(7, Nanos::from_secs(1)) {
        assert_eq!(drain(&s, 0), 7, "{}", s.name);
        assert_eq!(drain(&s, 3 * 24 * HOUR), 7, "{}", s.name);
    }
}

#[test]
fn row_15_fractional_token_boundaries() {
    // 3 per second: T = 333 333 333.3 ns. From empty, after exactly k·T
    // (the first whole ns at or after it) exactly k permits, one fewer 1 ns
    // earlier.
    let q = Quota::per_second(3).unwrap();
    for k in 1..=3u64 {
        let at = (k * SEC).div_ceil(3);
        for (t, want) in [(at, k), (at - 1, k - 1)] {
            let l = TokenBucket::new(q, NoClock);
            assert!(l.check_at(Instant::ZERO, 3).is_allowed());
            assert_eq!(l.check_at(Instant::from_nanos(t), 0).remaining(), want, "k = {k}, t = {t}");
        }
    }
}

#[test]
fn row_19_stale_now_inside_the_cas_loop_never_helps() {
    // A thread read the clock at 1 s, was preempted while another admitted
    // at 10 s; its late decision at 1 s must not admit more than at 10 s.
    for s in all(5, Nanos::from_secs(1)) {
        assert_eq!(drain(&s, 10 * SEC), 5, "{}", s.name);
        assert!(!(s.check)(SEC, 1).is_allowed(), "{}: stale now admitted", s.name);
    }
}

struct PanickingClock;

impl Clock for PanickingClock {
    fn now(&self) -> Instant {
        panic!("clock failure");
    }
}

#[test]
fn row_24_a_panicking_clock_leaves_state_untouched() {
    let q = Quota::per_second(5).unwrap();
    let l = Gcra::new(q, PanickingClock);
    assert!(l.check_at(Instant::ZERO, 2).is_allowed());
    let before = l.state();
    let r = catch_unwind(AssertUnwindSafe(|| l.check(1)));
    assert!(r.is_err());
    assert_eq!(l.state(), before);
    // Through the trait as well.
    let r = catch_unwind(AssertUnwindSafe(|| Limiter::check(&mut &l, 1)));
    assert!(r.is_err());
    assert_eq!(l.state(), before);
    let w =
        SlidingLog::<PanickingClock, 4>::new(Window::new(5, Nanos::from_secs(1)).unwrap(), PanickingClock);
    assert!(catch_unwind(AssertUnwindSafe(|| w.check(1))).is_err());
    // The lock was not taken before the clock was read: still usable.
    assert!(w.check_at(Instant::ZERO, 1).is_allowed());
}
