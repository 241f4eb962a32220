//! Reporting's progress read model (API.md `GET /elections/{id}/progress`): built from every
//! service's events, judged on the election's clock, scoped to the caller's area, lagging a
//! write by under a second, and rebuilt from the outboxes to the same figures.

use std::time::{Duration, Instant};

use juxuan_tests::fixtures::{NOMINEES, Setup, marks};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn contest<'a>(progress: &'a Value, id: &str) -> Option<&'a Value> {
    progress["streets"]
        .as_array()?
        .iter()
        .flat_map(|s| s["contests"].as_array().into_iter().flatten())
        .find(|c| c["contest_id"] == id)
}

/// Polls the progress until `ready` holds; the time it took.
async fn until(s: &Setup, token: &str, ready: impl Fn(&Value) -> bool) -> (Value, Duration) {
    let started = Instant::now();
    loop {
        let (status, p) = s
            .stack
            .get(
                &format!("/api/v1/elections/{}/progress", s.election),
                Some(token),
            )
            .await;
        // Just after the set-up the election may not be projected yet (404): wait for it.
        if status != StatusCode::NOT_FOUND {
            assert_eq!(status, StatusCode::OK, "{p}");
            if ready(&p) {
                return (p, started.elapsed());
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "progress never got there: {p}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn without_as_of(mut p: Value) -> Value {
    p["as_of"] = Value::Null;
    p
}

#[tokio::test(flavor = "multi_thread")]
async fn progress_follows_every_service_judges_lateness_and_rebuilds_identically() {
    let s = Setup::start().await;
    // A second contest, in the other street's community, that nobody works on.
    let idle = s
        .stack
        .create(
            &format!("/api/v1/elections/{}/contests", s.election),
            &s.a.admin,
            json!({
            "community_id": s.a.other_community, "election_day": "2024-05-24",
            "positions": [{"position": "member", "seats": 1}]}),
        )
        .await;
    let main = s.contest.clone();
    let admin = s.a.admin.clone();
    let (p, _) = until(&s, &admin, |p| p["contests_total"] == 2).await;
    assert_eq!(p["by_status"], json!({"nominating": 2}), "{p}");
    assert_eq!(p["drill"], true);
    assert_eq!(p["late_total"], 0);
    assert_eq!(contest(&p, &main).expect("main")["community"], "南岭社区");

    let v = s.venue(NOMINEES).await;
    let s = &v.s;
    let st = &s.stack;
    let (p, _) = until(s, &admin, |p| {
        contest(p, &main).is_some_and(|c| c["status"] == "published")
    })
    .await;
    let c = contest(&p, &main).expect("main");
    assert_eq!(
        (c["nominations"].as_u64(), c["electorate"].as_u64()),
        (Some(5), Some(12)),
        "{c}"
    );
    assert!(c["list_published_at"].is_string() && c["electorate_published_at"].is_string());

    // Two days before election day: the idle contest has no candidates and no list.
    s.advance("2024-05-22T09:00:00+08:00").await;
    let (p, _) = until(s, &admin, |p| p["today"] == "2024-05-22").await;
    let late = &contest(&p, &idle).expect("idle")["late"];
    assert_eq!(late, &json!(["no_candidates", "list_not_published"]), "{p}");
    assert_eq!(contest(&p, &main).expect("main")["late"], json!([]));
    assert_eq!(p["late_total"], 1);

    // Election day, no poll yet: late; then each step shows within a second.
    s.advance("2024-05-24T09:00:00+08:00").await;
    let (p, _) = until(s, &admin, |p| p["today"] == "2024-05-24").await;
    assert_eq!(
        contest(&p, &main).expect("main")["late"],
        json!(["poll_not_opened"])
    );
    let mut lags = Vec::new();
    let poll = v.open("electronic").await;
    let (_, lag) = until(s, &admin, |p| {
        contest(p, &main).is_some_and(|c| c["status"] == "polling")
    })
    .await;
    lags.push(lag);
    let p_id = poll["id"].as_str().expect("id").to_owned();
    let (d9, m6, m7) = (
        v.candidate("甲九"),
        v.candidate("甲六"),
        v.candidate("甲七"),
    );
    for voter in [
        "甲一", "甲二", "甲三", "甲四", "甲五", "甲六", "甲七", "甲八",
    ] {
        v.vote(&p_id, voter, marks(&[&d9], &[&m6, &m7], &[])).await;
    }
    v.close(&p_id).await;
    let (_, lag) = until(s, &admin, |p| {
        contest(p, &main).is_some_and(|c| c["status"] == "counted")
    })
    .await;
    lags.push(lag);
    let (status, result) = st
        .post(
            &format!("/api/v1/contests/{main}/result:announce"),
            Some(&s.officer),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{result}");
    let (p, lag) = until(s, &admin, |p| {
        contest(p, &main).is_some_and(|c| c["status"] == "announced")
    })
    .await;
    lags.push(lag);
    let c = contest(&p, &main).expect("main");
    assert_eq!(c["elected"], 3, "{c}");
    assert!(c["announced_at"].is_string());
    println!("progress lag after a write: {lags:?}");
    assert!(
        lags.iter().all(|l| *l < Duration::from_secs(1)),
        "progress lagged: {lags:?}"
    );

    // A community officer sees its own community only.
    let (_, own) = st
        .get(
            &format!("/api/v1/elections/{}/progress", s.election),
            Some(&s.officer),
        )
        .await;
    assert_eq!(own["contests_total"], 1, "{own}");
    assert!(contest(&own, &idle).is_none());

    // Rebuilt from the outboxes: the same figures.
    let before = without_as_of(p);
    let applied = juxuan_reporting::projections::rebuild(&st.pool)
        .await
        .expect("rebuild");
    assert!(applied > 20, "{applied} events replayed");
    let (after, _) = until(s, &admin, |_| true).await;
    assert_eq!(without_as_of(after), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn r_report_the_report_form_as_json_and_csv_and_its_filings_in_versions() {
    let v = Setup::start().await.venue(NOMINEES).await;
    let s = &v.s;
    let st = &s.stack;
    s.advance("2024-05-24T09:00:00+08:00").await;
    let report = format!("/api/v1/contests/{}/report", s.contest);
    let poll = v.open("electronic").await;
    let p = poll["id"].as_str().expect("id").to_owned();
    let (d9, d10, m6, m7) = (
        v.candidate("甲九"),
        v.candidate("甲十"),
        v.candidate("甲六"),
        v.candidate("甲七"),
    );
    for (i, voter) in [
        "甲一", "甲二", "甲三", "甲四", "甲五", "甲六", "甲七", "甲八",
    ]
    .iter()
    .enumerate()
    {
        let director = if i < 6 { &d9 } else { &d10 };
        v.vote(&p, voter, marks(&[director], &[&m6, &m7], &[]))
            .await;
    }
    v.close(&p).await;
    // Not before the announcement.
    let (status, problem) = st.get(&report, Some(&s.officer)).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("report.not_ready")),
        "{problem}"
    );
    let (status, _) = st
        .post(
            &format!("/api/v1/contests/{}/result:announce", s.contest),
            Some(&s.officer),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let deadline = Instant::now() + Duration::from_secs(20);
    let form = loop {
        let (status, form) = st.get(&report, Some(&s.officer)).await;
        if status == StatusCode::OK {
            break form;
        }
        assert!(Instant::now() < deadline, "{form}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    for (field, n) in [
        ("electorate", 12),
        ("checked_in", 8),
        ("ballots_issued", 8),
        ("ballots_returned", 8),
        ("valid_ballots", 8),
        ("invalid_ballots", 0),
    ] {
        assert_eq!(form[field], n, "{field}: {form}");
    }
    assert_eq!(
        (
            form["community"].as_str(),
            form["street"].as_str(),
            form["drill"].as_bool()
        ),
        (Some("南岭社区"), Some("城南街道"), Some(true))
    );
    assert_eq!(form["rounds"].as_array().map(Vec::len), Some(1));
    assert!(
        form["ballot_fingerprint"]
            .as_str()
            .is_some_and(|f| f.starts_with("sha256:"))
    );
    assert!(
        form["ballots_digest"]
            .as_str()
            .is_some_and(|f| f.starts_with("sha256:"))
    );
    let director = form["elected"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["name"] == "甲九"))
        .cloned()
        .unwrap_or_default();
    // 甲九: born 1980-01-09, 44 on election day; a bachelor and a party member (fixtures).
    assert_eq!(director["position"], "director", "{form}");
    assert_eq!(
        (
            director["age"].as_u64(),
            director["education"].as_str(),
            director["party_member"].as_bool()
        ),
        (Some(44), Some("bachelor"), Some(true)),
        "{director}"
    );
    assert!(director["gender"].is_string() && director["certificate_no"].is_string());

    let r = st
        .http
        .get(st.url(&report))
        .bearer_auth(&s.officer)
        .header("accept", "text/csv")
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), StatusCode::OK);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        disposition.contains("drill-report.csv") && disposition.contains("%E6%BC%94%E7%BB%83"),
        "演练 in the file name: {disposition}"
    );
    let csv = r.text().await.expect("text");
    for expected in ["收回选票,8", "甲九", "甲十", "当选人,职位", "是"] {
        assert!(csv.contains(expected), "{expected} not in {csv}");
    }

    // Filing: version 1; the same form again is refused; a changed form needs a reason.
    let file = format!("/api/v1/contests/{}/report:file", s.contest);
    let (status, first) = st
        .post(&file, Some(&s.officer), &json!({"to": "street"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(
        (first["version"].as_u64(), first["drill"].as_bool()),
        (Some(1), Some(true))
    );
    assert!(
        first["filed_at"]
            .as_str()
            .is_some_and(|t| t.starts_with("2024-05-24T09:")),
        "the drill's clock: {first}"
    );
    let (status, problem) = st
        .post(&file, Some(&s.officer), &json!({"to": "street"}))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("report.already_filed"))
    );
    // A correction of the source (the community's name was misspelt) changes the form.
    sqlx::query(
        "UPDATE reporting.contests SET community = '南岭社区（更正）' WHERE contest_id = $1::uuid",
    )
    .bind(&s.contest)
    .execute(&st.pool)
    .await
    .expect("correct");
    let (status, problem) = st
        .post(&file, Some(&s.officer), &json!({"to": "street"}))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("report.reason_required")),
        "{problem}"
    );
    let (status, second) = st
        .post(
            &file,
            Some(&s.officer),
            &json!({"to": "street", "reason": "社区名称更正"}),
        )
        .await;
    assert_eq!(
        (status, second["version"].as_u64()),
        (StatusCode::CREATED, Some(2)),
        "{second}"
    );
    assert_ne!(first["digest"], second["digest"]);
    let (status, _) = st
        .post(&file, Some(&s.officer), &json!({"to": "district"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, filings) = st
        .get(
            &format!("/api/v1/elections/{}/filings", s.election),
            Some(&s.a.admin),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{filings}");
    let items: Vec<(String, u64, bool)> = filings["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|f| {
            (
                f["to"].as_str().unwrap_or_default().to_owned(),
                f["version"].as_u64().unwrap_or(0),
                f["drill"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            ("district".to_owned(), 1, true),
            ("street".to_owned(), 1, true),
            ("street".to_owned(), 2, true)
        ]
    );
    // A teller cannot file.
    let (status, _) = st
        .post(&file, Some(&v.teller), &json!({"to": "district"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Under load: eight officers' clients submit 48 nominations at once while the progress is
/// watched; the k-th acknowledged nomination must show (standing nominations ≥ k) within a
/// second of its acknowledgement.
#[tokio::test(flavor = "multi_thread")]
async fn progress_lags_writes_by_under_a_second_under_load() {
    use juxuan_tests::fixtures::{joint, registered};
    let mut s = Setup::start().await;
    let nominees = s.add_voters(48).await;
    let s = std::sync::Arc::new(s);
    let admin = s.a.admin.clone();
    let main = s.contest.clone();
    until(&s, &admin, |p| p["contests_total"] == 1).await;
    let started = Instant::now();
    let acks = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let writers: Vec<_> = nominees
        .chunks(6)
        .map(|chunk| {
            let (s, acks, chunk) = (s.clone(), acks.clone(), chunk.to_vec());
            tokio::spawn(async move {
                for nominee in chunk {
                    let body = joint("member", &s.ten(), registered(&nominee));
                    let (status, n) = s.nominate(&s.officer, &body).await;
                    assert_eq!(status, StatusCode::CREATED, "{n}");
                    acks.lock().expect("acks").push(started.elapsed());
                }
            })
        })
        .collect();
    // Watch: when each count was first seen.
    let mut seen_at: Vec<Duration> = Vec::new();
    while seen_at.len() < nominees.len() {
        let (status, p) = s
            .stack
            .get(
                &format!("/api/v1/elections/{}/progress", s.election),
                Some(&admin),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{p}");
        let standing = contest(&p, &main)
            .and_then(|c| c["nominations"].as_u64())
            .unwrap_or(0) as usize;
        while seen_at.len() < standing.min(nominees.len()) {
            seen_at.push(started.elapsed());
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "progress never caught up: {standing} of {}",
            nominees.len()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for w in writers {
        w.await.expect("writer");
    }
    let mut acks = acks.lock().expect("acks").clone();
    acks.sort();
    let lags: Vec<Duration> = acks
        .iter()
        .zip(&seen_at)
        .map(|(ack, seen)| seen.saturating_sub(*ack))
        .collect();
    let worst = lags.iter().max().copied().unwrap_or_default();
    let mut sorted = lags.clone();
    sorted.sort();
    let p50 = sorted[sorted.len() / 2];
    let rate = acks.len() as f64 / acks.last().copied().unwrap_or_default().as_secs_f64();
    println!(
        "progress lag under load: {} nominations at {rate:.0}/s, p50 {p50:?}, max {worst:?}",
        acks.len()
    );
    assert!(worst < Duration::from_secs(1), "lags: {lags:?}");
}
