#!/usr/bin/env bash
# Fuzzes ratecore with cargo-fuzz (libFuzzer): one structure-aware target per
# algorithm, each checked step by step against the oracle of the property
# tests (tests/oracle/), and one for constructing every configuration from
# arbitrary integers. Installs what it needs (a nightly toolchain and
# cargo-fuzz), builds every target once, then fuzzes each for a bounded time,
# starting from the committed seeds (fuzz/corpus/<target>/seed-*) plus what
# earlier runs on this machine found. Replays fuzz/regressions/<target>-*
# first. Exits non-zero if any target crashes.
#
#   scripts/fuzz.sh                          # every target, 20 s each (the test command)
#   FUZZ_SECONDS=60 scripts/fuzz.sh          # every target, a minute each
#   FUZZ_SECONDS=3600 scripts/fuzz.sh gcra   # one target for an hour
#   FUZZ_SECONDS=28800 scripts/fuzz.sh sliding_window sliding_log   # overnight
#   cargo +nightly fuzz list                 # the targets
#
# Environment:
#   FUZZ_SECONDS    fuzzing time per target (default 20)
#   FUZZ_SANITIZER  cargo fuzz --sanitizer: address (default: also checks
#                   the unsafe code, SlidingLog's lock), none (about 2.5 times
#                   the executions per second, for long runs), leak, memory
#   FUZZ_FRESH=1    forget the corpus earlier runs grew; start from the seeds
#
# The working corpus lives in fuzz/target/corpus-work/<target> (ignored by
# git), so a run never dirties the work tree; per-target logs go to
# fuzz/target/logs/<target>.log. A crash leaves its input in
# fuzz/artifacts/<target>/ and prints how to reproduce and minimise it; keep a
# real bug's input as fuzz/regressions/<target>-<short-name> so that every run
# replays it.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# cargo fuzz builds in fuzz/target (fuzz/ is its own workspace): never the
# main target directory, so it does not wait on the test suite's lock.
export CARGO_TARGET_DIR="$PWD/fuzz/target"
SECONDS_PER_TARGET="${FUZZ_SECONDS:-20}"
SANITIZER="${FUZZ_SANITIZER:-address}"

# --- toolchain: nightly (cargo fuzz passes -Z flags to rustc) -------------
TOOLCHAIN=(+nightly)
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "-- installing the nightly toolchain"
    if ! rustup toolchain install nightly --profile minimal; then
        # No nightly to be had (an offline machine): the installed toolchain
        # accepts the same flags when told it may.
        echo "-- no nightly toolchain: using $(rustc --version) with RUSTC_BOOTSTRAP=1"
        TOOLCHAIN=()
        export RUSTC_BOOTSTRAP=1
    fi
fi
cargo_fuzz() {
    cargo ${TOOLCHAIN[@]+"${TOOLCHAIN[@]}"} fuzz "$@"
}
if ! cargo_fuzz --version >/dev/null 2>&1; then
    echo "-- installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi
cargo ${TOOLCHAIN[@]+"${TOOLCHAIN[@]}"} --version
cargo_fuzz --version

# --- targets ---------------------------------------------------------------
mapfile -t ALL < <(cargo_fuzz list)
if [ "${#ALL[@]}" -eq 0 ]; then
    echo "no fuzz targets found" >&2
    exit 1
fi
if [ $# -gt 0 ]; then
    TARGETS=("$@")
    for t in "${TARGETS[@]}"; do
        if ! printf '%s\n' "${ALL[@]}" | grep -qx -- "$t"; then
            echo "unknown fuzz target '$t'; targets: ${ALL[*]}" >&2
            exit 2
        fi
    done
else
    TARGETS=("${ALL[@]}")
fi

# --- build once, so that each target's time below is fuzzing time -------
start=$(date +%s)
cargo_fuzz build --sanitizer "$SANITIZER"
echo "build: $(($(date +%s) - start))s"

mkdir -p fuzz/target/logs fuzz/target/corpus-work
declare -a SUMMARY=()
FAILED=0
for t in "${TARGETS[@]}"; do
    work="fuzz/target/corpus-work/$t"
    log="fuzz/target/logs/$t.log"
    if [ "${FUZZ_FRESH:-0}" = 1 ]; then
        rm -rf "$work"
    fi
    mkdir -p "$work"
    cp fuzz/corpus/"$t"/seed-* "$work"/ 2>/dev/null || true
    start=$(date +%s)
    status=ok
    : >"$log"
    # Known bugs first: every committed regression input of this target.
    shopt -s nullglob
    regressions=(fuzz/regressions/"$t"-*)
    shopt -u nullglob
    if [ "${#regressions[@]}" -gt 0 ]; then
        if ! cargo_fuzz run --sanitizer "$SANITIZER" "$t" "${regressions[@]}" >>"$log" 2>&1; then
            status="FAILED (a regression input still fails)"
        fi
    fi
    if [ "$status" = ok ]; then
        if ! cargo_fuzz run --sanitizer "$SANITIZER" "$t" "$work" -- \
            -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -print_final_stats=1 >>"$log" 2>&1; then
            status="FAILED (crash)"
        fi
    fi
    secs=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' "$log" | tail -1)
    line=$(printf '%-16s %4ss  %9s runs  %6s exec/s  cov %5s  %s' \
        "$t" "$secs" "${execs:--}" "${rate:--}" "${cov:--}" "$status")
    echo "$line"
    SUMMARY+=("$line")
    if [ "$status" != ok ]; then
        FAILED=1
        echo "---- $log: what failed ----"
        grep -E -A2 'panicked at|ERROR: (libFuzzer|AddressSanitizer)|^Running: ' "$log" | head -30 || true
        grep -E 'Test unit written to|^Error: ' "$log" || true
        echo "----"
        echo "reproduce: cargo +nightly fuzz run $t <input>   (input under fuzz/artifacts/$t/ or fuzz/regressions/)"
        echo "shrink:    cargo +nightly fuzz tmin $t <input>;  decode: cargo +nightly fuzz fmt $t <input>"
    fi
done

echo
echo "=== fuzz summary (${SECONDS_PER_TARGET}s per target, sanitizer $SANITIZER) ==="
printf '%s\n' "${SUMMARY[@]}"
exit "$FAILED"
