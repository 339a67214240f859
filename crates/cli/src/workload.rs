//! The benchmark scenarios, shared word for word by `ratecore bench` (this
//! crate) and the criterion benches (`benches/scenarios/mod.rs` includes this
//! file with `#[path]`), so both measure exactly the same loops.
//!
//! A scenario is one algorithm (or a peer crate, or a floor) on one path
//! (allow, deny, allow+headers) with one clock (injected time, `StdClock`,
//! `QuantaClock`). [`Scenario::make`] builds fresh limiters for one
//! measurement — one limiter shared by every thread, or one per thread — and
//! [`measure`] runs `iters` decisions on each of `threads` threads and counts
//! the admissions, so a caller can check that an allow row really admitted
//! every request and a deny row denied every one.
//!
//! Limiters are called through their inherent `check_at` / `check`, as a
//! caller holding the concrete type does (the `Limiter` trait's provided
//! `check` is not `#[inline]`; see the README's performance notes).
//!
//! Every decision's result is consumed as a real caller would:
//! `black_box(decision.is_allowed())` (and, for `allow+headers`, the
//! `remaining()` / `reset_after()` a gateway writes into `RateLimit`).

use std::hint::black_box;
use std::num::NonZeroU32;
use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant as StdInstant};

use ratecore::{
    FixedWindow, Gcra, Instant, IntervalBucket, LeakyMeter, LeakyQueue, NoClock, Outcome, Quota, Refill,
    Shaping, Sliding, SlidingLog, SlidingWindow, StdClock, TokenBucket, Window,
};

/// What a row measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Path {
    /// Every request is admitted (checked: all admitted).
    Allow,
    /// Every request is admitted and the `RateLimit` metadata is read.
    AllowHeaders,
    /// Every request is denied by a drained limiter (checked: none admitted).
    Deny,
    /// A floor: no decision at all (a bare CAS loop or a clock read).
    Floor,
}

impl Path {
    pub(crate) const fn label(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::AllowHeaders => "allow+headers",
            Self::Deny => "deny",
            Self::Floor => "floor",
        }
    }

    /// How many of `ops` decisions this path must admit, if it says.
    pub(crate) const fn expected_admitted(self, ops: u64) -> Option<u64> {
        match self {
            Self::Allow | Self::AllowHeaders => Some(ops),
            Self::Deny => Some(0),
            Self::Floor => None,
        }
    }
}

/// Where a decision's time comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClockKind {
    /// An explicit instant from a local counter (`check_at`); governor's
    /// `FakeRelativeClock`; ratelimit's `Clock` trait over a fixed value.
    Injected,
    /// Injected time that never advances, on a limiter spending a burst of
    /// 10^12: the regime of governor's allow row (its `FakeRelativeClock`
    /// is frozen), where every admission queues behind the last.
    Frozen,
    /// `std::time::Instant` (ratecore `StdClock`, governor `MonotonicClock`,
    /// ratelimit `StdClock`).
    Std,
    /// The TSC through quanta (ratecore `QuantaClock`, governor's default
    /// `QuantaClock`).
    Quanta,
    /// No clock (the CAS floor).
    None,
}

impl ClockKind {
    pub(crate) const fn label(self) -> &'static str {
        match self {
            Self::Injected => "injected",
            Self::Frozen => "injected-frozen",
            Self::Std => "std",
            Self::Quanta => "quanta",
            Self::None => "none",
        }
    }
}

/// Which limiter each thread decides on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sharing {
    /// One limiter, every thread on it (one hot key).
    Shared,
    /// One limiter per thread (independent keys, no contention).
    PerThread,
}

impl Sharing {
    pub(crate) const fn label(self) -> &'static str {
        match self {
            Self::Shared => "shared",
            Self::PerThread => "per-thread",
        }
    }
}

/// Limiters built for one measurement; `run` is one thread's loop.
pub(crate) trait Run: Sync {
    /// Runs `iters` decisions as thread `thread` and returns how many were
    /// admitted.
    fn run(&self, thread: usize, iters: u64) -> u64;
}

/// Builds the limiters: `(limiters, sharers)` = how many independent
/// limiters, and how many threads decide on each.
pub(crate) type Make = fn(usize, usize) -> Box<dyn Run>;

/// One row of the comparison.
#[derive(Clone, Copy)]
pub(crate) struct Scenario {
    /// `gcra`, `token-bucket`, …, `governor`, `ratelimit`, `floor-cas`, `floor-clock`.
    pub(crate) algorithm: &'static str,
    /// A qualifier shown in the name, e.g. `keys=100k` ("" for none).
    pub(crate) variant: &'static str,
    pub(crate) path: Path,
    pub(crate) clock: ClockKind,
    pub(crate) make: Make,
}

impl Scenario {
    const fn new(algorithm: &'static str, path: Path, clock: ClockKind, make: Make) -> Self {
        Self { algorithm, variant: "", path, clock, make }
    }

    const fn with_variant(mut self, variant: &'static str) -> Self {
        self.variant = variant;
        self
    }

    /// `algorithm/path/clock`, or the floor's name (`floor-cas`,
    /// `floor-clock`, `floor-clock/quanta`).
    pub(crate) fn name(&self) -> String {
        let base = match (self.path, self.clock) {
            (Path::Floor, ClockKind::None | ClockKind::Std) => self.algorithm.to_string(),
            (Path::Floor, clock) => format!("{}/{}", self.algorithm, clock.label()),
            (path, clock) => format!("{}/{}/{}", self.algorithm, path.label(), clock.label()),
        };
        if self.variant.is_empty() { base } else { format!("{base}/{}", self.variant) }
    }

    /// The name with the thread layout, for multi-thread rows.
    pub(crate) fn name_with(&self, threads: usize, sharing: Sharing) -> String {
        if threads == 1 { self.name() } else { format!("{}/{threads}t-{}", self.name(), sharing.label()) }
    }
}

/// One measurement: `threads` threads, `iters` decisions each.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sample {
    /// From the first thread's start to the last thread's end.
    pub(crate) wall: Duration,
    /// Decisions admitted over all threads.
    pub(crate) admitted: u64,
    /// Decisions made over all threads.
    pub(crate) ops: u64,
}

impl Sample {
    /// Nanoseconds per decision as one thread sees it (wall / iters).
    pub(crate) fn ns_per_op(&self, threads: usize) -> f64 {
        let per_thread = self.ops / threads.max(1) as u64;
        self.wall.as_nanos() as f64 / per_thread.max(1) as f64
    }

    /// Millions of decisions per second over all threads.
    pub(crate) fn mops(&self) -> f64 {
        self.ops as f64 / self.wall.as_nanos().max(1) as f64 * 1_000.0
    }
}

/// Builds the limiters for `scenario` and runs `iters` decisions on each of
/// `threads` threads (released together by a barrier; the calling thread is
/// thread 0 when `threads == 1`).
pub(crate) fn measure(scenario: &Scenario, threads: usize, sharing: Sharing, iters: u64) -> Sample {
    let run = prepare(scenario, threads, sharing);
    measure_prepared(&*run, threads, iters)
}

/// The limiters of `scenario` for `threads` threads, built and warmed.
pub(crate) fn prepare(scenario: &Scenario, threads: usize, sharing: Sharing) -> Box<dyn Run> {
    let threads = threads.max(1);
    let (limiters, sharers) = match sharing {
        Sharing::Shared => (1, threads),
        Sharing::PerThread => (threads, 1),
    };
    (scenario.make)(limiters, sharers)
}

/// [`measure`] on limiters already prepared (reused across samples where a
/// build is expensive: the keyed tables of a million keys).
pub(crate) fn measure_prepared(run: &dyn Run, threads: usize, iters: u64) -> Sample {
    let threads = threads.max(1);
    if threads == 1 {
        let start = StdInstant::now();
        let admitted = run.run(0, iters);
        return Sample { wall: start.elapsed(), admitted, ops: iters };
    }
    let barrier = Barrier::new(threads);
    let spans: Vec<(StdInstant, StdInstant, u64)> = std::thread::scope(|s| {
        let barrier = &barrier;
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    barrier.wait();
                    let start = StdInstant::now();
                    let admitted = run.run(t, iters);
                    (start, StdInstant::now(), admitted)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("benchmark thread panicked")).collect()
    });
    let first = spans.iter().map(|s| s.0).min().expect("at least one thread");
    let last = spans.iter().map(|s| s.1).max().expect("at least one thread");
    Sample {
        wall: last.duration_since(first),
        admitted: spans.iter().map(|s| s.2).sum(),
        ops: iters * threads as u64,
    }
}

/// Keeps each limiter on its own pair of cache lines (no false sharing
/// between per-thread limiters; 128 covers the adjacent-line prefetcher).
#[repr(align(128))]
struct Padded<T>(T);

/// The generic runner: limiters, and the decision one iteration makes
/// (`op(limiter, i)` → admitted), monomorphised so it inlines into the loop.
struct Each<L, F> {
    slots: Vec<Padded<L>>,
    op: F,
}

impl<L, F> Each<L, F>
where
    L: Sync + Send + 'static,
    F: Fn(&L, u64) -> bool + Sync + Send + 'static,
{
    fn boxed(limiters: usize, new: impl FnMut() -> L, op: F) -> Box<dyn Run> {
        let mut new = new;
        Box::new(Self { slots: (0..limiters.max(1)).map(|_| Padded(new())).collect(), op })
    }
}

impl<L: Sync, F: Fn(&L, u64) -> bool + Sync> Run for Each<L, F> {
    #[inline(never)]
    fn run(&self, thread: usize, iters: u64) -> u64 {
        let slot = &self.slots[thread % self.slots.len()].0;
        // The limiter is "somewhere in memory", as a gateway's would be.
        let limiter = black_box(slot);
        let mut admitted = 0u64;
        for i in 0..iters {
            admitted += u64::from(black_box((self.op)(limiter, i)));
        }
        admitted
    }
}

/// The frozen instant of the deny rows, and the start of injected time.
const T0: u64 = 1_000_000_000;

/// Injected time for iteration `i`: `T0 + i·step` ns.
#[inline(always)]
fn at(i: u64, step: u64) -> Instant {
    Instant::from_nanos(T0.wrapping_add(i.wrapping_mul(step)))
}

/// 10^10 per second (0.1 ns apart), bursts of 10^12: with time advancing
/// 1 ns per decision (or in real time) every request is admitted.
fn open_quota() -> Quota {
    Quota::per_second(10_000_000_000).and_then(|q| q.with_burst(1_000_000_000_000)).expect("valid quota")
}

/// 1 per hour, burst 1: drained by one request, then denies for an hour.
fn closed_quota() -> Quota {
    Quota::per_hour(1).expect("valid quota")
}

/// Makes `check` deny: takes permits at `now` until a request is denied,
/// and checks the denial is a `Denied` (not `Impossible`).
fn drain(mut check: impl FnMut() -> Outcome) {
    for _ in 0..16 {
        match check() {
            Outcome::Allowed => {}
            Outcome::Denied => return,
            Outcome::Impossible => panic!("a deny row must be Denied, not Impossible"),
        }
    }
    panic!("limiter did not drain");
}

/// The rows of one single-word (or log) algorithm: allow and deny, with
/// injected time, `StdClock` and `QuantaClock`. `$step` is the injected
/// time per decision (ns, per thread sharing the limiter) that keeps every
/// request admitted.
macro_rules! algorithm {
    ($name:literal, $Ty:ident, allow: $allow:expr, allow_real: $allow_real:expr, deny: $deny:expr, step: $step:expr) => {{
        let rows = vec![
            Scenario::new($name, Path::Allow, ClockKind::Injected, |limiters, sharers| {
                let step = $step * sharers as u64;
                Each::boxed(
                    limiters,
                    || $Ty::new($allow, NoClock),
                    move |l: &$Ty<NoClock>, i| l.check_at(at(i, step), 1).is_allowed(),
                )
            }),
            Scenario::new($name, Path::Deny, ClockKind::Injected, |limiters, _| {
                Each::boxed(
                    limiters,
                    || {
                        let l = $Ty::new($deny, NoClock);
                        drain(|| (&l).check_at(at(0, 0), 1).outcome());
                        l
                    },
                    |l: &$Ty<NoClock>, _| l.check_at(at(0, 0), 1).is_allowed(),
                )
            }),
            Scenario::new($name, Path::Allow, ClockKind::Std, |limiters, _| {
                Each::boxed(
                    limiters,
                    || $Ty::new($allow_real, StdClock::new()),
                    |l: &$Ty<StdClock>, _| l.check(1).is_allowed(),
                )
            }),
            Scenario::new($name, Path::Deny, ClockKind::Std, |limiters, _| {
                Each::boxed(
                    limiters,
                    || {
                        let l = $Ty::new($deny, StdClock::new());
                        drain(|| (&l).check(1).outcome());
                        l
                    },
                    |l: &$Ty<StdClock>, _| l.check(1).is_allowed(),
                )
            }),
        ];
        #[cfg(feature = "quanta")]
        let rows = rows
            .into_iter()
            .chain([
                Scenario::new($name, Path::Allow, ClockKind::Quanta, |limiters, _| {
                    Each::boxed(
                        limiters,
                        || $Ty::new($allow_real, ratecore::QuantaClock::new()),
                        |l: &$Ty<ratecore::QuantaClock>, _| l.check(1).is_allowed(),
                    )
                }),
                Scenario::new($name, Path::Deny, ClockKind::Quanta, |limiters, _| {
                    Each::boxed(
                        limiters,
                        || {
                            let l = $Ty::new($deny, ratecore::QuantaClock::new());
                            drain(|| (&l).check(1).outcome());
                            l
                        },
                        |l: &$Ty<ratecore::QuantaClock>, _| l.check(1).is_allowed(),
                    )
                }),
            ])
            .collect::<Vec<_>>();
        rows
    }};
}

/// The sliding-window log with 64 entries (its spin lock and ring included).
type Log64<C> = SlidingLog<C, 64>;

/// Every algorithm's single-thread rows (allow and deny × injected, std,
/// quanta), plus GCRA's allow+headers row.
pub(crate) fn algorithms() -> Vec<Scenario> {
    let mut rows = Vec::new();
    rows.extend(algorithm!("gcra", Gcra,
        allow: open_quota(), allow_real: open_quota(), deny: closed_quota(), step: 1));
    rows.push(Scenario::new("gcra", Path::Allow, ClockKind::Frozen, |limiters, _| {
        Each::boxed(
            limiters,
            || Gcra::new(open_quota(), NoClock),
            |l: &Gcra<NoClock>, _| l.check_at(at(0, 0), 1).is_allowed(),
        )
    }));
    rows.push(Scenario::new("gcra", Path::AllowHeaders, ClockKind::Injected, |limiters, sharers| {
        let step = sharers as u64;
        Each::boxed(
            limiters,
            || Gcra::new(open_quota(), NoClock),
            move |l: &Gcra<NoClock>, i| {
                let d = l.check_at(at(i, step), 1);
                // What a gateway writes into `RateLimit: r=…;t=…` (computed
                // lazily from the decision's integers: this is their cost).
                black_box(d.remaining());
                black_box(d.reset_after());
                d.is_allowed()
            },
        )
    }));
    rows.extend(algorithm!("token-bucket", TokenBucket,
        allow: open_quota(), allow_real: open_quota(), deny: closed_quota(), step: 1));
    rows.extend(algorithm!("interval-bucket", IntervalBucket,
        allow: Refill::from_quota(open_quota()).expect("valid refill"),
        allow_real: Refill::from_quota(open_quota()).expect("valid refill"),
        deny: Refill::from_quota(closed_quota()).expect("valid refill"),
        step: 1));
    rows.extend(algorithm!("leaky-meter", LeakyMeter,
        allow: open_quota(), allow_real: open_quota(), deny: closed_quota(), step: 1));
    rows.extend(algorithm!("leaky-queue", LeakyQueue,
        allow: Shaping::new(10_000_000_000, ratecore::Nanos::from_secs(1), 1_000_000_000_000).expect("valid shaping"),
        allow_real: Shaping::new(10_000_000_000, ratecore::Nanos::from_secs(1), 1_000_000_000_000)
            .expect("valid shaping"),
        deny: Shaping::new(1, ratecore::Nanos::from_hours(1), 0).expect("valid shaping"),
        step: 1));
    // 2^32 per 1 s window: 1 ns of injected time per decision stays far below.
    rows.extend(algorithm!("fixed-window", FixedWindow,
        allow: Window::new(1 << 32, ratecore::Nanos::from_secs(1)).expect("valid window"),
        allow_real: Window::new(1 << 32, ratecore::Nanos::from_secs(1)).expect("valid window"),
        deny: Window::new(1, ratecore::Nanos::from_hours(1)).expect("valid window"),
        step: 1));
    // Two counts share the word with the index: with 1 h windows the limit
    // can reach 4·10^6 (and L·W still fits 64 bits, the usual case; past it
    // the estimate needs u128 divisions). Injected time steps 3.6 ms per
    // decision (per thread sharing the limiter): a quarter of the limit per
    // window, and a lagging thread (counted into the leader's window) has
    // millions of decisions of slack. Real time (~10 ns per decision): 31
    // per 100 ns.
    rows.extend(algorithm!("sliding-window", SlidingWindow,
        allow: Sliding::new(4_000_000, ratecore::Nanos::from_hours(1)).expect("valid sliding"),
        allow_real: Sliding::new(31, ratecore::Nanos::from_nanos(100)).expect("valid sliding"),
        deny: Sliding::new(1, ratecore::Nanos::from_hours(1)).expect("valid sliding"),
        step: 3_600_000));
    // 64 per 500 ns with 64 entries; injected time 32 ns per decision keeps
    // about 16 entries live.
    rows.extend(algorithm!("sliding-log", Log64,
        allow: Window::new(64, ratecore::Nanos::from_nanos(500)).expect("valid window"),
        allow_real: Window::new(64, ratecore::Nanos::from_nanos(500)).expect("valid window"),
        deny: Window::new(1, ratecore::Nanos::from_hours(1)).expect("valid window"),
        step: 32));
    rows.push(gcra_hot());
    rows
}

/// Leases of this many GCRA slots per draw in the hot-key rows.
const LEASE: u32 = 256;

/// Hot-key mode: every thread decides through its own `Gcra::lease(256)` on
/// the limiter (one shared limiter: the hot key; per-thread: one each).
fn gcra_hot() -> Scenario {
    Scenario::new("gcra-hot", Path::Allow, ClockKind::Injected, |limiters, _| {
        Box::new(Leased {
            slots: (0..limiters.max(1)).map(|_| Padded(Gcra::new(open_quota(), NoClock))).collect(),
        })
    })
}

struct Leased {
    slots: Vec<Padded<Gcra<NoClock>>>,
}

impl Run for Leased {
    #[inline(never)]
    fn run(&self, thread: usize, iters: u64) -> u64 {
        let limiter = black_box(&self.slots[thread % self.slots.len()].0);
        let mut lease = limiter.lease(LEASE);
        let mut admitted = 0u64;
        // Time advances 1 ns per 1024 decisions: a hot key spending its
        // burst, every leased slot still usable when it is used.
        for i in 0..iters {
            admitted += u64::from(black_box(lease.check_at(at(i >> 10, 1), 1).is_allowed()));
        }
        admitted
    }
}

/// The algorithms' allow rows with injected time: the multi-thread set.
pub(crate) fn contended() -> Vec<Scenario> {
    // The sliding log keeps at most 64 entries, and a thread whose injected
    // time lags is clamped to the log's latest instant: when one thread
    // stalls, the other's decisions pile up at a frozen time and are denied.
    // Its multi-thread rows therefore read a real clock, where time moves
    // for every thread.
    let log_clock = if cfg!(feature = "quanta") { ClockKind::Quanta } else { ClockKind::Std };
    let mut rows: Vec<Scenario> = algorithms()
        .into_iter()
        .filter(|s| {
            s.path == Path::Allow
                && if s.algorithm == "sliding-log" {
                    s.clock == log_clock
                } else {
                    s.clock == ClockKind::Injected
                }
        })
        .collect();
    rows.extend(peers().into_iter().filter(|s| s.path == Path::Allow && s.clock == ClockKind::Injected));
    rows.push(floor_cas());
    rows
}

/// A governor limiter over `clock`.
type Governor<C> = governor::RateLimiter<
    governor::state::NotKeyed,
    governor::state::InMemoryState,
    C,
    governor::middleware::NoOpMiddleware<<C as governor::clock::Clock>::Instant>,
>;

/// governor's open quota: one cell per ns, bursts of `u32::MAX` (its
/// largest). With a frozen fake clock that admits 4.3·10^9 requests, more
/// than any measurement here makes on one limiter; in real time it never
/// fills.
fn governor_open() -> governor::Quota {
    governor::Quota::with_period(Duration::from_nanos(1))
        .expect("non-zero period")
        .allow_burst(NonZeroU32::MAX)
}

fn governor_closed() -> governor::Quota {
    governor::Quota::per_hour(NonZeroU32::MIN)
}

fn governor_drained<C: governor::clock::Clock>(clock: C) -> Governor<C> {
    let l = governor::RateLimiter::direct_with_clock(governor_closed(), clock);
    drain(|| if l.check().is_ok() { Outcome::Allowed } else { Outcome::Denied });
    l
}

/// ratelimit 2.0's `Clock` with injected time: a fixed elapsed time (its
/// limiter reads it once per decision, like a fake clock).
struct Fixed(Duration);

impl ratelimit::Clock for Fixed {
    #[inline]
    fn elapsed(&self) -> Duration {
        self.0
    }
}

/// ratelimit's largest exact bucket: 10^13 tokens (×10^6 scale fits a u64),
/// full; refilling 10^9 per second.
fn ratelimit_open<C: ratelimit::Clock>(clock: C) -> ratelimit::Ratelimiter<C> {
    ratelimit::Builder::with_clock(1_000_000_000, clock)
        .max_tokens(10_000_000_000_000)
        .initial_available(10_000_000_000_000)
        .build()
        .expect("valid ratelimiter")
}

/// One token per hour, none available.
fn ratelimit_closed<C: ratelimit::Clock>(clock: C) -> ratelimit::Ratelimiter<C> {
    let l = ratelimit::Builder::with_clock(1, clock)
        .period(Duration::from_secs(3_600))
        .max_tokens(1)
        .initial_available(0)
        .build()
        .expect("valid ratelimiter");
    drain(|| if l.try_wait().is_ok() { Outcome::Allowed } else { Outcome::Denied });
    l
}

/// The peers: governor 0.10 (GCRA) and ratelimit 2.0 (token bucket), allow
/// and deny, with their injectable clocks and their real clocks.
pub(crate) fn peers() -> Vec<Scenario> {
    use governor::clock::{FakeRelativeClock, MonotonicClock, QuantaClock as GovernorQuanta};
    vec![
        Scenario::new("governor", Path::Allow, ClockKind::Injected, |limiters, _| {
            Each::boxed(
                limiters,
                || governor::RateLimiter::direct_with_clock(governor_open(), FakeRelativeClock::default()),
                |l: &Governor<FakeRelativeClock>, _| l.check().is_ok(),
            )
        }),
        Scenario::new("governor", Path::Deny, ClockKind::Injected, |limiters, _| {
            Each::boxed(
                limiters,
                || governor_drained(FakeRelativeClock::default()),
                |l: &Governor<FakeRelativeClock>, _| l.check().is_ok(),
            )
        }),
        Scenario::new("governor", Path::Allow, ClockKind::Std, |limiters, _| {
            Each::boxed(
                limiters,
                || governor::RateLimiter::direct_with_clock(governor_open(), MonotonicClock),
                |l: &Governor<MonotonicClock>, _| l.check().is_ok(),
            )
        }),
        Scenario::new("governor", Path::Deny, ClockKind::Std, |limiters, _| {
            Each::boxed(
                limiters,
                || governor_drained(MonotonicClock),
                |l: &Governor<MonotonicClock>, _| l.check().is_ok(),
            )
        }),
        Scenario::new("governor", Path::Allow, ClockKind::Quanta, |limiters, _| {
            Each::boxed(
                limiters,
                || governor::RateLimiter::direct(governor_open()),
                |l: &Governor<GovernorQuanta>, _| l.check().is_ok(),
            )
        }),
        Scenario::new("governor", Path::Deny, ClockKind::Quanta, |limiters, _| {
            Each::boxed(
                limiters,
                || governor_drained(GovernorQuanta::default()),
                |l: &Governor<GovernorQuanta>, _| l.check().is_ok(),
            )
        }),
        Scenario::new("ratelimit", Path::Allow, ClockKind::Injected, |limiters, _| {
            Each::boxed(
                limiters,
                || ratelimit_open(Fixed(Duration::from_secs(1))),
                |l: &ratelimit::Ratelimiter<Fixed>, _| l.try_wait().is_ok(),
            )
        }),
        Scenario::new("ratelimit", Path::Deny, ClockKind::Injected, |limiters, _| {
            Each::boxed(
                limiters,
                || ratelimit_closed(Fixed(Duration::from_secs(1))),
                |l: &ratelimit::Ratelimiter<Fixed>, _| l.try_wait().is_ok(),
            )
        }),
        Scenario::new("ratelimit", Path::Allow, ClockKind::Std, |limiters, _| {
            Each::boxed(
                limiters,
                || ratelimit_open(ratelimit::StdClock::new()),
                |l: &ratelimit::Ratelimiter<ratelimit::StdClock>, _| l.try_wait().is_ok(),
            )
        }),
        Scenario::new("ratelimit", Path::Deny, ClockKind::Std, |limiters, _| {
            Each::boxed(
                limiters,
                || ratelimit_closed(ratelimit::StdClock::new()),
                |l: &ratelimit::Ratelimiter<ratelimit::StdClock>, _| l.try_wait().is_ok(),
            )
        }),
    ]
}

/// The CAS floor: a bare `AtomicU64` load and compare-exchange-weak loop that
/// increments (the shape of ratecore's one CAS loop, without a decision).
pub(crate) fn floor_cas() -> Scenario {
    Scenario::new("floor-cas", Path::Floor, ClockKind::None, |limiters, _| {
        Each::boxed(
            limiters,
            || AtomicU64::new(0),
            |word: &AtomicU64, _| {
                let mut current = word.load(Ordering::Relaxed);
                loop {
                    match word.compare_exchange_weak(
                        current,
                        current.wrapping_add(1),
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    ) {
                        Ok(_) => return true,
                        Err(observed) => current = observed,
                    }
                }
            },
        )
    })
}

/// The floors: the CAS loop and one clock read (`std::time::Instant::now()`,
/// and `ratecore::QuantaClock::now()` with the `quanta` feature).
pub(crate) fn floors() -> Vec<Scenario> {
    let rows = vec![
        floor_cas(),
        Scenario::new("floor-clock", Path::Floor, ClockKind::Std, |limiters, _| {
            Each::boxed(
                limiters,
                || (),
                |(): &(), _| {
                    black_box(StdInstant::now());
                    true
                },
            )
        }),
    ];
    #[cfg(feature = "quanta")]
    let rows = rows
        .into_iter()
        .chain([Scenario::new("floor-clock", Path::Floor, ClockKind::Quanta, |limiters, _| {
            Each::boxed(limiters, ratecore::QuantaClock::new, |c: &ratecore::QuantaClock, _| {
                black_box(ratecore::Clock::now(c));
                true
            })
        })])
        .collect();
    rows
}

/// Keys per keyed scenario (`keys=…` in the row name).
const KEY_COUNTS: [(u64, &str); 3] = [(1, "keys=1"), (100_000, "keys=100k"), (1_000_000, "keys=1M")];

/// Key `i` of a random walk over `keys` keys, offset for thread `base`.
#[inline(always)]
fn key_of(i: u64, keys: u64, base: u64) -> u64 {
    base + (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 16) % keys
}

/// A prepared keyed table: storage sized for a 50 % load factor, each
/// thread range's `keys` keys checked once before timing. Both tables walk
/// the same key stream (`key_of`). At 50 % with every key active about 1 in
/// 10^5 new keys finds both its buckets full; the table admits those
/// untracked (`Full::AdmitUntracked`), so every row stays on the allow
/// path, and the warm-up asserts they are that rare.
struct KeyedTable {
    /// The table borrows its storage exclusively for its life, so storage
    /// (`ALIGN_SPARE` more slots than the table's, the table's starting on
    /// a 64-byte boundary so each bucket is one cache line) and plan are
    /// leaked: a bench process builds a few dozen tables, at most 32 MiB
    /// each.
    table: ratecore::keyed::Keyed<'static, NoClock>,
    keys: u64,
    distinct: bool,
}

/// Slots allocated beyond a keyed table's, to start it on a 64-byte boundary.
const ALIGN_SPARE: usize = 3;

const KEYED_SEED: u128 = 0x243f_6a88_85a3_08d3_1319_8a2e_0370_7344;

impl KeyedTable {
    fn new(keys: u64, distinct: bool, threads: usize) -> Self {
        let ranges = if distinct { threads.max(1) as u64 } else { 1 };
        let capacity = ((2 * keys * ranges).max(8) as usize).next_multiple_of(4);
        let slots: &'static mut [ratecore::keyed::Slot] = Box::leak(
            (0..capacity + ALIGN_SPARE).map(|_| ratecore::keyed::Slot::new()).collect::<Box<[_]>>(),
        );
        let offset = slots.as_ptr().align_offset(64);
        assert!(offset <= ALIGN_SPARE, "16-byte slots reach a 64-byte boundary within 3");
        let plans: &'static [ratecore::keyed::Plan] =
            Box::leak(Box::new([ratecore::keyed::Plan::Gcra(open_quota())]));
        let table = ratecore::keyed::Keyed::new(
            &mut slots[offset..offset + capacity],
            plans,
            KEYED_SEED,
            ratecore::keyed::Full::AdmitUntracked,
            NoClock,
        )
        .expect("valid table");
        for k in 0..keys * ranges {
            assert!(table.check_at(&k, 0, at(0, 0), 1).is_allowed(), "keyed warm-up");
        }
        let tracked = table.len() as u64;
        assert!(tracked * 10_000 >= keys * ranges * 9_999, "keyed warm-up: only {tracked} keys tracked");
        Self { table, keys, distinct }
    }
}

impl Run for KeyedTable {
    #[inline(never)]
    fn run(&self, thread: usize, iters: u64) -> u64 {
        let table = &self.table;
        let base = if self.distinct { thread as u64 * self.keys } else { 0 };
        let mut admitted = 0u64;
        // 1 ns of injected time per decision per thread: always admitted.
        for i in 0..iters {
            let k = key_of(i, self.keys, base);
            admitted += u64::from(black_box(table.check_at(&k, 0, at(i, 2), 1).is_allowed()));
        }
        admitted
    }
}

/// governor's keyed limiter (DashMap) over its fake clock, warmed the same way.
struct GovernorKeyed {
    limiter: governor::RateLimiter<
        u64,
        governor::state::keyed::DashMapStateStore<u64>,
        governor::clock::FakeRelativeClock,
        governor::middleware::NoOpMiddleware<
            <governor::clock::FakeRelativeClock as governor::clock::Clock>::Instant,
        >,
    >,
    keys: u64,
    distinct: bool,
}

impl GovernorKeyed {
    fn new(keys: u64, distinct: bool, threads: usize) -> Self {
        let ranges = if distinct { threads.max(1) as u64 } else { 1 };
        let limiter = governor::RateLimiter::dashmap_with_clock(
            governor_open(),
            governor::clock::FakeRelativeClock::default(),
        );
        for k in 0..keys * ranges {
            assert!(limiter.check_key(&k).is_ok(), "governor keyed warm-up");
        }
        Self { limiter, keys, distinct }
    }
}

impl Run for GovernorKeyed {
    #[inline(never)]
    fn run(&self, thread: usize, iters: u64) -> u64 {
        let base = if self.distinct { thread as u64 * self.keys } else { 0 };
        let mut admitted = 0u64;
        for i in 0..iters {
            let k = key_of(i, self.keys, base);
            admitted += u64::from(black_box(self.limiter.check_key(&k).is_ok()));
        }
        admitted
    }
}

/// The keyed rows: ratecore's table (`keyed-gcra`) and governor's DashMap
/// (`governor-keyed`) with 1, 100 000 and 1 000 000 keys, random access,
/// injected time. For these, `Sharing::Shared` means both threads walk the
/// same keys and `Sharing::PerThread` that each walks its own (distinct
/// keys): always one table.
pub(crate) fn keyed() -> Vec<Scenario> {
    macro_rules! rows {
        ($keys:expr, $label:expr) => {
            [
                Scenario::new("keyed-gcra", Path::Allow, ClockKind::Injected, |limiters, sharers| {
                    Box::new(KeyedTable::new($keys, limiters > 1, limiters.max(sharers)))
                })
                .with_variant($label),
                Scenario::new("governor-keyed", Path::Allow, ClockKind::Injected, |limiters, sharers| {
                    Box::new(GovernorKeyed::new($keys, limiters > 1, limiters.max(sharers)))
                })
                .with_variant($label),
            ]
        };
    }
    let [(_, l0), (_, l1), (_, l2)] = KEY_COUNTS;
    let mut v = Vec::new();
    v.extend(rows!(1, l0));
    v.extend(rows!(100_000, l1));
    v.extend(rows!(1_000_000, l2));
    v
}
