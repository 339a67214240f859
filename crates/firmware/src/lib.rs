//! ratecore on bare-metal Cortex-M, shared by this crate's binaries:
//!
//! - `firmware` (`src/main.rs`): the example run under qemu-system-arm;
//! - `probe-*` (`src/bin/`): link-only binaries, one per algorithm, whose
//!   panic handler references an undefined symbol (the link-time proof that
//!   no panic is reachable from a decision) and whose exported wrappers are
//!   what `scripts/footprint.sh` measures;
//! - `canary`: the same check on a deliberately panicking function, which
//!   must fail to link (the check is armed).
//!
//! The library itself is target-independent except [`systick`]; its
//! deterministic schedule is unit-tested on the host against the same
//! `expected.txt` the qemu runs are compared with.
#![cfg_attr(not(test), no_std)]

pub mod probe;
pub mod schedule;
#[cfg(target_os = "none")]
pub mod systick;
