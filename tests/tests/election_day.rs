//! Election day (R-POLL-DAY, R-SECRET, R-BALLOT-VALID, R-QUORUM, R-MAJORITY, R-TIE,
//! R-ADDITIONAL, R-CAND-STAFF, R-ANNOUNCE) through the REST API against the real services.
//!
//! The venue: a drill by-election electing a director (candidates 甲九, 甲十) and two members
//! (甲六, 甲七, 甲八), an electorate of twelve, the clock on election day.

use juxuan_tests::fixtures::{NOMINEES, Setup, Venue, codes, marks};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The venue on election day morning.
async fn venue() -> Venue {
    let v = Setup::start().await.venue(NOMINEES).await;
    v.s.advance("2024-05-24T09:00:00+08:00").await;
    v
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

fn position<'a>(tally: &'a Value, name: &str) -> &'a Value {
    tally["positions"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["position"] == name))
        .unwrap_or_else(|| panic!("no {name} in {tally}"))
}

fn votes(tally: &Value, pos: &str, name: &str) -> (u64, bool) {
    let p = position(tally, pos);
    let entry = p["candidates"]
        .as_array()
        .into_iter()
        .chain(p["write_ins"].as_array())
        .flatten()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in {p}"));
    (
        entry["votes"].as_u64().expect("votes"),
        entry["elected"].as_bool().expect("elected"),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn r_poll_day_a_whole_electronic_round_with_a_write_in_elected_announced_and_certified() {
    let v = Setup::start().await;
    // Before election day: the list is published on the 15th, the clock is moved later.
    let v = v.venue(NOMINEES).await;
    let st = &v.s.stack;
    // R-POLL-DAY: not before election day.
    let (status, problem) = st
        .post(
            &format!("/api/v1/contests/{}/polls", v.s.contest),
            Some(&v.s.officer),
            &json!({"mode": "electronic"}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("poll.not_election_day")
        ),
        "{problem}"
    );
    v.s.advance("2024-05-24T09:00:00+08:00").await;
    let poll = v.open("electronic").await;
    let p = id(&poll);
    assert_eq!(poll["round"], 1);
    assert_eq!(poll["electorate"], 12, "the twelve adults of the register");
    assert_eq!(
        position(&poll, "member")["candidates"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    // One poll at a time.
    let (status, problem) = st
        .post(
            &format!("/api/v1/contests/{}/polls", v.s.contest),
            Some(&v.s.officer),
            &json!({"mode": "paper"}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("poll.already_open"))
    );

    // R-CAND-STAFF: a candidate cannot count.
    let staff_path = format!("/api/v1/polls/{p}/staff");
    let r = st
        .http
        .put(st.url(&staff_path))
        .bearer_auth(&v.s.officer)
        .json(&json!({"chair": {"name": "甲一"}, "tellers": [{"name": "某人", "voter_id": v.s.voter("甲九")}]}))
        .send()
        .await
        .expect("staff");
    let (status, problem) = juxuan_tests::decode(r).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "poll.candidate_on_staff");
    assert_eq!(problem["errors"][0]["field"], "tellers[0]");
    let staff = json!({"chair": {"name": "甲一"}, "chief_scrutineer": {"name": "甲二"},
        "scrutineers": [{"name": "甲三"}], "tellers": [{"name": "甲四"}], "callers": [{"name": "五十五"}]});
    let r = st
        .http
        .put(st.url(&staff_path))
        .bearer_auth(&v.s.officer)
        .json(&staff)
        .send()
        .await
        .expect("staff");
    let (status, body) = juxuan_tests::decode(r).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Check-in: the electorate only, once.
    let (status, problem) = v.check_in(&p, &v.s.voter("少年")).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("poll.not_in_electorate")
        )
    );
    let (status, issued) = v.check_in(&p, &v.s.voter("甲一")).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let token = issued["ballot_token"].as_str().expect("token").to_owned();
    assert!(token.len() >= 43, "256 random bits");
    let (status, problem) = v.check_in(&p, &v.s.voter("甲一")).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("poll.already_checked_in"))
    );
    // Only a terminal casts.
    let (status, _) = st
        .post(
            &format!("/api/v1/polls/{p}/ballots"),
            Some(&v.s.officer),
            &json!({"ballot_token": token, "choices": []}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (d9, d10) = (v.candidate("甲九"), v.candidate("甲十"));
    let (m6, m7) = (v.candidate("甲六"), v.candidate("甲七"));
    // An over-vote on a terminal is refused and the token stays unspent.
    let (status, problem) = v
        .cast(&p, &token, marks(&[&d9], &[&m6, &m7], &["甲五"]))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("ballot.too_many_choices")
        )
    );
    let (status, first) = v.cast(&p, &token, marks(&[&d9], &[&m6], &["甲五"])).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, problem) = v.cast(&p, &token, marks(&[&d9], &[], &[])).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("ballot.token_spent"))
    );
    let (status, problem) = v
        .cast(
            &p,
            "not-a-token-anyone-was-given",
            marks::<&str>(&[], &[], &[]),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("ballot.token_unknown")
        )
    );

    // Seven more: 8 ballots in all. Director: 甲九 5, 甲十 3. Members: 甲六 8, write-in 甲五 5,
    // 甲七 2, and 路人甲 (on no register) 1.
    let ballots = [
        ("甲二", marks(&[&d9], &[&m6], &["甲五"])),
        ("甲三", marks(&[&d9], &[&m6], &["甲 五"])),
        ("甲四", marks(&[&d9], &[&m6], &["甲五"])),
        ("甲五", marks(&[&d9], &[&m6], &["甲五"])),
        ("甲六", marks(&[&d10], &[&m6, &m7], &[])),
        ("甲七", marks(&[&d10], &[&m6, &m7], &[])),
        ("甲八", marks(&[&d10], &[&m6], &["路人甲"])),
    ];
    let mut receipts = vec![first["receipt"].as_str().expect("receipt").to_owned()];
    for (voter, choices) in ballots {
        receipts.push(v.vote(&p, voter, choices).await);
    }
    let (_, live) = st
        .get(&format!("/api/v1/polls/{p}"), Some(&v.s.officer))
        .await;
    assert_eq!(
        (
            live["checked_in"].as_u64(),
            live["ballots_returned"].as_u64()
        ),
        (Some(8), Some(8)),
        "{live}"
    );
    // Ballots are not listed while the poll is open.
    let (status, _) = st
        .get(&format!("/api/v1/polls/{p}/ballots"), Some(&v.s.officer))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    let tally = v.close(&p).await;
    assert_eq!(tally["valid"], true, "{tally}");
    assert_eq!(tally["failure"], Value::Null);
    for (field, n) in [
        ("electorate", 12),
        ("checked_in", 8),
        ("ballots_issued", 8),
        ("ballots_returned", 8),
        ("valid_ballots", 8),
        ("invalid_ballots", 0),
    ] {
        assert_eq!(tally[field], n, "{field}: {tally}");
    }
    assert_eq!(votes(&tally, "director", "甲九"), (5, true));
    assert_eq!(votes(&tally, "director", "甲十"), (3, false));
    assert_eq!(votes(&tally, "member", "甲六"), (8, true));
    assert_eq!(
        votes(&tally, "member", "甲五"),
        (5, true),
        "the write-in is elected"
    );
    assert_eq!(votes(&tally, "member", "甲七"), (2, false));
    assert_eq!(votes(&tally, "member", "路人甲"), (1, false));
    let stranger = position(&tally, "member")["write_ins"]
        .as_array()
        .and_then(|w| w.iter().find(|w| w["name"] == "路人甲"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(stranger["registered"], false, "{stranger}");
    assert_eq!(position(&tally, "member")["threshold_votes"], 5);
    assert_eq!(position(&tally, "member")["next_round"], Value::Null);
    assert_eq!(tally["staff"]["chair"]["name"], "甲一");
    assert!(
        tally["ballots_digest"]
            .as_str()
            .is_some_and(|d| d.starts_with("sha256:"))
    );
    assert!(
        !tally.to_string().contains("\"person\""),
        "no pseudonymous keys in the API"
    );

    // After close: the anonymous list with every receipt, no more check-ins, no next round.
    let (status, list) = st
        .get(&format!("/api/v1/polls/{p}/ballots"), Some(&v.s.officer))
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    // A recount of the listed ballots gives the tally's votes.
    let recount = |position: &str, id: &str| {
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|b| {
                b["choices"].as_array().is_some_and(|cs| {
                    cs.iter().any(|c| {
                        c["position"] == position
                            && c["candidate_ids"]
                                .as_array()
                                .is_some_and(|ids| ids.iter().any(|x| x == id))
                    })
                })
            })
            .count() as u64
    };
    assert_eq!(
        recount("director", &d9),
        votes(&tally, "director", "甲九").0
    );
    assert_eq!(
        recount("director", &d10),
        votes(&tally, "director", "甲十").0
    );
    assert_eq!(recount("member", &m6), votes(&tally, "member", "甲六").0);
    assert_eq!(recount("member", &m7), votes(&tally, "member", "甲七").0);
    let mut listed: Vec<String> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|b| b["receipt"].as_str().expect("receipt").to_owned())
        .collect();
    listed.sort();
    receipts.sort();
    assert_eq!(listed, receipts);
    let (status, problem) = v.check_in(&p, &v.s.voter("甲九")).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("poll.closed"))
    );
    let (status, problem) = st
        .post(
            &format!("/api/v1/contests/{}/polls", v.s.contest),
            Some(&v.s.officer),
            &json!({"mode": "electronic"}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("poll.no_round_due"))
    );

    // R-ANNOUNCE: the result is fixed, numbered and certified.
    let announce = format!("/api/v1/contests/{}/result:announce", v.s.contest);
    let (status, result) = st.post(&announce, Some(&v.s.officer), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{result}");
    let elected: Vec<(String, String)> = result["elected"]
        .as_array()
        .expect("elected")
        .iter()
        .map(|e| {
            (
                e["name"].as_str().expect("name").to_owned(),
                e["certificate_no"].as_str().expect("no").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        elected.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["甲九", "甲六", "甲五"]
    );
    assert!(elected.iter().all(|(_, no)| no.starts_with("2024-")
        && no.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')));
    let (status, problem) = st.post(&announce, Some(&v.s.officer), &json!({})).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("result.already_announced"))
    );
    let (status, again) = st
        .get(
            &format!("/api/v1/contests/{}/result", v.s.contest),
            Some(&v.s.officer),
        )
        .await;
    assert_eq!(
        (status, &again["elected"]),
        (StatusCode::OK, &result["elected"])
    );

    let (name, no) = &elected[0];
    let r = st
        .http
        .get(st.url(&format!(
            "/api/v1/contests/{}/certificates/{no}",
            v.s.contest
        )))
        .bearer_auth(&v.s.officer)
        .send()
        .await
        .expect("certificate");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains("drill-certificate-")
    );
    let pdf = r.bytes().await.expect("pdf");
    let text = pdf_text(&pdf);
    for expected in [name.as_str(), "当选证书", "演练", "主任", no.as_str()] {
        assert!(
            text.contains(expected),
            "{expected} not in the certificate: {text}"
        );
    }
    let (status, _) = st
        .get(
            &format!("/api/v1/contests/{}/certificates/2024-X-9999", v.s.contest),
            Some(&v.s.officer),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The nomination service learns where the contest stands from the ballot service's events.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (_, contest) = st
            .get(
                &format!("/api/v1/contests/{}", v.s.contest),
                Some(&v.s.officer),
            )
            .await;
        if contest["status"] == "announced" {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "contest status: {contest}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // Events: opened, closed, announced.
    for event in ["PollOpened", "PollClosed", "ResultAnnounced"] {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM ballot.outbox WHERE event_type = $1")
            .bind(format!("juxuan.ballot.v1.{event}"))
            .fetch_one(&st.pool)
            .await
            .expect("outbox");
        assert_eq!(n, 1, "{event}");
    }
}

/// The text of a PDF, by poppler's pdftotext.
fn pdf_text(pdf: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("juxuan-pdf-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("doc.pdf");
    std::fs::write(&file, pdf).expect("write pdf");
    let out = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8_lossy(&out.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn r_quorum_exactly_half_of_the_electorate_fails_the_round_and_the_contest() {
    let v = venue().await;
    let poll = v.open("electronic").await;
    let p = id(&poll);
    let d9 = v.candidate("甲九");
    // 6 of 12: not more than half.
    for voter in ["甲一", "甲二", "甲三", "甲四", "甲五", "甲六"] {
        v.vote(&p, voter, marks(&[&d9], &[], &[])).await;
    }
    let tally = v.close(&p).await;
    assert_eq!(
        (tally["valid"].as_bool(), tally["failure"].as_str()),
        (Some(false), Some("quorum_not_met")),
        "{tally}"
    );
    assert_eq!(position(&tally, "director")["next_round"], Value::Null);
    let st = &v.s.stack;
    let (status, problem) = st
        .post(
            &format!("/api/v1/contests/{}/polls", v.s.contest),
            Some(&v.s.officer),
            &json!({"mode": "electronic"}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("poll.no_round_due"))
    );
    let (status, result) = st
        .post(
            &format!("/api/v1/contests/{}/result:announce", v.s.contest),
            Some(&v.s.officer),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(
        (
            result["status"].as_str(),
            result["elected"].as_array().map(Vec::len)
        ),
        (Some("failed"), Some(0))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn r_tie_break_round_then_announced_across_rounds() {
    let v = venue().await;
    let st = &v.s.stack;
    let p = id(&v.open("electronic").await);
    let (d9, m6, m7, m8) = (
        v.candidate("甲九"),
        v.candidate("甲六"),
        v.candidate("甲七"),
        v.candidate("甲八"),
    );
    // 10 ballots, threshold 6: 甲六 8, 甲七 6, 甲八 6 tie above the threshold for one seat.
    let voters = [
        "甲一", "甲二", "甲三", "甲四", "甲五", "甲六", "甲七", "甲八", "甲九", "甲十",
    ];
    for (i, voter) in voters.iter().enumerate() {
        let members = match i {
            0..=3 => vec![&m6, &m7],
            4..=7 => vec![&m6, &m8],
            _ => vec![&m7, &m8],
        };
        v.vote(&p, voter, marks(&[&d9], &members, &[])).await;
    }
    let tally = v.close(&p).await;
    assert_eq!(votes(&tally, "member", "甲六"), (8, true), "{tally}");
    assert_eq!(votes(&tally, "member", "甲七"), (6, false));
    assert_eq!(votes(&tally, "member", "甲八"), (6, false));
    assert_eq!(position(&tally, "member")["next_round"], "tie_break");
    assert_eq!(position(&tally, "director")["next_round"], Value::Null);
    // The result cannot be announced while a round is due.
    let (status, problem) = st
        .post(
            &format!("/api/v1/contests/{}/result:announce", v.s.contest),
            Some(&v.s.officer),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("result.not_ready"))
    );

    // Round 2: only the member position, only the tied, one seat; every elector again.
    let round2 = v.open("electronic").await;
    assert_eq!(round2["round"], 2);
    let positions = round2["positions"].as_array().expect("positions");
    assert_eq!(positions.len(), 1, "{round2}");
    assert_eq!(
        (
            positions[0]["kind"].as_str(),
            positions[0]["seats"].as_u64()
        ),
        (Some("tie_break"), Some(1))
    );
    let names: Vec<&str> = positions[0]["candidates"]
        .as_array()
        .expect("c")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["甲七", "甲八"]);
    let p2 = id(&round2);
    for (i, voter) in voters.iter().take(8).enumerate() {
        let pick = if i < 5 { &m7 } else { &m8 };
        let (status, issued) = v.check_in(&p2, &v.s.voter(voter)).await;
        assert_eq!(status, StatusCode::CREATED, "{issued}");
        let (status, body) = v
            .cast(
                &p2,
                issued["ballot_token"].as_str().expect("token"),
                json!([{"position": "member", "candidate_ids": [pick]}]),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let tally2 = v.close(&p2).await;
    assert_eq!(votes(&tally2, "member", "甲七"), (5, true), "{tally2}");
    let (status, result) = st
        .post(
            &format!("/api/v1/contests/{}/result:announce", v.s.contest),
            Some(&v.s.officer),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{result}");
    let elected: Vec<(&str, u64)> = result["elected"]
        .as_array()
        .expect("e")
        .iter()
        .map(|e| {
            (
                e["name"].as_str().expect("n"),
                e["round"].as_u64().expect("r"),
            )
        })
        .collect();
    assert_eq!(elected, [("甲九", 1), ("甲六", 1), ("甲七", 2)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn r_additional_an_additional_election_is_won_with_one_third_of_the_ballots() {
    let v = venue().await;
    let p = id(&v.open("electronic").await);
    let (d9, m6, m7, m8) = (
        v.candidate("甲九"),
        v.candidate("甲六"),
        v.candidate("甲七"),
        v.candidate("甲八"),
    );
    // 9 ballots, threshold 5: 甲六 9 elected; 甲七 4, 甲八 3: one seat unfilled.
    let voters = [
        "甲一", "甲二", "甲三", "甲四", "甲五", "甲六", "甲七", "甲八", "甲九",
    ];
    for (i, voter) in voters.iter().enumerate() {
        let members = match i {
            0..=3 => vec![&m6, &m7],
            4..=6 => vec![&m6, &m8],
            _ => vec![&m6],
        };
        v.vote(&p, voter, marks(&[&d9], &members, &[])).await;
    }
    let tally = v.close(&p).await;
    let member = position(&tally, "member");
    assert_eq!(
        (
            member["unfilled_seats"].as_u64(),
            member["next_round"].as_str()
        ),
        (Some(1), Some("additional_election")),
        "{tally}"
    );
    let round2 = v.open("paper").await;
    assert_eq!(round2["positions"][0]["kind"], "additional_election");
    let p2 = id(&round2);
    // 9 paper ballots: 甲七 3 (exactly one third), 甲八 2, 4 blank.
    for voter in voters {
        let (status, issued) = v.check_in(&p2, &v.s.voter(voter)).await;
        assert_eq!(
            (status, issued["ballot_issued"].as_bool()),
            (StatusCode::CREATED, Some(true)),
            "{issued}"
        );
    }
    for i in 0..9 {
        let choices = match i {
            0..=2 => json!([{"position": "member", "candidate_ids": [m7]}]),
            3..=4 => json!([{"position": "member", "candidate_ids": [m8]}]),
            _ => json!([]),
        };
        let (status, entry) =
            v.s.stack
                .post(
                    &format!("/api/v1/polls/{p2}/paper-ballots"),
                    Some(&v.teller),
                    &json!({"choices": choices}),
                )
                .await;
        assert_eq!(
            (status, entry["valid"].as_bool()),
            (StatusCode::CREATED, Some(true)),
            "{entry}"
        );
    }
    let tally2 = v.close(&p2).await;
    assert_eq!(
        position(&tally2, "member")["threshold_votes"],
        3,
        "⌈9/3⌉: {tally2}"
    );
    assert_eq!(votes(&tally2, "member", "甲七"), (3, true));
    assert_eq!(votes(&tally2, "member", "甲八"), (2, false));
}

#[tokio::test(flavor = "multi_thread")]
async fn r_ballot_valid_paper_ballots_an_invalid_one_and_never_more_than_issued() {
    let v = venue().await;
    let st = &v.s.stack;
    let p = id(&v.open("paper").await);
    let (d9, d10, m6, m7, m8) = (
        v.candidate("甲九"),
        v.candidate("甲十"),
        v.candidate("甲六"),
        v.candidate("甲七"),
        v.candidate("甲八"),
    );
    let voters = [
        "甲一", "甲二", "甲三", "甲四", "甲五", "甲六", "甲七", "甲八",
    ];
    for voter in voters {
        let (status, issued) = v.check_in(&p, &v.s.voter(voter)).await;
        assert_eq!(status, StatusCode::CREATED, "{issued}");
        assert!(
            issued.get("ballot_token").is_none(),
            "paper mode hands out paper, not a token"
        );
    }
    let paper = format!("/api/v1/polls/{p}/paper-ballots");
    // A terminal or an officer does not enter paper ballots; a teller does.
    let (status, _) = st
        .post(&paper, Some(&v.s.officer), &json!({"choices": []}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for i in 0..6 {
        let director = if i < 4 { &d9 } else { &d10 };
        let (status, entry) = st
            .post(
                &paper,
                Some(&v.teller),
                &json!({"choices": marks(&[director], &[&m6, &m7], &[])}),
            )
            .await;
        assert_eq!(
            (status, entry["valid"].as_bool()),
            (StatusCode::CREATED, Some(true)),
            "{entry}"
        );
    }
    // Over-voted in both positions: invalid, with the reason; and a spoiled paper.
    let (status, entry) = st
        .post(
            &paper,
            Some(&v.teller),
            &json!({"choices": marks(&[&d9, &d10], &[&m6, &m7, &m8], &[])}),
        )
        .await;
    assert_eq!(
        (status, entry["valid"].as_bool()),
        (StatusCode::CREATED, Some(false)),
        "{entry}"
    );
    assert!(entry["reason"].as_str().is_some_and(|r| !r.is_empty()));
    let (status, entry) = st
        .post(
            &paper,
            Some(&v.teller),
            &json!({"choices": [], "spoiled": true}),
        )
        .await;
    assert_eq!(
        (status, entry["valid"].as_bool()),
        (StatusCode::CREATED, Some(false)),
        "{entry}"
    );
    // The ninth is one more than issued.
    let (status, problem) = st
        .post(&paper, Some(&v.teller), &json!({"choices": []}))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("poll.more_ballots_than_issued"))
    );
    // A slip of the teller's is taken back while the poll is open (the teller only), and the
    // paper entered again; an unknown ballot is 404.
    let withdraw = |token: &str, ballot: &str| {
        let url = st.url(&format!("{paper}/{ballot}"));
        let token = token.to_owned();
        async move {
            st.http
                .delete(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("delete")
                .status()
        }
    };
    let spoiled = entry["id"].as_str().expect("id").to_owned();
    assert_eq!(
        withdraw(&v.s.officer, &spoiled).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(withdraw(&v.teller, &spoiled).await, StatusCode::NO_CONTENT);
    assert_eq!(withdraw(&v.teller, &spoiled).await, StatusCode::NOT_FOUND);
    let (_, live) = st
        .get(&format!("/api/v1/polls/{p}"), Some(&v.s.officer))
        .await;
    assert_eq!(live["ballots_returned"], 7, "{live}");
    let (status, entry) = st
        .post(
            &paper,
            Some(&v.teller),
            &json!({"choices": [], "spoiled": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{entry}");
    let last = entry["id"].as_str().expect("id").to_owned();
    // The box count must match what was entered.
    let (status, problem) = st
        .post(
            &format!("/api/v1/polls/{p}:close"),
            Some(&v.s.officer),
            &json!({"ballots_returned": 7}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("poll.ballots_not_all_entered"))
    );
    let tally = v.close(&p).await;
    for (field, n) in [
        ("ballots_issued", 8),
        ("ballots_returned", 8),
        ("valid_ballots", 6),
        ("invalid_ballots", 2),
    ] {
        assert_eq!(tally[field], n, "{field}: {tally}");
    }
    assert_eq!(
        votes(&tally, "director", "甲九"),
        (4, false),
        "4 of 8 is not more than half"
    );
    assert_eq!(votes(&tally, "member", "甲六"), (6, true));
    // Counted ballots stay.
    let url = st.url(&format!("{paper}/{last}"));
    let r = st
        .http
        .delete(url)
        .bearer_auth(&v.teller)
        .send()
        .await
        .expect("delete");
    let (status, problem) = juxuan_tests::decode(r).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("poll.closed"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn r_returned_more_ballots_in_the_box_than_issued_voids_the_round_for_a_revote() {
    let v = venue().await;
    let p = id(&v.open("paper").await);
    for voter in ["甲一", "甲二", "甲三", "甲四", "甲五", "甲六", "甲七"] {
        let (status, _) = v.check_in(&p, &v.s.voter(voter)).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, tally) =
        v.s.stack
            .post(
                &format!("/api/v1/polls/{p}:close"),
                Some(&v.s.officer),
                &json!({"ballots_returned": 8}),
            )
            .await;
    assert_eq!(status, StatusCode::OK, "{tally}");
    assert_eq!(
        (
            tally["failure"].as_str(),
            position(&tally, "director")["next_round"].as_str()
        ),
        (Some("more_ballots_than_issued"), Some("revote"))
    );
    let again = v.open("paper").await;
    assert_eq!(
        (
            again["round"].as_u64(),
            again["positions"].as_array().map(Vec::len)
        ),
        (Some(2), Some(2)),
        "the same ballot again"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn r_poll_day_concurrent_check_ins_and_casts_one_wins() {
    let v = venue().await;
    let p = id(&v.open("electronic").await);
    let voter = v.s.voter("甲一");
    let attempts = futures::future::join_all((0..16).map(|_| v.check_in(&p, &voter))).await;
    let won: Vec<&Value> = attempts
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(won.len(), 1, "{attempts:?}");
    assert!(
        attempts
            .iter()
            .all(|(s, b)| *s == StatusCode::CREATED || b["code"] == "poll.already_checked_in")
    );
    let token = won[0]["ballot_token"].as_str().expect("token").to_owned();
    let d9 = v.candidate("甲九");
    let casts =
        futures::future::join_all((0..16).map(|_| v.cast(&p, &token, marks(&[&d9], &[], &[]))))
            .await;
    assert_eq!(
        casts
            .iter()
            .filter(|(s, _)| *s == StatusCode::CREATED)
            .count(),
        1,
        "{casts:?}"
    );
    assert!(
        casts
            .iter()
            .all(|(s, b)| *s == StatusCode::CREATED || b["code"] == "ballot.token_spent")
    );
    let tally = v.close(&p).await;
    assert_eq!(
        (
            tally["checked_in"].as_u64(),
            tally["ballots_returned"].as_u64()
        ),
        (Some(1), Some(1))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn r_poll_day_round_one_waits_for_election_day_and_outsiders_are_refused() {
    let s = Setup::start().await;
    let v = s.venue(NOMINEES).await;
    let st = &v.s.stack;
    v.s.advance("2024-05-24T09:00:00+08:00").await;
    // Another community's officer: 403; an observer reads but does not open.
    let other = st
        .officer(
            &v.s.a.admin,
            "beiyuan.officer",
            "community_officer",
            &v.s.a.other_community,
        )
        .await;
    let polls = format!("/api/v1/contests/{}/polls", v.s.contest);
    let (status, _) = st
        .post(&polls, Some(&other), &json!({"mode": "electronic"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, problem) = st
        .post(&polls, Some(&v.s.officer), &json!({"mode": "postal"}))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("request.invalid_value"))
    );
    assert!(codes(&problem).contains(&"request.invalid_value".to_owned()));
    let (status, list) = st.get(&polls, Some(&v.s.officer)).await;
    assert_eq!(
        (status, list["items"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(0))
    );
}
