//! One history, three implementations: the shared limiter, the `&mut`
//! limiter and the model must agree on every decision and every field, and
//! the SPEC's per-decision properties must hold (S2, S3, L3).

use super::Expected;
use super::bounds::Admission;
use ratecore::{Instant, Limiter, Outcome};

/// An exact reference model of one algorithm.
pub trait Model {
    /// The decision for `cost` at `now`, applying it if admitted.
    fn check(&mut self, now: u64, cost: u64) -> Expected;
}

/// Runs `ops` (absolute instants in ns, costs) through `shared`, `local` and
/// `model`. `snapshot` reads the shared limiter's state for S2. Retry times
/// are probed (L3) when the retry instant is at most `horizon`. Returns the
/// admissions at their effective instants (SPEC S4: an admission at a
/// stale `now` counts as made at the latest earlier admission).
pub fn drive<S, L, M, T>(
    mut shared: S,
    snapshot: impl Fn() -> T,
    mut local: L,
    mut model: M,
    limit: u64,
    ops: &[(u64, u32)],
    horizon: u64,
) -> Result<Vec<Admission>, String>
where
    S: Limiter,
    L: Limiter + Clone,
    M: Model,
    T: PartialEq + core::fmt::Debug,
{
    let mut admitted = Vec::new();
    let mut latest = 0u64;
    for (i, &(now, cost)) in ops.iter().enumerate() {
        let at = Instant::from_nanos(now);
        let before = snapshot();
        let d = shared.check_at(at, cost);
        let dl = local.check_at(at, cost);
        let ctx = || format!("op {i}: cost {cost} at {now} ns");
        if d != dl {
            return Err(format!("{}: shared {d:?} != local {dl:?}", ctx()));
        }
        let expected = model.check(now, cost.into());
        if Expected::of(&d) != expected {
            return Err(format!("{}: limiter {:?} != model {expected:?}", ctx(), Expected::of(&d)));
        }
        let unchanged = || -> Result<(), String> {
            let after = snapshot();
            if after == before {
                Ok(())
            } else {
                Err(format!("{}: S2: state changed {before:?} -> {after:?}", ctx()))
            }
        };
        match d.outcome() {
            Outcome::Allowed if cost > 0 => {
                latest = latest.max(now);
                admitted.push(Admission { at: latest, cost: cost.into() });
            }
            Outcome::Allowed => unchanged()?,
            Outcome::Impossible => {
                if u64::from(cost) <= limit {
                    return Err(format!("{}: S3: impossible although cost <= {limit}", ctx()));
                }
                if d.retry_after().is_some() {
                    return Err(format!("{}: S3: impossible with a finite retry", ctx()));
                }
                unchanged()?;
            }
            Outcome::Denied => {
                unchanged()?;
                let r = d.retry_after().ok_or_else(|| format!("{}: denied without retry", ctx()))?.as_nanos();
                if r == 0 {
                    return Err(format!("{}: retry_after of 0", ctx()));
                }
                if let Some(t) = now.checked_add(r).filter(|&t| t <= horizon) {
                    if local.clone().check_at(Instant::from_nanos(t - 1), cost).is_allowed() {
                        return Err(format!("{}: L3: passes at retry - 1 ns ({})", ctx(), t - 1));
                    }
                    if !local.clone().check_at(Instant::from_nanos(t), cost).is_allowed() {
                        return Err(format!("{}: L3: still denied at retry ({t})", ctx()));
                    }
                }
            }
        }
    }
    Ok(admitted)
}
