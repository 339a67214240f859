//! Macros for the link-only probe binaries (`src/bin/probe-*.rs`).
//!
//! Each probe exports, under a fixed unmangled name, one `#[inline(never)]`
//! wrapper per decision path (`check_at` of the shared and of the `Local*`
//! limiter). The wrappers are externally visible, so even with fat LTO the
//! optimiser cannot specialise them for the constant arguments `main` passes
//! (which it additionally hides behind `core::hint::black_box`): what is
//! compiled is the decision for *any* limiter, instant and cost.
//!
//! The panic handler calls an `extern "C"` function that is defined nowhere.
//! It is linked only if something calls it — that is, if a panic path
//! survived optimisation somewhere reachable from `main` (the linker's
//! `--gc-sections` drops everything else, and lld reports undefined symbols
//! only for sections it keeps). So: the probe links iff no decision path can
//! panic.

/// Defines the panic handler of a probe: a reference to an undefined symbol,
/// so that any reachable panic fails the link with
/// `undefined symbol: ratecore_panic_is_reachable`.
#[macro_export]
macro_rules! link_time_panic_check {
    () => {
        #[panic_handler]
        fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
            unsafe extern "C" {
                /// Defined nowhere, on purpose.
                fn ratecore_panic_is_reachable() -> !;
            }
            // SAFETY: never runs: a binary in which this is reachable does
            // not link.
            unsafe { ratecore_panic_is_reachable() }
        }
    };
}

/// Defines a probe for one algorithm: the two exported wrappers
/// (`<name>_shared`, `<name>_local`), an entry point that calls both forever
/// on opaque inputs, and the panic check.
///
/// ```ignore
/// ratecore_firmware::probe! {
///     shared ratecore_gcra_shared: Gcra<NoClock> = Gcra::new(black_box(QUOTA), NoClock);
///     local ratecore_gcra_local: LocalGcra<NoClock> = LocalGcra::new(black_box(QUOTA), NoClock);
/// }
/// ```
#[macro_export]
macro_rules! probe {
    (
        shared $shared:ident: $Shared:ty = $new_shared:expr;
        local $local:ident: $Local:ty = $new_local:expr;
    ) => {
        /// The shared limiter's decision path.
        #[unsafe(no_mangle)]
        #[inline(never)]
        pub fn $shared(limiter: &$Shared, now: ratecore::Instant, cost: u32) -> ratecore::Decision {
            limiter.check_at(now, cost)
        }

        /// The single-threaded limiter's decision path.
        #[unsafe(no_mangle)]
        #[inline(never)]
        pub fn $local(limiter: &mut $Local, now: ratecore::Instant, cost: u32) -> ratecore::Decision {
            limiter.check_at(now, cost)
        }

        #[cortex_m_rt::entry]
        fn main() -> ! {
            let shared: $Shared = $new_shared;
            let mut local: $Local = $new_local;
            let mut now: u64 = 0;
            loop {
                now = now.wrapping_add(core::hint::black_box(1_000_000));
                let at = ratecore::Instant::from_nanos(core::hint::black_box(now));
                let _ = core::hint::black_box($shared(
                    core::hint::black_box(&shared),
                    at,
                    core::hint::black_box(1),
                ));
                let _ = core::hint::black_box($local(
                    core::hint::black_box(&mut local),
                    at,
                    core::hint::black_box(1),
                ));
            }
        }

        $crate::link_time_panic_check!();
    };
}

/// `Ok` of a `Result` in a constant; a compile error otherwise.
#[macro_export]
macro_rules! konst {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(_) => panic!("invalid constant parameters"),
        }
    };
}
