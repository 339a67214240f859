//! The keyed table against governor's keyed limiter (DashMap): 1, 100 000
//! and 1 000 000 keys with random access on one thread; 100 000 keys on
//! 2 ..= available_parallelism threads, with shared keys (`shared`) and
//! with distinct keys per thread (`per-thread`). Each table is built and
//! warmed once per row and reused by every sample (rebuilding a million
//! keys per sample measured fresh memory, not the table).

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};

use super::workload::{self, Scenario, Sharing};

fn register(g: &mut BenchmarkGroup<'_, WallTime>, s: &Scenario, threads: usize, sharing: Sharing) {
    g.throughput(Throughput::Elements(threads as u64));
    let name = s.name_with(threads, sharing);
    let run = workload::prepare(s, threads, sharing);
    g.bench_function(&name, |b| {
        b.iter_custom(|iters| super::checked(&name, s, workload::measure_prepared(&*run, threads, iters)));
    });
}

pub(crate) fn bench(c: &mut Criterion) {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let mut g = c.benchmark_group("keyed");
    for s in workload::keyed() {
        register(&mut g, &s, 1, Sharing::Shared);
    }
    for threads in 2..=cores {
        for sharing in [Sharing::Shared, Sharing::PerThread] {
            for s in workload::keyed().into_iter().filter(|s| s.variant == "keys=100k") {
                register(&mut g, &s, threads, sharing);
            }
        }
    }
    g.finish();
}
