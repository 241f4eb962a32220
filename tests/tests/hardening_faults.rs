//! Faults during a busy election day, on the services running as processes: each service
//! killed with SIGKILL in turn and started again, Postgres and Redis cut off (every connection
//! dropped, new ones refused, as in a restart; Redis flushed too), the ballot service frozen
//! with its outbox relay. Meanwhile clients check electors in and cast their ballots, retrying
//! with the same idempotency key until they have an answer. Afterwards everything reconciles:
//! every acknowledged check-in and ballot is there exactly once, no elector checked in twice,
//! the tally equals a recount of the stored ballots, the reporting projection counted every
//! event once, audit chains verify, a repeat of an acknowledged request replays its first
//! answer, and no log line or event holds an identity number or a ballot token.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use juxuan_tests::fixtures::{NOMINEES, Setup, added_voter_id, marks};
use juxuan_tests::{Stack, hardening};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::Mutex;

#[derive(Default)]
struct Ledger {
    /// Voter id → ballot token, for check-ins answered 201.
    checked_in: HashMap<String, String>,
    /// Check-ins refused as already done: the first attempt happened, its answer was lost.
    checked_in_unacknowledged: HashSet<String>,
    /// Receipts of casts answered 201.
    receipts: HashSet<String>,
    /// Casts refused because the token was spent: the first attempt happened.
    cast_unacknowledged: u64,
    /// (voter id, the first answer's body) of acknowledged check-ins.
    first_answers: Vec<(String, Value)>,
}

struct Client {
    http: reqwest::Client,
    base: String,
    requests: AtomicU64,
    retries: AtomicU64,
}

impl Client {
    /// POSTs with an idempotency key until an answer that is not a server error, a refused
    /// connection or an in-progress key comes back.
    async fn post(&self, path: &str, token: &str, key: &str, body: &Value) -> (StatusCode, Value) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            self.requests.fetch_add(1, Ordering::Relaxed);
            let sent = self
                .http
                .post(format!("{}{path}", self.base))
                .bearer_auth(token)
                .header("idempotency-key", key)
                .json(body)
                .send()
                .await;
            if let Ok(response) = sent {
                let status = response.status();
                let value: Value = response.json().await.unwrap_or(Value::Null);
                let in_progress =
                    status == StatusCode::CONFLICT && value["code"] == "idempotency.in_progress";
                if !status.is_server_error() && !in_progress && !value.is_null() {
                    return (status, value);
                }
            }
            assert!(
                Instant::now() < deadline,
                "{path} ({key}) got no answer for two minutes"
            );
            self.retries.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }
}

fn node_binary() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_BIN_EXE_juxuan-node"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_services_and_cut_databases_lose_no_vote_and_count_none_twice() {
    let electors = hardening::budget(240, 1_500) as u32;
    let stack = Stack::start_processes(&node_binary()).await;
    let mut s = Setup::start_on(stack, Value::Null).await;
    let voters = s.add_voters(electors).await;
    let v = s.venue(NOMINEES).await;
    v.s.advance("2024-05-24T09:00:00+08:00").await;
    let poll = v.open("electronic").await["id"]
        .as_str()
        .expect("poll")
        .to_owned();
    let directors = [v.candidate("甲九"), v.candidate("甲十")];
    let members = [
        v.candidate("甲六"),
        v.candidate("甲七"),
        v.candidate("甲八"),
    ];
    let candidates = v.candidates.clone();

    let client = Arc::new(Client {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .expect("client"),
        base: v.s.stack.base.clone(),
        requests: AtomicU64::new(0),
        retries: AtomicU64::new(0),
    });
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    // Faults come every `interval`; the electors are spread over the whole run.
    let faults = 8u32;
    let interval = Duration::from_millis(2_500);
    let run = interval * (faults + 1);
    let started = Instant::now();
    let workers = 8usize;
    // Unguessable idempotency keys, one per request, kept for the replays below.
    let keys: Arc<HashMap<String, (String, String)>> = Arc::new(
        voters
            .iter()
            .map(|v| {
                let key = || uuid::Uuid::new_v4().to_string();
                (v.clone(), (key(), key()))
            })
            .collect(),
    );
    let queue = Arc::new(std::sync::Mutex::new(
        voters.clone().into_iter().enumerate(),
    ));
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (client, ledger, queue, keys) =
            (client.clone(), ledger.clone(), queue.clone(), keys.clone());
        let (officer, terminal, poll) = (v.s.officer.clone(), v.terminal.clone(), poll.clone());
        let (directors, members) = (directors.clone(), members.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let next = queue.lock().expect("queue").next();
                let Some((i, voter)) = next else { break };
                let due = run.mul_f64(i as f64 / f64::from(electors));
                if let Some(wait) = due.checked_sub(started.elapsed()) {
                    tokio::time::sleep(wait).await;
                }
                let (status, issued) = client
                    .post(
                        &format!("/api/v1/polls/{poll}/checkins"),
                        &officer,
                        &keys[&voter].0,
                        &json!({"voter_id": voter}),
                    )
                    .await;
                let token = match status {
                    StatusCode::CREATED => {
                        let token = issued["ballot_token"].as_str().expect("token").to_owned();
                        let mut l = ledger.lock().await;
                        l.checked_in.insert(voter.clone(), token.clone());
                        l.first_answers.push((voter.clone(), issued));
                        token
                    }
                    StatusCode::CONFLICT if issued["code"] == "poll.already_checked_in" => {
                        ledger.lock().await.checked_in_unacknowledged.insert(voter);
                        continue;
                    }
                    other => panic!("check-in of {voter}: {other} {issued}"),
                };
                // One director and two members elected in this round: 甲九, 甲六 and 甲七
                // (four in five ballots), with 甲十 and 甲八 on some ballots.
                let second = if i % 5 == 0 { 2 } else { 1 };
                let director = if i % 7 == 0 { 1 } else { 0 };
                let choices = marks(
                    &[&directors[director]],
                    &[&members[0], &members[second]],
                    &[],
                );
                let (status, receipt) = client
                    .post(
                        &format!("/api/v1/polls/{poll}/ballots"),
                        &terminal,
                        &keys[&voter].1,
                        &json!({"ballot_token": token, "choices": choices}),
                    )
                    .await;
                let mut l = ledger.lock().await;
                match status {
                    StatusCode::CREATED => {
                        l.receipts
                            .insert(receipt["receipt"].as_str().expect("receipt").to_owned());
                    }
                    StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY
                        if receipt["code"]
                            .as_str()
                            .is_some_and(|c| c.contains("spent")) =>
                    {
                        l.cast_unacknowledged += 1;
                    }
                    other => panic!("cast for {voter}: {other} {receipt}"),
                }
            }
        }));
    }

    // The faults, in turn, while the clients work.
    let mut stack = v.s.stack;
    let redis = redis::Client::open(stack.redis_url.as_str()).expect("redis url");
    let mut injected = Vec::new();
    for (n, fault) in [
        "kill -9 nomination",
        "kill -9 ballot",
        "restart and flush redis",
        "kill -9 review",
        "restart postgres",
        "kill -9 gateway",
        "freeze ballot (relay paused)",
        "kill -9 reporting",
    ]
    .iter()
    .enumerate()
    {
        let at = interval * (u32::try_from(n).expect("few") + 1);
        if let Some(wait) = at.checked_sub(started.elapsed()) {
            tokio::time::sleep(wait).await;
        }
        let processes = stack.processes();
        tokio::task::block_in_place(|| match *fault {
            "restart postgres" => processes.postgres.cut(Duration::from_secs(3)),
            "restart and flush redis" => {
                let mut conn = redis.get_connection().expect("redis");
                redis::cmd("FLUSHDB").query::<()>(&mut conn).expect("flush");
                processes.redis.cut(Duration::from_secs(2));
            }
            "freeze ballot (relay paused)" => processes.freeze("ballot", Duration::from_secs(2)),
            kill => {
                let service = kill.trim_start_matches("kill -9 ");
                processes.kill9_and_restart(service, Duration::from_millis(300));
            }
        });
        injected.push(*fault);
    }
    for task in tasks {
        task.await.expect("a client failed");
    }
    stack.wait_ready().await;

    // Close the poll (retried through whatever is still recovering).
    let (status, tally) = client
        .post(
            &format!("/api/v1/polls/{poll}:close"),
            &v.s.officer,
            "close",
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{tally}");
    let ledger = ledger.lock().await;

    // Check-ins: every acknowledged one once, the unacknowledged ones happened whole.
    let checkins: Vec<String> =
        sqlx::query_scalar("SELECT voter_id::text FROM ballot.checkins WHERE poll_id = $1::uuid")
            .bind(&poll)
            .fetch_all(&stack.pool)
            .await
            .expect("checkins");
    let checkins: HashSet<String> = checkins.into_iter().collect();
    for voter in ledger.checked_in.keys() {
        assert!(
            checkins.contains(voter),
            "acknowledged check-in {voter} lost"
        );
    }
    for voter in &ledger.checked_in_unacknowledged {
        assert!(
            checkins.contains(voter),
            "{voter} refused as checked in, but is not"
        );
    }
    assert_eq!(
        checkins.len(),
        ledger.checked_in.len() + ledger.checked_in_unacknowledged.len(),
        "check-ins nobody asked for"
    );

    // Ballots: every acknowledged receipt once; no more ballots than tokens handed out.
    let receipts: Vec<String> =
        sqlx::query_scalar("SELECT receipt FROM ballot.ballots WHERE poll_id = $1::uuid")
            .bind(&poll)
            .fetch_all(&stack.pool)
            .await
            .expect("ballots");
    let stored: HashSet<&String> = receipts.iter().collect();
    assert_eq!(stored.len(), receipts.len(), "a receipt stored twice");
    for receipt in &ledger.receipts {
        assert!(
            stored.contains(receipt),
            "acknowledged ballot {receipt} lost"
        );
    }
    assert_eq!(
        receipts.len() as u64,
        ledger.receipts.len() as u64 + ledger.cast_unacknowledged,
        "ballots nobody cast"
    );
    assert!(receipts.len() <= ledger.checked_in.len());

    // The tally is a recount of the stored ballots.
    let recount = |candidate: &str| {
        let candidate = candidate.to_owned();
        let pool = stack.pool.clone();
        let poll = poll.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM ballot.ballots WHERE poll_id = $1::uuid AND choices::text LIKE '%' || $2 || '%'",
            )
            .bind(poll)
            .bind(candidate)
            .fetch_one(&pool)
            .await
            .expect("recount")
        }
    };
    let text = tally.to_string();
    assert!(
        text.contains(&format!("\"ballots_returned\":{}", receipts.len())),
        "{tally}"
    );
    for name in ["甲九", "甲十", "甲六", "甲七", "甲八"] {
        let votes = recount(&candidates[name]).await;
        assert!(
            find_votes(&tally, name) == Some(votes),
            "{name}: tally {:?}, recount {votes}: {tally}",
            find_votes(&tally, name)
        );
    }

    // Announced, the projection's report form has the turnout of the stored check-ins and
    // ballots: it saw every event once.
    let (status, result) = client
        .post(
            &format!("/api/v1/contests/{}/result:announce", v.s.contest),
            &v.s.officer,
            "announce",
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{result}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, progress) = stack
            .get(
                &format!("/api/v1/contests/{}/report", v.s.contest),
                Some(&v.s.a.admin),
            )
            .await;
        let text = progress.to_string();
        if status == StatusCode::OK
            && text.contains(&format!("\"checked_in\":{}", checkins.len()))
            && text.contains(&format!("\"ballots_returned\":{}", receipts.len()))
        {
            break;
        }
        assert!(Instant::now() < deadline, "projection: {status} {progress}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let (dupes,): (i64,) = sqlx::query_as(
        "SELECT count(*) - count(DISTINCT event_id) FROM reporting.processed_events",
    )
    .fetch_one(&stack.pool)
    .await
    .expect("processed events");
    assert_eq!(dupes, 0);

    // Audit chains verify.
    let (status, verified) = stack.get("/api/v1/audit:verify", Some(&v.s.a.admin)).await;
    assert_eq!(
        (status, &verified["intact"]),
        (StatusCode::OK, &json!(true)),
        "{verified}"
    );

    // A repeat of an acknowledged request replays its first answer.
    for (voter, first) in ledger.first_answers.iter().take(20) {
        let response = client
            .http
            .post(format!("{}/api/v1/polls/{poll}/checkins", client.base))
            .bearer_auth(&v.s.officer)
            .header("idempotency-key", &keys[voter].0)
            .json(&json!({"voter_id": voter}))
            .send()
            .await
            .expect("replay");
        assert_eq!(response.headers()["idempotent-replayed"], "true");
        assert_eq!(response.status(), StatusCode::CREATED);
        let again: Value = response.json().await.expect("json");
        assert_eq!(&again, first);
    }

    // The gateway's idempotency records of check-ins and casts hold no voter id, ballot token
    // or receipt: they are sealed under the clients' keys (ADR 15).
    let kept: Vec<String> = sqlx::query_scalar(
        "SELECT key || ' ' || request_hash || ' ' || encode(coalesce(body, ''), 'escape') FROM auth.idempotency_keys",
    )
    .fetch_all(&stack.pool)
    .await
    .expect("idempotency records");
    assert!(
        kept.len() >= ledger.checked_in.len(),
        "the records were read"
    );
    for record in &kept {
        for (voter, token) in &ledger.checked_in {
            assert!(
                !record.contains(voter.as_str()),
                "a voter id in an idempotency record"
            );
            assert!(
                !record.contains(token.as_str()),
                "a ballot token in an idempotency record"
            );
        }
        for receipt in &ledger.receipts {
            assert!(
                !record.contains(receipt.as_str()),
                "a receipt in an idempotency record"
            );
        }
    }

    // No identity number or ballot token in any log line or event.
    let logs = stack.processes().logs();
    let mut events = String::new();
    let mut conn = redis.get_connection().expect("redis");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("ev:*")
        .query(&mut conn)
        .expect("keys");
    for key in keys {
        if let Ok(entries) = redis::cmd("XRANGE")
            .arg(&key)
            .arg("-")
            .arg("+")
            .query::<Vec<(String, Vec<(String, Vec<u8>)>)>>(&mut conn)
        {
            for (_, fields) in entries {
                for (_, value) in fields {
                    events.push_str(&String::from_utf8_lossy(&value));
                }
            }
        }
    }
    for i in 0..electors {
        let number = added_voter_id(i);
        assert!(!logs.contains(&number), "an identity number in the logs");
        assert!(!events.contains(&number), "an identity number in an event");
    }
    for token in ledger.checked_in.values() {
        assert!(!logs.contains(token.as_str()), "a ballot token in the logs");
        assert!(
            !events.contains(token.as_str()),
            "a ballot token in an event"
        );
    }

    let requests = client.requests.load(Ordering::Relaxed);
    let retries = client.retries.load(Ordering::Relaxed);
    println!(
        "faults: {} injected ({}); {requests} requests, {retries} retried; {} check-ins ({} unacknowledged but done), {} ballots ({} unacknowledged but done), 0 lost",
        injected.len(),
        injected.join(", "),
        checkins.len(),
        ledger.checked_in_unacknowledged.len(),
        receipts.len(),
        ledger.cast_unacknowledged,
    );
    hardening::record(
        "faults",
        &[
            ("faults injected", injected.len() as u64),
            ("requests sent", requests),
            ("retried", retries),
            ("check-ins", checkins.len() as u64),
            ("ballots", receipts.len() as u64),
            ("lost or doubled", 0),
        ],
    );
    stack.stop().await;
}

/// The votes a tally gives a candidate, by name (searched anywhere in the document).
fn find_votes(tally: &Value, candidate: &str) -> Option<i64> {
    match tally {
        Value::Object(map) => {
            if map.get("name").and_then(Value::as_str) == Some(candidate)
                && map.contains_key("votes")
            {
                return map.get("votes").and_then(Value::as_i64);
            }
            map.values().find_map(|v| find_votes(v, candidate))
        }
        Value::Array(items) => items.iter().find_map(|v| find_votes(v, candidate)),
        _ => None,
    }
}
