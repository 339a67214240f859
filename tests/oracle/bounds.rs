//! The SPEC's safety bounds as checkers over a recorded history, shared by
//! property tests and fuzz targets.

/// One admitted request: when, and how many permits.
#[derive(Clone, Copy, Debug)]
pub struct Admission {
    pub at: u64,
    pub cost: u64,
}

/// SPEC S1: in every interval `[a, a + t]`, admitted cost ≤ `B + ⌊n·t/P⌋`.
///
/// Checks every interval whose ends are admission instants (the worst
/// intervals all are). Returns the first violation.
pub fn check_s1(history: &[Admission], n: u64, p: u64, b: u64) -> Result<(), String> {
    let mut h = history.to_vec();
    h.sort_by_key(|a| a.at);
    let mut prefix = vec![0u128; h.len() + 1];
    for (i, a) in h.iter().enumerate() {
        prefix[i + 1] = prefix[i] + u128::from(a.cost);
    }
    for i in 0..h.len() {
        for j in i..h.len() {
            let t = u128::from(h[j].at - h[i].at);
            let admitted = prefix[j + 1] - prefix[i];
            let bound = u128::from(b) + u128::from(n) * t / u128::from(p);
            if admitted > bound {
                return Err(format!(
                    "S1 violated: {admitted} admitted in [{}, {}] (t = {t} ns) > B + n*t/P = {bound}",
                    h[i].at, h[j].at
                ));
            }
        }
    }
    Ok(())
}
