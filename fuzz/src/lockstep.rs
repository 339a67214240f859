//! The actions beyond `check` (peek, reserve, cancel, refund), run on the
//! shared limiter and the `&mut` limiter in lockstep.
//!
//! The oracle models know only `check`, so here the two implementations
//! are compared with each other step by step (same decisions, same state
//! after every action), and every action is also compared with what the
//! plain `check` of a *clone* of the `&mut` limiter says (a peek is that
//! check without the write; a reservation that needs no wait is that check;
//! a retry time is probed with checks or reservations on clones). What the
//! actions admit and give back is returned as a [`Trace`] for the targets'
//! capacity bounds ([`crate::net`]).
//!
//! Invariants asserted, per action (`Err` with the step and the values):
//!
//! - **check**: shared = local; a denial or an impossible request leaves
//!   the state unchanged (S2); a denial's `retry_after` is exact (L3: the
//!   check passes on a clone at `now + retry`, not 1 ns earlier).
//! - **peek**: shared = local = `check` on a clone; neither state changes.
//! - **reserve**: shared = local; (a) with `max_wait = 0` it is exactly
//!   `check` on a clone (decision and resulting state), and whenever that
//!   check admits it is that check whatever `max_wait` (nothing to wait
//!   for: wait 0); (b) on a clone, reserve-then-cancel returns whether
//!   anything was taken (granted with cost > 0) and restores the exact
//!   state; (c) a denial's `retry_after` is exact for the same reservation
//!   (granted on a clone at `now + retry`, not 1 ns earlier); (d) a grant
//!   waits at most `max_wait`, and its permits count as admitted at
//!   `now + wait`; nothing granted, nothing changed.
//! - **cancel** (of the latest reservation): `cancel` takes the
//!   reservation by value, so each reservation is cancelled at most once
//!   (the first `CancelLast` after it consumes it, whatever it returns; a
//!   later one finds nothing to cancel and is a no-op: a second cancel of
//!   the same reservation does not compile). Shared = local; it gives back
//!   exactly — succeeds, restoring the state from before the reservation —
//!   iff the reservation took something and the state is still exactly the
//!   one it produced (nothing taken since); otherwise nothing changes (a
//!   cost-0 reservation takes nothing, so its cancel returns `false`).
//!   Before that, two more reservations of the same request, taken from
//!   clones of the `&mut` limiter in the same state (same decision, same
//!   state words, another origin), are cancelled on the shared and on the
//!   `&mut` limiter: each does nothing, also when the limiter's state is
//!   exactly the one they produced.
//! - **refund**: shared = local; the decision is a cost-0 look
//!   (`remaining() ≤ limit()`, and a peek right after agrees); while a
//!   granted reservation still waits to act (in the part of the history
//!   where the clock never steps back), it gives back nothing: the state
//!   is unchanged. (That it never takes anything — the word never rises —
//!   nor gives back more than asked is checked by [`crate::net`] for the
//!   limiters whose word is a "full again" instant or a token count.)
//! - **retry times** (of checks and reservations): exact (passes at
//!   `now + retry`, not 1 ns earlier); "never" (`Nanos::MAX`, a request
//!   whose slots would not fit the state word) is denied at `HORIZON` too.

use std::fmt::Debug;

use ratecore::{
    Decision, FixedWindow, Gcra, Instant, IntervalBucket, LeakyMeter, LeakyQueue, LocalFixedWindow,
    LocalGcra, LocalIntervalBucket, LocalLeakyMeter, LocalLeakyQueue, LocalSlidingLog, LocalSlidingWindow,
    LocalTokenBucket, Nanos, NoClock, Outcome, Reservation, SlidingLog, SlidingWindow, TokenBucket,
    sliding_window::Log,
};

use crate::input::Act;
use crate::oracle::bounds::Admission;

/// A limiter as the lockstep runner drives it. `reserve`, `cancel` and
/// `refund` return `None` for limiters that do not have them.
pub trait Subject {
    /// The limiter's whole state, comparable.
    type Snap: PartialEq + Debug + Clone;
    fn snap(&self) -> Self::Snap;
    fn check(&mut self, now: Instant, cost: u32) -> Decision;
    fn peek(&self, now: Instant, cost: u32) -> Decision;
    fn reserve(&mut self, now: Instant, cost: u32, max_wait: Nanos) -> Option<Reservation>;
    /// Consumes `r` (as the limiters' `cancel` does): `None` when the
    /// limiter has no reservations.
    fn cancel(&mut self, r: Reservation) -> Option<bool>;
    fn refund(&mut self, now: Instant, cost: u32) -> Option<Decision>;
}

/// `Subject` for a single-word shared limiter (through `&`) and its `&mut`
/// twin: with `full` they reserve, cancel and refund; with `refund` they
/// only refund; with `plain` neither. (`$T::cancel(self, ..)`, not
/// `self.cancel(..)`, which would be `Subject::cancel` itself.)
macro_rules! subjects {
    (@extra full $T:ident) => {
        fn reserve(&mut self, now: Instant, cost: u32, max_wait: Nanos) -> Option<Reservation> {
            Some($T::reserve_at(self, now, cost, max_wait))
        }
        fn cancel(&mut self, r: Reservation) -> Option<bool> {
            Some($T::cancel(self, r))
        }
        fn refund(&mut self, now: Instant, cost: u32) -> Option<Decision> {
            Some($T::refund_at(self, now, cost))
        }
    };
    (@extra refund $T:ident) => {
        fn reserve(&mut self, _: Instant, _: u32, _: Nanos) -> Option<Reservation> {
            None
        }
        fn cancel(&mut self, _: Reservation) -> Option<bool> {
            None
        }
        fn refund(&mut self, now: Instant, cost: u32) -> Option<Decision> {
            Some($T::refund_at(self, now, cost))
        }
    };
    (@extra plain $T:ident) => {
        fn reserve(&mut self, _: Instant, _: u32, _: Nanos) -> Option<Reservation> {
            None
        }
        fn cancel(&mut self, _: Reservation) -> Option<bool> {
            None
        }
        fn refund(&mut self, _: Instant, _: u32) -> Option<Decision> {
            None
        }
    };
    ($($Shared:ident / $Local:ident: $kind:ident;)*) => {$(
        impl Subject for &$Shared<NoClock> {
            type Snap = u64;
            fn snap(&self) -> u64 {
                $Shared::state(self)
            }
            fn check(&mut self, now: Instant, cost: u32) -> Decision {
                $Shared::check_at(self, now, cost)
            }
            fn peek(&self, now: Instant, cost: u32) -> Decision {
                $Shared::peek_at(self, now, cost)
            }
            subjects!(@extra $kind $Shared);
        }

        impl Subject for $Local<NoClock> {
            type Snap = u64;
            fn snap(&self) -> u64 {
                $Local::state(self)
            }
            fn check(&mut self, now: Instant, cost: u32) -> Decision {
                $Local::check_at(self, now, cost)
            }
            fn peek(&self, now: Instant, cost: u32) -> Decision {
                $Local::peek_at(self, now, cost)
            }
            subjects!(@extra $kind $Local);
        }
    )*};
}

subjects! {
    Gcra / LocalGcra: full;
    TokenBucket / LocalTokenBucket: full;
    LeakyMeter / LocalLeakyMeter: full;
    IntervalBucket / LocalIntervalBucket: full;
    FixedWindow / LocalFixedWindow: refund;
    SlidingWindow / LocalSlidingWindow: refund;
    LeakyQueue / LocalLeakyQueue: plain;
}

impl<const N: usize> Subject for &SlidingLog<NoClock, N> {
    type Snap = Log<N>;
    fn snap(&self) -> Log<N> {
        self.snapshot()
    }
    fn check(&mut self, now: Instant, cost: u32) -> Decision {
        self.check_at(now, cost)
    }
    fn peek(&self, now: Instant, cost: u32) -> Decision {
        self.peek_at(now, cost)
    }
    subjects!(@extra plain Unused);
}

impl<const N: usize> Subject for LocalSlidingLog<NoClock, N> {
    type Snap = Log<N>;
    fn snap(&self) -> Log<N> {
        self.log().clone()
    }
    fn check(&mut self, now: Instant, cost: u32) -> Decision {
        self.check_at(now, cost)
    }
    fn peek(&self, now: Instant, cost: u32) -> Decision {
        self.peek_at(now, cost)
    }
    subjects!(@extra plain Unused);
}

/// A refund as it happened: when, what was asked, and the state around it
/// (what it gave back is the target's to read off the two words).
#[derive(Clone, Debug)]
pub struct Given<S> {
    pub at: u64,
    pub cost: u32,
    pub before: S,
    pub after: S,
}

/// What a lockstep run admitted — checks at their instant, reservations at
/// `now + wait` (when they act), cancelled ones removed — and gave back,
/// over the longest prefix of the history in which the clock never steps
/// back. (SPEC S4 places an admission at a stale instant at the latest
/// earlier one, and `drive` checks S1 so; for a refund or a reservation at
/// a stale instant no instant is defined — a refund's drop of the word may
/// then give back capacity that exists only at the stale instant — so the
/// bounds net of refunds are checked where time only moves forward, as
/// `tests/extensions.rs` does.)
#[derive(Clone, Debug)]
pub struct Trace<S> {
    pub admitted: Vec<Admission>,
    pub refunds: Vec<Given<S>>,
}

/// The latest reservation, on both limiters: held until the first cancel
/// consumes it (`None` after).
struct Pending<S> {
    shared: Option<Reservation>,
    local: Option<Reservation>,
    /// The same request reserved on two clones of the `&mut` limiter in the
    /// state before it: to be cancelled on the shared and on the `&mut`
    /// limiter, where neither may give anything back.
    foreign: Option<(Reservation, Reservation)>,
    decision: Decision,
    before: S,
    after: S,
    /// Index of its admission in the trace (granted with cost > 0).
    admission: Option<usize>,
}

/// Runs `events` through `shared` and `local` in lockstep, asserting the
/// invariants of the module docs. `limit` is the burst or window limit
/// (S3); retry times are probed when the instant is at most `horizon`.
///
/// `local` is moved in once and not moved again: a `&mut` limiter's
/// reservation remembers the limiter's address (cancelling on another one
/// does nothing), so it must stay put between reserve and cancel.
pub fn lockstep<S, L>(
    mut shared: S,
    mut local: L,
    events: &[(u64, Act)],
    limit: u64,
    horizon: u64,
) -> Result<Trace<S::Snap>, String>
where
    S: Subject,
    L: Subject<Snap = S::Snap> + Clone,
{
    // Admissions with a flag: cancelled ones are dropped at the end.
    let mut admitted: Vec<(Admission, bool)> = Vec::new();
    let mut refunds = Vec::new();
    let mut pending: Option<Pending<S::Snap>> = None;
    // Whether the clock has not stepped back yet (see `Trace`).
    let mut recording = true;
    let mut latest = 0u64;
    for (i, &(now, act)) in events.iter().enumerate() {
        let at = Instant::from_nanos(now);
        recording &= now >= latest;
        latest = latest.max(now);
        let ctx = |what: &str| format!("event {i} ({act:?} at {now} ns): {what}");
        // (Equal to the local state: `same` compared them after every change.)
        let before = shared.snap();
        match act {
            Act::Check(cost) => {
                let d = shared.check(at, cost);
                let dl = local.check(at, cost);
                same(&d, &dl, &shared, &local).map_err(|e| ctx(&e))?;
                match d.outcome() {
                    Outcome::Allowed => {
                        if cost > 0 && recording {
                            admitted.push((Admission { at: now, cost: cost.into() }, true));
                        }
                    }
                    Outcome::Impossible => {
                        unchanged(&before, &shared).map_err(|e| ctx(&e))?;
                        if u64::from(cost) <= limit {
                            return Err(ctx(&format!("S3: impossible although cost <= {limit}")));
                        }
                    }
                    Outcome::Denied => {
                        unchanged(&before, &shared).map_err(|e| ctx(&e))?;
                        // L3 on states the oracle histories never reach
                        // (after reservations and refunds).
                        retry_exact(&d, now, horizon, |t| local.clone().check(Instant::from_nanos(t), cost))
                            .map_err(|e| ctx(&format!("check: {e}")))?;
                    }
                }
            }
            Act::Peek(cost) => {
                let expected = local.clone().check(at, cost);
                let d = shared.peek(at, cost);
                let dl = local.peek(at, cost);
                if d != expected || dl != expected {
                    return Err(ctx(&format!(
                        "peek: shared {d:?}, local {dl:?}, check on a clone {expected:?}"
                    )));
                }
                unchanged(&before, &shared).map_err(|e| ctx(&format!("peek (shared): {e}")))?;
                unchanged(&before, &local).map_err(|e| ctx(&format!("peek (local): {e}")))?;
            }
            Act::Reserve(cost, max_wait) => {
                let wait_max = Nanos::from_nanos(max_wait);
                // What a plain check would do, on a clone.
                let mut checked = local.clone();
                let as_check = checked.check(at, cost);
                // (b) reserve-then-cancel on a clone: exactly nothing.
                let mut probe = local.clone();
                let Some(r) = probe.reserve(at, cost, wait_max) else { continue };
                let took = probe.snap() != before;
                if took != (r.is_granted() && cost > 0) {
                    return Err(ctx(&format!("reserve: {r:?} changed the state: {took}")));
                }
                // The same request on two more clones: reservations alike in
                // all but their origin, for the cross-limiter cancels.
                let foreign = || {
                    let mut c = local.clone();
                    c.reserve(at, cost, wait_max).ok_or_else(|| ctx("a clone cannot reserve"))
                };
                let foreign = (foreign()?, foreign()?);
                let undone = probe.cancel(r).unwrap_or(false);
                if undone != took || probe.snap() != before {
                    return Err(ctx(&format!(
                        "reserve then cancel: cancel returned {undone} (took {took}), state {before:?} -> {:?}",
                        probe.snap()
                    )));
                }
                let r = shared.reserve(at, cost, wait_max).ok_or_else(|| ctx("shared cannot reserve"))?;
                let rl = local.reserve(at, cost, wait_max).ok_or_else(|| ctx("local cannot reserve"))?;
                let d = r.decision();
                same(&d, &rl.decision(), &shared, &local).map_err(|e| ctx(&format!("reserve: {e}")))?;
                if foreign.0.decision() != d || foreign.1.decision() != d {
                    return Err(ctx(&format!(
                        "reserve on clones in the same state: {:?}, {:?}, on the limiters {d:?}",
                        foreign.0.decision(),
                        foreign.1.decision()
                    )));
                }
                // (a) no wait allowed, or nothing to wait for: a check.
                if (max_wait == 0 || as_check.is_allowed())
                    && (d != as_check || shared.snap() != checked.snap())
                {
                    return Err(ctx(&format!(
                        "reserve {d:?} (state {:?}) != check on a clone {as_check:?} (state {:?})",
                        shared.snap(),
                        checked.snap()
                    )));
                }
                let mut admission = None;
                match d.outcome() {
                    Outcome::Allowed => {
                        // (d) within max_wait; counts when it acts.
                        if d.wait() > wait_max {
                            return Err(ctx(&format!("reserve: wait {:?} > max_wait", d.wait())));
                        }
                        if cost > 0 && recording {
                            admission = Some(admitted.len());
                            let act_at = now.saturating_add(d.wait().as_nanos());
                            admitted.push((Admission { at: act_at, cost: cost.into() }, true));
                        }
                    }
                    Outcome::Impossible => {
                        unchanged(&before, &shared).map_err(|e| ctx(&e))?;
                        if u64::from(cost) <= limit {
                            return Err(ctx(&format!("S3: reservation impossible although cost <= {limit}")));
                        }
                    }
                    Outcome::Denied => {
                        unchanged(&before, &shared).map_err(|e| ctx(&e))?;
                        // (c) the same reservation passes exactly at the retry.
                        retry_exact(&d, now, horizon, |t| {
                            let mut c = local.clone();
                            c.reserve(Instant::from_nanos(t), cost, wait_max).map_or(d, |r| r.decision())
                        })
                        .map_err(|e| ctx(&format!("reserve (max_wait {max_wait}): {e}")))?;
                    }
                }
                pending = Some(Pending {
                    shared: Some(r),
                    local: Some(rl),
                    foreign: Some(foreign),
                    decision: d,
                    before,
                    after: shared.snap(),
                    admission,
                });
            }
            Act::CancelLast => {
                let Some(p) = pending.as_mut() else { continue };
                // Reservations of the same request from other limiters (clones
                // of the `&mut` one), cancelled on the shared and on the
                // `&mut` limiter: nothing, even when the state is the one
                // they produced.
                if let Some((on_shared, on_local)) = p.foreign.take() {
                    let (s_ok, l_ok) = (shared.cancel(on_shared), local.cancel(on_local));
                    if s_ok == Some(true) || l_ok == Some(true) {
                        return Err(ctx(&format!(
                            "a reservation was cancelled on a limiter it was not taken from (shared {s_ok:?}, local {l_ok:?}; state {before:?}, the reservation's {:?} -> {:?})",
                            p.before, p.after
                        )));
                    }
                    unchanged(&before, &shared)
                        .map_err(|e| ctx(&format!("cancel on the wrong limiter: {e}")))?;
                    unchanged(&before, &local)
                        .map_err(|e| ctx(&format!("cancel on the wrong limiter: {e}")))?;
                }
                // The first cancel consumes the reservations; after it there
                // is nothing left to cancel (a second `cancel` of the same
                // reservation does not compile): nothing happens.
                let (Some(r), Some(rl)) = (p.shared.take(), p.local.take()) else {
                    unchanged(&before, &shared).map_err(|e| ctx(&format!("cancel of nothing: {e}")))?;
                    unchanged(&before, &local).map_err(|e| ctx(&format!("cancel of nothing: {e}")))?;
                    continue;
                };
                let ok = shared.cancel(r).unwrap_or(false);
                let okl = local.cancel(rl).unwrap_or(false);
                if ok != okl {
                    return Err(ctx(&format!("cancel: shared {ok}, local {okl}")));
                }
                let took = p.before != p.after;
                let expected = took && before == p.after;
                if ok != expected {
                    return Err(ctx(&format!(
                        "cancel returned {ok}, expected {expected} (reservation {:?}: state {:?} -> {:?}; state now {before:?})",
                        p.decision, p.before, p.after,
                    )));
                }
                if ok {
                    if shared.snap() != p.before || local.snap() != p.before {
                        return Err(ctx(&format!(
                            "cancel did not restore {:?}: shared {:?}, local {:?}",
                            p.before,
                            shared.snap(),
                            local.snap()
                        )));
                    }
                    if let (Some(k), true) = (p.admission, recording) {
                        admitted[k].1 = false;
                    }
                } else {
                    unchanged(&before, &shared).map_err(|e| ctx(&format!("failed cancel: {e}")))?;
                    unchanged(&before, &local).map_err(|e| ctx(&format!("failed cancel: {e}")))?;
                }
            }
            Act::Refund(cost) => {
                let Some(d) = shared.refund(at, cost) else { continue };
                let dl = local.refund(at, cost).ok_or_else(|| ctx("local cannot refund"))?;
                same(&d, &dl, &shared, &local).map_err(|e| ctx(&format!("refund: {e}")))?;
                if !d.is_allowed() || d.remaining() > d.limit() {
                    return Err(ctx(&format!("refund above capacity or not a look: {d:?}")));
                }
                let look = shared.peek(at, 0);
                if look != d {
                    return Err(ctx(&format!("refund returned {d:?}, a peek right after {look:?}")));
                }
                if recording {
                    // While a granted reservation waits, its slot is
                    // promised: nothing may be given back (it would move the
                    // schedule earlier and hand that slot out again).
                    if let Some(&(a, _)) = admitted.iter().find(|&&(a, live)| live && a.at > now) {
                        unchanged(&before, &shared).map_err(|e| {
                            ctx(&format!(
                                "refund while a reservation waits (cost {} acting at {} ns): {e}",
                                a.cost, a.at
                            ))
                        })?;
                    }
                    refunds.push(Given { at: now, cost, before, after: shared.snap() });
                }
            }
        }
    }
    let admitted = admitted.into_iter().filter(|&(_, live)| live).map(|(a, _)| a).collect();
    Ok(Trace { admitted, refunds })
}

/// Shared and local made the same decision and hold the same state.
fn same<S: Subject, L: Subject<Snap = S::Snap>>(
    d: &Decision,
    dl: &Decision,
    s: &S,
    l: &L,
) -> Result<(), String> {
    if d != dl {
        return Err(format!("shared {d:?} != local {dl:?}"));
    }
    let (ss, ls) = (s.snap(), l.snap());
    if ss != ls {
        return Err(format!("after {d:?}: shared state {ss:?} != local {ls:?}"));
    }
    Ok(())
}

/// S2: nothing written.
fn unchanged<S: Subject>(before: &S::Snap, s: &S) -> Result<(), String> {
    let after = s.snap();
    if &after == before { Ok(()) } else { Err(format!("S2: state changed {before:?} -> {after:?}")) }
}

/// A denial's retry time is exact: `decide_at(now + r)` admits,
/// `decide_at(now + r − 1)` does not (probed when `now + r ≤ horizon`).
fn retry_exact(
    d: &Decision,
    now: u64,
    horizon: u64,
    mut decide_at: impl FnMut(u64) -> Decision,
) -> Result<(), String> {
    let r = d.retry_after().ok_or_else(|| format!("denied without retry: {d:?}"))?.as_nanos();
    if r == 0 {
        return Err(format!("retry_after of 0: {d:?}"));
    }
    if r == u64::MAX {
        // "Never": the request cannot pass within the clock range.
        if now <= horizon {
            let last = decide_at(horizon);
            if last.is_allowed() {
                return Err(format!("retry \"never\" (Nanos::MAX), but passes at {horizon}: {last:?}"));
            }
        }
        return Ok(());
    }
    if let Some(t) = now.checked_add(r).filter(|&t| t <= horizon) {
        let early = decide_at(t - 1);
        if early.is_allowed() {
            return Err(format!("retry {r} ns not exact: passes 1 ns earlier, at {}: {early:?}", t - 1));
        }
        let on_time = decide_at(t);
        if !on_time.is_allowed() {
            return Err(format!("retry {r} ns not exact: still denied at {t}: {on_time:?}"));
        }
    }
    Ok(())
}
