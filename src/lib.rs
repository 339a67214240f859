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
pub mod gcra;
pub mod limiter;
pub mod quota;
mod sync;

#[cfg(feature = "std")]
pub use clock::StdClock;
pub use clock::{Clock, Instant, ManualClock, Nanos};
pub use decision::{Decision, Field, Outcome};
pub use error::Error;
pub use gcra::{Gcra, LocalGcra};
pub use limiter::{Limiter, NoClock};
pub use quota::{HORIZON, Quota};
