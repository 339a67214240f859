//! Live reconfiguration, single-threaded: `LiveGcra`, `LiveTokenBucket` and
//! `LiveIntervalBucket` driven by checks, peeks and reconfigurations to
//! arbitrary parameters with every carry-over, each beside the `&mut`
//! limiter of the same algorithm given the same ops (`reconfigure_at` on
//! `LocalGcra`, `LocalTokenBucket`, `LocalIntervalBucket`):
//!
//! - every decision equal (checks, peeks), and a cost-0 look equal after
//!   every op (the live limiters expose no state word);
//! - a peek is the check of a clone of the `&mut` limiter, and changes
//!   neither;
//! - after a reconfiguration `params()` is the new configuration; with
//!   `Carry::Reset` the limiter is full, with `Carry::Level` it holds no
//!   more than the new limit less the permits in use before;
//! - S1 (the interval bound for the interval bucket) per segment: between
//!   reconfigurations, for that segment's configuration, on that segment's
//!   admissions alone.
//!
//! A reconfiguration whose integers a constructor refuses is skipped (for
//! that limiter only).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ratecore::{
    Carry, Decision, Instant, LiveGcra, LiveIntervalBucket, LiveTokenBucket, LocalGcra, LocalIntervalBucket,
    LocalTokenBucket, NoClock, Quota, Refill,
};
use ratecore_fuzz::input::{Cost, MAX_CHECKS, Rate, Step};
use ratecore_fuzz::oracle::bounds::{Admission, check_interval, check_s1};
use ratecore_fuzz::verdict;

#[derive(Arbitrary, Clone, Copy, Debug)]
enum CarryIn {
    Level,
    Proportional,
    Reset,
}

impl CarryIn {
    const fn carry(self) -> Carry {
        match self {
            CarryIn::Level => Carry::Level,
            CarryIn::Proportional => Carry::Proportional,
            CarryIn::Reset => Carry::Reset,
        }
    }
}

#[derive(Arbitrary, Clone, Copy, Debug)]
enum LiveOp {
    /// Move the clock, scaled to the current configuration's interval.
    Time(Step),
    /// Check a cost relative to the current limit.
    Check(Cost),
    /// Check cost 1.
    CheckUnit,
    /// Peek a cost relative to the current limit.
    Peek(Cost),
    /// Switch to new parameters now (a `Quota`, or a `Refill` of the same
    /// integers), carrying the permits in use as `carry` says.
    Reconfigure(Rate, CarryIn),
}

#[derive(Arbitrary, Debug)]
struct Input {
    rate: Rate,
    ops: Vec<LiveOp>,
}

/// One live limiter and its `&mut` twin, behind what the driver needs.
trait Twin {
    type Params: Copy + PartialEq + core::fmt::Debug;
    fn params(&self) -> Self::Params;
    fn local_params(&self) -> Self::Params;
    fn check(&mut self, now: Instant, cost: u32) -> (Decision, Decision);
    fn peek(&self, now: Instant, cost: u32) -> (Decision, Decision, Decision);
    fn reconfigure(&mut self, p: Self::Params, now: Instant, carry: Carry);
    fn params_from(rate: &Rate) -> Option<Self::Params>;
    fn scale(p: &Self::Params) -> u64;
    fn limit(p: &Self::Params) -> u64;
    fn bound(admitted: &[Admission], p: &Self::Params) -> Result<(), String>;
}

macro_rules! twin {
    ($Name:ident: $Live:ident, $Local:ident, $Params:ty, from $from:ident, scale $scale:expr, limit $limit:expr, bound $bound:expr) => {
        struct $Name {
            live: $Live<NoClock>,
            local: $Local<NoClock>,
        }

        impl Twin for $Name {
            type Params = $Params;
            fn params(&self) -> $Params {
                self.live.params()
            }
            fn local_params(&self) -> $Params {
                *self.local.params()
            }
            fn check(&mut self, now: Instant, cost: u32) -> (Decision, Decision) {
                (self.live.check_at(now, cost), self.local.check_at(now, cost))
            }
            fn peek(&self, now: Instant, cost: u32) -> (Decision, Decision, Decision) {
                (
                    self.live.peek_at(now, cost),
                    self.local.peek_at(now, cost),
                    self.local.clone().check_at(now, cost),
                )
            }
            fn reconfigure(&mut self, p: $Params, now: Instant, carry: Carry) {
                self.live.reconfigure_at(p, now, carry);
                self.local.reconfigure_at(p, now, carry);
            }
            fn params_from(rate: &Rate) -> Option<$Params> {
                rate.$from().ok()
            }
            fn scale(p: &$Params) -> u64 {
                $scale(p)
            }
            fn limit(p: &$Params) -> u64 {
                $limit(p)
            }
            fn bound(admitted: &[Admission], p: &$Params) -> Result<(), String> {
                $bound(admitted, p)
            }
        }

        impl $Name {
            fn new(p: $Params) -> Self {
                Self { live: $Live::new(p, NoClock), local: $Local::new(p, NoClock) }
            }
        }
    };
}

fn s1(admitted: &[Admission], q: &Quota) -> Result<(), String> {
    check_s1(admitted, q.permits(), q.period().as_nanos(), q.burst())
}

twin!(GcraTwin: LiveGcra, LocalGcra, Quota, from quota,
    scale |q: &Quota| q.emission_interval().as_nanos(), limit |q: &Quota| q.burst(), bound s1);
twin!(TokenTwin: LiveTokenBucket, LocalTokenBucket, Quota, from quota,
    scale |q: &Quota| q.emission_interval().as_nanos(), limit |q: &Quota| q.burst(), bound s1);
twin!(IntervalTwin: LiveIntervalBucket, LocalIntervalBucket, Refill, from refill,
    scale |r: &Refill| r.every().as_nanos(), limit |r: &Refill| r.capacity(),
    bound |a: &[Admission], r: &Refill| check_interval(a, r.amount(), r.every().as_nanos(), r.capacity()));

fn run<T: Twin>(mut t: T, first: T::Params, ops: &[LiveOp], name: &str) -> Result<(), String> {
    let mut params = first;
    let mut segment: Vec<Admission> = Vec::new();
    let mut now = 0u64;
    for (i, &op) in ops.iter().take(MAX_CHECKS).enumerate() {
        let at = Instant::from_nanos(now);
        let was = params;
        let ctx = |what: String| format!("{name}, op {i} ({op:?} at {now} ns, {was:?}): {what}");
        match op {
            LiveOp::Time(step) => {
                now = step.apply(now, T::scale(&params));
                continue;
            }
            LiveOp::Check(_) | LiveOp::CheckUnit => {
                let cost = match op {
                    LiveOp::Check(c) => c.resolve(T::limit(&params)),
                    _ => 1,
                };
                let (d, dl) = t.check(at, cost);
                if d != dl {
                    return Err(ctx(format!("check {cost}: live {d:?} != local {dl:?}")));
                }
                if d.is_allowed() && cost > 0 {
                    segment.push(Admission { at: now, cost: cost.into() });
                }
            }
            LiveOp::Peek(c) => {
                let cost = c.resolve(T::limit(&params));
                let before = t.peek(at, 0);
                let (d, dl, checked) = t.peek(at, cost);
                if d != checked || dl != checked {
                    return Err(ctx(format!(
                        "peek {cost}: live {d:?}, local {dl:?}, check on a clone {checked:?}"
                    )));
                }
                if t.peek(at, 0) != before {
                    return Err(ctx(format!("peek {cost} changed the state")));
                }
            }
            LiveOp::Reconfigure(rate, how) => {
                let Some(next) = T::params_from(&rate) else { continue };
                let carry = how.carry();
                let held = t.peek(at, 0).0;
                T::bound(&segment, &params).map_err(|e| ctx(format!("segment before: {e}")))?;
                segment.clear();
                t.reconfigure(next, at, carry);
                if t.params() != next || t.local_params() != next {
                    return Err(ctx(format!(
                        "params after: live {:?}, local {:?}",
                        t.params(),
                        t.local_params()
                    )));
                }
                params = next;
                let now_d = t.peek(at, 0).0;
                let limit = T::limit(&next);
                let ok = match carry {
                    Carry::Reset => now_d.remaining() == limit,
                    // The permits in use stay in use (rounded toward fewer available).
                    Carry::Level => {
                        now_d.remaining() <= limit.saturating_sub(held.limit() - held.remaining())
                    }
                    Carry::Proportional => now_d.remaining() <= limit,
                };
                if !ok {
                    return Err(ctx(format!("{carry:?}: {held:?} became {now_d:?}")));
                }
            }
        }
        let (look, look_l, _) = t.peek(at, 0);
        if look != look_l {
            return Err(ctx(format!("after: live {look:?} != local {look_l:?}")));
        }
    }
    T::bound(&segment, &params).map_err(|e| format!("{name}, last segment ({params:?}): {e}"))
}

fuzz_target!(|input: Input| {
    if let Ok(q) = input.rate.quota() {
        verdict(run(GcraTwin::new(q), q, &input.ops, "LiveGcra"));
        verdict(run(TokenTwin::new(q), q, &input.ops, "LiveTokenBucket"));
    }
    if let Ok(r) = input.rate.refill() {
        verdict(run(IntervalTwin::new(r), r, &input.ops, "LiveIntervalBucket"));
    }
});
