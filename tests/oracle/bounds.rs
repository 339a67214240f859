//! The SPEC's safety bounds as checkers over a recorded history, shared by
//! property tests and fuzz targets.

/// One admitted request: when (its effective instant), and how many permits.
#[derive(Clone, Copy, Debug)]
pub struct Admission {
    pub at: u64,
    pub cost: u64,
}

/// For every closed interval `[a, a + t]` whose ends are admission instants
/// (the worst intervals all are), the admitted cost is at most `bound(t)`.
pub fn check_spans(history: &[Admission], what: &str, bound: impl Fn(u64) -> u128) -> Result<(), String> {
    let mut h = history.to_vec();
    h.sort_by_key(|a| a.at);
    let mut prefix = vec![0u128; h.len() + 1];
    for (i, a) in h.iter().enumerate() {
        prefix[i + 1] = prefix[i] + u128::from(a.cost);
    }
    for i in 0..h.len() {
        for j in i..h.len() {
            let t = h[j].at - h[i].at;
            let admitted = prefix[j + 1] - prefix[i];
            let limit = bound(t);
            if admitted > limit {
                return Err(format!(
                    "{what} violated: {admitted} admitted in [{}, {}] (t = {t} ns) > {limit}",
                    h[i].at, h[j].at
                ));
            }
        }
    }
    Ok(())
}

/// SPEC S1: in every interval `[a, a + t]`, admitted cost ≤ `B + ⌊n·t/P⌋`.
pub fn check_s1(history: &[Admission], n: u64, p: u64, b: u64) -> Result<(), String> {
    check_spans(history, "S1", |t| u128::from(b) + u128::from(n) * u128::from(t) / u128::from(p))
}

/// Interval refill (SPEC): in any window of length `t`,
/// admitted ≤ `B + R·(⌊t/I⌋ + 1)`.
pub fn check_interval(history: &[Admission], r: u64, i: u64, b: u64) -> Result<(), String> {
    check_spans(history, "interval bound", |t| u128::from(b) + u128::from(r) * (u128::from(t / i) + 1))
}

/// At most `limit` in any window of length `w` (spans shorter than `w`).
pub fn check_sliding(history: &[Admission], w: u64, limit: u64, what: &str) -> Result<(), String> {
    check_spans(history, what, |t| if t < w { u128::from(limit) } else { u128::MAX })
}

/// SPEC W1 / W2 (aligned part): at most `limit` in every aligned window.
pub fn check_aligned(history: &[Admission], w: u64, limit: u64) -> Result<(), String> {
    let mut per = std::collections::BTreeMap::<u64, u128>::new();
    for a in history {
        *per.entry(a.at / w).or_default() += u128::from(a.cost);
    }
    match per.into_iter().find(|&(_, c)| c > u128::from(limit)) {
        Some((idx, c)) => Err(format!("aligned window {idx} holds {c} > {limit}")),
        None => Ok(()),
    }
}
