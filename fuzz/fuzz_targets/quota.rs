//! Configuration from arbitrary integers: `Quota` (`new`, `with_burst`,
//! `per_*`), `Refill`, `Shaping` (+ `delay` / `nodelay`), `Window` and
//! `Sliding` never panic; each accepts exactly what an independent `u128`
//! restatement of the rule in its `# Errors` docs accepts (`*_model` below:
//! change them with those docs), with a matching error; and whatever it
//! accepts satisfies the invariants its accessors expose (rounding never
//! admits more, at most 1 ppm off, 1..=11 ticks per ns, 50 years plus a
//! burst fit the state) and is usable at both ends of the clock range.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ratecore::quota::{MAX_RATE_ERROR_PPB, MAX_TICKS_PER_NS};
use ratecore::{
    Error, HORIZON, Instant, LocalFixedWindow, LocalGcra, LocalIntervalBucket, LocalSlidingWindow, Nanos,
    NoClock, Quota, Refill, Shaping, Sliding, Window,
};
use ratecore_fuzz::input::{BURSTS, DELAYS, Int, PERIODS, PERMITS, SEC, WINDOW_LIMITS};

const H: u128 = HORIZON.as_nanos() as u128;
const MAX: u128 = u64::MAX as u128;

/// Edge values beyond the algorithm targets' tables: zeros, `u64::MAX`,
/// products that just fit or just overflow against `HORIZON`.
const EXTRA: &[u64] = &[
    0,
    u64::MAX,
    u64::MAX / 2,
    u64::MAX / 11,
    u64::MAX / 12,
    HORIZON.as_nanos(),
    HORIZON.as_nanos() + 1,
    HORIZON.as_nanos() / 2,
    1 << 63,
    (1 << 63) - 1,
    1 << 31,
    1 << 16,
    (1 << 16) - 1,
    1 << 21,
];

#[derive(Arbitrary, Debug)]
struct Input {
    /// Permits, amount.
    n: Int,
    /// Period, refill interval, window length.
    p: Int,
    /// Burst, capacity, window limit, shaping queue length.
    b: Int,
    /// A second burst (`with_burst`).
    b2: Int,
    /// A `delay=` count.
    delay: Int,
    /// Which table `b` is read from: bursts or window limits.
    window_limits: bool,
}

fn pick(v: Int, table: &[u64]) -> u64 {
    match v {
        Int::Edge(i) => {
            let i = usize::from(i);
            if i < table.len() { table[i] } else { EXTRA[(i - table.len()) % EXTRA.len()] }
        }
        other => other.pick(table, 1, 1_000_000),
    }
}

fn gcd(a: u128, b: u128) -> u128 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// `Quota::new`'s documented rule, restated: `(s, T)`, or the error.
fn quota_model(n: u64, p: u64, b: u64) -> Result<(u128, u128), Error> {
    if n == 0 {
        return Err(Error::ZeroRate);
    }
    if p == 0 {
        return Err(Error::ZeroPeriod);
    }
    if b == 0 {
        return Err(Error::ZeroBurst);
    }
    let (n, p, b) = (u128::from(n), u128::from(p), u128::from(b));
    let g = gcd(n, p);
    let (s, t) = if n / g <= u128::from(MAX_TICKS_PER_NS) {
        (n / g, p / g)
    } else {
        // The scale with the smallest relative error `(T·n − P·s) / (P·s)`,
        // if any is within 1 ppm.
        let mut best: Option<(u128, u128, u128)> = None;
        for s in 1..=u128::from(MAX_TICKS_PER_NS) {
            let t = (p * s).div_ceil(n);
            let err = t * n - p * s;
            let within = err * 1_000_000_000 <= p * s * u128::from(MAX_RATE_ERROR_PPB);
            let better = best.is_none_or(|(bs, _, be)| err * bs < be * s);
            if within && better && t <= MAX {
                best = Some((s, t, err));
            }
        }
        match best {
            Some((s, t, _)) => (s, t),
            None => return Err(Error::Unrepresentable),
        }
    };
    // "Overflow when one burst plus 50 years of clock do not fit in a u64
    // of ticks".
    if H * s + b * t > MAX {
        return Err(Error::Overflow);
    }
    Ok((s, t))
}

fn check_quota(n: u64, p: u64, b: u64, got: Result<Quota, Error>) {
    let model = quota_model(n, p, b);
    let q = match (got, model) {
        (Ok(q), Ok(_)) => q,
        (Err(e), Err(m)) => {
            assert_eq!(e, m, "Quota::new({n}, {p}, {b})");
            return;
        }
        (got, model) => panic!("Quota::new({n}, {p}, {b}) = {got:?}, the documented rule says {model:?}"),
    };
    let ctx = format!("{q:?}");
    assert_eq!((q.permits(), q.period().as_nanos(), q.burst()), (n, p, b), "{ctx}");
    let (n, p, b) = (u128::from(n), u128::from(p), u128::from(b));
    let s = u128::from(q.ticks_per_ns());
    let t = u128::from(q.interval_ticks());
    assert!((1..=u128::from(MAX_TICKS_PER_NS)).contains(&s), "{ctx}: ticks per ns");
    assert!(t >= 1, "{ctx}: zero interval");
    // Rounding only ever lengthens the interval (never admits more, SPEC S6),
    // by less than one tick.
    assert!(t * n >= p * s, "{ctx}: interval shorter than P/n");
    assert_eq!(t, (p * s).div_ceil(n), "{ctx}: interval not P·s/n rounded up");
    let err = t * n - p * s;
    let ppb = (err * 1_000_000_000).div_ceil(p * s);
    assert_eq!(u128::from(q.rate_error_ppb()), ppb, "{ctx}: rate_error_ppb");
    assert!(q.rate_error_ppb() <= MAX_RATE_ERROR_PPB, "{ctx}: more than 1 ppm off");
    assert_eq!(q.is_exact(), q.rate_error_ppb() == 0, "{ctx}: is_exact vs rate_error_ppb");
    assert_eq!(q.is_exact(), err == 0, "{ctx}: is_exact");
    // Exact whenever the reduced rate has a tick of at least 1/11 ns.
    let reduced_n = n / gcd(n, p);
    assert_eq!(q.is_exact(), reduced_n <= u128::from(MAX_TICKS_PER_NS), "{ctx}: exactness");
    // Inexact: no other scale has a smaller relative error.
    if let Ok((ms, mt)) = quota_model(q.permits(), q.period().as_nanos(), q.burst()) {
        let merr = mt * n - p * ms;
        assert_eq!(err * ms, merr * s, "{ctx}: a scale with a smaller error exists ({ms} ticks/ns)");
    }
    let cap = b * t;
    assert_eq!(u128::from(q.capacity_ticks()), cap, "{ctx}: capacity");
    assert!(H * s + cap <= MAX, "{ctx}: 50 years plus a burst do not fit");
    assert_eq!(u128::from(q.window().as_nanos()), cap.div_ceil(s), "{ctx}: window");
    assert_eq!(u128::from(q.emission_interval().as_nanos()), t.div_ceil(s), "{ctx}: emission interval");

    // Usable over the whole clock range: a full limiter admits its burst at
    // both ends, then reports the window's refill time.
    if let Ok(burst) = u32::try_from(q.burst()) {
        for at in [0, HORIZON.as_nanos()] {
            let mut l = LocalGcra::new(q, NoClock);
            let d = l.check_at(Instant::from_nanos(at), burst);
            assert!(d.is_allowed(), "{ctx}: full limiter denies its burst at {at}: {d:?}");
            assert_eq!(d.remaining(), 0, "{ctx}");
            assert_eq!(d.reset_after(), q.window(), "{ctx}");
            assert_eq!((d.limit(), d.window()), (q.burst(), q.window()), "{ctx}");
            let d = l.check_at(Instant::from_nanos(at), 1);
            assert!(!d.is_allowed(), "{ctx}: admits past its burst at {at}");
        }
    }
}

/// `Refill::new`'s documented rule, restated.
fn refill_model(a: u64, e: u64, c: u64) -> Result<(), Error> {
    if a == 0 {
        return Err(Error::ZeroRate);
    }
    if e == 0 {
        return Err(Error::ZeroPeriod);
    }
    if c == 0 {
        return Err(Error::ZeroBurst);
    }
    let (a, e, c) = (u128::from(a), u128::from(e), u128::from(c));
    // "Overflow when the tokens refilled over HORIZON plus a capacity do not
    // fit a u64, or when refilling from empty takes longer than about 530
    // years" (does not fit beside the horizon).
    let window = c.div_ceil(a) * e;
    if (H / e + 1) * a + c > MAX || window + H > MAX {
        return Err(Error::Overflow);
    }
    Ok(())
}

fn check_refill(a: u64, e: u64, c: u64) {
    let got = Refill::new(a, Nanos::from_nanos(e), c);
    match (got, refill_model(a, e, c)) {
        (Ok(r), Ok(())) => {
            assert_eq!((r.amount(), r.every().as_nanos(), r.capacity()), (a, e, c));
            if let Ok(cap) = u32::try_from(c) {
                for at in [0, HORIZON.as_nanos()] {
                    let mut l = LocalIntervalBucket::new(r, NoClock);
                    let d = l.check_at(Instant::from_nanos(at), cap);
                    assert!(d.is_allowed(), "{r:?}: full bucket denies its capacity at {at}: {d:?}");
                    assert!(!l.check_at(Instant::from_nanos(at), 1).is_allowed(), "{r:?} at {at}");
                }
            }
        }
        (Err(e), Err(m)) => assert_eq!(e, m, "Refill::new({a}, {e}, {c})"),
        (got, model) => panic!("Refill::new({a}, {e}, {c}) = {got:?}, the documented rule says {model:?}"),
    }
}

/// `Window::new` (`fields = 1`) and `Sliding::new` (`fields = 2`): the index
/// of every window up to one past the horizon, beside `fields` counts of
/// `⌈log2(limit + 1)⌉` bits, fits in 64 bits.
fn window_model(limit: u64, len: u64, fields: u32) -> Result<(), Error> {
    if limit == 0 {
        return Err(Error::ZeroBurst);
    }
    if len == 0 {
        return Err(Error::ZeroPeriod);
    }
    let count_bits = 64 - limit.leading_zeros();
    let index_bits = 64i64 - i64::from(count_bits * fields);
    if index_bits <= 0 {
        return Err(Error::Overflow);
    }
    let last = H / u128::from(len);
    if last + 1 > (1u128 << index_bits) - 1 {
        return Err(Error::Overflow);
    }
    Ok(())
}

fn check_windows(limit: u64, len: u64) {
    let length = Nanos::from_nanos(len);
    match (Window::new(limit, length), window_model(limit, len, 1)) {
        (Ok(w), Ok(())) => {
            assert_eq!((w.limit(), w.length()), (limit, length));
            if let Ok(l) = u32::try_from(limit) {
                for at in [0, HORIZON.as_nanos()] {
                    let mut f = LocalFixedWindow::new(w, NoClock);
                    assert!(f.check_at(Instant::from_nanos(at), l).is_allowed(), "{w:?} at {at}");
                    assert!(!f.check_at(Instant::from_nanos(at), 1).is_allowed(), "{w:?} at {at}");
                }
            }
        }
        (Err(e), Err(m)) => assert_eq!(e, m, "Window::new({limit}, {len})"),
        (got, model) => panic!("Window::new({limit}, {len}) = {got:?}, the documented rule says {model:?}"),
    }
    match (Sliding::new(limit, length), window_model(limit, len, 2)) {
        (Ok(s), Ok(())) => {
            assert_eq!((s.limit(), s.length()), (limit, length));
            if let Ok(l) = u32::try_from(limit) {
                for at in [0, HORIZON.as_nanos()] {
                    let mut f = LocalSlidingWindow::new(s, NoClock);
                    assert!(f.check_at(Instant::from_nanos(at), l).is_allowed(), "{s:?} at {at}");
                    assert!(!f.check_at(Instant::from_nanos(at), 1).is_allowed(), "{s:?} at {at}");
                }
            }
        }
        (Err(e), Err(m)) => assert_eq!(e, m, "Sliding::new({limit}, {len})"),
        (got, model) => panic!("Sliding::new({limit}, {len}) = {got:?}, the documented rule says {model:?}"),
    }
}

fn check_shaping(n: u64, p: u64, b: u64, delay: u64) {
    let got = Shaping::new(n, Nanos::from_nanos(p), b);
    let model = match b.checked_add(1) {
        Some(slots) => Quota::new(n, Nanos::from_nanos(p), slots),
        None => Err(Error::Overflow),
    };
    match (got, model) {
        (Ok(s), Ok(q)) => {
            assert_eq!(*s.quota(), q);
            assert_eq!(s.burst(), b);
            assert_eq!(s.delay_count(), 0, "{s:?}: every queued request is delayed by default");
            assert_eq!(s.delay(delay).delay_count(), delay.min(b), "{s:?}.delay({delay})");
            assert_eq!(s.nodelay().delay_count(), b, "{s:?}.nodelay()");
            assert_eq!(s.nodelay().quota(), s.quota());
            assert_eq!(s.delay(delay).quota(), s.quota());
        }
        (Err(e), Err(m)) => assert_eq!(e, m, "Shaping::new({n}, {p}, {b})"),
        (got, model) => panic!("Shaping::new({n}, {p}, {b}) = {got:?}, expected {model:?}"),
    }
    assert_eq!(Shaping::per_second(n, b), Shaping::new(n, Nanos::from_secs(1), b), "Shaping::per_second");
}

fuzz_target!(|input: Input| {
    let n = pick(input.n, PERMITS);
    let p = pick(input.p, PERIODS);
    let b = pick(input.b, if input.window_limits { WINDOW_LIMITS } else { BURSTS });
    let b2 = pick(input.b2, BURSTS);
    let delay = pick(input.delay, DELAYS);

    let q = Quota::new(n, Nanos::from_nanos(p), b);
    check_quota(n, p, b, q);
    if let Ok(q) = q {
        let q2 = q.with_burst(b2);
        assert_eq!(q2, Quota::new(n, Nanos::from_nanos(p), b2), "with_burst({b2})");
        check_quota(n, p, b2, q2);
        assert_eq!(Refill::from_quota(q), Refill::new(n, Nanos::from_nanos(p), b), "Refill::from_quota");
    }
    for (ctor, period) in [
        (Quota::per_second(n), Nanos::from_secs(1)),
        (Quota::per_minute(n), Nanos::from_mins(1)),
        (Quota::per_hour(n), Nanos::from_hours(1)),
        (Quota::per_day(n), Nanos::from_days(1)),
    ] {
        assert_eq!(ctor, Quota::new(n, period, n), "per_* ({n} per {period:?})");
    }
    check_quota(n, SEC, n, Quota::per_second(n));
    check_refill(n, p, b);
    check_shaping(n, p, b, delay);
    check_windows(b, p);
});
