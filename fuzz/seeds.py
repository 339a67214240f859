#!/usr/bin/env python3
"""Writes the committed seed corpus: fuzz/corpus/<target>/seed-<name>.

Each seed is a hand-made structure-aware input, encoded the way arbitrary 1.x
decodes the targets' input types (see fuzz/src/input.rs): integers
little-endian, an enum as a u32 tag selecting variant floor(tag * count /
2^32) followed by its fields, and the op list as (odd byte, op) pairs. Check
how a seed decodes with `cargo +nightly fuzz fmt <target> <file>`.

Run from anywhere after changing an input type: python3 fuzz/seeds.py
"""

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def tag(i, count):
    """The smallest u32 tag that selects variant i of count."""
    return struct.pack("<I", -(-(i << 32) // count))


def u8(x):
    return struct.pack("<B", x)


def u16(x):
    return struct.pack("<H", x)


def u32(x):
    return struct.pack("<I", x)


def u64(x):
    return struct.pack("<Q", x)


def boolean(b):
    return u8(1 if b else 0)


# Int: Edge(u8) | Range(u64) | Raw(u64)
def edge(i):
    return tag(0, 3) + u8(i)


def rng(x):
    return tag(1, 3) + u64(x)


def raw(x):
    return tag(2, 3) + u64(x)


# Op, in declaration order (fuzz/src/input.rs).
OPS = [
    "Quarters", "Scales", "Advance", "AdvanceSmall", "Back", "BackScaled", "BackHour", "NearHorizon",
    "Check", "CheckUpTo", "CheckUnit", "CheckTwo", "CheckLimit", "CheckAboveLimit", "Peek",
]
FIELDS = {
    "Quarters": [u8, u8], "Scales": [u8], "Advance": [u64], "AdvanceSmall": [u16], "Back": [u32],
    "BackScaled": [u8], "NearHorizon": [u32], "Check": [u32], "CheckUpTo": [u32],
}


def op(name, *args):
    enc = FIELDS.get(name, [])
    assert len(enc) == len(args), name
    return tag(OPS.index(name), len(OPS)) + b"".join(f(a) for f, a in zip(enc, args))


def ops(*items):
    """The op list: each op preceded by a 'continue' byte."""
    return b"".join(b"\x01" + o for o in items)


# Indices into the tables of fuzz/src/input.rs.
PERMITS = [1, 2, 3, 7, 10, 11, 12, 13, 60, 100, 1_000, 12_345, 1_000_000, 1_000_000_000, 10_000_000_000]
PERIODS = ["1", "1us", "1ms", "1s", "1min", "1h", "1d", "century", "2^32-1", "2^32", "2^32+1"]
BURSTS = [1, 2, 3, 5, 20, 1_000_000, 2**32 - 1, 2**32]
WINDOW_LIMITS = [1, 2, 3, 20, 255, 256, 65_535, 65_536, 2**32 - 1]
LOG_LIMITS = [1, 2, 3, 7, 8, 9, 12, 63, 64, 65, 255, 65_535]
DELAYS = [0, 1, 2, 3, 2**64 - 1]


def n(v):
    return edge(PERMITS.index(v))


def p(name):
    return edge(PERIODS.index(name))


def b(v):
    return edge(BURSTS.index(v))


# Histories shared by the quota-shaped targets.
BURST_THEN_REFILL = ops(
    op("CheckLimit"), op("CheckUnit"), op("Peek"), op("Quarters", 4, 0), op("CheckUnit"),
    op("Quarters", 4, 1), op("CheckUnit"), op("Scales", 7), op("CheckLimit"), op("CheckAboveLimit"),
)
CLOCK_BACK = ops(
    op("CheckTwo"), op("Back", 1), op("CheckUnit"), op("Quarters", 8, 2), op("CheckUnit"),
    op("BackScaled", 255), op("CheckUnit"), op("BackHour"), op("CheckUpTo", 7), op("Peek"),
)
AT_HORIZON = ops(
    op("NearHorizon", 0), op("CheckLimit"), op("CheckUnit"), op("Peek"), op("Back", 1000),
    op("CheckUnit"), op("Advance", 2**64 - 1), op("CheckUnit"), op("Check", 2**32 - 1),
)
RANDOM_STEPS = ops(
    op("CheckUnit"), op("AdvanceSmall", 999), op("CheckUnit"), op("Quarters", 1, 0), op("CheckTwo"),
    op("Advance", 123_456_789), op("CheckUpTo", 3), op("Quarters", 3, 2), op("CheckUnit"), op("Peek"),
)


def quota_seeds(prefix=b""):
    return {
        "burst-then-refill-7-per-s": prefix + n(7) + p("1s") + b(5) + BURST_THEN_REFILL,
        "inexact-13-per-s": prefix + n(13) + p("1s") + b(2) + RANDOM_STEPS,
        "clock-back-3-per-min": prefix + n(3) + p("1min") + b(3) + CLOCK_BACK,
        "horizon-1e10-per-s": prefix + n(10_000_000_000) + p("1s") + b(2**32 - 1) + AT_HORIZON,
    }


def refill_seeds():
    return {
        "burst-then-refill-7-per-s": n(7) + p("1s") + b(20) + BURST_THEN_REFILL,
        "every-4294967297-ns": n(3) + p("2^32+1") + b(5) + RANDOM_STEPS,
        "clock-back-1-per-min": n(1) + p("1min") + b(3) + CLOCK_BACK,
        "horizon-1000-per-us": n(1_000) + p("1us") + b(1_000_000) + AT_HORIZON,
    }


# Delay: Default | Delay(Int) | NoDelay
def shaping_seeds():
    default, nodelay = tag(0, 3), tag(2, 3)

    def delay(i):
        return tag(1, 3) + edge(i)

    return {
        # nginx rate=2r/s burst=3 (the quota's burst is burst + 1 = 4).
        "nginx-2r-s-burst-3": n(2) + p("1s") + rng(3) + default + BURST_THEN_REFILL,
        "nginx-delay-2": n(10) + p("1s") + b(5) + delay(DELAYS.index(2)) + RANDOM_STEPS,
        "nginx-nodelay": n(3) + p("1min") + b(20) + nodelay + CLOCK_BACK,
        "horizon-1e10-per-s": n(10_000_000_000) + p("1s") + b(3) + default + AT_HORIZON,
    }


def window_seeds(limits, picks):
    """Four window histories, with limits `picks` (entries of table `limits`)."""
    lim = [edge(limits.index(v)) for v in picks]

    boundary = ops(  # L just before a boundary, L just after (W1's 2L).
        op("Scales", 0), op("Back", 1), op("CheckLimit"), op("AdvanceSmall", 1), op("CheckLimit"),
        op("CheckUnit"), op("Quarters", 2, 1), op("CheckUnit"), op("Peek"),
    )
    return {
        "boundary-burst-1s": lim[0] + p("1s") + boundary,
        "clock-back-1min": lim[1] + p("1min") + CLOCK_BACK,
        "steps-4294967295-ns": lim[2] + p("2^32-1") + RANDOM_STEPS,
        "horizon-1ns": lim[3] + p("1") + AT_HORIZON,
    }


# quota: n, p, b, b2, delay (all Int), window_limits (bool)
def quota_target_seeds():
    return {
        "exact-100-per-s": n(100) + p("1s") + b(20) + b(1) + edge(1) + boolean(False),
        "inexact-12345-per-s": n(12_345) + p("1s") + b(5) + b(2**32 - 1) + edge(4) + boolean(False),
        "unrepresentable-1e12-per-s": n(1_000) + p("1") + b(1) + b(2) + edge(0) + boolean(False),
        "overflow-1-per-day-burst-max": n(1) + p("1d") + b(2**32 - 1) + b(1) + edge(0) + boolean(False),
        "zeros": raw(0) + raw(0) + raw(0) + raw(0) + raw(0) + boolean(True),
        "window-limit-65535-per-4294967297-ns": rng(6) + p("2^32+1") + edge(WINDOW_LIMITS.index(65_535))
        + b(3) + edge(2) + boolean(True),
    }


SEEDS = {
    "gcra": quota_seeds(prefix=u32(1_000_000)),  # `back`, then the quota input
    "token_bucket": quota_seeds(),
    "leaky_meter": quota_seeds(),
    "interval_bucket": refill_seeds(),
    "leaky_queue": shaping_seeds(),
    "fixed_window": window_seeds(WINDOW_LIMITS, [3, 20, 255, 65_535]),
    "sliding_window": window_seeds(WINDOW_LIMITS, [3, 20, 255, 65_535]),
    "sliding_log": window_seeds(LOG_LIMITS, [3, 9, 12, 64]),
    "quota": quota_target_seeds(),
}


def main():
    for target, seeds in SEEDS.items():
        d = os.path.join(HERE, "corpus", target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, "seed-" + name), "wb") as f:
                f.write(data)
    print(sum(len(s) for s in SEEDS.values()), "seeds written under", os.path.join(HERE, "corpus"))


if __name__ == "__main__":
    main()
