//! `ratecore`: command-line tools for the ratecore rate limiters.
//!
//! `ratecore bench` runs a curated comparison — every algorithm's allow and
//! deny path with injected time and real clocks, 1 ..= available_parallelism
//! threads on one shared limiter and on per-thread limiters, the same for
//! governor and ratelimit, and the floors (a bare load+CAS loop, a bare clock
//! read) — in at most a minute on 2 cores, prints a table and which targets
//! of issue 7 item 5 the run meets, and with `--json FILE` writes the rows.
// Measurement code: ratios and rates are floats, counts are cast to floats,
// table rows are indexed, and a CLI may exit on a bad argument or a failed
// write; the library's restriction lints (SPEC S5) do not apply here. It is
// a std binary, so std paths are the natural ones.
#![allow(
    clippy::float_arithmetic,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::std_instead_of_core,
    clippy::alloc_instead_of_core
)]

mod workload;

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use workload::{ClockKind, Path, Sample, Scenario, Sharing};

const USAGE: &str = "\
ratecore — tools for the ratecore rate limiters

USAGE:
    ratecore bench [--json FILE] [--quick] [--seconds S] [--filter TEXT]
    ratecore --help | --version

COMMANDS:
    bench    Curated comparison of every ratecore algorithm with governor 0.10
             and ratelimit 2.0 and the floors (bare load+CAS loop, bare clock
             read): allow and deny paths, injected time and real clocks,
             1 ..= available_parallelism threads on one shared limiter and on
             per-thread limiters. Progress on stderr; the table and the
             issue-7 targets on stdout.

OPTIONS (bench):
    --json FILE     Also write the rows as a JSON array of objects (name,
                    algorithm, threads, sharing, path, clock, ns_per_op, mops,
                    ratio_floor, ratio_governor, admitted_fraction, reps, cpu,
                    cores)
    --quick         A smoke run: ~8 s of measurement, 3 reps per row
                    instead of 5 (noisier)
    --seconds S     Measurement budget in seconds (default 40; the whole run
                    takes a few seconds more)
    --filter TEXT   Only rows whose name contains TEXT (the floor and governor
                    rows needed for the ratios are always kept)
";

/// Parsed `bench` options.
#[derive(Debug)]
struct BenchArgs {
    json: Option<String>,
    seconds: f64,
    reps: usize,
    filter: Option<String>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("-V" | "--version") => {
            println!("ratecore {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some("bench") => match parse_bench(&args[1..]) {
            Ok(Some(b)) => bench(&b),
            Ok(None) => {
                print!("{USAGE}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("ratecore bench: {e}\n\n{USAGE}");
                ExitCode::from(2)
            }
        },
        Some(other) => {
            eprintln!("ratecore: unknown command `{other}`\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn parse_bench(args: &[String]) -> Result<Option<BenchArgs>, String> {
    let mut b = BenchArgs { json: None, seconds: 40.0, reps: 5, filter: None };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "-h" | "--help" => return Ok(None),
            "--json" => b.json = Some(value("--json")?),
            "--quick" => {
                b.seconds = 8.0;
                b.reps = 3;
            }
            "--seconds" => {
                let s = value("--seconds")?;
                b.seconds = s.parse().map_err(|_| format!("--seconds: not a number: {s}"))?;
                if !(b.seconds > 0.0 && b.seconds <= 3_600.0) {
                    return Err("--seconds must be in (0, 3600]".into());
                }
            }
            "--filter" => b.filter = Some(value("--filter")?),
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok(Some(b))
}

/// One planned measurement.
struct Plan {
    scenario: Scenario,
    threads: usize,
    sharing: Sharing,
    name: String,
}

/// One measured row.
struct Row {
    name: String,
    algorithm: &'static str,
    /// `keys=100k` etc. ("" for none).
    variant: &'static str,
    threads: usize,
    sharing: &'static str,
    path: String,
    clock: &'static str,
    ns_per_op: f64,
    mops: f64,
    admitted_fraction: Option<f64>,
    ratio_floor: Option<f64>,
    ratio_governor: Option<f64>,
    /// Whether the decisions took the path the row is named for.
    path_ok: bool,
    reps: usize,
}

/// `model name` from /proc/cpuinfo, with family, model, MHz and whether it
/// runs under a hypervisor ("Intel(R) Xeon(R) Processor" alone says little).
fn cpu_model() -> String {
    let Ok(info) = std::fs::read_to_string("/proc/cpuinfo") else { return "unknown CPU".to_string() };
    let field = |key: &str| {
        info.lines()
            .find(|l| l.split(':').next().is_some_and(|k| k.trim() == key))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
    };
    let name = field("model name").unwrap_or_else(|| "unknown CPU".to_string());
    let mut details = Vec::new();
    if let (Some(f), Some(m)) = (field("cpu family"), field("model")) {
        details.push(format!("family {f} model {m}"));
    }
    if let Some(mhz) = field("cpu MHz").and_then(|m| m.parse::<f64>().ok()) {
        details.push(format!("{mhz:.0} MHz"));
    }
    if field("flags").is_some_and(|f| f.split_whitespace().any(|x| x == "hypervisor")) {
        details.push("virtual machine".to_string());
    }
    if details.is_empty() { name } else { format!("{name} ({})", details.join(", ")) }
}

/// The 1-minute load average: other work on the machine skews every figure.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

fn plan(cores: usize, filter: Option<&str>) -> Vec<Plan> {
    let mut plans = Vec::new();
    let mut add = |scenario: Scenario, threads: usize, sharing: Sharing| {
        let name = scenario.name_with(threads, sharing);
        plans.push(Plan { scenario, threads, sharing, name });
    };
    for s in workload::floors() {
        add(s, 1, Sharing::Shared);
    }
    for s in workload::algorithms().into_iter().chain(workload::peers()) {
        add(s, 1, Sharing::Shared);
    }
    // Real time on one hot key: ratecore's GCRA and governor, both over quanta.
    let real_contended: Vec<Scenario> = workload::algorithms()
        .into_iter()
        .chain(workload::peers())
        .filter(|s| {
            (s.algorithm == "gcra" || s.algorithm == "governor")
                && s.path == Path::Allow
                && s.clock == ClockKind::Quanta
        })
        .collect();
    for s in workload::keyed() {
        add(s, 1, Sharing::Shared);
    }
    for threads in 2..=cores {
        for sharing in [Sharing::Shared, Sharing::PerThread] {
            for s in workload::contended() {
                add(s, threads, sharing);
            }
            // Keyed on several threads: shared keys (`shared`) and distinct
            // keys (`per-thread`), 100k keys.
            for s in workload::keyed().into_iter().filter(|s| s.variant == "keys=100k") {
                add(s, threads, sharing);
            }
        }
        for s in &real_contended {
            add(*s, threads, Sharing::Shared);
        }
    }
    if let Some(f) = filter {
        // Keep what the ratios need.
        plans.retain(|p| {
            p.name.contains(f) || p.scenario.algorithm == "floor-cas" || p.scenario.algorithm == "governor"
        });
    }
    plans
}

/// How many decisions per thread make one repetition of `p` last about
/// `target`: growing batches until one takes a tenth of it.
fn calibrate(p: &Plan, target: Duration) -> u64 {
    let floor = (target / 10).max(Duration::from_millis(2));
    let mut iters: u64 = 1_000;
    let per_op = loop {
        let s = workload::measure(&p.scenario, p.threads, p.sharing, iters);
        if s.wall >= floor || iters >= 1 << 40 {
            break s.wall.as_secs_f64() / iters as f64;
        }
        iters = iters.saturating_mul(4);
    };
    ((target.as_secs_f64() / per_op.max(1e-12)) as u64).clamp(1_000, 1 << 40)
}

fn median_by_ns(samples: &[Sample], threads: usize) -> Sample {
    let mut v = samples.to_vec();
    v.sort_by(|a, b| a.ns_per_op(threads).total_cmp(&b.ns_per_op(threads)));
    v[v.len() / 2]
}

fn bench(args: &BenchArgs) -> ExitCode {
    let started = Instant::now();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let cpu = cpu_model();
    let plans = plan(cores, args.filter.as_deref());
    let load_before = load_average();
    if let Some(l) = load_before.filter(|&l| l > 0.5 * cores as f64) {
        eprintln!(
            "warning: load average {l:.2} on {cores} cores: other work is running, the figures will be noisy"
        );
    }
    let per_row = Duration::from_secs_f64(args.seconds / plans.len().max(1) as f64);
    // About 10% of each row's share goes to calibration.
    let rep_time = per_row.mul_f64(0.9) / args.reps as u32;
    eprintln!(
        "ratecore bench: {} rows, {} reps of ~{} ms each, ~{:.0} s of measurement on {cpu} ({cores} cores)",
        plans.len(),
        args.reps,
        rep_time.as_millis(),
        args.seconds
    );

    // Calibrate every row, then run the repetitions round-robin over all
    // rows: a slow phase of the machine (another tenant, a frequency
    // change) then lands on one repetition of many rows, not on every
    // repetition of one row, and the median discards it.
    let width = plans.iter().map(|p| p.name.len()).max().unwrap_or(10);
    eprintln!("calibrating {} rows …", plans.len());
    let iters: Vec<u64> = plans.iter().map(|p| calibrate(p, rep_time)).collect();
    let mut samples: Vec<Vec<Sample>> = vec![Vec::with_capacity(args.reps); plans.len()];
    for round in 0..args.reps {
        let last = round + 1 == args.reps;
        let t0 = Instant::now();
        for (k, p) in plans.iter().enumerate() {
            if last {
                eprint!("[{:>3}/{}] {:<width$} ", k + 1, plans.len(), p.name);
                let _ = std::io::stderr().flush();
            }
            samples[k].push(workload::measure(&p.scenario, p.threads, p.sharing, iters[k]));
            if last {
                let med = median_by_ns(&samples[k], p.threads);
                let expected = p.scenario.path.expected_admitted(med.ops);
                let wrong = expected.is_some_and(|e| samples[k].iter().any(|s| s.admitted != e));
                eprintln!(
                    "{:>9.2} ns/op {:>8.1} M/s{}",
                    med.ns_per_op(p.threads),
                    med.mops(),
                    if wrong { "  WRONG PATH" } else { "" }
                );
            }
        }
        if !last {
            eprintln!(
                "round {}/{}: {} rows in {:.1} s",
                round + 1,
                args.reps,
                plans.len(),
                t0.elapsed().as_secs_f64()
            );
        }
    }
    let mut rows = Vec::with_capacity(plans.len());
    for (p, samples) in plans.iter().zip(&samples) {
        let med = median_by_ns(samples, p.threads);
        let expected = p.scenario.path.expected_admitted(med.ops);
        let path_ok = expected.is_none_or(|e| samples.iter().all(|s| s.admitted == e));
        let admitted: u64 = samples.iter().map(|s| s.admitted).sum();
        let admitted_fraction =
            expected.map(|_| admitted as f64 / samples.iter().map(|s| s.ops).sum::<u64>().max(1) as f64);
        let path = if path_ok {
            p.scenario.path.label().to_string()
        } else {
            format!("MIXED({})", p.scenario.path.label())
        };
        rows.push(Row {
            name: p.name.clone(),
            algorithm: p.scenario.algorithm,
            variant: p.scenario.variant,
            threads: p.threads,
            sharing: if p.threads == 1 { "one" } else { p.sharing.label() },
            path,
            clock: p.scenario.clock.label(),
            ns_per_op: med.ns_per_op(p.threads),
            mops: med.mops(),
            admitted_fraction,
            ratio_floor: None,
            ratio_governor: None,
            path_ok,
            reps: samples.len(),
        });
    }
    fill_ratios(&mut rows);

    let mut out = String::new();
    let _ = writeln!(out, "CPU: {cpu}, {cores} cores (available_parallelism)");
    if let (Some(before), Some(after)) = (load_before, load_average()) {
        let _ = writeln!(out, "load average (1 min) before / after: {before:.2} / {after:.2}");
    }
    let _ = writeln!(
        out,
        "command: ratecore bench{}\n",
        if args.seconds == 40.0 { String::new() } else { format!(" --seconds {}", args.seconds) }
    );
    out.push_str(&table(&rows));
    out.push('\n');
    out.push_str(&targets(&rows, cores));
    print!("{out}");

    let mut code = ExitCode::SUCCESS;
    if let Some(file) = &args.json {
        match std::fs::write(file, json(&rows, &cpu, cores)) {
            Ok(()) => eprintln!("wrote {} rows to {file}", rows.len()),
            Err(e) => {
                eprintln!("ratecore bench: cannot write {file}: {e}");
                code = ExitCode::FAILURE;
            }
        }
    }
    if rows.iter().any(|r| !r.path_ok) {
        eprintln!("ratecore bench: some rows did not take the path they are named for (marked MIXED)");
        code = ExitCode::FAILURE;
    }
    eprintln!("total: {:.1} s", started.elapsed().as_secs_f64());
    code
}

/// The governor row comparable to `r`: same path, clock and thread layout.
fn governor_twin<'a>(rows: &'a [Row], r: &Row) -> Option<&'a Row> {
    let path = if r.path == "allow+headers" { "allow" } else { r.path.as_str() };
    // governor's injected rows use its frozen FakeRelativeClock.
    let clock = if r.clock == "injected-frozen" { "injected" } else { r.clock };
    // The keyed table's twin is governor's keyed limiter with as many keys.
    let (peer, variant) =
        if r.algorithm.starts_with("keyed-") { ("governor-keyed", r.variant) } else { ("governor", "") };
    rows.iter().find(|g| {
        g.algorithm == peer
            && g.variant == variant
            && g.path_ok
            && g.path == path
            && g.clock == clock
            && g.threads == r.threads
            && g.sharing == r.sharing
    })
}

fn fill_ratios(rows: &mut [Row]) {
    let floors: Vec<(usize, &'static str, f64)> = rows
        .iter()
        .filter(|r| r.algorithm == "floor-cas")
        .map(|r| (r.threads, r.sharing, r.ns_per_op))
        .collect();
    let twins: Vec<Option<f64>> = rows
        .iter()
        .map(|r| {
            (r.path_ok && !r.algorithm.starts_with("floor"))
                .then(|| governor_twin(rows, r))
                .flatten()
                .map(|g| g.ns_per_op)
        })
        .collect();
    for (r, twin) in rows.iter_mut().zip(twins) {
        r.ratio_floor = floors
            .iter()
            .find(|(t, s, _)| *t == r.threads && *s == r.sharing)
            .map(|(_, _, ns)| r.ns_per_op / ns);
        r.ratio_governor = twin.map(|ns| r.ns_per_op / ns);
    }
}

fn fmt_ratio(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), |x| format!("{x:.2}"))
}

fn table(rows: &[Row]) -> String {
    let mut t = String::new();
    t.push_str("| name | algorithm | threads | sharing | path | clock | ns/op | M decisions/s | × floor-cas | × governor |\n");
    t.push_str("|---|---|---:|---|---|---|---:|---:|---:|---:|\n");
    for r in rows {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} | {} | {:.2} | {:.1} | {} | {} |",
            r.name,
            r.algorithm,
            r.threads,
            r.sharing,
            r.path,
            r.clock,
            r.ns_per_op,
            r.mops,
            fmt_ratio(r.ratio_floor),
            fmt_ratio(r.ratio_governor)
        );
    }
    t
}

const ALGORITHMS: [&str; 8] = [
    "gcra",
    "token-bucket",
    "interval-bucket",
    "leaky-meter",
    "leaky-queue",
    "fixed-window",
    "sliding-window",
    "sliding-log",
];

fn find<'a>(
    rows: &'a [Row],
    algorithm: &str,
    path: &str,
    clock: &str,
    threads: usize,
    sharing: &str,
) -> Option<&'a Row> {
    rows.iter().find(|r| {
        r.path_ok
            && r.algorithm == algorithm
            && r.path == path
            && r.clock == clock
            && r.threads == threads
            && r.sharing == sharing
    })
}

fn clock_note(clock: &str) -> String {
    if clock == "injected" { String::new() } else { format!(" ({clock})") }
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met    " } else { "NOT met" }
}

/// The targets of issue 7 item 5, computed from the rows.
fn targets(rows: &[Row], cores: usize) -> String {
    let mut t = String::from("Targets (issue 7 item 5), from this run:\n");
    let floor = find(rows, "floor-cas", "floor", "none", 1, "one").map(|r| r.ns_per_op);

    // 1. Single-thread allow path with injected time ≤ 1.15 × floor-cas.
    if let Some(floor) = floor {
        let limit = 1.15 * floor;
        let mut fails = Vec::new();
        let mut all = Vec::new();
        for a in ALGORITHMS {
            if let Some(r) = find(rows, a, "allow", "injected", 1, "one") {
                all.push(format!("{a} {:.2}", r.ns_per_op));
                if r.ns_per_op > limit {
                    fails.push(format!("{a} {:.2} ns = {:.2}×", r.ns_per_op, r.ns_per_op / floor));
                }
            }
        }
        if !all.is_empty() {
            let _ = writeln!(
                t,
                "  [{}] allow, injected time, 1 thread ≤ 1.15 × floor-cas ({floor:.2} ns → ≤ {limit:.2} ns): {}",
                verdict(fails.is_empty()),
                if fails.is_empty() { all.join(", ") } else { format!("over: {}", fails.join("; ")) }
            );
        }
    }

    // 2. Deny path ≤ 2 ns (injected time: a clock read alone costs more).
    let mut fails = Vec::new();
    let mut all = Vec::new();
    for a in ALGORITHMS {
        if let Some(r) = find(rows, a, "deny", "injected", 1, "one") {
            all.push(format!("{a} {:.2}", r.ns_per_op));
            if r.ns_per_op > 2.0 {
                fails.push(format!("{a} {:.2} ns", r.ns_per_op));
            }
        }
    }
    if !all.is_empty() {
        let _ = writeln!(
            t,
            "  [{}] deny, injected time, 1 thread ≤ 2 ns: {}",
            verdict(fails.is_empty()),
            if fails.is_empty() { all.join(", ") } else { format!("over: {}", fails.join("; ")) }
        );
    }

    // 3. With the same clock, ≤ governor's ns/op (1 thread, allow and deny).
    for a in ALGORITHMS {
        let mut fails = Vec::new();
        let mut n = 0;
        for path in ["allow", "deny"] {
            for clock in ["injected", "injected-frozen", "std", "quanta"] {
                let twin = if clock == "injected-frozen" { "injected" } else { clock };
                let (Some(r), Some(g)) =
                    (find(rows, a, path, clock, 1, "one"), find(rows, "governor", path, twin, 1, "one"))
                else {
                    continue;
                };
                n += 1;
                if r.ns_per_op > g.ns_per_op {
                    fails.push(format!("{path}/{clock} {:.2} vs {:.2} ns", r.ns_per_op, g.ns_per_op));
                }
            }
        }
        if n > 0 {
            let _ = writeln!(
                t,
                "  [{}] {a}: same clock ≤ governor, 1 thread ({} of {n} path×clock pairs){}",
                verdict(fails.is_empty()),
                n - fails.len(),
                if fails.is_empty() { String::new() } else { format!("; slower: {}", fails.join(", ")) }
            );
        }
    }

    // 4. 2 threads on one key, exact mode: total ≥ governor's total (with
    // the same clock: injected time, or quanta for the sliding log).
    if cores >= 2 {
        let mut fails = Vec::new();
        let mut all = Vec::new();
        for a in ALGORITHMS {
            let Some(r) = rows.iter().find(|r| {
                r.path_ok && r.algorithm == a && r.path == "allow" && r.threads == 2 && r.sharing == "shared"
            }) else {
                continue;
            };
            let Some(g) = find(rows, "governor", "allow", r.clock, 2, "shared") else { continue };
            all.push(format!("{a} {:.1} vs {:.1}{}", r.mops, g.mops, clock_note(r.clock)));
            if r.mops < g.mops {
                fails.push(format!("{a} {:.1} vs {:.1}{}", r.mops, g.mops, clock_note(r.clock)));
            }
        }
        if !all.is_empty() {
            let _ = writeln!(
                t,
                "  [{}] 2 threads on one key, exact mode, total M/s ≥ governor's: {}",
                verdict(fails.is_empty()),
                if fails.is_empty() { all.join(", ") } else { format!("below: {}", fails.join(", ")) }
            );
        }
    } else {
        t.push_str("  [n/a    ] 2 threads on one key: this machine has one core\n");
    }

    // Issue 8: the keyed table against governor's keyed limiter.
    t.push_str("Targets (issue 8), from this run:\n");
    let keyed = |alg: &str, threads: usize, sharing: &str| {
        rows.iter().find(|r| {
            r.algorithm == alg
                && r.variant == "keys=100k"
                && r.threads == threads
                && r.sharing == sharing
                && r.path_ok
        })
    };
    match (keyed("keyed-gcra", 1, "one"), keyed("governor-keyed", 1, "one")) {
        (Some(k), Some(g)) => {
            let _ = writeln!(
                t,
                "  [{}] 100k keys, 1 thread: keyed-gcra {:.1} ns/op ≤ 0.5 × governor-keyed {:.1} = {:.1}",
                verdict(k.ns_per_op <= 0.5 * g.ns_per_op),
                k.ns_per_op,
                g.ns_per_op,
                0.5 * g.ns_per_op
            );
        }
        _ => t.push_str("  [n/a    ] 100k keys, 1 thread: rows missing\n"),
    }
    for sharing in ["shared", "per-thread"] {
        if let (Some(k), Some(g)) = (keyed("keyed-gcra", 2, sharing), keyed("governor-keyed", 2, sharing)) {
            let _ = writeln!(
                t,
                "  [{}] 100k keys, 2 threads ({} keys): keyed-gcra {:.1} M/s ≥ 3 × governor-keyed {:.1} = {:.1}",
                verdict(k.mops >= 3.0 * g.mops),
                if sharing == "shared" { "shared" } else { "distinct" },
                k.mops,
                g.mops,
                3.0 * g.mops
            );
        }
    }
    let slot = core::mem::size_of::<ratecore::keyed::Slot>();
    let _ = writeln!(
        t,
        "  [{}] at most 16 bytes per slot: {slot} (fingerprint, plan and state in one 128-bit word); {} bytes per key at the 50 % load factor used here",
        verdict(slot <= 16),
        2 * slot
    );

    // 5. Hot-key mode (issue 7 item 4): rows whose algorithm ends in `-hot`.
    let hot: Vec<&Row> = rows.iter().filter(|r| r.algorithm.ends_with("-hot") && r.path_ok).collect();
    if hot.is_empty() {
        t.push_str("  [pending] hot-key mode on 2 threads ≥ 1.6 × its single-thread total (≥ 3 × governor's contended total): not measured in this run (no `-hot` rows: filtered out)\n");
    } else {
        for h in hot.iter().filter(|r| r.threads == 2 && r.sharing == "shared") {
            let single = find(rows, h.algorithm, "allow", "injected", 1, "one").map(|r| r.mops);
            let gov = find(rows, "governor", "allow", "injected", 2, "shared").map(|r| r.mops);
            let ok = single.is_some_and(|s| h.mops >= 1.6 * s) && gov.is_some_and(|g| h.mops >= 3.0 * g);
            let _ = writeln!(
                t,
                "  [{}] {} on 2 threads: {:.1} M/s vs 1.6 × single {:.1} and 3 × governor {:.1}",
                verdict(ok),
                h.algorithm,
                h.mops,
                single.map_or(f64::NAN, |s| 1.6 * s),
                gov.map_or(f64::NAN, |g| 3.0 * g)
            );
        }
    }
    t
}

fn json_str(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn json_num(x: Option<f64>) -> String {
    match x {
        Some(x) if x.is_finite() => format!("{x:.4}"),
        _ => "null".to_string(),
    }
}

fn json(rows: &[Row], cpu: &str, cores: usize) -> String {
    let mut o = String::from("[\n");
    for (k, r) in rows.iter().enumerate() {
        let _ = write!(
            o,
            "  {{\"name\": {}, \"algorithm\": {}, \"threads\": {}, \"sharing\": {}, \"path\": {}, \"clock\": {}, \
             \"ns_per_op\": {}, \"mops\": {}, \"ratio_floor\": {}, \"ratio_governor\": {}, \
             \"admitted_fraction\": {}, \"reps\": {}, \"cpu\": {}, \"cores\": {}}}",
            json_str(&r.name),
            json_str(r.algorithm),
            r.threads,
            json_str(r.sharing),
            json_str(&r.path),
            json_str(r.clock),
            json_num(Some(r.ns_per_op)),
            json_num(Some(r.mops)),
            json_num(r.ratio_floor),
            json_num(r.ratio_governor),
            json_num(r.admitted_fraction),
            r.reps,
            json_str(cpu),
            cores
        );
        o.push_str(if k + 1 == rows.len() { "\n" } else { ",\n" });
    }
    o.push_str("]\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_takes_its_path() {
        // A short run of every scenario at 1 and 2 threads: allow rows admit
        // everything, deny rows nothing.
        for p in plan(2, None) {
            let s = workload::measure(&p.scenario, p.threads, p.sharing, 2_000);
            if let Some(e) = p.scenario.path.expected_admitted(s.ops) {
                assert_eq!(s.admitted, e, "{}", p.name);
            }
        }
    }

    #[test]
    fn json_escapes() {
        assert_eq!(json_str("a\"b\\c\n"), r#""a\"b\\c\u000a""#);
        assert_eq!(json_num(Some(f64::NAN)), "null");
    }
}
