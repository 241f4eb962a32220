//! Load tool: election day for many polls at once through the gateway, and the raw Postgres
//! limit of this machine for the same transaction shape. Run with
//! `cargo xtask bench election-day` (release build, private Postgres and Redis).
//!
//! Setup (not timed): a street of `COMMUNITIES` communities with `VOTERS` electors each, a
//! drill by-election with one contest per community (a director, two candidates, three
//! reviews), lists and electorates published, the clock on election day, every poll open.
//!
//! Full stack: `CLIENTS` concurrent clients, each logging in once as the street officer, then
//! taking (poll, elector) pairs from a shared queue: check in (`POST /polls/{id}/checkins`) and
//! cast with the token as the community's terminal (`POST /polls/{id}/ballots`). Reported:
//! pairs per second, p50/p99 latency of a pair and of each request, errors. Afterwards every
//! poll is closed and reconciled: ballots counted = pairs acknowledged, nothing lost or doubled.
//!
//! Direct SQL: the same two transactions as the ballot service's, with its own statements
//! (`juxuan_ballot::voting::{CHECK_IN, CAST}`) (check-in: the poll's shared
//! lock, then one statement inserting the check-in of an elector of an open poll and the token's
//! hash; cast: the shared lock, then one statement deleting the token of an open poll, recording
//! it spent and putting the ballot in the box) from `CLIENTS` tasks over one pool, without HTTP,
//! gRPC, tokens or Redis: the machine's raw limit for that shape.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use juxuan_tests::{Stack, identity_number};
use serde_json::{Value, json};
use uuid::Uuid;

const COMMUNITIES: usize = 8;
const VOTERS: u32 = 500;
const CLIENTS: usize = 64;
const POOL: u32 = 16;

fn must(status: reqwest::StatusCode, body: &Value, what: &str) {
    assert!(status.is_success(), "{what}: {status} {body}");
}

async fn login(stack: &Stack, user: &str) -> String {
    stack.login(user, "load-password").await
}

async fn user(stack: &Stack, admin: &str, username: &str, role: &str, area: &str) -> String {
    let body = json!({"username": username, "password": "load-password", "display_name": username,
        "role": role, "area_id": area});
    let (status, created) = stack.post("/api/v1/users", Some(admin), &body).await;
    must(status, &created, username);
    login(stack, username).await
}

/// One community's poll as the clients see it.
struct Poll {
    id: String,
    terminal: String,
    director: String,
    voters: Vec<String>,
}

async fn setup(stack: &Stack) -> (Vec<Poll>, String) {
    let admin = stack.admin_token().await;
    let district = stack.district_id(&admin).await;
    let street = stack
        .create(
            &format!("/api/v1/districts/{district}/streets"),
            &admin,
            json!({"name": "压测街道"}),
        )
        .await;
    let street_officer = user(stack, &admin, "load.street", "street_officer", &street).await;
    let reviewer = user(
        stack,
        &admin,
        "load.district",
        "district_reviewer",
        &district,
    )
    .await;
    let election = stack
        .create("/api/v1/elections", &admin, json!({
            "district_id": district, "title": "压测补选", "kind": "by_election", "mode": "drill",
            "method": "all_voters", "nomination_opens_on": "2024-05-14", "nomination_closes_on": "2024-05-17",
            "clock": "2024-05-15T09:00:00+08:00"}))
        .await;
    let mut polls = Vec::new();
    let mut pending = Vec::new();
    for c in 0..COMMUNITIES {
        let community = stack
            .create(
                &format!("/api/v1/streets/{street}/communities"),
                &admin,
                json!({"name": format!("压测{c}社区")}),
            )
            .await;
        let mut csv = String::from("name,id_number,household_rep,resident_rep\n");
        for i in 0..VOTERS {
            let birth = format!("19{:02}{:02}{:02}", 70 + c, 1 + i / 28 % 12, 1 + i % 28);
            csv.push_str(&format!(
                "民{c}-{i},{},false,false\n",
                identity_number(&birth, i / 336, i % 2 == 0)
            ));
        }
        let r = stack
            .http
            .post(stack.url(&format!("/api/v1/communities/{community}/voters:import")))
            .bearer_auth(&admin)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let (status, report) = juxuan_tests::decode(r).await;
        must(status, &report, "register");
        assert_eq!(report["rejected"], json!([]), "{report}");
        let mut voters = Vec::new();
        let mut cursor = String::new();
        loop {
            let (_, page) = stack
                .get(
                    &format!("/api/v1/communities/{community}/voters?limit=500&cursor={cursor}"),
                    Some(&admin),
                )
                .await;
            voters.extend(
                page["items"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v["id"].as_str().map(str::to_owned)),
            );
            match page["next_cursor"].as_str() {
                Some(next) => cursor = next.to_owned(),
                None => break,
            }
        }
        let contest = stack
            .create(
                &format!("/api/v1/elections/{election}/contests"),
                &admin,
                json!({
                "community_id": community, "election_day": "2024-05-24",
                "positions": [{"position": "director", "seats": 1}]}),
            )
            .await;
        let officer = user(
            stack,
            &admin,
            &format!("load.officer{c}"),
            "community_officer",
            &community,
        )
        .await;
        let terminal = user(
            stack,
            &admin,
            &format!("load.terminal{c}"),
            "terminal",
            &community,
        )
        .await;
        for nominee in &voters[..2] {
            let body = json!({"position": "director", "method": "joint_voters", "nominator_ids": voters[10..20],
                "nominee": {"voter_id": nominee, "education": "bachelor", "full_time_degree": true,
                    "community_work_months": 30, "resides_in_community": true, "party_member": true,
                    "disqualifications": []}});
            let (status, n) = stack
                .post(
                    &format!("/api/v1/contests/{contest}/nominations"),
                    Some(&officer),
                    &body,
                )
                .await;
            must(status, &n, "nomination");
            pending.push((
                n["id"].as_str().unwrap_or_default().to_owned(),
                officer.clone(),
            ));
        }
        polls.push((contest, officer, terminal, voters));
    }
    for (nomination, officer) in &pending {
        for (token, stage) in [
            (officer, "community"),
            (&street_officer, "street"),
            (&reviewer, "district"),
        ] {
            loop {
                let (status, body) = stack
                    .post(
                        &format!("/api/v1/nominations/{nomination}/decisions"),
                        Some(token),
                        &json!({"stage": stage, "decision": "approve"}),
                    )
                    .await;
                if status.is_success() {
                    break;
                }
                assert_eq!(status, reqwest::StatusCode::NOT_FOUND, "{stage}: {body}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    for (contest, officer, _, _) in &polls {
        let (status, body) = stack
            .post(
                &format!("/api/v1/contests/{contest}/candidates:publish"),
                Some(officer),
                &json!({}),
            )
            .await;
        must(status, &body, "publish");
        let (status, body) = stack
            .post(
                &format!("/api/v1/contests/{contest}/electorate:publish"),
                Some(officer),
                &json!({}),
            )
            .await;
        must(status, &body, "electorate");
    }
    let (status, body) = stack
        .post(
            &format!("/api/v1/elections/{election}/clock:advance"),
            Some(&admin),
            &json!({"to": "2024-05-24T08:00:00+08:00"}),
        )
        .await;
    must(status, &body, "clock");
    let mut open = Vec::new();
    for (contest, officer, terminal, voters) in polls {
        let (status, poll) = stack
            .post(
                &format!("/api/v1/contests/{contest}/polls"),
                Some(&officer),
                &json!({"mode": "electronic"}),
            )
            .await;
        must(status, &poll, "open");
        open.push(Poll {
            id: poll["id"].as_str().unwrap_or_default().to_owned(),
            terminal,
            director: poll["positions"][0]["candidates"][0]["candidate_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            voters,
        });
    }
    (open, street_officer)
}

#[derive(Default, Clone)]
struct ClientStats {
    pairs: Vec<Duration>,
    check_ins: Vec<Duration>,
    casts: Vec<Duration>,
    errors: usize,
    login: Duration,
}

/// Plays the electors `voters` of every poll; as fast as the clients go, or at `rate` pairs
/// per second (started on schedule whatever the answers' latency: an open loop).
async fn full_stack(
    stack: &Stack,
    polls: Arc<Vec<Poll>>,
    voters: std::ops::Range<usize>,
    rate: Option<f64>,
) -> (f64, ClientStats) {
    // Pairs interleaved across polls, as at a district's venues on one morning.
    let work: Arc<Vec<(usize, usize)>> = Arc::new(
        voters
            .flat_map(|v| (0..polls.len()).map(move |p| (p, v)))
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    // Everyone logs in first; the clock of the pairs starts when all have.
    let ready = Arc::new(tokio::sync::Barrier::new(CLIENTS + 1));
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let (polls, work, next, ready) = (polls.clone(), work.clone(), next.clone(), ready.clone());
        let (http, base) = (stack.http.clone(), stack.base.clone());
        clients.push(tokio::spawn(async move {
            let mut stats = ClientStats::default();
            // Log in (Argon2 is bounded to a few at once: retry when the gateway is busy).
            let t = Instant::now();
            let mut officer = None;
            for attempt in 0..20u64 {
                let r = http
                    .post(format!("{base}/api/v1/auth/token"))
                    .form(&[("grant_type", "password"), ("username", "load.street"), ("password", "load-password")])
                    .send()
                    .await;
                if let Ok(r) = r
                    && r.status().is_success()
                {
                    officer = r
                        .json::<Value>()
                        .await
                        .ok()
                        .and_then(|v| v["access_token"].as_str().map(str::to_owned));
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100 * (attempt + 1))).await;
            }
            stats.login = t.elapsed();
            ready.wait().await;
            let started = Instant::now();
            let Some(officer) = officer else {
                stats.errors += 1;
                return stats;
            };
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(p, v)) = work.get(i) else { break };
                if let Some(rate) = rate {
                    #[allow(clippy::cast_precision_loss)]
                    let due = started + Duration::from_secs_f64(i as f64 / rate);
                    tokio::time::sleep_until(due.into()).await;
                }
                let poll = &polls[p];
                let t0 = Instant::now();
                let r = http
                    .post(format!("{base}/api/v1/polls/{}/checkins", poll.id))
                    .bearer_auth(&officer)
                    .json(&json!({"voter_id": poll.voters[v]}))
                    .send()
                    .await;
                let token = match r {
                    Ok(r) if r.status() == reqwest::StatusCode::CREATED => {
                        r.json::<Value>().await.ok().and_then(|b| b["ballot_token"].as_str().map(str::to_owned))
                    }
                    _ => None,
                };
                let t1 = Instant::now();
                let Some(token) = token else {
                    stats.errors += 1;
                    continue;
                };
                let r = http
                    .post(format!("{base}/api/v1/polls/{}/ballots", poll.id))
                    .bearer_auth(&poll.terminal)
                    .json(&json!({"ballot_token": token, "choices": [{"position": "director", "candidate_ids": [poll.director]}]}))
                    .send()
                    .await;
                let t2 = Instant::now();
                match r {
                    Ok(r) if r.status() == reqwest::StatusCode::CREATED => {
                        stats.check_ins.push(t1 - t0);
                        stats.casts.push(t2 - t1);
                        stats.pairs.push(t2 - t0);
                    }
                    _ => stats.errors += 1,
                }
            }
            stats
        }));
    }
    ready.wait().await;
    let started = Instant::now();
    let mut all = ClientStats::default();
    for c in clients {
        let s = c.await.unwrap_or_default();
        all.pairs.extend(s.pairs);
        all.check_ins.extend(s.check_ins);
        all.casts.extend(s.casts);
        all.errors += s.errors;
        all.login = all.login.max(s.login);
    }
    (started.elapsed().as_secs_f64(), all)
}

/// The same two transactions straight against Postgres.
async fn direct_sql(pool: &sqlx::PgPool) -> (f64, usize, Vec<Duration>) {
    let contest = Uuid::new_v4();
    let poll = Uuid::new_v4();
    let n = COMMUNITIES * VOTERS as usize;
    sqlx::query(
        "INSERT INTO ballot.contests (contest_id, election_id, district_id, street_id, community_id, community, street, \
         election_title, area_code, election_day, drill, rules, candidates, ballot_fingerprint, list_published_on, electorate) \
         VALUES ($1, $1, $1, $1, $1, 'raw', 'raw', 'raw', 'RAW', '2024-05-24', true, '{}', '[]', 'raw', '2024-05-20', $2)",
    )
    .bind(contest)
    .bind(i32::try_from(n).unwrap_or(i32::MAX))
    .execute(pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    sqlx::query("INSERT INTO ballot.electors (contest_id, voter_id, name, person_key) SELECT $1, gen_random_uuid(), 'raw', md5(g::text) FROM generate_series(1, $2) g")
        .bind(contest)
        .bind(i32::try_from(n).unwrap_or(i32::MAX))
        .execute(pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    sqlx::query("INSERT INTO ballot.polls (id, contest_id, round, mode, status, paper, opened_at, opened_by) VALUES ($1, $2, 1, 'electronic', 'open', '{}', now(), 'raw')")
        .bind(poll)
        .bind(contest)
        .execute(pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let voters: Arc<Vec<Uuid>> = Arc::new(
        sqlx::query_scalar("SELECT voter_id FROM ballot.electors WHERE contest_id = $1")
            .bind(contest)
            .fetch_all(pool)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (pool, voters, next) = (pool.clone(), voters.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(voter) = voters.get(i) else { break };
                let t = Instant::now();
                let hash = Uuid::new_v4().as_bytes().to_vec();
                let ok: Result<(), sqlx::Error> = async {
                    let mut tx = pool.begin().await?;
                    sqlx::query(
                        "SELECT pg_advisory_xact_lock_shared(hashtextextended($1::text, 7))",
                    )
                    .bind(poll)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query_scalar::<_, i32>(juxuan_ballot::voting::CHECK_IN)
                        .bind(poll)
                        .bind(voter)
                        .bind(contest)
                        .bind(&hash)
                        .fetch_one(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    let mut tx = pool.begin().await?;
                    sqlx::query(
                        "SELECT pg_advisory_xact_lock_shared(hashtextextended($1::text, 7))",
                    )
                    .bind(poll)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query_scalar::<_, i32>(juxuan_ballot::voting::CAST)
                        .bind(&hash)
                        .bind(poll)
                        .bind(Uuid::new_v4())
                        .bind("raw")
                        .bind(json!([]))
                        .fetch_one(&mut *tx)
                        .await?;
                    tx.commit().await
                }
                .await;
                if ok.is_ok() {
                    latencies.push(t.elapsed());
                }
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap_or_default());
    }
    let elapsed = started.elapsed().as_secs_f64();
    let done = latencies.len();
    // Leave nothing behind that a count could pick up.
    for table in ["ballot_box", "spent_tokens", "tokens", "checkins"] {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM ballot.{table} WHERE poll_id = $1"
        )))
        .bind(poll)
        .execute(pool)
        .await;
    }
    (elapsed, done, latencies)
}

/// Prints one run's figures; its pairs per second.
fn report(what: &str, elapsed: f64, mut stats: ClientStats) -> f64 {
    for list in [&mut stats.pairs, &mut stats.check_ins, &mut stats.casts] {
        list.sort();
    }
    #[allow(clippy::cast_precision_loss)]
    let rate = stats.pairs.len() as f64 / elapsed;
    println!(
        "{what}: {} pairs in {elapsed:.1} s = {rate:.0} check-in+cast pairs/s; pair p50 {:.1} ms p99 {:.1} ms; \
         check-in p50 {:.1} p99 {:.1} ms; cast p50 {:.1} p99 {:.1} ms; errors {} (logins before the clock, slowest {:.0} ms)",
        stats.pairs.len(),
        juxuan_tests::percentile_ms(&stats.pairs, 0.5),
        juxuan_tests::percentile_ms(&stats.pairs, 0.99),
        juxuan_tests::percentile_ms(&stats.check_ins, 0.5),
        juxuan_tests::percentile_ms(&stats.check_ins, 0.99),
        juxuan_tests::percentile_ms(&stats.casts, 0.5),
        juxuan_tests::percentile_ms(&stats.casts, 0.99),
        stats.errors,
        stats.login.as_secs_f64() * 1000.0,
    );
    rate
}

#[tokio::main]
async fn main() {
    // The services' own telemetry, as in production (no OTLP endpoint: spans are not exported).
    let _telemetry = juxuan_platform::telemetry::init("election-day-load", None)
        .unwrap_or_else(|e| panic!("telemetry: {e}"));
    let stack = Stack::start_with_pool(POOL).await;
    let t = Instant::now();
    let (polls, officer) = setup(&stack).await;
    let polls = Arc::new(polls);
    println!(
        "setup: {COMMUNITIES} polls × {VOTERS} electors ready in {:.1} s; {CLIENTS} clients, {POOL} Postgres connections per service",
        t.elapsed().as_secs_f64()
    );

    let saturated = VOTERS as usize * 3 / 5;
    let (elapsed, stats) = full_stack(&stack, polls.clone(), 0..saturated, None).await;
    let full_rate = report(
        "full stack, as fast as 64 clients go",
        elapsed,
        stats.clone(),
    );
    let paced = full_rate / 2.0;
    let (elapsed, paced_stats) = full_stack(
        &stack,
        polls.clone(),
        saturated..VOTERS as usize,
        Some(paced),
    )
    .await;
    report(
        &format!("full stack, paced at {paced:.0} pairs/s (half the above)"),
        elapsed,
        paced_stats.clone(),
    );
    let acknowledged = stats.pairs.len() + paced_stats.pairs.len();
    let errors = stats.errors + paced_stats.errors;

    // Reconcile: close every poll; its count is exactly what was acknowledged.
    let mut counted = 0u64;
    for poll in polls.iter() {
        let (status, tally) = stack
            .post(
                &format!("/api/v1/polls/{}:close", poll.id),
                Some(&officer),
                &json!({}),
            )
            .await;
        must(status, &tally, "close");
        let (status, list) = stack
            .get(
                &format!("/api/v1/polls/{}/ballots?limit=500", poll.id),
                Some(&officer),
            )
            .await;
        must(status, &list, "ballots");
        let returned = tally["ballots_returned"].as_u64().unwrap_or(0);
        assert_eq!(
            Some(returned),
            list["count"].as_u64(),
            "stored ballots = counted ballots"
        );
        assert_eq!(tally["checked_in"], tally["ballots_issued"]);
        counted += returned;
    }
    let lost_or_doubled = counted.abs_diff(acknowledged as u64);
    println!(
        "reconciled: {counted} ballots counted for {acknowledged} acknowledged pairs: {lost_or_doubled} lost or doubled"
    );

    let raw_pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(POOL)
        .connect(secrecy::ExposeSecret::expose_secret(&stack.db.url))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (raw_elapsed, raw_done, mut raw) = direct_sql(&raw_pool).await;
    raw.sort();
    #[allow(clippy::cast_precision_loss)]
    let raw_rate = raw_done as f64 / raw_elapsed;
    println!(
        "direct SQL (same two transactions, {CLIENTS} tasks, one pool): {raw_done} pairs in {raw_elapsed:.1} s = {raw_rate:.0} pairs/s; p50 {:.1} ms p99 {:.1} ms",
        juxuan_tests::percentile_ms(&raw, 0.5),
        juxuan_tests::percentile_ms(&raw, 0.99),
    );
    println!(
        "ratio full stack / raw: {:.0}%",
        full_rate / raw_rate * 100.0
    );
    stack.stop().await;
    assert_eq!(lost_or_doubled, 0, "a ballot was lost or doubled");
    assert_eq!(errors, 0, "errors under load");
}
