//! The peers on one thread: governor 0.10 (injected `FakeRelativeClock`,
//! `MonotonicClock`, its default quanta clock) and ratelimit 2.0 (its
//! `Clock` trait over a fixed time, and its `StdClock`), allow and deny.

use criterion::Criterion;

use super::workload::{self, Sharing};

pub(crate) fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("peers");
    for s in workload::peers() {
        super::register(&mut g, &s, 1, Sharing::Shared);
    }
    g.finish();
}
