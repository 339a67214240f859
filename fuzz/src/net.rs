//! Capacity bounds net of refunds: the signed variant of
//! `oracle::bounds::check_spans`, and the conversions of a lockstep
//! [`Trace`] into signed amounts for the quota-based limiters (in ticks) and
//! the interval bucket (in tokens).
//!
//! A refund counts as a negative admission at its instant, of exactly what
//! it gave back: the drop of the state word, which for GCRA (`TAT`), the
//! continuous token bucket (`full_at`) and the leaky meter (`empty_at`) is
//! in the quota's ticks, and for the interval bucket in tokens (the
//! documented meaning of each algorithm's state word). A refund never takes
//! anything and never gives back more than it was asked (`cost·T` ticks,
//! `cost` tokens); one made while a reservation still waits gives back
//! nothing at all, which `lockstep` checks as it happens.

use ratecore::{Quota, Refill};

use crate::lockstep::{Given, Trace};

/// A signed amount at an instant: admitted (positive) or given back.
#[derive(Clone, Copy, Debug)]
pub struct Net {
    pub at: u64,
    pub amount: i128,
}

/// For every closed interval `[a, b]`, the sum of the amounts in it is at
/// most `bound(b − a)`. Checking intervals whose ends hold an admission is
/// enough: moving an end inward past instants that hold only refunds raises
/// the sum and lowers the bound.
pub fn check_net_spans(events: &[Net], what: &str, bound: impl Fn(u64) -> i128) -> Result<(), String> {
    let mut h = events.to_vec();
    h.sort_by_key(|e| e.at);
    // Group by instant: (instant, first index, any admission there).
    let mut groups: Vec<(u64, usize, bool)> = Vec::new();
    for (i, e) in h.iter().enumerate() {
        match groups.last_mut() {
            Some(g) if g.0 == e.at => g.2 |= e.amount > 0,
            _ => groups.push((e.at, i, e.amount > 0)),
        }
    }
    let mut prefix = vec![0i128; h.len() + 1];
    for (i, e) in h.iter().enumerate() {
        prefix[i + 1] = prefix[i] + e.amount;
    }
    let end_of = |g: usize| groups.get(g + 1).map_or(h.len(), |n| n.1);
    for (gi, &(a, start, pos_a)) in groups.iter().enumerate() {
        if !pos_a {
            continue;
        }
        for (gj, &(b, _, pos_b)) in groups.iter().enumerate().skip(gi) {
            if !pos_b {
                continue;
            }
            let net = prefix[end_of(gj)] - prefix[start];
            let limit = bound(b - a);
            if net > limit {
                return Err(format!("{what} violated: net {net} in [{a}, {b}] (t = {} ns) > {limit}", b - a));
            }
        }
    }
    Ok(())
}

/// What a refund of `cost` gave back, as the drop of the state word, in
/// units of `per` per permit; an error if the word rose (a refund never
/// takes anything) or dropped by more than `cost` permits (it never gives
/// back more than it was asked).
fn given(g: &Given<u64>, per: u64) -> Result<i128, String> {
    let (before, after, at) = (g.before, g.after, g.at);
    if after > before {
        return Err(format!("refund at {at} took capacity: state {before} -> {after}"));
    }
    let drop = i128::from(before - after);
    let asked = i128::from(g.cost) * i128::from(per);
    if drop > asked {
        return Err(format!(
            "refund of {} at {at} gave back more than asked: state {before} -> {after} ({drop} > {asked})",
            g.cost
        ));
    }
    Ok(drop)
}

/// SPEC S1 net of refunds, in the quota's ticks (exact, and at the rate
/// the quota really runs at: `s/T` per ns, never above `n/P`): in every
/// `[a, a + t]`, admitted·T − given back ≤ B·T + t·s, with no slack for any
/// quota: a waiting reservation's slot starts at a whole nanosecond, so
/// reservations acting at `now + wait` are never closer than their slots,
/// even when `T` is not a whole number of nanoseconds.
pub fn check_s1_net(trace: &Trace<u64>, q: &Quota) -> Result<(), String> {
    let t = q.interval_ticks();
    let mut ev: Vec<Net> =
        trace.admitted.iter().map(|a| Net { at: a.at, amount: i128::from(a.cost) * i128::from(t) }).collect();
    for g in &trace.refunds {
        ev.push(Net { at: g.at, amount: -given(g, t)? });
    }
    let cap = i128::from(q.capacity_ticks());
    let s = i128::from(q.ticks_per_ns());
    check_net_spans(&ev, "S1 net of refunds (ticks)", |span| cap + i128::from(span) * s)
}

/// The interval-refill bound net of refunds, in tokens: in every window of
/// length `t`, admitted − given back ≤ `B + R·(⌊t/I⌋ + 1)`.
pub fn check_interval_net(trace: &Trace<u64>, r: &Refill) -> Result<(), String> {
    let mut ev: Vec<Net> =
        trace.admitted.iter().map(|a| Net { at: a.at, amount: i128::from(a.cost) }).collect();
    for g in &trace.refunds {
        ev.push(Net { at: g.at, amount: -given(g, 1)? });
    }
    let (b, amount, every) = (i128::from(r.capacity()), i128::from(r.amount()), r.every().as_nanos());
    check_net_spans(&ev, "interval bound net of refunds", |span| b + amount * (i128::from(span / every) + 1))
}
