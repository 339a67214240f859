//! The crate's one error type: what can be wrong with a configuration.
//!
//! Decisions never fail — a request is allowed or denied — so this type only
//! comes out of constructors.

use core::fmt;

/// A configuration the limiters cannot honour exactly and safely.
///
/// ```
/// use ratecore::{Error, Nanos, Quota};
///
/// assert_eq!(Quota::per_second(0).unwrap_err(), Error::ZeroRate);
/// assert_eq!(Quota::new(10, Nanos::from_secs(1), 0).unwrap_err(), Error::ZeroBurst);
/// // 10^12 per second: a 1 ps emission interval, finer than the state word can
/// // hold over 50 years. Refused, never silently rounded to zero.
/// assert_eq!(Quota::new(1000, Nanos::from_nanos(1), 1).unwrap_err(), Error::Unrepresentable);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// Zero permits per period: nothing could ever pass.
    ZeroRate,
    /// A zero-length period or window: an infinite rate.
    ZeroPeriod,
    /// A burst, capacity or limit of zero: nothing could ever pass.
    ZeroBurst,
    /// A product of the parameters (burst × emission interval, a window
    /// index, a packed field) does not fit its integer over the supported
    /// clock range of [`HORIZON`](crate::HORIZON).
    Overflow,
    /// The rate cannot be represented within the state word with a relative
    /// error of at most 1 ppm (for example 10^12 per second).
    Unrepresentable,
    /// Keyed-table storage that is not a multiple of 4 slots (at least 8),
    /// or a number of plans outside `1..=8`.
    Storage,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ZeroRate => "rate limit configured with zero permits per period",
            Self::ZeroPeriod => "rate limit configured with a zero-length period",
            Self::ZeroBurst => "rate limit configured with a zero burst or capacity",
            Self::Overflow => {
                "rate limit parameters too large: burst x interval (or a packed field) \
                 would overflow within the supported 50-year clock range"
            }
            Self::Storage => {
                "keyed table storage must be a multiple of 4 slots (at least 8), with 1 to 8 plans"
            }
            Self::Unrepresentable => {
                "rate limit cannot be represented with at most 1 ppm error \
                 (emission interval too fine for the state word)"
            }
        })
    }
}

impl core::error::Error for Error {}
