//! loom models of every compare-and-swap path (SPEC C1, C2), run by
//! `scripts/test.sh` as `RUSTFLAGS="--cfg ratecore_loom" cargo test --release
//! --test loom` (the crate's private `sync` module then uses loom's atomics,
//! so loom explores every interleaving of the real code).
//!
//! - C1: with a frozen clock, threads making unit checks on one fresh limiter
//!   admit exactly `min(demand, B)` — no over-admission, no lost permit.
//! - C2: every concurrent history is explained by a sequential order of the
//!   same operations (consistent with each thread's program order) replayed
//!   on the single-threaded limiter: the same decisions and the same final
//!   state. loom has no real time, so "consistent with real time" is checked
//!   as "consistent with program order" (sequential consistency), which is
//!   what a single-word CAS design can violate if it is wrong.
//!
//! `LOOM_MAX_PREEMPTIONS` defaults to 3 here (override it in the
//! environment); three threads with two operations each explore fully
//! within the test command's budget.
#![cfg(ratecore_loom)]
#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

use loom::sync::Arc;
use loom::sync::atomic::{AtomicU64, Ordering};
use ratecore::{
    Decision, FixedWindow, Gcra, Instant, IntervalBucket, LeakyMeter, LeakyQueue, LocalFixedWindow,
    LocalGcra, LocalIntervalBucket, LocalLeakyMeter, LocalLeakyQueue, LocalSlidingLog, LocalSlidingWindow,
    LocalTokenBucket, Nanos, NoClock, Quota, Refill, Shaping, Sliding, SlidingLog, SlidingWindow,
    TokenBucket, Window,
};

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(3);
    }
    // The sliding log's spin lock yields to loom's scheduler on every spin;
    // each spin is a branch.
    b.max_branches = 100_000;
    b.check(f);
}

/// Two spawned threads and the main thread each make `k` unit checks at
/// instant zero; the total admitted must be exactly `min(3k, burst)`.
fn c1<L: Send + Sync + 'static>(
    make: fn() -> L,
    check: fn(&L, Instant, u32) -> Decision,
    k: u64,
    burst: u64,
) {
    c1_threads(make, check, 2, k, burst);
}

/// `spawned` threads plus the main thread, `k` unit checks each.
fn c1_threads<L: Send + Sync + 'static>(
    make: fn() -> L,
    check: fn(&L, Instant, u32) -> Decision,
    spawned: u64,
    k: u64,
    burst: u64,
) {
    model(move || {
        let l = Arc::new(make());
        let admitted = Arc::new(AtomicU64::new(0));
        let worker = |l: Arc<L>, admitted: Arc<AtomicU64>| {
            move || {
                for _ in 0..k {
                    if check(&l, Instant::ZERO, 1).is_allowed() {
                        admitted.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        };
        let handles: Vec<_> = (0..spawned)
            .map(|_| loom::thread::spawn(worker(Arc::clone(&l), Arc::clone(&admitted))))
            .collect();
        worker(Arc::clone(&l), Arc::clone(&admitted))();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(admitted.load(Ordering::Relaxed), ((spawned + 1) * k).min(burst));
    });
}

/// Operations of two threads (instants in ns, costs), including a stale
/// instant and a cost above 1.
const THREAD_A: [(u64, u32); 2] = [(0, 1), (600, 2)];
const THREAD_B: [(u64, u32); 2] = [(300, 1), (0, 1)];

/// Every interleaving of two program-ordered sequences.
fn interleavings(a: usize, b: usize) -> Vec<Vec<bool>> {
    if a == 0 && b == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    if a > 0 {
        for mut rest in interleavings(a - 1, b) {
            rest.insert(0, true);
            out.push(rest);
        }
    }
    if b > 0 {
        for mut rest in interleavings(a, b - 1) {
            rest.insert(0, false);
            out.push(rest);
        }
    }
    out
}

/// C2 for a single-word limiter: the decisions both threads saw, and the
/// final state, must be those of some sequential order replayed on the
/// `&mut` limiter.
fn c2<L, M>(
    make: fn() -> L,
    check: fn(&L, Instant, u32) -> Decision,
    state: fn(&L) -> String,
    make_local: fn() -> M,
    check_local: fn(&mut M, Instant, u32) -> Decision,
    state_local: fn(&M) -> String,
) where
    L: Send + Sync + 'static,
    M: 'static,
{
    model(move || {
        let l = Arc::new(make());
        let l2 = Arc::clone(&l);
        let h = loom::thread::spawn(move || {
            THREAD_B.iter().map(|&(t, c)| check(&l2, Instant::from_nanos(t), c)).collect::<Vec<_>>()
        });
        let seen_a: Vec<Decision> =
            THREAD_A.iter().map(|&(t, c)| check(&l, Instant::from_nanos(t), c)).collect();
        let seen_b = h.join().unwrap();
        let final_state = state(&l);
        let explained = interleavings(THREAD_A.len(), THREAD_B.len()).into_iter().any(|order| {
            let mut local = make_local();
            let (mut ia, mut ib) = (0, 0);
            let ok = order.iter().all(|&from_a| {
                let (op, seen) = if from_a { (THREAD_A[ia], seen_a[ia]) } else { (THREAD_B[ib], seen_b[ib]) };
                if from_a {
                    ia += 1;
                } else {
                    ib += 1;
                }
                check_local(&mut local, Instant::from_nanos(op.0), op.1) == seen
            });
            ok && state_local(&local) == final_state
        });
        assert!(explained, "no sequential order explains A {seen_a:?} B {seen_b:?} (state {final_state})");
    });
}

/// 1 permit per 100 ns, burst 3: refills during the C2 histories.
fn quota() -> Quota {
    Quota::new(1, Nanos::from_nanos(100), 3).unwrap()
}

macro_rules! single_word_models {
    ($c1:ident, $c2:ident, $Shared:ident, $Local:ident, $params:expr, $burst:expr) => {
        #[test]
        fn $c1() {
            c1(|| $Shared::new($params, NoClock), |l, t, c| l.check_at(t, c), 2, $burst);
        }

        #[test]
        fn $c2() {
            c2(
                || $Shared::new($params, NoClock),
                |l, t, c| l.check_at(t, c),
                |l| l.state().to_string(),
                || $Local::new($params, NoClock),
                |l, t, c| l.check_at(t, c),
                |l| l.state().to_string(),
            );
        }
    };
}

single_word_models!(c1_gcra, c2_gcra, Gcra, LocalGcra, quota(), 3);
single_word_models!(c1_token_bucket, c2_token_bucket, TokenBucket, LocalTokenBucket, quota(), 3);
single_word_models!(c1_leaky_meter, c2_leaky_meter, LeakyMeter, LocalLeakyMeter, quota(), 3);
single_word_models!(
    c1_leaky_queue,
    c2_leaky_queue,
    LeakyQueue,
    LocalLeakyQueue,
    Shaping::new(1, Nanos::from_nanos(100), 2).unwrap(),
    3
);
single_word_models!(
    c1_interval_bucket,
    c2_interval_bucket,
    IntervalBucket,
    LocalIntervalBucket,
    Refill::new(1, Nanos::from_nanos(250), 3).unwrap(),
    3
);
single_word_models!(
    c1_fixed_window,
    c2_fixed_window,
    FixedWindow,
    LocalFixedWindow,
    Window::new(3, Nanos::from_nanos(500)).unwrap(),
    3
);
single_word_models!(
    c1_sliding_window,
    c2_sliding_window,
    SlidingWindow,
    LocalSlidingWindow,
    Sliding::new(3, Nanos::from_nanos(500)).unwrap(),
    3
);

fn log_window() -> Window {
    Window::new(3, Nanos::from_nanos(500)).unwrap()
}

/// Two threads with two checks each (spinning threads multiply loom's
/// branches: three threads do not finish in the budget); a limit of 3 for 4
/// requests still exercises a denial under contention.
#[test]
fn c1_sliding_log() {
    c1_threads(|| SlidingLog::<NoClock, 4>::new(log_window(), NoClock), |l, t, c| l.check_at(t, c), 1, 2, 3);
}

#[test]
fn c2_sliding_log() {
    c2(
        || SlidingLog::<NoClock, 4>::new(log_window(), NoClock),
        |l, t, c| l.check_at(t, c),
        |l| format!("{:?}", l.snapshot()),
        || LocalSlidingLog::<NoClock, 4>::new(log_window(), NoClock),
        |l, t, c| l.check_at(t, c),
        |l| format!("{:?}", l.log()),
    );
}

/// Reconfiguration racing checks (SPEC adversarial row 20): a thread
/// switches a live limiter from 3 per 300 ns to 1 per 100 ns with burst 2
/// (carrying the level) while another checks twice. Every outcome must be
/// explained by placing the switch somewhere among the checks, replayed on
/// the `&mut` limiter: no check ever runs under a half-written
/// configuration, so there is no allow-all or deny-all moment.
#[test]
fn reconfigure_racing_checks() {
    use ratecore::{Carry, LiveGcra};
    let old = || Quota::new(3, Nanos::from_nanos(300), 3).unwrap();
    let new = || Quota::new(1, Nanos::from_nanos(100), 2).unwrap();
    model(move || {
        let l = Arc::new(LiveGcra::new(old(), NoClock));
        let l2 = Arc::clone(&l);
        let h = loom::thread::spawn(move || l2.reconfigure_at(new(), Instant::from_nanos(50), Carry::Level));
        let seen: Vec<Decision> =
            [(0u64, 2u32), (100, 1)].iter().map(|&(t, c)| l.check_at(Instant::from_nanos(t), c)).collect();
        h.join().unwrap();
        assert_eq!(l.params(), new());
        let final_check = l.peek_at(Instant::from_nanos(100), 1);
        let explained = (0..=2).any(|switch_at| {
            let mut local = LocalGcra::new(old(), NoClock);
            let mut ok = true;
            for (i, &(t, c)) in [(0u64, 2u32), (100, 1)].iter().enumerate() {
                if i == switch_at {
                    local.reconfigure_at(new(), Instant::from_nanos(50), Carry::Level);
                }
                ok &= local.check_at(Instant::from_nanos(t), c) == seen[i];
            }
            if switch_at == 2 {
                local.reconfigure_at(new(), Instant::from_nanos(50), Carry::Level);
            }
            ok && local.peek_at(Instant::from_nanos(100), 1) == final_check
        });
        assert!(explained, "no placement of the switch explains {seen:?}");
    });
}

/// Composite consumption racing single checks: a policy (members 0 and 1)
/// takes one permit from both while another thread takes member 1's only
/// permit directly. All or none: member 0 is charged iff the policy
/// admitted; member 1 is never over-admitted; exactly one of the two gets
/// member 1's permit.
#[test]
fn policy_racing_member_check() {
    use ratecore::Policy;
    model(|| {
        let quotas = [
            Quota::new(1, Nanos::from_nanos(100), 2).unwrap(),
            Quota::new(1, Nanos::from_nanos(100), 1).unwrap(),
        ];
        let p = Arc::new(Policy::new(quotas, NoClock));
        let p2 = Arc::clone(&p);
        let h = loom::thread::spawn(move || p2.check_member_at(1, Instant::ZERO, 1).unwrap().is_allowed());
        let composite = p.check_at(Instant::ZERO, 1).is_allowed();
        let single = h.join().unwrap();
        assert!(
            composite != single,
            "member 1 (burst 1) admitted {} times",
            u8::from(composite) + u8::from(single)
        );
        let [m0, m1] = p.states();
        let one = quotas[0].interval_ticks(); // the word after one permit taken at t = 0
        assert_eq!(m0, if composite { one } else { 0 }, "member 0 charged without the policy admitting");
        assert_eq!(m1, quotas[1].interval_ticks());
    });
}

/// A keyed table shared by the model's threads. The table borrows its
/// storage exclusively, so storage and plans are leaked (a few hundred bytes
/// per explored execution).
fn shared_table(burst: u64) -> Arc<ratecore::keyed::Keyed<'static, NoClock>> {
    use ratecore::keyed::{Full, Keyed, Plan, Slot};
    let slots: &'static mut [Slot] =
        Box::leak((0..8).map(|_| Slot::new()).collect::<Vec<_>>().into_boxed_slice());
    let plans: &'static [Plan] =
        Box::leak(Box::new([Plan::Gcra(Quota::new(1, Nanos::from_nanos(10), burst).unwrap())]));
    Arc::new(Keyed::new(slots, plans, 7, Full::Deny, NoClock).unwrap())
}

/// Keyed table, inserts of the same new key racing (no lock: each claims a
/// slot, and claims are settled by whoever meets them): the key gets one
/// member, so its burst of 1 admits exactly one of the checks.
#[test]
fn keyed_same_key_inserted_twice() {
    model(|| {
        let t = shared_table(1);
        let t2 = Arc::clone(&t);
        let h = loom::thread::spawn(move || t2.check_at(&42u64, 0, Instant::ZERO, 1).is_allowed());
        let mine = t.check_at(&42u64, 0, Instant::ZERO, 1).is_allowed();
        let theirs = h.join().unwrap();
        assert!(mine != theirs, "burst 1 admitted {} times", u8::from(mine) + u8::from(theirs));
        assert_eq!(t.len(), 1, "the key was stored twice");
    });
}

/// Three inserts of one new key (two spawned threads and the main thread),
/// burst 2: exactly two admitted, one member — whichever thread is
/// preempted between its claim and its settlement, the others settle it or
/// withdraw theirs, and never both commit.
#[test]
fn keyed_same_key_inserted_three_times() {
    model(|| {
        let t = shared_table(2);
        let spawn = |t: &Arc<ratecore::keyed::Keyed<'static, NoClock>>| {
            let t = Arc::clone(t);
            loom::thread::spawn(move || t.check_at(&42u64, 0, Instant::ZERO, 1).is_allowed())
        };
        let (a, b) = (spawn(&t), spawn(&t));
        let mine = t.check_at(&42u64, 0, Instant::ZERO, 1).is_allowed();
        let n = u8::from(mine) + u8::from(a.join().unwrap()) + u8::from(b.join().unwrap());
        assert_eq!(n, 2, "burst 2 admitted {n} of 3");
        assert_eq!(t.len(), 1, "the key was stored more than once");
    });
}

/// Keyed table, an eviction racing an update of the same key (SPEC K1,
/// adversarial row 23): a full table of 8 idle keys; one thread checks key 1
/// while another inserts a new key, which must evict an idle key — possibly
/// key 1. Key 1's admission is never lost: afterwards it is tracked and
/// throttled, or — if it was evicted before its check — re-inserted fresh
/// and then throttled.
#[test]
fn keyed_eviction_racing_update() {
    model(|| {
        let t = shared_table(1);
        for k in 1..=8u64 {
            assert!(t.check_at(&k, 0, Instant::ZERO, 1).is_allowed());
        }
        assert_eq!(t.len(), 8);
        let now = Instant::from_nanos(10); // every key idle again
        let t2 = Arc::clone(&t);
        let h = loom::thread::spawn(move || t2.check_at(&100u64, 0, now, 1).is_allowed());
        let one = t.check_at(&1u64, 0, now, 1).is_allowed();
        let new = h.join().unwrap();
        assert!(one, "an idle key was denied");
        assert!(t.len() <= 8);
        // Key 1's admission was recorded: a second request now is denied.
        assert!(!t.peek_at(&1u64, 0, now, 1).is_allowed(), "key 1's admission was lost");
        // The new key got a slot (key 1 was the only one not idle).
        assert!(new, "no idle slot was reclaimed");
    });
}

/// Regression (found in review): a policy whose rollback found a member
/// changed refunded its charge at its own (stale) instant, which could free
/// a permit another thread had just been admitted on after an idle gap —
/// two admissions at once on a member with a burst of 1. A changed member
/// now keeps the charge (an under-admission, never an over-admission).
#[test]
fn policy_rollback_never_frees_a_later_admission() {
    use ratecore::Policy;
    model(|| {
        let quotas = [
            Quota::new(1, Nanos::from_nanos(100), 1).unwrap(),
            Quota::new(1, Nanos::from_nanos(100), 1).unwrap(),
        ];
        let p = Arc::new(Policy::new(quotas, NoClock));
        let (p1, p2) = (Arc::clone(&p), Arc::clone(&p));
        // B takes member 1's permit (so the policy may lose its race there);
        // C is admitted on member 0 much later (after an idle gap).
        let b = loom::thread::spawn(move || p1.check_member_at(1, Instant::ZERO, 1).unwrap().is_allowed());
        let c = loom::thread::spawn(move || {
            p2.check_member_at(0, Instant::from_nanos(500), 1).unwrap().is_allowed()
        });
        let a = p.check_at(Instant::ZERO, 1).is_allowed();
        let (b, c) = (b.join().unwrap(), c.join().unwrap());
        assert!(a != b, "member 1 (burst 1) admitted twice");
        // Member 0 at 500 ns: C may have been admitted; then nothing more.
        let again = p.check_member_at(0, Instant::from_nanos(500), 1).unwrap().is_allowed();
        assert!(!(c && again), "member 0 admitted twice at 500 ns");
    });
}
