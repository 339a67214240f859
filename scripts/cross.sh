#!/usr/bin/env bash
# The test suite under user-mode emulation on a big-endian and a 32-bit target
# (issue 4, item 7): unit tests, integration tests (tests/*.rs, property tests
# included, with fewer cases) and doctests, cross-compiled with Debian's cross
# gcc and run by qemu-user. Installs everything it needs (apt packages, rustup
# targets); prints each step's duration; exits non-zero if any test fails.
#
#   ./scripts/cross.sh                 # both targets
#   ./scripts/cross.sh s390x           # only the big-endian one
#   ./scripts/cross.sh 32              # only the 32-bit one
#   RATECORE_PROPTEST_CASES=2000 ./scripts/cross.sh   # more cases per property
#
# Targets:
#   s390x-unknown-linux-gnu        big-endian, 64-bit: the most used
#                                  big-endian Linux target, with Debian cross
#                                  gcc, a tier-2 std and a mature qemu-user.
#   armv7-unknown-linux-gnueabihf  32-bit: usize and pointers are 4 bytes.
# Why armv7 rather than i686 (both were tried and both run the whole suite
# reliably under Debian's qemu-user 7.2; both have native 64-bit atomics —
# ldrexd/strexd, cmpxchg8b — so neither reaches portable-atomic's lock-based
# fallback):
#   - its data layout is the firmware one: u64 is 8-byte aligned as on
#     Cortex-M (thumbv7em), so its type sizes are the ones an MCU user gets;
#     i686 aligns u64 to 4 bytes, a layout no MCU target of ours has;
#   - qemu-arm ran the suite ~1.7x faster than qemu-i386 (37 s vs 63 s at
#     1000 cases per property, measured on this 2-core machine).
# `RATECORE_CROSS_32=i686-unknown-linux-gnu` runs i686 instead.
#
# Budget: at most ~5 minutes on 2 cores from a cold cache, installs included;
# ~1 minute warm. Measured cold, with the 2 cores shared with other builds
# (load 3-5): apt + rustup 42 s, builds 81 s + 79 s, emulated runs 28 s +
# 34 s, total 264 s; warm 63 s. The case count below is what fits that.
#
# Debug profile on purpose: it keeps overflow checks and debug assertions
# (SPEC S5), which is where a 32-bit `usize` or a wrong-endian word would
# show first; the project's dev profile already optimises (opt-level 1, deps
# at 3), so the emulated run fits the budget without `--release`.
#
# Doctests run too: since Rust 1.89 cargo cross-compiles doctests for
# `--target` and runs them through the target's runner (no -Zdoctest-xcompile).
#
# Builds go to target/cross (never the main target dir, so this never waits
# on, nor invalidates, the host builds). Nothing outside this script changes:
# the linkers and runners are set through environment variables, not
# .cargo/config.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export CARGO_INCREMENTAL=0
export CARGO_TARGET_DIR="$PWD/target/cross"
# Cases per property under emulation (10 000 natively): 1000 costs ~30 s of
# emulated run per target; each property still sees its edge values (they are
# weighted in the strategies), and the native debug and release stages carry
# the volume.
export RATECORE_PROPTEST_CASES="${RATECORE_PROPTEST_CASES:-1000}"
# No debug info in the cross builds: ~20% less build time (100 s -> 79 s for
# s390x, measured) and a quarter of the disk. Panic messages keep their
# file:line; set CARGO_PROFILE_DEV_DEBUG=line-tables-only for backtraces.
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-0}"

BE_TARGET=s390x-unknown-linux-gnu
T32_TARGET="${RATECORE_CROSS_32:-armv7-unknown-linux-gnueabihf}"

# Per target: apt packages, gcc (the linker), qemu binary, sysroot.
declare -A APT GCC QEMU SYSROOT
APT[s390x-unknown-linux-gnu]="gcc-s390x-linux-gnu libc6-dev-s390x-cross"
GCC[s390x-unknown-linux-gnu]=s390x-linux-gnu-gcc
QEMU[s390x-unknown-linux-gnu]=qemu-s390x
SYSROOT[s390x-unknown-linux-gnu]=/usr/s390x-linux-gnu
APT[i686-unknown-linux-gnu]="gcc-i686-linux-gnu libc6-dev-i386-cross"
GCC[i686-unknown-linux-gnu]=i686-linux-gnu-gcc
QEMU[i686-unknown-linux-gnu]=qemu-i386
SYSROOT[i686-unknown-linux-gnu]=/usr/i686-linux-gnu
APT[armv7-unknown-linux-gnueabihf]="gcc-arm-linux-gnueabihf libc6-dev-armhf-cross"
GCC[armv7-unknown-linux-gnueabihf]=arm-linux-gnueabihf-gcc
QEMU[armv7-unknown-linux-gnueabihf]=qemu-arm
SYSROOT[armv7-unknown-linux-gnueabihf]=/usr/arm-linux-gnueabihf

if [ -z "${GCC[$T32_TARGET]+x}" ]; then
    echo "cross.sh: unsupported RATECORE_CROSS_32=$T32_TARGET" >&2
    exit 2
fi

TARGETS=()
case "${1:-all}" in
    all) TARGETS=("$BE_TARGET" "$T32_TARGET") ;;
    s390x | be) TARGETS=("$BE_TARGET") ;;
    32) TARGETS=("$T32_TARGET") ;;
    *)
        echo "usage: $0 [all|s390x|32]" >&2
        exit 2
        ;;
esac

declare -a SUMMARY=() FAILED_TARGETS=()
CURRENT=""
STEP_NOTE=""
STEP_START=0
TOTAL_START=$SECONDS

on_exit() {
    local rc=$?
    if [ -n "$CURRENT" ]; then
        end_step FAILED
    fi
    echo
    echo "=== cross summary (RATECORE_PROPTEST_CASES=$RATECORE_PROPTEST_CASES) ==="
    printf '%s\n' "${SUMMARY[@]}"
    if [ ${#FAILED_TARGETS[@]} -gt 0 ]; then
        echo "cross FAILED on: ${FAILED_TARGETS[*]}"
    fi
    echo "cross total: $((SECONDS - TOTAL_START))s"
    exit "$rc"
}
trap on_exit EXIT

begin_step() {
    CURRENT=$1
    STEP_NOTE=""
    STEP_START=$SECONDS
    echo
    echo "=== cross: $CURRENT ==="
}

end_step() {
    SUMMARY+=("$(printf '%-34s %5ss  %s%s' "$CURRENT" $((SECONDS - STEP_START)) "$1" "$STEP_NOTE")")
    CURRENT=""
}

# step NAME CMD...: a step that everything after it needs. Runs under set -e:
# a failure ends the script, and the EXIT trap reports the step as FAILED.
step() {
    begin_step "$1"
    shift
    "$@"
    end_step ok
}

# target_step NAME CMD...: a per-target step. A failure is recorded and
# returned, so that the other target still runs; the script then exits 1.
# (set -e does not apply inside CMD here: CMD checks its own commands.)
target_step() {
    local rc=0
    begin_step "$1"
    shift
    "$@" || rc=$?
    if [ "$rc" -eq 0 ]; then end_step ok; else end_step FAILED; fi
    return "$rc"
}

install() {
    local pkgs=(qemu-user) missing=() p t
    for t in "${TARGETS[@]}"; do
        # shellcheck disable=SC2206 # word splitting of the package list
        pkgs+=(${APT[$t]})
    done
    for p in "${pkgs[@]}"; do
        if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
            missing+=("$p")
        fi
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "apt: installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "apt: all present (${pkgs[*]})"
    fi
    local installed
    installed=$(rustup target list --installed)
    for t in "${TARGETS[@]}"; do
        if ! grep -qx "$t" <<<"$installed"; then
            rustup target add "$t"
        fi
        echo "$t: $("${GCC[$t]}" --version | head -n1); $("${QEMU[$t]}" --version | head -n1)"
    done
}

# Cargo's per-target variables: CARGO_TARGET_<TRIPLE, upper case, - as _>_*.
target_env() {
    local t=$1 v
    v=$(tr 'a-z-' 'A-Z_' <<<"$t")
    export "CARGO_TARGET_${v}_LINKER=${GCC[$t]}"
    export "CARGO_TARGET_${v}_RUNNER=${QEMU[$t]} -L ${SYSROOT[$t]}"
}

build() {
    target_env "$1"
    cargo test -p ratecore --target "$1" --no-run
}

LOGDIR="$CARGO_TARGET_DIR/logs"

run() {
    local t=$1 log rc=0
    target_env "$t"
    mkdir -p "$LOGDIR"
    log="$LOGDIR/$t.log"
    # --no-fail-fast: every test binary runs and reports; the exit code still
    # says whether any test failed.
    cargo test -p ratecore --target "$t" --no-fail-fast 2>&1 | tee "$log" || rc=$?
    # Sum the harness lines ("test result: ok. N passed; M failed; K ignored")
    # of the unit, integration and doc test binaries.
    local n p f i
    read -r n p f i < <(awk '/^test result:/ { p += $4; f += $6; i += $8; n++ }
        END { print n + 0, p + 0, f + 0, i + 0 }' "$log")
    STEP_NOTE="  ($n test binaries: $p tests passed, $f failed, $i ignored)"
    # A runner that runs nothing must not pass.
    if [ "$rc" -eq 0 ] && [ "$p" -eq 0 ]; then
        echo "cross.sh: no test ran for $t" >&2
        rc=1
    fi
    return "$rc"
}

step install install
for t in "${TARGETS[@]}"; do
    target_step "build $t" build "$t" && target_step "test $t" run "$t" || FAILED_TARGETS+=("$t")
done
[ ${#FAILED_TARGETS[@]} -eq 0 ]
