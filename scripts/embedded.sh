#!/usr/bin/env bash
# ratecore on microcontrollers (issue 6): the four bare-metal targets, the
# firmware example run under qemu-system-arm, the link-time proof that no
# decision path can panic, and the footprint table. Installs what it needs
# (rustup targets and llvm-tools, Debian's qemu-system-arm); prints each
# stage's duration; exits non-zero if anything fails.
#
#   ./scripts/embedded.sh                 # every stage
#   ./scripts/embedded.sh qemu panic      # only the named stages
#
# Stages:
#   setup     rustup targets + llvm-tools, qemu-system-arm (apt), python3
#   targets   the core with no default features for thumbv6m-none-eabi and
#             riscv32imc-unknown-none-elf (no compare-and-swap: with the
#             `critical-section` feature), thumbv7m-none-eabi and
#             thumbv7em-none-eabihf (no 64-bit atomics); and the proof that
#             a no-CAS target WITHOUT the feature is a compile error (never a
#             silent non-atomic fallback)
#   qemu      crates/firmware built for thumbv7m (Cortex-M3, qemu machine
#             lm3s6965evb), for thumbv6m (Cortex-M0, no CAS, machine
#             microbit) and for thumbv7m again with
#             --cfg portable_atomic_unsafe_assume_single_core (the
#             interrupt-safe build), each run under qemu-system-arm with
#             semihosting; its output, less the timing-dependent `hw:` lines,
#             must equal crates/firmware/expected.txt; the same decisions are
#             also recomputed on the host (64-bit, native atomics) and compared
#   panic     the link-time panic check: one probe binary per algorithm
#             (shared `check_at` and `Local*` `check_at`), plus the clocks
#             and the decision's fields, for thumbv7em and thumbv6m at
#             opt-level "s" with fat LTO and panic=abort. Their panic
#             handler calls a symbol defined nowhere, so a probe links iff no
#             panic survives optimisation on its paths. A canary with a
#             deliberate panic must fail to link (the check is armed). On a
#             failure, the panic call sites are printed with their inline
#             chain.
#   lint      crates/firmware (outside the root workspace, so the fmt and
#             clippy stages of scripts/test.sh do not see it): rustfmt
#             --check and clippy -D warnings for thumbv7m
#   footprint ./scripts/footprint.sh: regenerates FOOTPRINT.md (set
#             RATECORE_FOOTPRINT_CHECK=1 to fail instead if it is stale)
#
# Budget: at most ~4 minutes on 2 cores from a cold cache. Measured: 129 s
# cold (fresh target dir, crates already downloaded, the 2 cores shared with
# other builds at load 5-6), 11 s warm; installing qemu-system-arm with apt
# adds ~15 s once. The three qemu runs spend 1.5 s each on the hardware clock.
# Builds go to target/embedded ($CARGO_TARGET_DIR overrides), never the main
# target dir.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export CARGO_INCREMENTAL=0
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target/embedded}"
FW="$ROOT/crates/firmware"

# target:features for the core build (keep in sync with README "no_std and targets").
CORE_TARGETS=(
    thumbv6m-none-eabi:critical-section
    thumbv7m-none-eabi:
    thumbv7em-none-eabihf:
    riscv32imc-unknown-none-elf:critical-section
)
# qemu runs: target|machine|extra --cfg (memory.x fits both machines). The
# third is the interrupt-safe build of a single-core Cortex-M3: portable-atomic
# disables interrupts around 64-bit atomics instead of its seqlock table.
QEMU_RUNS=(
    "thumbv7m-none-eabi|lm3s6965evb -cpu cortex-m3|"
    "thumbv6m-none-eabi|microbit|"
    "thumbv7m-none-eabi|lm3s6965evb -cpu cortex-m3|portable_atomic_unsafe_assume_single_core"
)
PANIC_TARGETS=(thumbv7em-none-eabihf thumbv6m-none-eabi)
HOST=$(rustc -vV | sed -n 's/^host: //p')

declare -a SUMMARY=()

stage() {
    local name=$1 start rc
    start=$(date +%s)
    echo
    echo "=== embedded: $name ==="
    set +e
    (
        set -e
        "$name"
    )
    rc=$?
    set -e
    if [ "$rc" -eq 0 ]; then
        SUMMARY+=("$(printf '%-10s %4ss  ok' "$name" $(($(date +%s) - start)))")
    else
        SUMMARY+=("$(printf '%-10s %4ss  FAILED' "$name" $(($(date +%s) - start)))")
        print_summary
        exit 1
    fi
}

print_summary() {
    echo
    echo "=== embedded: summary ==="
    printf '%s\n' "${SUMMARY[@]}"
}

# Runs a command silently, showing its output only if it fails.
quiet() {
    local out
    out=$("$@" 2>&1) || {
        printf '%s\n' "$out" >&2
        return 1
    }
}

llvm_bin() {
    echo "$(rustc --print sysroot)/lib/rustlib/$HOST/bin"
}

setup() {
    local t targets=()
    for t in "${CORE_TARGETS[@]}"; do targets+=("${t%%:*}"); done
    quiet rustup target add "${targets[@]}"
    quiet rustup component add llvm-tools rustfmt clippy
    local missing=()
    command -v qemu-system-arm >/dev/null || missing+=(qemu-system-arm)
    command -v python3 >/dev/null || missing+=(python3)
    if [ ${#missing[@]} -gt 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    qemu-system-arm --version | head -1
    rustc --version
}

targets() {
    local entry t features
    for entry in "${CORE_TARGETS[@]}"; do
        t=${entry%%:*}
        features=${entry#*:}
        echo "-- $t ${features:+(--features $features)}"
        cargo build -p ratecore --no-default-features ${features:+--features "$features"} --target "$t" --quiet
    done
    # Without the feature, a target with no compare-and-swap must not build.
    echo "-- thumbv6m-none-eabi without critical-section: must be a compile error"
    local out
    if out=$(cargo check -p ratecore --no-default-features --target thumbv6m-none-eabi 2>&1); then
        echo "thumbv6m-none-eabi built without the critical-section feature: a silent fallback?" >&2
        exit 1
    fi
    grep -q "this target has no compare-and-swap" <<<"$out" || {
        echo "$out" >&2
        exit 1
    }
    echo "   refused: $(grep -m1 -o 'ratecore: this target has no compare-and-swap[^.]*' <<<"$out")"
}

qemu() {
    local entry t machine cfg dir elf out status
    for entry in "${QEMU_RUNS[@]}"; do
        IFS='|' read -r t machine cfg <<<"$entry"
        dir=$CARGO_TARGET_DIR
        if [ -n "$cfg" ]; then
            # Its own target dir: a --cfg changes every crate's build.
            dir=$CARGO_TARGET_DIR/$cfg
            (cd "$FW" && CARGO_TARGET_DIR=$dir cargo build --release --bin firmware --target "$t" --quiet \
                --config "target.$t.rustflags = [\"--cfg\", \"$cfg\"]")
        else
            (cd "$FW" && cargo build --release --bin firmware --target "$t" --quiet)
        fi
        elf="$dir/$t/release/firmware"
        echo "-- $t${cfg:+ (--cfg $cfg)} on qemu-system-arm -machine $machine"
        status=0
        # shellcheck disable=SC2086 # $machine holds the machine and its options
        out=$(timeout 60 qemu-system-arm -machine $machine -nographic -monitor none -serial none \
            -semihosting-config enable=on,target=native -kernel "$elf" 2>"$dir/qemu-$t.stderr") || status=$?
        printf '%s\n' "$out" >"$dir/qemu-$t.out"
        grep '^hw:' <<<"$out" | sed 's/^/   /' || true
        if [ "$status" -ne 0 ]; then
            printf '%s\n' "$out"
            cat "$dir/qemu-$t.stderr" >&2
            echo "qemu exited with status $status (semihosting exit 0 expected; 124 = timeout)" >&2
            exit 1
        fi
        if ! diff -u "$FW/expected.txt" <(grep -v '^hw:' <<<"$out"); then
            echo "$t: output differs from crates/firmware/expected.txt" >&2
            exit 1
        fi
        echo "   $(grep -vc '^hw:' <<<"$out") lines equal to expected.txt"
    done
    echo "-- the same decisions on the host ($HOST, native 64-bit atomics)"
    (cd "$FW" && cargo test --lib --target "$HOST" --quiet)
}

# Prints every panic call site of a linked probe with its inline chain.
panic_sites() {
    local elf=$1 llvm dump site
    llvm=$(llvm_bin)
    dump=$("$llvm/llvm-objdump" -d --no-show-raw-insn -C "$elf")
    awk '/^[0-9a-f]+ <.*>:$/ { fn = substr($0, index($0, "<")); sub(/:$/, "", fn); next }
         /\t(bl|b|b\.w|blx)\t/ && match($0, /<[^>]*(panicking|rust_begin_unwind|panic_)[^>]*>/) && fn !~ /panic|unwind/ {
             callee = substr($0, RSTART, RLENGTH); sub(":", "", $1); print $1 "\t" fn "\t" callee }' <<<"$dump" |
        sort -u | head -n 20 | while IFS=$'\t' read -r site fn callee; do
        echo "   $fn calls $callee at 0x$site"
        # The panic block is entered by branches; symbolize them (inline chains).
        local from
        for from in $(grep -E "\s(b[a-z.]*)\s+0x$site " <<<"$dump" | awk '{sub(":", "", $1); print $1}' | head -n 3) "$site"; do
            if command -v llvm-symbolizer >/dev/null; then
                llvm-symbolizer --obj="$elf" -i -C "0x$from" | paste - - | grep -v '^\s*$' | sed 's/^/      /'
            elif command -v arm-none-eabi-addr2line >/dev/null; then
                arm-none-eabi-addr2line -e "$elf" -i -f -C "0x$from" | paste - - | sed 's/^/      /'
            fi
        done
    done
}

panic() {
    local t log failed p
    for t in "${PANIC_TARGETS[@]}"; do
        echo "-- $t: every probe must link"
        log="$CARGO_TARGET_DIR/panic-$t.log"
        if (cd "$FW" && cargo build --release --bins --keep-going --target "$t" --quiet) >"$log" 2>&1; then
            echo "   linked: $(cd "$FW/src/bin" && printf '%s ' probe_*.rs | sed -e 's/\.rs//g' -e 's/probe_canary //' -e 's/probe_sizes //')"
            continue
        fi
        cat "$log" >&2
        failed=$(grep -o 'bin "probe_[a-z_]*"' "$log" | sed 's/bin "\(.*\)"/\1/' | sort -u)
        echo "A decision path can panic on $t: $(tr '\n' ' ' <<<"${failed:-?}")" >&2
        for p in $failed; do
            echo "-- $p ($t): panic call sites" >&2
            (cd "$FW" && cargo rustc --release --bin "$p" --target "$t" --quiet -- \
                -C link-arg=--defsym=ratecore_panic_is_reachable=0) >/dev/null 2>&1 || true
            panic_sites "$CARGO_TARGET_DIR/$t/release/$p" >&2 || true
            rm -f "$CARGO_TARGET_DIR/$t/release/$p"
        done
        exit 1
    done
    echo "-- canary (a reachable panic) must fail to link"
    log="$CARGO_TARGET_DIR/panic-canary.log"
    if (cd "$FW" && cargo build --release --features canary --bin probe_canary --target "${PANIC_TARGETS[0]}" --quiet) >"$log" 2>&1; then
        echo "the canary linked: the panic check is not armed" >&2
        exit 1
    fi
    grep -q "undefined symbol: ratecore_panic_is_reachable" "$log" || {
        cat "$log" >&2
        exit 1
    }
    echo "   refused: $(grep -m1 -o 'undefined symbol: ratecore_panic_is_reachable' "$log")"
}

lint() {
    (cd "$FW" && cargo fmt -- --check)
    (cd "$FW" && cargo clippy --release --bins --lib --target thumbv7m-none-eabi --quiet -- -D warnings)
}

footprint() {
    if [ "${RATECORE_FOOTPRINT_CHECK:-0}" = 1 ]; then
        ./scripts/footprint.sh --check
    else
        ./scripts/footprint.sh
    fi
}

ALL=(setup targets qemu panic lint footprint)
if [ $# -gt 0 ]; then STAGES=("$@"); else STAGES=("${ALL[@]}"); fi
TOTAL_START=$(date +%s)
for s in "${STAGES[@]}"; do
    stage "$s"
done
print_summary
echo "embedded total: $(($(date +%s) - TOTAL_START))s"
