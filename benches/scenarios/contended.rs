//! 1 ..= available_parallelism threads on one shared limiter (one hot key)
//! and on one limiter per thread: every algorithm's allow path with injected
//! time, governor, ratelimit and the CAS floor.

use criterion::Criterion;

use super::workload::{self, Sharing};

pub(crate) fn bench(c: &mut Criterion) {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let mut g = c.benchmark_group("contended");
    for threads in 1..=cores {
        // One thread: shared and per-thread are the same measurement.
        let layouts: &[Sharing] =
            if threads == 1 { &[Sharing::Shared] } else { &[Sharing::Shared, Sharing::PerThread] };
        for &sharing in layouts {
            // Includes the hot-key lease mode (`gcra-hot`).
            for s in workload::contended() {
                super::register(&mut g, &s, threads, sharing);
            }
        }
    }
    g.finish();
}
