//! Memory per limiter, asserted (the README's size table lists the same
//! numbers; keep them in sync). State words are what a keyed table stores
//! per key.
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

use core::mem::size_of;
use ratecore::sliding_window::Log;
use ratecore::{
    Decision, FixedWindow, Gcra, IntervalBucket, LeakyMeter, LeakyQueue, LocalGcra, LocalSlidingLog,
    ManualClock, NoClock, Quota, Refill, Shaping, Sliding, SlidingLog, SlidingWindow, TokenBucket, Window,
};

// Exact sizes are for 64-bit targets (the README's table); on 32-bit ones
// pointer-sized fields (heapless's ring indices) and u64 alignment differ.
#[cfg(target_pointer_width = "64")]
#[test]
fn state_words_are_one_u64() {
    // Every single-word limiter's state is one u64 (checked through the
    // public accessor's type) plus its parameters.
    let q = Quota::per_second(1).unwrap();
    let _: u64 = Gcra::new(q, NoClock).state();
    let _: u64 = TokenBucket::new(q, NoClock).state();
    let _: u64 = LeakyMeter::new(q, NoClock).state();
    assert_eq!(size_of::<Quota>(), 56);
    assert_eq!(size_of::<Refill>(), 32);
    assert_eq!(size_of::<Shaping>(), 64);
    assert_eq!(size_of::<Window>(), 32);
    assert_eq!(size_of::<Sliding>(), 32);
}

#[cfg(target_pointer_width = "64")]
#[test]
fn limiter_sizes() {
    // One cache line: the state word and its parameters together.
    assert_eq!(size_of::<Gcra<NoClock>>(), 64);
    assert_eq!(size_of::<LocalGcra<NoClock>>(), 64);
    assert_eq!(size_of::<Gcra<&ManualClock>>(), 72);
    assert_eq!(size_of::<TokenBucket<NoClock>>(), 64);
    assert_eq!(size_of::<IntervalBucket<NoClock>>(), 40);
    assert_eq!(size_of::<LeakyMeter<NoClock>>(), 64);
    assert_eq!(size_of::<LeakyQueue<NoClock>>(), 72);
    assert_eq!(size_of::<FixedWindow<NoClock>>(), 40);
    assert_eq!(size_of::<SlidingWindow<NoClock>>(), 40);
    assert_eq!(size_of::<Log<64>>(), 16 * 64 + 40);
    assert_eq!(size_of::<SlidingLog<NoClock, 64>>(), 16 * 64 + 80);
    assert_eq!(size_of::<LocalSlidingLog<NoClock, 64>>(), 16 * 64 + 72);
    assert_eq!(size_of::<Decision>(), 80);
    assert_eq!(size_of::<ManualClock>(), 8);
}

#[test]
fn state_words_are_u64_everywhere() {
    let q = Quota::per_second(1).unwrap();
    let _: u64 = Gcra::new(q, NoClock).state();
    assert_eq!(size_of::<u64>(), 8);
    // The state word never depends on the pointer width.
    assert!(size_of::<Gcra<NoClock>>() >= 8 + size_of::<Quota>());
}

#[test]
fn limiters_are_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    shared::<Gcra<NoClock>>();
    shared::<TokenBucket<NoClock>>();
    shared::<IntervalBucket<NoClock>>();
    shared::<LeakyMeter<NoClock>>();
    shared::<LeakyQueue<NoClock>>();
    shared::<FixedWindow<NoClock>>();
    shared::<SlidingWindow<NoClock>>();
    shared::<SlidingLog<NoClock, 8>>();
    shared::<ManualClock>();
}
