//! Killing the ballot service during a busy poll (R-SECRET's companion: a vote is never lost
//! and never counted twice). Electors check in and cast through the gateway from eight clients
//! while the service's runtime is dropped at once and started again; afterwards every
//! acknowledged ballot is in the count exactly once.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use juxuan_tests::fixtures::{NOMINEES, Setup, marks};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// What one client saw acknowledged.
#[derive(Default)]
struct Acknowledged {
    check_ins: usize,
    receipts: Vec<String>,
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    body: &Value,
) -> Option<(StatusCode, Value)> {
    let r = http
        .post(url)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .ok()?;
    Some(juxuan_tests::decode(r).await)
}

#[tokio::test(flavor = "multi_thread")]
async fn killing_the_ballot_service_under_load_loses_and_doubles_no_acknowledged_ballot() {
    let mut s = Setup::start().await;
    let electors = s.add_voters(160).await;
    let mut v = s.venue(NOMINEES).await;
    v.s.advance("2024-05-24T09:00:00+08:00").await;
    let poll = v.open("electronic").await;
    let p = poll["id"].as_str().expect("id").to_owned();
    let choice = marks(&[v.candidate("甲九")], &[v.candidate("甲六")], &[]);
    let cast_count = Arc::new(AtomicUsize::new(0));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let check_in_url = v.s.stack.url(&format!("/api/v1/polls/{p}/checkins"));
    let cast_url = v.s.stack.url(&format!("/api/v1/polls/{p}/ballots"));

    let mut clients = Vec::new();
    for slice in electors.chunks(20) {
        let slice = slice.to_vec();
        let (http, officer, terminal) = (http.clone(), v.s.officer.clone(), v.terminal.clone());
        let (check_in_url, cast_url, choice, cast_count) = (
            check_in_url.clone(),
            cast_url.clone(),
            choice.clone(),
            cast_count.clone(),
        );
        clients.push(tokio::spawn(async move {
            let mut seen = Acknowledged::default();
            for voter in slice {
                // Check in, retrying while the service is down; a 409 means an earlier attempt
                // went through unacknowledged (the token is lost with it: that elector does not vote).
                let token = loop {
                    match post(&http, &check_in_url, &officer, &json!({"voter_id": voter})).await {
                        Some((StatusCode::CREATED, body)) => {
                            seen.check_ins += 1;
                            break body["ballot_token"].as_str().map(str::to_owned);
                        }
                        Some((StatusCode::CONFLICT, body)) => {
                            assert_eq!(body["code"], "poll.already_checked_in", "{body}");
                            break None;
                        }
                        Some((status, body)) if status.is_client_error() => {
                            panic!("check-in: {status} {body}")
                        }
                        _ => tokio::time::sleep(Duration::from_millis(50)).await,
                    }
                };
                let Some(token) = token else { continue };
                loop {
                    match post(
                        &http,
                        &cast_url,
                        &terminal,
                        &json!({"ballot_token": token, "choices": choice}),
                    )
                    .await
                    {
                        Some((StatusCode::CREATED, body)) => {
                            seen.receipts
                                .push(body["receipt"].as_str().expect("receipt").to_owned());
                            cast_count.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                        // An earlier attempt was cast but not acknowledged.
                        Some((StatusCode::CONFLICT, body)) => {
                            assert_eq!(body["code"], "ballot.token_spent", "{body}");
                            break;
                        }
                        Some((status, body)) if status.is_client_error() => {
                            panic!("cast: {status} {body}")
                        }
                        _ => tokio::time::sleep(Duration::from_millis(50)).await,
                    }
                }
            }
            seen
        }));
    }
    // Kill the service once the poll is busy, then bring it back.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while cast_count.load(Ordering::Relaxed) < 40 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the load did not start"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::task::block_in_place(|| {
        v.s.stack.ballot.as_mut().expect("in-process ballot").kill();
        std::thread::sleep(Duration::from_millis(300));
        v.s.stack
            .ballot
            .as_mut()
            .expect("in-process ballot")
            .restart();
    });
    let mut acknowledged = Acknowledged::default();
    for client in clients {
        let seen = client.await.expect("client");
        acknowledged.check_ins += seen.check_ins;
        acknowledged.receipts.extend(seen.receipts);
    }
    assert!(
        acknowledged.receipts.len() >= 40,
        "ballots were cast before the kill"
    );

    // Reconcile after close: every acknowledged ballot once, nothing beyond the check-ins.
    let tally = v.close(&p).await;
    let st = &v.s.stack;
    let (status, list) = st
        .get(
            &format!("/api/v1/polls/{p}/ballots?limit=500"),
            Some(&v.s.officer),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let listed: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|b| b["receipt"].as_str())
        .collect();
    let distinct: HashSet<&str> = listed.iter().copied().collect();
    assert_eq!(distinct.len(), listed.len(), "a receipt appears twice");
    for receipt in &acknowledged.receipts {
        assert!(
            distinct.contains(receipt.as_str()),
            "acknowledged ballot {receipt} lost"
        );
    }
    let returned = tally["ballots_returned"].as_u64().expect("returned");
    let checked_in = tally["checked_in"].as_u64().expect("checked in");
    assert_eq!(
        returned,
        listed.len() as u64,
        "the tally counts exactly the stored ballots"
    );
    assert!(
        returned <= checked_in,
        "{returned} ballots for {checked_in} check-ins"
    );
    assert!(
        checked_in >= acknowledged.check_ins as u64,
        "an acknowledged check-in was lost"
    );
    assert!(checked_in <= electors.len() as u64);
    assert_eq!(
        votes_for(&tally, "director", "甲九"),
        returned,
        "every stored ballot counted once: {tally}"
    );
    println!(
        "resilience: {} acknowledged check-ins, {} acknowledged ballots; stored {checked_in} check-ins, {returned} ballots",
        acknowledged.check_ins,
        acknowledged.receipts.len()
    );
}

fn votes_for(tally: &Value, position: &str, name: &str) -> u64 {
    tally["positions"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["position"] == position))
        .and_then(|p| p["candidates"].as_array())
        .and_then(|cs| cs.iter().find(|c| c["name"] == name))
        .and_then(|c| c["votes"].as_u64())
        .unwrap_or_else(|| panic!("no {name} in {tally}"))
}
