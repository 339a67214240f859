//! The only module that names an atomics implementation.
//!
//! Normally the atomics come from `portable-atomic`, which gives the same API
//! on every target: native instructions where the hardware has them; on
//! 32-bit targets without 64-bit atomics, portable-atomic's lock-based
//! `fallback`; on targets without compare-and-swap, a critical section when the
//! `critical-section` feature is on (and a compile error otherwise, never a
//! silent non-atomic fallback). Under `--cfg ratecore_loom` the same names come
//! from `loom`, so the loom models in `tests/loom.rs` explore every
//! interleaving of the real code.

#[cfg(not(any(target_has_atomic = "ptr", feature = "critical-section", ratecore_loom)))]
compile_error!(
    "ratecore: this target has no compare-and-swap. Enable the `critical-section` feature (and link a \
     critical-section implementation); ratecore never falls back to non-atomic code."
);

#[cfg(not(ratecore_loom))]
pub(crate) use portable_atomic::{AtomicBool, AtomicU64, AtomicU128, Ordering, fence};

#[cfg(ratecore_loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64, Ordering, fence};

/// loom has no 128-bit atomic: under loom the reconfigurable limiters' word
/// is a mutex-protected `u128` with the same API, so the model still
/// explores every interleaving of the code around it (its orderings are
/// then stronger than the real ones; the real ones are argued in `live.rs`).
#[cfg(ratecore_loom)]
#[derive(Debug)]
pub(crate) struct AtomicU128(loom::sync::Mutex<u128>);

#[cfg(ratecore_loom)]
impl AtomicU128 {
    pub(crate) fn new(v: u128) -> Self {
        Self(loom::sync::Mutex::new(v))
    }

    pub(crate) fn load(&self, _: Ordering) -> u128 {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn compare_exchange(
        &self,
        current: u128,
        new: u128,
        _: Ordering,
        _: Ordering,
    ) -> Result<u128, u128> {
        let mut v = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if *v == current {
            *v = new;
            Ok(current)
        } else {
            Err(*v)
        }
    }
}

/// Tells the CPU (or loom's scheduler) that this thread is spinning.
#[inline]
pub(crate) fn spin_hint() {
    #[cfg(not(ratecore_loom))]
    core::hint::spin_loop();
    #[cfg(ratecore_loom)]
    loom::thread::yield_now();
}

/// Declares a function `const` normally and non-`const` under loom (loom's
/// atomics cannot be built in a constant context).
macro_rules! const_fn {
    ($(#[$attr:meta])* $vis:vis fn $($rest:tt)*) => {
        #[cfg(not(ratecore_loom))]
        $(#[$attr])* $vis const fn $($rest)*
        #[cfg(ratecore_loom)]
        $(#[$attr])* $vis fn $($rest)*
    };
}
pub(crate) use const_fn;

/// The one compare-and-swap loop of the crate.
///
/// `step` maps the observed word to `(Some(new word), result)` to commit, or
/// `(None, result)` to return `result` without writing (a denial, a peek, or a
/// decision that leaves the word unchanged). On a lost race `step` runs again
/// on the freshly observed word; a denial therefore never spins and never
/// stores (SPEC S2, C3).
///
/// # Ordering
///
/// All operations are `Relaxed`. Every piece of a limiter's state lives in
/// this one word, so the word's modification order alone orders the
/// decisions: a successful CAS is a read-modify-write and always reads the
/// latest value in that order, so an admission is always computed from the
/// current state. A denial (or peek) is computed from the value its load
/// returned — by coherence a value that was current at some point before
/// the load completed and no older than anything this thread saw before —
/// and is ordered at that point. (On hardware that point is within the
/// call; the abstract model does not promise real-time order for relaxed
/// loads, which is why the loom models check sequential consistency, SPEC
/// C2, rather than real-time linearizability.) No other memory is published
/// through the word, so no Acquire/Release pair is needed.
#[inline(always)]
pub(crate) fn update_word<R>(word: &AtomicU64, mut step: impl FnMut(u64) -> (Option<u64>, R)) -> R {
    // Relaxed: see "Ordering" above; the value is only a starting guess that
    // the CAS validates.
    let mut current = word.load(Ordering::Relaxed);
    // The `test-spurious-cas` feature (a test stage): the first CAS of every
    // call fails as a weak CAS may, and the loop must recompute (SPEC
    // adversarial row 18).
    #[cfg(feature = "test-spurious-cas")]
    let mut fail_once = true;
    loop {
        let (next, result) = step(current);
        let Some(next) = next else { return result };
        if next == current {
            return result;
        }
        #[cfg(feature = "test-spurious-cas")]
        if core::mem::take(&mut fail_once) {
            current = word.load(Ordering::Relaxed);
            continue;
        }
        // Weak CAS: a spurious failure just recomputes from the returned word,
        // which equals `current`. Relaxed on success (the word carries no other
        // data) and on failure (the observed value is only the next guess).
        match word.compare_exchange_weak(current, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return result,
            Err(observed) => current = observed,
        }
    }
}

/// Sets `word` from exactly `from` back to `to` (cancelling a reservation);
/// fails if anything else was written since.
#[inline]
pub(crate) fn restore_word(word: &AtomicU64, from: u64, to: u64) -> bool {
    // Strong CAS: a spurious failure would wrongly report "something was
    // taken after it". Relaxed for the same reasons as in `update_word`: the
    // word carries no other data.
    word.compare_exchange(from, to, Ordering::Relaxed, Ordering::Relaxed).is_ok()
}
