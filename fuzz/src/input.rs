//! Structure-aware fuzz inputs: configuration integers biased toward edge
//! values, and a sequence of [`Op`]s (time steps and actions) that
//! [`history`] turns into the absolute `(instant, cost)` list of checks that
//! `oracle::harness::drive` takes, and [`events`] into the `(instant,`
//! [`Act`]`)` list of every action that `lockstep::lockstep` takes.
//!
//! The tables and steps mirror `tests/strategies/mod.rs` (the proptest
//! generators), plus raw integers anywhere, which proptest never draws.
//!
//! Byte encoding (arbitrary 1.x, for hand-made seeds; `cargo fuzz fmt
//! <target> <file>` prints how a file decodes): integers are little-endian;
//! an enum is a `u32` tag selecting variant `⌊tag · count / 2^32⌋` followed by
//! its fields; the op list is a sequence of (odd byte, op), ended by an even
//! byte or the end of the input. Missing bytes read as zeros. `seeds.py`
//! encodes by variant name in declaration order: keep it in step.

use arbitrary::Arbitrary;
use ratecore::{Error, HORIZON, Nanos, Quota, Refill, Shaping, Sliding, Window};

/// One second in ns.
pub const SEC: u64 = 1_000_000_000;

/// Checks per history at most (the harness's bound checks are quadratic in
/// the admissions; proptest histories have fewer than 64).
pub const MAX_CHECKS: usize = 256;

/// Permit counts people configure, edges (7 and 13 per second: inexact
/// ticks; 10^10 per second: `T` = 0.1 ns; 12 345: rounded), as in
/// `strategies::permits`, plus a few.
pub const PERMITS: &[u64] =
    &[1, 2, 3, 7, 10, 11, 12, 13, 60, 100, 1_000, 12_345, 1_000_000, 1_000_000_000, 10_000_000_000];

/// Periods from 1 ns to a century and 2^32 ± 1, as in `strategies::period`.
pub const PERIODS: &[u64] = &[
    1,
    1_000,
    1_000_000,
    SEC,
    60 * SEC,
    3_600 * SEC,
    86_400 * SEC,
    36_525 * 86_400 * SEC,
    (1 << 32) - 1,
    1 << 32,
    (1 << 32) + 1,
];

/// Bursts, capacities: 1 to `u32::MAX` (the largest cost), as in
/// `strategies::burst`, and one past it.
pub const BURSTS: &[u64] = &[1, 2, 3, 5, 20, 1_000_000, u32::MAX as u64, u32::MAX as u64 + 1];

/// Window limits: small, `2^k − 1` and `2^k` (packed count fields), as in
/// `strategies::window_limit`.
pub const WINDOW_LIMITS: &[u64] = &[1, 2, 3, 20, 255, 256, 65_535, 65_536, u32::MAX as u64];

/// Sliding-log limits: around the ring sizes the target uses (1, 8, 64).
pub const LOG_LIMITS: &[u64] = &[1, 2, 3, 7, 8, 9, 12, 63, 64, 65, 255, 65_535];

/// Shaping-queue `delay=` values, as in `tests/leaky_bucket.rs`.
pub const DELAYS: &[u64] = &[0, 1, 2, 3, u64::MAX];

/// A configuration integer: an edge value, one from a range, or any `u64`.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Int {
    /// Entry `i mod len` of the parameter's table of edge values.
    Edge(u8),
    /// Uniform in the parameter's proptest range (`lo + x mod (hi − lo + 1)`).
    Range(u64),
    /// Any `u64` at all (constructors must refuse what they cannot honour).
    Raw(u64),
}

impl Int {
    /// The value, from `edges` or `lo ..= hi` (`lo <= hi`).
    pub fn pick(self, edges: &[u64], lo: u64, hi: u64) -> u64 {
        match self {
            Int::Edge(i) => edges[usize::from(i) % edges.len()],
            Int::Range(x) => match (hi - lo).checked_add(1) {
                Some(span) => lo + x % span,
                None => x,
            },
            Int::Raw(x) => x,
        }
    }
}

/// One step of a history: move the clock, or act at the current instant
/// (check, peek, reserve, cancel, refund).
///
/// The time steps are [`Step`]'s, flattened here so that an op costs one
/// tag; the checks are flattened too (not one `Check(Cost)`) so that checks
/// stay as frequent as they were before the other actions existed.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Op {
    /// [`Step::Quarters`].
    Quarters(u8, u8),
    /// [`Step::Scales`].
    Scales(u8),
    /// [`Step::Advance`].
    Advance(u64),
    /// [`Step::AdvanceSmall`].
    AdvanceSmall(u16),
    /// [`Step::Back`].
    Back(u32),
    /// [`Step::BackScaled`].
    BackScaled(u8),
    /// [`Step::BackHour`].
    BackHour,
    /// [`Step::NearHorizon`].
    NearHorizon(u32),
    /// Check any cost.
    Check(u32),
    /// Check a cost in `0 ..= limit + 1`.
    CheckUpTo(u32),
    /// Check cost 1.
    CheckUnit,
    /// Check cost 2.
    CheckTwo,
    /// Check the whole limit (burst, capacity) in one request.
    CheckLimit,
    /// Check one more than the limit (impossible, SPEC S3).
    CheckAboveLimit,
    /// Check cost 0: a side-effect-free look at the state.
    CheckZero,
    /// `peek_at(cost)`: what a check would decide, consuming nothing.
    Peek(Cost),
    /// `reserve_at(cost, max_wait)` (limiters that have it; others skip it).
    Reserve { cost: Cost, max_wait: Wait },
    /// `cancel` the latest reservation (nothing if a cancel consumed it already).
    CancelLast,
    /// `refund_at(cost)` (limiters that have it; others skip it).
    Refund(Cost),
}

/// A move of the clock, scaled to a configuration's interval or window.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Step {
    /// Forward `k/4` of the scale (`k = q mod 9`) ± 1 ns (`j mod 3 − 1`):
    /// `strategies::step`'s main step, hitting fractions of an interval.
    Quarters(u8, u8),
    /// Forward `1 + k mod 8` whole scales.
    Scales(u8),
    /// Forward any number of ns (the clock stops at `HORIZON`).
    Advance(u64),
    /// Forward up to 65 535 ns.
    AdvanceSmall(u16),
    /// Back up to `u32::MAX` ns (stopping at 0): a clock that steps back.
    Back(u32),
    /// Back `x/255` of the scale.
    BackScaled(u8),
    /// Back one hour.
    BackHour,
    /// To `HORIZON − x` ns: the end of the supported clock range.
    NearHorizon(u32),
}

impl Step {
    /// The clock after this step from `now`, with steps scaled to `scale`;
    /// always in `0 ..= HORIZON`.
    pub fn apply(self, now: u64, scale: u64) -> u64 {
        let t = scale.max(1);
        let h = HORIZON.as_nanos();
        let forward = |d: u64| now.saturating_add(d).min(h);
        match self {
            Step::Quarters(k, j) => {
                let d = (t / 4).saturating_mul(u64::from(k % 9));
                forward(d.saturating_add_signed(i64::from(j % 3) - 1))
            }
            Step::Scales(k) => forward(t.saturating_mul(1 + u64::from(k % 8))),
            Step::Advance(d) => forward(d),
            Step::AdvanceSmall(d) => forward(d.into()),
            Step::Back(d) => now.saturating_sub(d.into()),
            Step::BackScaled(x) => {
                let d = u128::from(t) * u128::from(x) / 255;
                now.saturating_sub(u64::try_from(d).unwrap_or(u64::MAX))
            }
            Step::BackHour => now.saturating_sub(3_600 * SEC),
            Step::NearHorizon(x) => h - u64::from(x),
        }
    }
}

/// The cost of a request, relative to the configuration's limit.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Cost {
    /// Any cost.
    Any(u32),
    /// A cost in `0 ..= limit + 1`.
    UpTo(u32),
    /// 0.
    Zero,
    /// 1.
    Unit,
    /// 2.
    Two,
    /// The whole limit.
    Limit,
    /// One more than the limit.
    AboveLimit,
}

impl Cost {
    /// The cost against `limit` (a burst, capacity or window limit).
    pub fn resolve(self, limit: u64) -> u32 {
        let b = u32::try_from(limit).unwrap_or(u32::MAX);
        match self {
            Cost::Any(c) => c,
            // `c mod (limit + 2)` is at most `c`: it fits.
            Cost::UpTo(c) => u32::try_from(u64::from(c) % (u64::from(b) + 2)).unwrap_or(c),
            Cost::Zero => 0,
            Cost::Unit => 1,
            Cost::Two => 2,
            Cost::Limit => b,
            Cost::AboveLimit => b.saturating_add(1),
        }
    }
}

/// How long a reservation may wait, relative to the configuration's scale.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Wait {
    /// No wait: the reservation is a check.
    Zero,
    /// `k/4` of the scale (`k = q mod 9`) ± 1 ns (`j mod 3 − 1`).
    Quarters(u8, u8),
    /// `1 + k mod 8` whole scales.
    Scales(u8),
    /// Up to 65 535 ns.
    Small(u16),
    /// Any number of ns.
    Any(u64),
    /// `u64::MAX` ns: any wait at all.
    Max,
}

impl Wait {
    /// The maximum wait in ns, steps scaled to `scale`.
    pub fn resolve(self, scale: u64) -> u64 {
        let t = scale.max(1);
        match self {
            Wait::Zero => 0,
            Wait::Quarters(k, j) => {
                (t / 4).saturating_mul(u64::from(k % 9)).saturating_add_signed(i64::from(j % 3) - 1)
            }
            Wait::Scales(k) => t.saturating_mul(1 + u64::from(k % 8)),
            Wait::Small(d) => d.into(),
            Wait::Any(d) => d,
            Wait::Max => u64::MAX,
        }
    }
}

impl Op {
    /// The clock step this op is, if it is one.
    pub const fn step(self) -> Option<Step> {
        Some(match self {
            Op::Quarters(k, j) => Step::Quarters(k, j),
            Op::Scales(k) => Step::Scales(k),
            Op::Advance(d) => Step::Advance(d),
            Op::AdvanceSmall(d) => Step::AdvanceSmall(d),
            Op::Back(d) => Step::Back(d),
            Op::BackScaled(x) => Step::BackScaled(x),
            Op::BackHour => Step::BackHour,
            Op::NearHorizon(x) => Step::NearHorizon(x),
            _ => return None,
        })
    }
}

/// One action of an [`events`] history, at its instant, with its cost (and
/// maximum wait) resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    /// `check_at(cost)`.
    Check(u32),
    /// `peek_at(cost)`.
    Peek(u32),
    /// `reserve_at(cost, max_wait ns)`.
    Reserve(u32, u64),
    /// `cancel` the latest reservation.
    CancelLast,
    /// `refund_at(cost)`.
    Refund(u32),
}

/// The absolute `(instant ns, action)` history of `ops`, from instant 0,
/// with time steps and waits scaled to `scale` (an emission interval or
/// window length) and costs to `limit` (a burst, capacity or window limit);
/// instants stay in `0 ..= HORIZON`. At most [`MAX_CHECKS`] actions.
pub fn events(ops: &[Op], scale: u64, limit: u64) -> Vec<(u64, Act)> {
    let mut now = 0u64;
    let mut out = Vec::new();
    for &op in ops {
        if out.len() == MAX_CHECKS {
            break;
        }
        if let Some(step) = op.step() {
            now = step.apply(now, scale);
            continue;
        }
        let act = match op {
            Op::Check(c) => Act::Check(Cost::Any(c).resolve(limit)),
            Op::CheckUpTo(c) => Act::Check(Cost::UpTo(c).resolve(limit)),
            Op::CheckUnit => Act::Check(1),
            Op::CheckTwo => Act::Check(2),
            Op::CheckLimit => Act::Check(Cost::Limit.resolve(limit)),
            Op::CheckAboveLimit => Act::Check(Cost::AboveLimit.resolve(limit)),
            Op::CheckZero => Act::Check(0),
            Op::Peek(c) => Act::Peek(c.resolve(limit)),
            Op::Reserve { cost, max_wait } => Act::Reserve(cost.resolve(limit), max_wait.resolve(scale)),
            Op::CancelLast => Act::CancelLast,
            Op::Refund(c) => Act::Refund(c.resolve(limit)),
            // The clock steps were handled above.
            _ => continue,
        };
        out.push((now, act));
    }
    out
}

/// The absolute `(instant ns, cost)` history of the checks of `ops` (what
/// `oracle::harness::drive` takes; the other actions are left out, their
/// instants still count): [`events`] restricted to [`Act::Check`].
pub fn history(ops: &[Op], scale: u64, limit: u64) -> Vec<(u64, u32)> {
    events(ops, scale, limit)
        .into_iter()
        .filter_map(|(now, act)| match act {
            Act::Check(c) => Some((now, c)),
            _ => None,
        })
        .collect()
}

/// Whether `events` has anything but checks (which `drive` covers alone).
pub fn beyond_checks(events: &[(u64, Act)]) -> bool {
    events.iter().any(|(_, a)| !matches!(a, Act::Check(_)))
}

/// Whether `events` has a peek (for limiters with no reserve or refund,
/// the only action beyond checks they have).
pub fn has_peeks(events: &[(u64, Act)]) -> bool {
    events.iter().any(|(_, a)| matches!(a, Act::Peek(_)))
}

/// `n` permits per `P`, burst `B`, and a history: for GCRA, the continuous
/// token bucket and the leaky meter (all checked against the GCRA model).
#[derive(Arbitrary, Debug)]
pub struct QuotaInput {
    pub permits: Int,
    pub period: Int,
    pub burst: Int,
    pub ops: Vec<Op>,
}

impl QuotaInput {
    /// The quota, if the constructor accepts the integers (as
    /// `strategies::quota`, which filters on `Quota::new(..).ok()`).
    pub fn quota(&self) -> Result<Quota, Error> {
        Quota::new(
            self.permits.pick(PERMITS, 1, 1_000_000),
            Nanos::from_nanos(self.period.pick(PERIODS, 1, 1_000_000_000_000)),
            self.burst.pick(BURSTS, 1, 1_000_000),
        )
    }

    /// The history, scaled to the quota's emission interval.
    pub fn history(&self, q: &Quota) -> Vec<(u64, u32)> {
        history(&self.ops, q.emission_interval().as_nanos(), q.burst())
    }

    /// Every action (checks, peeks, reservations, cancels, refunds), scaled
    /// like [`history`](Self::history).
    pub fn events(&self, q: &Quota) -> Vec<(u64, Act)> {
        events(&self.ops, q.emission_interval().as_nanos(), q.burst())
    }
}

/// `amount` tokens every `every`, capacity: the interval-refill bucket.
#[derive(Arbitrary, Debug)]
pub struct RefillInput {
    pub amount: Int,
    pub every: Int,
    pub capacity: Int,
    pub ops: Vec<Op>,
}

impl RefillInput {
    pub fn refill(&self) -> Result<Refill, Error> {
        Refill::new(
            self.amount.pick(PERMITS, 1, 1_000_000),
            Nanos::from_nanos(self.every.pick(PERIODS, 1, 1_000_000_000_000)),
            self.capacity.pick(BURSTS, 1, 1_000_000),
        )
    }

    /// The history, scaled to the refill interval.
    pub fn history(&self, r: &Refill) -> Vec<(u64, u32)> {
        history(&self.ops, r.every().as_nanos(), r.capacity())
    }

    /// Every action, scaled like [`history`](Self::history).
    pub fn events(&self, r: &Refill) -> Vec<(u64, Act)> {
        events(&self.ops, r.every().as_nanos(), r.capacity())
    }
}

/// nginx `delay=` setting of a shaping queue.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Delay {
    /// Not set: every queued request is delayed.
    Default,
    /// `delay(n)` (clamped to the burst by the constructor).
    Delay(Int),
    /// `nodelay()`.
    NoDelay,
}

/// A shaping queue: `permits` per `period` out of the queue, `burst` queued.
#[derive(Arbitrary, Debug)]
pub struct ShapingInput {
    pub permits: Int,
    pub period: Int,
    /// The quota's burst `B`; the queue holds `B − 1` (as in
    /// `tests/leaky_bucket.rs`: `Shaping::new(n, p, b.saturating_sub(1))`).
    pub burst: Int,
    pub delay: Delay,
    pub ops: Vec<Op>,
}

impl ShapingInput {
    pub fn shaping(&self) -> Result<Shaping, Error> {
        let s = Shaping::new(
            self.permits.pick(PERMITS, 1, 1_000_000),
            Nanos::from_nanos(self.period.pick(PERIODS, 1, 1_000_000_000_000)),
            self.burst.pick(BURSTS, 1, 1_000_000).saturating_sub(1),
        )?;
        Ok(match self.delay {
            Delay::Default => s,
            Delay::Delay(n) => s.delay(n.pick(DELAYS, 0, 20)),
            Delay::NoDelay => s.nodelay(),
        })
    }

    /// The history, scaled to the drain interval.
    pub fn history(&self, s: &Shaping) -> Vec<(u64, u32)> {
        history(&self.ops, s.quota().emission_interval().as_nanos(), s.quota().burst())
    }

    /// Every action, scaled like [`history`](Self::history).
    pub fn events(&self, s: &Shaping) -> Vec<(u64, Act)> {
        events(&self.ops, s.quota().emission_interval().as_nanos(), s.quota().burst())
    }
}

/// `limit` per window of `length`: fixed window, sliding counter and log.
#[derive(Arbitrary, Debug)]
pub struct WindowInput {
    pub limit: Int,
    pub length: Int,
    pub ops: Vec<Op>,
}

impl WindowInput {
    fn limit_from(&self, edges: &[u64]) -> u64 {
        self.limit.pick(edges, 1, 1_000_000)
    }

    fn length(&self) -> Nanos {
        Nanos::from_nanos(self.length.pick(PERIODS, 1, 1_000_000_000_000))
    }

    /// The fixed-window parameters.
    pub fn window(&self) -> Result<Window, Error> {
        Window::new(self.limit_from(WINDOW_LIMITS), self.length())
    }

    /// The sliding-counter parameters.
    pub fn sliding(&self) -> Result<Sliding, Error> {
        Sliding::new(self.limit_from(WINDOW_LIMITS), self.length())
    }

    /// The sliding-log parameters (limits around its ring sizes).
    pub fn log_window(&self) -> Result<Window, Error> {
        Window::new(self.limit_from(LOG_LIMITS), self.length())
    }

    /// The history, scaled to the window length.
    pub fn history(&self, length: Nanos, limit: u64) -> Vec<(u64, u32)> {
        history(&self.ops, length.as_nanos(), limit)
    }

    /// Every action, scaled like [`history`](Self::history).
    pub fn events(&self, length: Nanos, limit: u64) -> Vec<(u64, Act)> {
        events(&self.ops, length.as_nanos(), limit)
    }
}

/// `n` permits per `P`, burst `B`, without a history: a policy member, a
/// live limiter's configuration (as a `Quota`, or as a `Refill` of `n`
/// tokens every `P` up to `B`).
#[derive(Arbitrary, Clone, Copy, Debug)]
pub struct Rate {
    pub permits: Int,
    pub period: Int,
    pub burst: Int,
}

impl Rate {
    fn parts(&self) -> (u64, Nanos, u64) {
        (
            self.permits.pick(PERMITS, 1, 1_000_000),
            Nanos::from_nanos(self.period.pick(PERIODS, 1, 1_000_000_000_000)),
            self.burst.pick(BURSTS, 1, 1_000_000),
        )
    }

    /// The quota, if the constructor accepts the integers.
    pub fn quota(&self) -> Result<Quota, Error> {
        let (n, p, b) = self.parts();
        Quota::new(n, p, b)
    }

    /// The interval refill with the same integers, if accepted.
    pub fn refill(&self) -> Result<Refill, Error> {
        let (n, p, b) = self.parts();
        Refill::new(n, p, b)
    }

    /// A fixed window of `B` per `P`, if accepted.
    pub fn window(&self) -> Result<Window, Error> {
        let (_, p, b) = self.parts();
        Window::new(b, p)
    }

    /// A sliding counter of `B` per `P`, if accepted.
    pub fn sliding(&self) -> Result<Sliding, Error> {
        let (_, p, b) = self.parts();
        Sliding::new(b, p)
    }

    /// The burst, capacity or window limit `B`.
    pub fn limit(&self) -> u64 {
        self.parts().2
    }

    /// The configuration's time scale: `P / n` (at least 1 ns).
    pub fn scale(&self) -> u64 {
        let (n, p, _) = self.parts();
        (p.as_nanos() / n.max(1)).max(1)
    }
}
