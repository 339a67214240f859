//! The scenario modules of the criterion benches, over the shared workload
//! of `ratecore bench`.

pub(crate) mod contended;
pub(crate) mod floor;
pub(crate) mod keyed;
pub(crate) mod peers;
pub(crate) mod single;

// The same scenarios, word for word, as `ratecore bench`. Its reporting
// helpers (ns/op, M/s from a sample) are the CLI's; criterion does its own.
#[allow(dead_code)]
#[path = "../../crates/cli/src/workload.rs"]
pub(crate) mod workload;

use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};
use workload::{Scenario, Sharing};

/// Short warm-up and measurement so a full `cargo bench` takes a few
/// minutes; `cargo bench -- --measurement-time 5` for longer runs.
pub(crate) fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20)
        .nresamples(10_000)
        .without_plots()
}

/// Registers `s` on `threads` threads in `g`: criterion's time per
/// iteration is one thread's ns per decision, its throughput the total
/// decisions per second. Panics if the decisions do not take the row's path.
pub(crate) fn register(g: &mut BenchmarkGroup<'_, WallTime>, s: &Scenario, threads: usize, sharing: Sharing) {
    g.throughput(Throughput::Elements(threads as u64));
    let name = s.name_with(threads, sharing);
    g.bench_function(&name, |b| {
        b.iter_custom(|iters| checked(&name, s, workload::measure(s, threads, sharing, iters)));
    });
}

/// The sample's wall time; panics if its decisions did not take the path
/// `s` is named for (a broken benchmark must not report).
pub(crate) fn checked(name: &str, s: &Scenario, sample: workload::Sample) -> Duration {
    if let Some(expected) = s.path.expected_admitted(sample.ops) {
        assert_eq!(sample.admitted, expected, "{name}: admitted {} of {}", sample.admitted, sample.ops);
    }
    sample.wall
}
