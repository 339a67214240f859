//! The floors: `floor-cas` (a bare `AtomicU64` load + compare-exchange-weak
//! loop that increments) and `floor-clock` (one `Instant::now()`; and
//! `QuantaClock::now()` with the `quanta` feature).

use criterion::Criterion;

use super::workload::{self, Sharing};

pub(crate) fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("floor");
    for s in workload::floors() {
        super::register(&mut g, &s, 1, Sharing::Shared);
    }
    g.finish();
}
