//! criterion benches of every ratecore algorithm against governor 0.10,
//! ratelimit 2.0 and the floors (a bare load+CAS loop, a bare clock read),
//! and the keyed table against governor's keyed limiter.
//!
//! `cargo bench --features quanta` (without the feature the `QuantaClock`
//! rows are left out). The scenarios are those of `ratecore bench`
//! (`crates/cli/src/workload.rs`); this file only wires the modules.
// Measurement code: timing arithmetic, and a panic when a row's decisions do
// not take the path it is named for (a broken benchmark must not report).
#![allow(clippy::arithmetic_side_effects, clippy::cast_possible_truncation, clippy::float_arithmetic)]
#![allow(clippy::cast_precision_loss, clippy::cast_sign_loss, clippy::cast_possible_wrap)]
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::std_instead_of_core, clippy::alloc_instead_of_core)]

mod scenarios;

criterion::criterion_group! {
    name = limiters;
    config = scenarios::config();
    targets = scenarios::floor::bench, scenarios::single::bench, scenarios::peers::bench, scenarios::contended::bench, scenarios::keyed::bench
}
criterion::criterion_main!(limiters);
