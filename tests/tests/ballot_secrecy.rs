//! R-SECRET by construction (ADR 9): no table, column, row order, log line, span attribute
//! or event of a poll joins a ballot to an elector or to a check-in.

use std::collections::HashSet;

use juxuan_tests::fixtures::{NOMINEES, Setup, marks};
use opentelemetry::Value as OtelValue;
use reqwest::StatusCode;

/// Spearman's rank correlation of two orders of the same items (ranks 0..n).
fn rank_correlation(a: &[usize], b: &[usize]) -> f64 {
    let n = a.len() as f64;
    let d2: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (*x as f64 - *y as f64).powi(2))
        .sum();
    1.0 - 6.0 * d2 / (n * (n * n - 1.0))
}

#[tokio::test(flavor = "multi_thread")]
async fn r_secret_nothing_links_a_ballot_to_an_elector_or_a_check_in() {
    let mut s = Setup::start().await;
    let electors = s.add_voters(60).await;
    let v = s.venue(NOMINEES).await;
    v.s.advance("2024-05-24T09:00:00+08:00").await;
    let st = &v.s.stack;
    let poll = v.open("electronic").await;
    let p = poll["id"].as_str().expect("id").to_owned();
    let (d9, d10, m6, m7) = (
        v.candidate("甲九"),
        v.candidate("甲十"),
        v.candidate("甲六"),
        v.candidate("甲七"),
    );

    // Check in and cast one by one: arrival order is check-in order, the worst case.
    let mut tokens = Vec::new();
    let mut receipts = Vec::new();
    for (i, voter) in electors.iter().enumerate() {
        let (status, issued) = v.check_in(&p, voter).await;
        assert_eq!(status, StatusCode::CREATED, "{issued}");
        let token = issued["ballot_token"].as_str().expect("token").to_owned();
        let choices = if i % 2 == 0 {
            marks(&[&d9], &[&m6], &[])
        } else {
            marks(&[&d10], &[&m7], &["甲五"])
        };
        let (status, r) = v.cast(&p, &token, choices).await;
        assert_eq!(status, StatusCode::CREATED, "{r}");
        tokens.push(token);
        receipts.push(r["receipt"].as_str().expect("receipt").to_owned());
    }
    v.close(&p).await;

    // 1. The schema: ballots carry the poll, a random id, the receipt and the choices only; no
    // table of the ballot schema has a time finer than the poll next to a voter or a ballot.
    let columns: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, column_default::text \
         FROM information_schema.columns WHERE table_schema = 'ballot' ORDER BY table_name, ordinal_position",
    )
    .fetch_all(&st.pool)
    .await
    .expect("schema");
    let of = |table: &str| -> HashSet<&str> {
        columns
            .iter()
            .filter(|c| c.0 == table)
            .map(|c| c.1.as_str())
            .collect()
    };
    for table in ["ballots", "ballot_box"] {
        assert_eq!(
            of(table),
            HashSet::from(["poll_id", "id", "receipt", "choices", "spoiled"]),
            "{table}"
        );
    }
    assert_eq!(of("checkins"), HashSet::from(["poll_id", "voter_id"]));
    for table in ["tokens", "spent_tokens"] {
        assert_eq!(
            of(table),
            HashSet::from(["token_hash", "poll_id"]),
            "{table}"
        );
    }
    for (table, column, data_type, default) in &columns {
        if [
            "ballots",
            "ballot_box",
            "checkins",
            "tokens",
            "spent_tokens",
        ]
        .contains(&table.as_str())
        {
            assert!(
                !data_type.contains("timestamp") && !data_type.contains("date"),
                "{table}.{column} is a time"
            );
            assert!(
                default.is_none(),
                "{table}.{column} has a default ({default:?}): a sequence or a clock"
            );
        }
    }
    // Nothing of the tokens outlives the poll; the box is empty.
    for table in ["ballot_box", "tokens", "spent_tokens"] {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM ballot.{table} WHERE poll_id = $1::uuid"
        )))
        .bind(&p)
        .fetch_one(&st.pool)
        .await
        .expect("count");
        assert_eq!(n, 0, "{table} keeps rows of a closed poll");
    }

    // 2. Row order: the stored ballots' physical order and the API's order do not follow the
    // order of arrival (= check-in order here). n = 60: |ρ| < 0.5 is more than 3.8 standard
    // deviations of a random order.
    let cast_rank = |r: &str| receipts.iter().position(|x| x == r).expect("known receipt");
    let physical: Vec<String> = sqlx::query_scalar(
        "SELECT receipt FROM ballot.ballots WHERE poll_id = $1::uuid ORDER BY ctid",
    )
    .bind(&p)
    .fetch_all(&st.pool)
    .await
    .expect("ballots");
    let (_, listed) = st
        .get(
            &format!("/api/v1/polls/{p}/ballots?limit=500"),
            Some(&v.s.officer),
        )
        .await;
    let listed: Vec<String> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|b| b["receipt"].as_str().expect("receipt").to_owned())
        .collect();
    for (what, order) in [("physical", &physical), ("listed", &listed)] {
        assert_eq!(order.len(), receipts.len());
        let ranks: Vec<usize> = order.iter().map(|r| cast_rank(r)).collect();
        let positions: Vec<usize> = (0..ranks.len()).collect();
        let rho = rank_correlation(&positions, &ranks);
        assert!(
            rho.abs() < 0.5,
            "{what} order follows arrival: ρ = {rho:.2}"
        );
    }

    // 3. Logs, spans and events: no token or receipt anywhere; no voter id in the ballot
    // service's events.
    let logs = juxuan_tests::logs();
    for secret in tokens.iter().chain(&receipts) {
        assert!(
            !logs.contains(secret.as_str()),
            "a log line carries {secret}"
        );
    }
    let spans = juxuan_tests::spans().get_finished_spans().expect("spans");
    for span in &spans {
        for kv in &span.attributes {
            let value = match &kv.value {
                OtelValue::String(s) => s.as_str().to_owned(),
                other => other.to_string(),
            };
            for secret in tokens.iter().chain(&receipts).chain(&electors) {
                assert!(
                    !value.contains(secret.as_str()),
                    "span {} attribute {} carries {secret}",
                    span.name,
                    kv.key
                );
            }
        }
    }
    let payloads: Vec<(String, Vec<u8>)> =
        sqlx::query_as("SELECT event_type, payload FROM ballot.outbox")
            .fetch_all(&st.pool)
            .await
            .expect("outbox");
    assert!(payloads.len() >= 2, "PollOpened and PollClosed");
    for (event, payload) in &payloads {
        let text = String::from_utf8_lossy(payload);
        for secret in tokens.iter().chain(&receipts).chain(&electors) {
            assert!(!text.contains(secret.as_str()), "{event} carries {secret}");
        }
    }
    // The audit trail of the poll holds its opening and closing, nothing per elector or ballot.
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM ballot.audit_log ORDER BY action")
            .fetch_all(&st.pool)
            .await
            .expect("audit");
    assert_eq!(actions, ["poll.closed", "poll.opened"]);
}
