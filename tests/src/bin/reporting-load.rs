//! Load tool: reporting reads of a large district through the gateway. Run with
//! `cargo xtask bench reporting` (release build, private Postgres and Redis).
//!
//! Setup (not timed): a live election created through the API, and for it a synthetic
//! district of `STREETS` streets × `COMMUNITIES` communities, each with one contest that went
//! all the way to an announced result (5 elected of 10 nominees), fed to the reporting
//! projector as the events the other services would have published (`juxuan_tests::district`).
//!
//! Timed: `ROUNDS` sequential requests of each read a district admin makes — the election's
//! progress, its statistics, the district's statistics, a report form — and a page of the
//! export for a machine client; then the same reads from `CLIENTS` concurrent clients.
//! Reported: p50, p99 and max per request in milliseconds, and requests per second.

use std::time::{Duration, Instant};

use juxuan_tests::Stack;
use juxuan_tests::district::{self, Shape};
use serde_json::json;
use uuid::Uuid;

const STREETS: usize = 20;
const COMMUNITIES: usize = 30;
const ROUNDS: usize = 50;
const CLIENTS: usize = 8;

fn report(name: &str, mut times: Vec<Duration>, wall: Duration) {
    times.sort();
    #[allow(clippy::cast_precision_loss)]
    let rate = times.len() as f64 / wall.as_secs_f64();
    println!(
        "  {name:<28} n={:<4} p50 {:>6.1} ms  p99 {:>6.1} ms  max {:>6.1} ms  {rate:>6.0}/s",
        times.len(),
        juxuan_tests::percentile_ms(&times, 0.5),
        juxuan_tests::percentile_ms(&times, 0.99),
        juxuan_tests::percentile_ms(&times, 1.0),
    );
}

async fn timed(stack: &Stack, path: &str, token: &str) -> (Duration, usize) {
    let started = Instant::now();
    let r = stack
        .http
        .get(stack.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert!(r.status().is_success(), "{path}: {}", r.status());
    let bytes = r.bytes().await.expect("body").len();
    (started.elapsed(), bytes)
}

#[tokio::main]
async fn main() {
    let stack = Stack::start_with_pool(16).await;
    let admin = stack.admin_token().await;
    let district = stack.district_id(&admin).await;
    let election = stack
        .create(
            "/api/v1/elections",
            &admin,
            json!({"district_id": district, "title": "2026年社区居民委员会换届选举", "kind": "general",
                "mode": "live", "method": "all_voters", "nomination_opens_on": "2027-03-01",
                "nomination_closes_on": "2027-03-20"}),
        )
        .await;
    let seeding = Instant::now();
    let seeded = district::seed(
        &stack.pool,
        Uuid::parse_str(&district).expect("district"),
        &Shape {
            streets: STREETS,
            communities_per_street: COMMUNITIES,
            drill: false,
            seed: 2026,
            election_id: Some(Uuid::parse_str(&election).expect("election")),
        },
    )
    .await
    .expect("seed");
    println!(
        "reporting bench: {STREETS} streets × {COMMUNITIES} communities, {} contests, {} elected, {} events projected in {:.1} s",
        seeded.contests.len(),
        seeded.elected,
        seeded.events,
        seeding.elapsed().as_secs_f64()
    );
    // The election's own event arrives by the stream.
    let progress = format!("/api/v1/elections/{election}/progress");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, p) = stack.get(&progress, Some(&admin)).await;
        if status.is_success() && p["contests_total"] == seeded.contests.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "progress not ready: {status} {p}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let client = stack
        .client_token(&admin, "市级统计平台", &["reporting:read"])
        .await;
    let contest = seeded.contests[seeded.contests.len() / 2];
    let reads: Vec<(&str, String, &str)> = vec![
        ("progress (600 contests)", progress.clone(), admin.as_str()),
        (
            "election statistics",
            format!("/api/v1/elections/{election}/statistics"),
            admin.as_str(),
        ),
        (
            "district statistics",
            format!("/api/v1/districts/{district}/statistics"),
            admin.as_str(),
        ),
        (
            "report form (JSON)",
            format!("/api/v1/contests/{contest}/report"),
            admin.as_str(),
        ),
        (
            "report form (PDF)",
            format!("/api/v1/contests/{contest}/report?format=pdf"),
            admin.as_str(),
        ),
        (
            "export page (100 forms)",
            format!("/api/v1/exports/results?election_id={election}&limit=100"),
            client.as_str(),
        ),
    ];
    // Warm-up: connections, caches, the font.
    for (_, path, token) in &reads {
        timed(&stack, path, token).await;
    }
    println!("sequential, {ROUNDS} requests each:");
    for (name, path, token) in &reads {
        let started = Instant::now();
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..ROUNDS {
            let (t, bytes) = timed(&stack, path, token).await;
            times.push(t);
            size = bytes;
        }
        report(
            &format!("{name} [{} kB]", size / 1024),
            times,
            started.elapsed(),
        );
    }
    println!("{CLIENTS} concurrent clients, {ROUNDS} requests each:");
    for (name, path, token) in reads.iter().take(3) {
        let started = Instant::now();
        let tasks: Vec<_> = (0..CLIENTS)
            .map(|_| {
                let (stack, path, token) = (&stack, path.clone(), token.to_string());
                async move {
                    let mut times = Vec::new();
                    for _ in 0..ROUNDS {
                        times.push(timed(stack, &path, &token).await.0);
                    }
                    times
                }
            })
            .collect();
        let times: Vec<Duration> = futures::future::join_all(tasks)
            .await
            .into_iter()
            .flatten()
            .collect();
        report(name, times, started.elapsed());
    }
    stack.stop().await;
}
