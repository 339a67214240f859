//! A gateway's view of one client: a burst arrives, the limiter admits the
//! burst, answers `429` with exact `Retry-After` and IETF `RateLimit` fields,
//! and admits again once a permit has come back.
//!
//! Run: `cargo run --release --example gateway`
//!
//! Time is simulated with a `ManualClock`, so the output is the same on every
//! machine (a real service would use `StdClock`).
#![allow(clippy::arithmetic_side_effects)]

use ratecore::{Gcra, Instant, ManualClock, Nanos, Outcome, Quota};

fn main() -> Result<(), ratecore::Error> {
    // 60 requests per minute per client, bursts of up to 5.
    let quota = Quota::per_minute(60)?.with_burst(5)?;
    let clock = ManualClock::new(Instant::ZERO);
    let client = Gcra::new(quota, &clock);
    println!(
        "policy: {} per {} s, burst {} (emission interval {})\n",
        quota.permits(),
        quota.period().as_secs_ceil(),
        quota.burst(),
        quota.emission_interval()
    );
    println!("{:>9}  {:>6}  {:<60}", "t", "status", "response headers");

    // A burst of 8 requests at t = 0, then a request every 400 ms.
    let mut at = Vec::from([0u64; 8]);
    at.extend((1..=6).map(|k| k * 400));
    let (mut ok, mut limited) = (0, 0);
    for ms in at {
        clock.set(Instant::from_nanos(Nanos::from_millis(ms).as_nanos()));
        let d = client.check(1);
        let headers = match d.outcome() {
            Outcome::Allowed => {
                ok += 1;
                format!(
                    "RateLimit-Policy: {}  RateLimit: {}",
                    d.ratelimit_policy("per-client"),
                    d.ratelimit("per-client")
                )
            }
            Outcome::Denied => {
                limited += 1;
                format!(
                    "Retry-After: {}  RateLimit: {}  (exact wait {})",
                    d.retry_after_secs().unwrap_or(u64::MAX),
                    d.ratelimit("per-client"),
                    d.retry_after().unwrap_or(Nanos::MAX)
                )
            }
            Outcome::Impossible => "request larger than the burst".to_string(),
        };
        let status = match d.outcome() {
            Outcome::Allowed => 200,
            Outcome::Denied => 429,
            Outcome::Impossible => 413,
        };
        println!("{:>7}ms  {status:>6}  {headers}", ms);
    }
    println!("\n{ok} admitted, {limited} limited");
    Ok(())
}
