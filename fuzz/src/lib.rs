//! Shared pieces of ratecore's fuzz targets (`fuzz_targets/*.rs`):
//!
//! - [`oracle`]: the exact reference models, the three-way harness and the
//!   SPEC bound checkers of the property tests, compiled from
//!   `tests/oracle/` itself (not a copy), so a fuzz target and the property
//!   test of the same algorithm make the same comparisons and assert the
//!   same invariants;
//! - [`input`]: structure-aware inputs (`arbitrary`): edge-biased
//!   configuration integers and sequences of time steps and actions (check,
//!   peek, reserve, cancel, refund), turned into the `(instant, cost)`
//!   histories the harness takes, the way `tests/strategies/mod.rs`
//!   generates them for proptest, and into the action histories of
//!   [`lockstep`];
//! - [`lockstep`]: the actions the oracle has no model for (peek,
//!   reserve / cancel, refund), run on the shared and the `&mut` limiter
//!   side by side and against `check` on clones;
//! - [`net`]: the capacity bounds net of refunds (a signed span check).

#[path = "../../tests/oracle/mod.rs"]
pub mod oracle;

pub mod input;
pub mod lockstep;
pub mod net;

/// The value of a harness or bound check, or a panic carrying its message,
/// which libFuzzer reports as a crash (with the input that caused it).
pub fn verdict<T>(r: Result<T, String>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    }
}
