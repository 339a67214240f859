//! Every algorithm on one thread: allow and deny paths, with injected time
//! (`check_at`), `StdClock` and `QuantaClock`; GCRA also with the
//! `RateLimit` metadata read (allow+headers).

use criterion::Criterion;

use super::workload::{self, Sharing};

pub(crate) fn bench(c: &mut Criterion) {
    if cfg!(not(feature = "quanta")) {
        eprintln!("note: built without `--features quanta`: the QuantaClock rows are left out");
    }
    let mut g = c.benchmark_group("single");
    for s in workload::algorithms() {
        super::register(&mut g, &s, 1, Sharing::Shared);
    }
    g.finish();
}
