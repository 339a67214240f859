#![doc = include_str!("../README.md")]
#![no_std]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]
// Unit tests may unwrap, index and do plain arithmetic; the library itself
// is linted without this (clippy checks the non-test build too).
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::cast_possible_truncation
    )
)]

#[cfg(feature = "std")]
extern crate std;

pub mod clock;
pub mod decision;
pub mod error;
pub mod fixed_window;
pub mod gcra;
pub mod keyed;
pub mod leaky_bucket;
pub mod lease;
pub mod limiter;
pub mod live;
pub mod policy;
pub mod quota;
pub mod sliding_window;
mod sync;
pub mod tick;
pub mod token_bucket;

#[cfg(feature = "quanta")]
pub use clock::QuantaClock;
#[cfg(feature = "std")]
pub use clock::StdClock;
pub use clock::{Clock, Instant, ManualClock, Nanos};
pub use decision::{Decision, Field, Outcome};
pub use error::Error;
pub use fixed_window::{FixedWindow, LocalFixedWindow, Window};
pub use gcra::{Gcra, LocalGcra};
pub use leaky_bucket::{LeakyMeter, LeakyQueue, LocalLeakyMeter, LocalLeakyQueue, Shaping};
pub use lease::Lease;
pub use limiter::{Limiter, NoClock, Reservation};
pub use live::{Carry, LiveGcra, LiveIntervalBucket, LiveTokenBucket};
pub use policy::{Policy, PolicyDecision};
pub use quota::{HORIZON, Quota};
pub use sliding_window::{LocalSlidingLog, LocalSlidingWindow, Sliding, SlidingLog, SlidingWindow};
pub use tick::{TickClock, TickCounter};
pub use token_bucket::{IntervalBucket, LocalIntervalBucket, LocalTokenBucket, Refill, TokenBucket};
