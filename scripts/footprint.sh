#!/usr/bin/env bash
# Regenerates FOOTPRINT.md: what ratecore costs on a microcontroller.
#
#   ./scripts/footprint.sh          # build, measure, write FOOTPRINT.md
#   ./scripts/footprint.sh --check  # the same, but fail if FOOTPRINT.md changed
#
# For thumbv7em-none-eabihf (Cortex-M4F: CAS, no 64-bit atomics) and
# thumbv6m-none-eabi (Cortex-M0: no CAS, ratecore's `critical-section`
# feature), at opt-level "s" with fat LTO and panic=abort (the release profile
# of crates/firmware), it measures from the linked probe binaries of
# crates/firmware (src/bin/probe_*.rs):
#
#   - .text bytes of each decision path: the exported `#[inline(never)]`
#     wrapper around `check_at` (shared and `Local*`) with everything inlined
#     into it, plus every out-of-line function it can call (transitively),
#     read from `llvm-nm --print-size` and the call graph of `llvm-objdump`;
#   - worst-case stack bytes of each decision path: the largest sum of stack
#     frames along any call chain from the wrapper, each frame read from the
#     function's own stack adjustments (push / vpush / sub sp). Conservative
#     (an adjustment that appears on two exclusive paths is counted twice);
#     `--verify-stack` compares this reading with LLVM's own frame sizes
#     (`-Z emit-stack-sizes`, nightly) on a nightly build of the same probes:
#     last run (rustc 1.97.0-nightly 2026-05-19), all 147 functions with an
#     entry matched exactly (compiler-builtins' precompiled functions have
#     none; for them the prologue reading is the only source);
#   - bytes of each limiter as laid out on the target (`size_of`, read from
#     symbols of that length in probe_sizes), and the fixed costs of the
#     atomics (portable-atomic's lock table, the critical section).
#
# Installs what it needs (rustup targets, llvm-tools, python3) idempotently.
# ~40 s cold (two release builds of tiny binaries), ~3 s warm. Builds go to
# $CARGO_TARGET_DIR (default target/embedded, shared with scripts/embedded.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

CHECK=0
VERIFY_STACK=0
for arg in "$@"; do
    case $arg in
    --check) CHECK=1 ;;
    --verify-stack) VERIFY_STACK=1 ;;
    *)
        echo "usage: $0 [--check] [--verify-stack]" >&2
        exit 2
        ;;
    esac
done

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export CARGO_INCREMENTAL=0
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target/embedded}"
TARGETS=(thumbv7em-none-eabihf thumbv6m-none-eabi)
FW="$ROOT/crates/firmware"

# Runs a command silently, showing its output only if it fails.
quiet() {
    local out
    out=$("$@" 2>&1) || {
        printf '%s\n' "$out" >&2
        return 1
    }
}

quiet rustup component add llvm-tools
quiet rustup target add "${TARGETS[@]}"
if ! command -v python3 >/dev/null; then
    quiet apt-get update
    DEBIAN_FRONTEND=noninteractive quiet apt-get install -y --no-install-recommends python3
fi
LLVM_BIN="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin"
[ -x "$LLVM_BIN/llvm-objdump" ] || {
    echo "llvm-objdump not found in $LLVM_BIN (rustup component llvm-tools)" >&2
    exit 1
}

for t in "${TARGETS[@]}"; do
    (cd "$FW" && cargo build --release --bins --target "$t" --quiet)
done

# Optional: compare the frame sizes read from prologues with LLVM's own
# (-Z emit-stack-sizes, nightly only) for every exported wrapper.
if [ "$VERIFY_STACK" = 1 ]; then
    # An installed nightly is used as it is (never updated here: recent
    # nightlies may lack these targets' rust-std).
    rustup run nightly rustc --version >/dev/null 2>&1 || quiet rustup toolchain install nightly --profile minimal
    quiet rustup +nightly target add "${TARGETS[@]}"
    for t in "${TARGETS[@]}"; do
        (cd "$FW" && CARGO_TARGET_DIR="$CARGO_TARGET_DIR/stack-sizes" \
            RUSTFLAGS="-C link-arg=-Tlink.x -C link-arg=--nmagic -Z emit-stack-sizes" \
            cargo +nightly build --release --bins --target "$t" --quiet)
    done
fi

python3 - "$LLVM_BIN" "$CARGO_TARGET_DIR" "$VERIFY_STACK" "${TARGETS[@]}" >"$CARGO_TARGET_DIR/FOOTPRINT.md.new" <<'PY'
import re, subprocess, sys
from pathlib import Path

llvm, tdir, verify = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "1"
targets = sys.argv[4:]

def run(*args):
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True).stdout

def symbols(elf):
    """Mangled name -> (addr, size, type, demangled name)."""
    raw = run(llvm / "llvm-nm", "--print-size", "--radix=d", "--no-sort", elf).splitlines()
    pretty = run(llvm / "llvm-nm", "--print-size", "--radix=d", "--no-sort", "-C", elf).splitlines()
    syms = {}
    for line, nice in zip(raw, pretty):
        parts, nparts = line.split(maxsplit=3), nice.split(maxsplit=3)
        if len(parts) == 4 and len(nparts) == 4:
            addr, size, kind, name = parts
            syms[name] = (int(addr), int(size), kind, nparts[3])
    return syms

REG_RANGE = re.compile(r"([rds])(\d+)-\1?(\d+)")

def reg_bytes(reglist):
    """Bytes pushed by a register list like {r4-r7, lr} or {d8-d15}."""
    total = 0
    for item in reglist.strip("{} ").split(","):
        item = item.strip()
        m = REG_RANGE.fullmatch(item)
        count = int(m.group(3)) - int(m.group(2)) + 1 if m else 1
        width = 8 if item.startswith("d") else 4
        total += count * width
    return total

IMM = re.compile(r"#(-?0x[0-9a-f]+|-?\d+)")

def imm(text):
    m = IMM.search(text)
    return int(m.group(1), 0) if m else None

def functions(elf):
    """name -> {calls: set, indirect: bool, frame: int, unknown: bool}."""
    funcs, cur, consts = {}, None, {}
    for line in run(llvm / "llvm-objdump", "-d", "--no-show-raw-insn", elf).splitlines():
        m = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if m:
            cur = funcs.setdefault(m.group(1), {"calls": set(), "indirect": False, "frame": 0, "unknown": False})
            consts = {}
            continue
        m = re.match(r"^\s+[0-9a-f]+:\s+(\S+)\s*(.*)$", line)
        if not m or cur is None:
            continue
        op, args = m.group(1), m.group(2).split("@")[0].strip()
        # Calls and tail calls: any branch to the start of another function.
        t = re.search(r"<([^>+]+)>$", args)
        if op.startswith("b") and t and not op.startswith("bic"):
            cur["calls"].add(t.group(1))
        if op in ("blx", "bx") and re.fullmatch(r"r\d+|r1[0-2]|ip", args) and op == "blx":
            cur["indirect"] = True
        # Stack frame: pushes and explicit sp decrements.
        if op in ("push", "push.w") or (op in ("stmdb", "stmdb.w") and args.startswith("sp!")):
            cur["frame"] += reg_bytes(args[args.index("{"):])
        elif op in ("vpush", "vstmdb") :
            cur["frame"] += reg_bytes(args[args.index("{"):])
        elif op in ("sub", "sub.w", "subw", "subs") and re.match(r"sp,\s*(sp,\s*)?", args):
            rest = re.sub(r"^sp,\s*(sp,\s*)?", "", args)
            value = imm(rest)
            if value is None:
                reg = rest.strip()
                if reg in consts:
                    value = consts[reg]
                else:
                    cur["unknown"] = True
                    value = 0
            cur["frame"] += value
        elif op in ("str", "str.w") and re.search(r"\[sp,\s*#-\w+\]!", args):
            cur["frame"] += -imm(args.split("[", 1)[1])
        elif op in ("movw", "mov", "movs", "mov.w") :
            m2 = re.match(r"(r\d+),\s*#(-?0x[0-9a-f]+|-?\d+)$", args)
            if m2:
                consts[m2.group(1)] = int(m2.group(2), 0)
    return funcs

def closure(funcs, root):
    seen, todo = set(), [root]
    while todo:
        f = todo.pop()
        for c in funcs.get(f, {}).get("calls", ()):
            if c != f and c not in seen and c in funcs:
                seen.add(c)
                todo.append(c)
    seen.discard(root)
    return seen

def worst_stack(funcs, f, path=()):
    info = funcs.get(f)
    if info is None or f in path:
        return 0
    callees = [c for c in info["calls"] if c != f and c in funcs]
    return info["frame"] + max((worst_stack(funcs, c, path + (f,)) for c in callees), default=0)

def short(name):
    """A readable callee name: no hash, crate prefixes or generics."""
    name = re.sub(r"::h[0-9a-f]{16}$", "", name)
    name = re.sub(r"\.llvm\.\d+", "", name)
    # Legacy Rust mangling that the demangler left escaped.
    for esc, ch in (("$LT$", "<"), ("$GT$", ">"), ("$u20$", " "), ("$RF$", "&"), ("$C$", ","), ("..", "::")):
        name = name.replace(esc, ch)
    name = re.sub(r"^_<", "<", name)
    name = re.sub(r"^<(.+?) as [^>]+(?:<[^>]*>)?>::", r"\1::", name)
    while re.search(r"<[^<>]*>", name):
        name = re.sub(r"<[^<>]*>", "", name)
    for prefix in ("ratecore::", "compiler_builtins::", "int::specialized_div_rem::", "mem::"):
        name = name.replace(prefix, "")
    return name

PROBES = [
    ("gcra", "GCRA", "Gcra", "LocalGcra"),
    ("token_bucket", "token bucket", "TokenBucket", "LocalTokenBucket"),
    ("interval_bucket", "interval bucket", "IntervalBucket", "LocalIntervalBucket"),
    ("leaky_meter", "leaky bucket (meter)", "LeakyMeter", "LocalLeakyMeter"),
    ("leaky_queue", "leaky bucket (queue)", "LeakyQueue", "LocalLeakyQueue"),
    ("fixed_window", "fixed window", "FixedWindow", "LocalFixedWindow"),
    ("sliding_window", "sliding-window counter", "SlidingWindow", "LocalSlidingWindow"),
    ("sliding_log", "sliding-window log (N = 8)", "SlidingLog<_, 8>", "LocalSlidingLog<_, 8>"),
]
EXTRA = [
    ("clocks", "ratecore_tick_clock_now", "`TickClock::now` (SysTick, 24 bits)"),
    ("clocks", "ratecore_gcra_tick_check", "`Gcra::check` reading a `TickClock`"),
    ("clocks", "ratecore_manual_clock_now", "`ManualClock::now`"),
    ("decision", "ratecore_decision_fields", "every numeric `Decision` field"),
]

measure = {}   # (target, symbol) -> (own, total, stack, callees, notes)
sizes = {}     # (target, NAME) -> bytes
fixed = {}     # target -> list of (what, bytes)
emitted = {}   # (target, symbol) -> LLVM's frame size, when verifying

def analyse(target, probe, symbol):
    elf = tdir / target / "release" / f"probe_{probe}"
    key = (target, elf)
    if key not in analyse.cache:
        analyse.cache[key] = (symbols(elf), functions(elf))
    syms, funcs = analyse.cache[key]
    own = syms[symbol][1]
    callees = closure(funcs, symbol)
    total = own + sum(syms[c][1] for c in callees if c in syms)
    stack = worst_stack(funcs, symbol)
    flags = set()
    for f in (symbol, *callees):
        if funcs[f]["indirect"]:
            flags.add("indirect call")
        if funcs[f]["unknown"]:
            flags.add("unresolved sp adjustment")
    direct = sorted({short(syms[c][3]) for c in funcs[symbol]["calls"] if c != symbol and c in syms})
    measure[(target, symbol)] = (own, total, stack, direct, flags)
    # Fixed costs of the atomics, visible in the shared probes' symbols.
    for name, (addr, size, kind, nice) in syms.items():
        if "portable_atomic" in nice and "fallback" in nice and "LOCKS" in nice and size:
            fixed.setdefault(target, {})["portable-atomic's lock table (67 cache-padded seqlocks, `.bss`)"] = size
analyse.cache = {}

for t in targets:
    for probe, *_ in PROBES:
        for v in ("shared", "local"):
            analyse(t, probe, f"ratecore_{probe}_{v}")
    for probe, symbol, _ in EXTRA:
        analyse(t, probe, symbol)
    for name, (_, size, _, _) in symbols(tdir / t / "release" / "probe_sizes").items():
        if name.startswith("RATECORE_SIZEOF_"):
            sizes[(t, name[len("RATECORE_SIZEOF_"):])] = size
    if verify:
        for probe in [p for p, *_ in PROBES] + ["clocks", "decision"]:
            elf = tdir / "stack-sizes" / t / "release" / f"probe_{probe}"
            out = run(llvm / "llvm-readobj", "--stack-sizes", elf)
            for fns, size in re.findall(r"Functions: \[([^\]]*)\]\s*Size: (0x[0-9A-Fa-f]+)", out):
                for fn in fns.split(","):
                    emitted[(t, fn.strip())] = int(size, 16)

rustc = run("rustc", "--version").strip()
a, b = targets
print("# Footprint")
print()
print("Generated by `./scripts/footprint.sh` (run by `scripts/embedded.sh`); do not edit.")
print(f"Toolchain: `{rustc}`. Profile: opt-level `\"s\"`, fat LTO, one codegen unit,")
print("`panic = \"abort\"` (`crates/firmware/Cargo.toml`). Targets: "
      f"`{a}` (Cortex-M4F: compare-and-swap, no 64-bit atomics, so `AtomicU64` is "
      f"portable-atomic's lock-based fallback) and `{b}` (Cortex-M0: no compare-and-swap; "
      "ratecore's `critical-section` feature, cortex-m's single-core critical section).")
print()
print("## Decision path: code and stack")
print()
print("`check_at` of each limiter, compiled for any limiter, instant and cost (the probe's")
print("exported `#[inline(never)]` wrapper, so nothing is constant-folded). **.text** is the")
print("wrapper with everything inlined into it plus every out-of-line function it can call;")
print("**stack** is the worst case along any call chain (see the script's header for the method).")
print()
print(f"| limiter | type | {a} .text | stack | {b} .text | stack | calls out of line |")
print("|---|---|--:|--:|--:|--:|---|")
def row(label, tname, symbol):
    cells, calls, flags = [], {}, set()
    for t in targets:
        own, total, stack, direct, fl = measure[(t, symbol)]
        cells += [f"{total}", f"{stack}"]
        flags |= fl
        for c in direct:
            calls.setdefault(c, []).append(t)
    notes = []
    for c, ts in sorted(calls.items()):
        where = "" if len(ts) == len(targets) else " (" + ", ".join(t.split("-")[0] for t in ts) + ")"
        notes.append(f"`{c}`{where}")
    notes += sorted(flags)
    print(f"| {label} | {tname} | " + " | ".join(cells) + " | " + (", ".join(notes) or "—") + " |")
for probe, label, shared, local in PROBES:
    row(label, f"`{shared}`", f"ratecore_{probe}_shared")
    row("", f"`{local}`", f"ratecore_{probe}_local")
for probe, symbol, label in EXTRA:
    row(label, "", symbol)
print()
print("The `Local*` types use a plain `u64`; the shared ones add the atomic word: on")
print(f"`{a}` portable-atomic's seqlock (inlined), on `{b}` a critical section (inlined)")
print("around every atomic operation. `__aeabi_lmul` is a 64-bit multiply (Cortex-M0 has no")
print("long multiply), `__aeabi_uldivmod` a 64-bit division; `SlidingWindow` and `SlidingLog`")
print("keep their `decide` out of line. `TickClock::now` divides by the frequency, and reads")
print("the counter through its function pointer (the indirect call, not counted: here")
print("`systick::read`, 24 bytes).")
print()
print("## Memory")
print()
print("Bytes of each limiter as laid out on these targets (`size_of`; the state itself is one")
print("`u64` word for every single-word limiter, the rest is its parameters). The same numbers")
print("are printed by the qemu example and checked against `crates/firmware/expected.txt`;")
print("x86_64 sizes are in the README.")
print()
print(f"| type | {a} | {b} |")
print("|---|--:|--:|")
LABELS = [
    ("GCRA", "`Gcra<NoClock>`"), ("LOCAL_GCRA", "`LocalGcra<NoClock>`"),
    ("TOKEN_BUCKET", "`TokenBucket<NoClock>`"), ("LOCAL_TOKEN_BUCKET", "`LocalTokenBucket<NoClock>`"),
    ("INTERVAL_BUCKET", "`IntervalBucket<NoClock>`"), ("LOCAL_INTERVAL_BUCKET", "`LocalIntervalBucket<NoClock>`"),
    ("LEAKY_METER", "`LeakyMeter<NoClock>`"), ("LOCAL_LEAKY_METER", "`LocalLeakyMeter<NoClock>`"),
    ("LEAKY_QUEUE", "`LeakyQueue<NoClock>`"), ("LOCAL_LEAKY_QUEUE", "`LocalLeakyQueue<NoClock>`"),
    ("FIXED_WINDOW", "`FixedWindow<NoClock>`"), ("LOCAL_FIXED_WINDOW", "`LocalFixedWindow<NoClock>`"),
    ("SLIDING_WINDOW", "`SlidingWindow<NoClock>`"), ("LOCAL_SLIDING_WINDOW", "`LocalSlidingWindow<NoClock>`"),
    ("SLIDING_LOG_8", "`SlidingLog<NoClock, 8>`"), ("LOCAL_SLIDING_LOG_8", "`LocalSlidingLog<NoClock, 8>`"),
    ("SLIDING_LOG_64", "`SlidingLog<NoClock, 64>`"), ("LOCAL_SLIDING_LOG_64", "`LocalSlidingLog<NoClock, 64>`"),
    ("QUOTA", "`Quota`"), ("DECISION", "`Decision`"), ("MANUAL_CLOCK", "`ManualClock`"),
    ("TICK_CLOCK", "`TickClock<fn() -> u32>`"), ("STATE_WORD", "state word (`u64`)"),
]
for key, label in LABELS:
    print(f"| {label} | {sizes.get((a, key), '?')} | {sizes.get((b, key), '?')} |")
print()
print("Fixed cost of the atomics, once per program whatever the number of limiters:")
print()
for t in targets:
    items = sorted(fixed.get(t, {}).items())
    for what, size in items:
        print(f"- `{t}`: {what}: {size} bytes of RAM.")
    if not items:
        print(f"- `{t}`: none beyond the code above (the critical section is inlined).")
if verify:
    print()
    print("## Stack cross-check")
    print()
    print("| target | function | frame from prologue | `-Z emit-stack-sizes` |")
    print("|---|---|--:|--:|")
    bad = 0
    for t in targets:
        for probe in [p for p, *_ in PROBES] + ["clocks", "decision"]:
            # The parser on the nightly binary itself (its code can differ
            # from the stable build's), against LLVM's own numbers.
            funcs = functions(tdir / "stack-sizes" / t / "release" / f"probe_{probe}")
            for symbol in sorted(funcs):
                if (t, symbol) in emitted:
                    mine, llvm_says = funcs[symbol]["frame"], emitted[(t, symbol)]
                    bad += mine != llvm_says
                    flag = "" if mine == llvm_says else " MISMATCH"
                    print(f"| {t} | `{symbol}` | {mine} | {llvm_says}{flag} |")
    if bad:
        print(f"stack cross-check: {bad} mismatches", file=sys.stderr)
        sys.exit(1)
PY

NEW="$CARGO_TARGET_DIR/FOOTPRINT.md.new"
if [ "$VERIFY_STACK" = 1 ]; then
    sed -n '/^## Stack cross-check/,$p' "$NEW"
    # The cross-check is not part of the committed file.
    sed -i '/^## Stack cross-check/,$d' "$NEW"
    sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$NEW"
fi
if cmp -s "$NEW" FOOTPRINT.md; then
    echo "FOOTPRINT.md: unchanged"
    rm -f "$NEW"
else
    if [ -f FOOTPRINT.md ]; then diff -u FOOTPRINT.md "$NEW" || true; fi
    if [ "$CHECK" = 1 ]; then
        echo "FOOTPRINT.md is stale: run ./scripts/footprint.sh and commit it" >&2
        rm -f "$NEW"
        exit 1
    fi
    mv "$NEW" FOOTPRINT.md
    echo "FOOTPRINT.md: updated"
fi
