//! Personal data after the term (docs/operations.md, "Personal data: retention and erasure"):
//! once a committee's term has ended (R-TERM) and the bureau's retention period has passed,
//! the voters' personal data is pseudonymised in the nomination and ballot services, for good;
//! results, report forms, tallies, ballots and candidate lists stay exactly as they were, and
//! the audit chains record the erasure and still verify.
//!
//! The venue: the drill by-election of the fixtures (election day 2024-05-24, no `term_ends_on`,
//! so the term ends on 2029-05-24), 8 of its 12 electors voting.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use juxuan_platform::audit::AuditLog;
use juxuan_tests::fixtures::{NOMINEES, REGISTER, Setup, Venue, id_of, marks};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

/// Plays the drill to an announced result: 8 of 12 electors vote, 甲九 director. The poll's id.
async fn announced() -> (Venue, String) {
    let v = Setup::start().await.venue(NOMINEES).await;
    v.s.advance("2024-05-24T09:00:00+08:00").await;
    let poll = v.open("electronic").await;
    let p = poll["id"].as_str().expect("id").to_owned();
    let (d9, m6, m7) = (
        v.candidate("甲九"),
        v.candidate("甲六"),
        v.candidate("甲七"),
    );
    for voter in [
        "甲一", "甲二", "甲三", "甲四", "甲五", "甲六", "甲七", "甲八",
    ] {
        v.vote(&p, voter, marks(&[&d9], &[&m6, &m7], &[])).await;
    }
    v.close(&p).await;
    let st = &v.s.stack;
    let (status, body) = st
        .post(
            &format!("/api/v1/contests/{}/result:announce", v.s.contest),
            Some(&v.s.officer),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Until the nomination service knows the result and the report form is projected.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, contest) = st
            .get(
                &format!("/api/v1/contests/{}", v.s.contest),
                Some(&v.s.officer),
            )
            .await;
        let (report_status, _) = st
            .get(
                &format!("/api/v1/contests/{}/report", v.s.contest),
                Some(&v.s.officer),
            )
            .await;
        if contest["status"] == "announced" && report_status == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "not announced: {contest}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (v, p)
}

/// What an officer reads at `path`, byte for byte.
async fn body(v: &Venue, path: &str) -> Vec<u8> {
    let st = &v.s.stack;
    let r = st
        .http
        .get(st.url(path))
        .bearer_auth(&v.s.officer)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.bytes().await.expect("body").to_vec()
}

fn uuid(raw: &str) -> Uuid {
    Uuid::parse_str(raw).expect("a uuid")
}

/// The register's keyed hashes by voter id.
async fn hashes(pool: &PgPool, community: Uuid) -> Vec<(Uuid, Vec<u8>)> {
    sqlx::query_as("SELECT id, id_hash FROM nomination.voters WHERE community_id = $1 ORDER BY id")
        .bind(community)
        .fetch_all(pool)
        .await
        .expect("voters")
}

/// The contest's check-ins on record.
async fn checkins(pool: &PgPool, contest: Uuid) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM ballot.checkins k JOIN ballot.polls p ON p.id = k.poll_id \
         WHERE p.contest_id = $1",
    )
    .bind(contest)
    .fetch_one(pool)
    .await
    .expect("checkins")
}

/// Runs both services' erasure as of `as_of` (YYYY-MM-DD), as their hourly job would.
async fn erase(
    pool: &PgPool,
    as_of: &str,
    retention_days: u32,
) -> (
    Vec<juxuan_nomination::erasure::Erased>,
    Vec<juxuan_ballot::erasure::Erased>,
) {
    let as_of = juxuan_nomination::clock::parse_date(as_of).expect("a date");
    let nomination = juxuan_nomination::erasure::erase_due(
        pool,
        &AuditLog::new(juxuan_nomination::SCHEMA),
        as_of,
        retention_days,
    )
    .await
    .expect("nomination erasure");
    let ballot = juxuan_ballot::erasure::erase_due(
        pool,
        &AuditLog::new(juxuan_ballot::SCHEMA),
        as_of,
        retention_days,
    )
    .await
    .expect("ballot erasure");
    (nomination, ballot)
}

fn actions(trail: &Value, service: &str) -> Vec<String> {
    trail["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["service"] == service)
        .filter_map(|e| e["action"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn after_the_term_and_retention_voters_are_pseudonymised_and_results_stay_the_same() {
    let (v, poll) = announced().await;
    let s = &v.s;
    let st = &s.stack;
    let pool = &st.pool;
    let (election, contest, community) =
        (uuid(&s.election), uuid(&s.contest), uuid(&s.a.community));

    // What the results are made of, before.
    let views = [
        format!("/api/v1/contests/{}/report?format=json", s.contest),
        format!("/api/v1/contests/{}/result", s.contest),
        format!("/api/v1/polls/{poll}/tally"),
        format!("/api/v1/polls/{poll}/ballots"),
        format!("/api/v1/contests/{}/candidates", s.contest),
    ];
    let mut before = Vec::new();
    for path in &views {
        before.push(body(&v, path).await);
    }
    let old_hashes = hashes(pool, community).await;
    assert_eq!(old_hashes.len(), REGISTER.len());
    assert_eq!(checkins(pool, contest).await, 8);

    // The term has not ended the day before 2029-05-24; the retention period (a year) has not
    // passed the day after.
    for (as_of, retention_days) in [("2029-05-23", 0), ("2029-05-25", 365)] {
        let (nomination, ballot) = erase(pool, as_of, retention_days).await;
        assert!(
            nomination.is_empty() && ballot.is_empty(),
            "nothing is due on {as_of} with {retention_days} days: {nomination:?} {ballot:?}"
        );
    }
    assert_eq!(hashes(pool, community).await, old_hashes);

    // Election day + 5 years + 1 day, no retention period: erased.
    let (nomination, ballot) = erase(pool, "2029-05-25", 0).await;
    assert_eq!(
        nomination,
        [juxuan_nomination::erasure::Erased {
            election_id: election,
            electors: 12,
            voters: 13,
        }]
    );
    assert_eq!(
        ballot,
        [juxuan_ballot::erasure::Erased {
            contest_id: contest,
            electors: 12,
            register_names: 13,
            checkins: 8,
        }]
    );

    // No row of the community holds a name of the register any more.
    let names: Vec<String> = REGISTER
        .iter()
        .map(|(name, ..)| (*name).to_owned())
        .collect();
    for (what, sql) in [
        (
            "nomination.voters",
            "SELECT count(*) FROM nomination.voters WHERE community_id = $1 AND name = ANY($2)",
        ),
        (
            "nomination.electorate_entries",
            "SELECT count(*) FROM nomination.electorate_entries e \
             JOIN nomination.contests c ON c.id = e.contest_id \
             WHERE c.community_id = $1 AND e.name = ANY($2)",
        ),
        (
            "ballot.electors",
            "SELECT count(*) FROM ballot.electors e JOIN ballot.contests c ON c.contest_id = e.contest_id \
             WHERE c.community_id = $1 AND e.name = ANY($2)",
        ),
        (
            "ballot.register_names",
            "SELECT count(*) FROM ballot.register_names r JOIN ballot.contests c ON c.contest_id = r.contest_id \
             WHERE c.community_id = $1 AND r.name = ANY($2)",
        ),
    ] {
        let left: i64 = sqlx::query_scalar(sql)
            .bind(community)
            .bind(&names)
            .fetch_one(pool)
            .await
            .expect(what);
        assert_eq!(left, 0, "{what} still holds register names");
    }
    let not_pseudonymised: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM nomination.voters WHERE community_id = $1 \
         AND (name <> '已删除' OR id_masked <> '' OR household_no <> '' \
              OR extract(month FROM birth_date) <> 1 OR extract(day FROM birth_date) <> 1)",
    )
    .bind(community)
    .fetch_one(pool)
    .await
    .expect("voters");
    assert_eq!(not_pseudonymised, 0, "name, numbers and birthday are gone");
    let register_names: i64 =
        sqlx::query_scalar("SELECT count(*) FROM ballot.register_names WHERE contest_id = $1")
            .bind(contest)
            .fetch_one(pool)
            .await
            .expect("register names");
    assert_eq!(register_names, 0);

    // The keyed hashes are replaced (same voter ids, new unrelated hashes), and so are the
    // ballot service's person keys.
    let new_hashes = hashes(pool, community).await;
    let old: HashSet<&[u8]> = old_hashes.iter().map(|(_, h)| h.as_slice()).collect();
    assert_eq!(
        new_hashes.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        old_hashes.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        "voter ids stay: nominations and results refer to them"
    );
    for (id, hash) in &new_hashes {
        assert!(!old.contains(hash.as_slice()), "voter {id} kept its hash");
        assert_eq!(hash.len(), 32);
    }
    let old_keys: HashSet<String> = old_hashes.iter().map(|(_, h)| hex::encode(h)).collect();
    let keys: Vec<String> =
        sqlx::query_scalar("SELECT person_key FROM ballot.electors WHERE contest_id = $1")
            .bind(contest)
            .fetch_all(pool)
            .await
            .expect("electors");
    assert_eq!(keys.len(), 12);
    assert!(keys.iter().all(|k| !old_keys.contains(k)), "{keys:?}");

    // The turnout on record keeps its count; no check-in leads to a voter any more.
    assert_eq!(checkins(pool, contest).await, 8);
    let linked: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM ballot.checkins k JOIN ballot.polls p ON p.id = k.poll_id \
         JOIN nomination.voters v ON v.id = k.voter_id WHERE p.contest_id = $1",
    )
    .bind(contest)
    .fetch_one(pool)
    .await
    .expect("checkins");
    assert_eq!(linked, 0);

    // The report form, the result, the tally, the ballots and the candidates, byte for byte.
    for (path, was) in views.iter().zip(&before) {
        let now = body(&v, path).await;
        assert_eq!(
            String::from_utf8_lossy(&now),
            String::from_utf8_lossy(was),
            "{path} changed"
        );
        assert_eq!(&now, was, "{path} changed");
    }
    let (status, nominations) = st
        .get(
            &format!("/api/v1/contests/{}/nominations", s.contest),
            Some(&s.officer),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{nominations}");

    // Once is enough: a second run, even years later, erases nothing.
    for as_of in ["2029-05-25", "2040-01-01"] {
        let (nomination, ballot) = erase(pool, as_of, 0).await;
        assert!(
            nomination.is_empty() && ballot.is_empty(),
            "{nomination:?} {ballot:?}"
        );
    }

    // Audited, counts only, and every chain still verifies.
    let (status, trail) = st
        .get(
            &format!("/api/v1/audit?object_id={}", s.election),
            Some(&s.a.admin),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{trail}");
    assert!(
        actions(&trail, "nomination").contains(&"personal_data.erased".to_owned()),
        "{trail}"
    );
    let (status, trail) = st
        .get(
            &format!("/api/v1/audit?object_id={}", s.contest),
            Some(&s.a.admin),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{trail}");
    assert!(
        actions(&trail, "ballot").contains(&"personal_data.erased".to_owned()),
        "{trail}"
    );
    let (status, verified) = st.get("/api/v1/audit:verify", Some(&s.a.admin)).await;
    assert_eq!(status, StatusCode::OK, "{verified}");
    assert_eq!(verified["intact"], true, "{verified}");

    // The same people can be registered again: their old hashes no longer stand in the way.
    let mut csv = String::from("name,id_number,household_rep,resident_rep\n");
    for (i, (name, birth, household, rep)) in REGISTER.iter().enumerate() {
        let seq = u32::try_from(i).expect("small") + 1;
        csv.push_str(&format!("{name},{},{household},{rep}\n", id_of(birth, seq)));
    }
    let r = st
        .http
        .post(st.url(&format!(
            "/api/v1/communities/{}/voters:import",
            s.a.community
        )))
        .bearer_auth(&s.a.admin)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("import");
    let (status, report) = juxuan_tests::decode(r).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["rejected"], json!([]), "{report}");
    assert_eq!(
        (report["imported"].as_u64(), report["updated"].as_u64()),
        (Some(13), Some(0)),
        "{report}"
    );
}
