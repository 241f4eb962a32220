//! The authorisation matrix, generated from the OpenAPI document: every operation × every role
//! (and a machine client) × an object inside and outside the caller's area, checked against the
//! table in `tests/data/authorization-matrix.tsv`; and every operation that asks for a token ×
//! every kind of bad token, each of which must be 401.
//!
//! Outcomes are classed as `granted` (2xx), `refused` (401, 403, 404: the caller learns
//! nothing), `rejected` (any other 4xx: past the caller's checks, refused for what was sent)
//! and `server-error` (5xx), which always fails. Bodies are `{}`, so most granted writes are rejected for their content, not carried
//! out. A row fails when it is granted but the table says otherwise (an unexpected 2xx), when
//! the table says refused and it is not, or when the table says it passes and it is refused (a
//! role lost its access). Set `JUXUAN_BLESS=1` to rewrite the table after a deliberate change,
//! and review the diff.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use juxuan_tests::fixtures::{NOMINEES, Setup, id_of};
// The operations anyone may call: the document's own list.
use juxuan_gateway::http::openapi::PUBLIC_PATHS as PUBLIC;
use juxuan_tests::{Stack, forged, hardening};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const TABLE: &str = "data/authorization-matrix.tsv";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Class {
    Granted,
    Refused,
    Rejected,
    /// A 5xx: never in the table, always a failure.
    ServerError,
}

impl Class {
    fn of(status: StatusCode) -> Self {
        match status.as_u16() {
            200..=299 => Class::Granted,
            401 | 403 | 404 => Class::Refused,
            500..=599 => Class::ServerError,
            _ => Class::Rejected,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Class::Granted => "granted",
            Class::Refused => "refused",
            Class::Rejected => "rejected",
            Class::ServerError => "server-error",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "granted" => Class::Granted,
            "refused" => Class::Refused,
            "rejected" => Class::Rejected,
            "server-error" => Class::ServerError,
            other => panic!("unknown class {other} in {TABLE}"),
        }
    }

    /// Whether `observed` keeps the promise of the table's `self`.
    fn admits(self, observed: Class) -> bool {
        match (self, observed) {
            (_, Class::ServerError) | (Class::ServerError, _) => false,
            (_, Class::Granted) => self == Class::Granted,
            (Class::Refused, other) => other == Class::Refused,
            (_, Class::Refused) => false,
            _ => true,
        }
    }
}

/// The ids each path is filled with, inside the callers' areas and outside them.
struct Objects {
    inside: BTreeMap<&'static str, String>,
    outside: BTreeMap<&'static str, String>,
}

impl Objects {
    /// The path with its parameters filled, or None when there is no object of that kind
    /// outside the area.
    fn fill(&self, template: &str, outside: bool) -> Option<String> {
        let kind = template
            .trim_start_matches("/api/v1/")
            .split('/')
            .next()
            .unwrap_or_default();
        let ids = if outside { &self.outside } else { &self.inside };
        let mut path = template.to_owned();
        if path.contains("{id}") {
            path = path.replace("{id}", ids.get(kind)?);
        }
        Some(
            path.replace("{certificate_no}", "NO-SUCH-CERTIFICATE")
                .replace("{ballot_id}", "6f1d0c1e-7d2a-4c55-9e8e-0a9c4b1f2e3d"),
        )
    }
}

/// A body the route would take from a caller allowed to send it, so that a refusal is the
/// caller's checks and not the body's; `{}` for the rest.
fn body_for(template: &str, ids: &BTreeMap<&'static str, String>) -> Value {
    let id = |kind: &str| ids.get(kind).cloned().unwrap_or_default();
    match template {
        "/api/v1/elections" => json!({
            "district_id": id("districts"), "title": "矩阵选举", "kind": "general", "mode": "drill",
            "method": "all_voters", "nomination_opens_on": "2024-06-01", "nomination_closes_on": "2024-06-05",
            "clock": "2024-05-20T09:00:00+08:00"}),
        "/api/v1/elections/{id}/contests" => json!({
            "community_id": id("communities"), "election_day": "2024-05-24",
            "positions": [{"position": "director", "seats": 1}]}),
        "/api/v1/elections/{id}/clock:advance" => json!({"to": "2024-05-24T10:00:00+08:00"}),
        "/api/v1/elections/{id}:clone" => json!({"title": "矩阵副本"}),
        "/api/v1/districts/{id}/streets"
        | "/api/v1/streets/{id}/communities"
        | "/api/v1/communities/{id}/resident-groups" => json!({"name": "矩阵区域"}),
        "/api/v1/communities/{id}/voters" => {
            json!({"name": "矩阵", "id_number": "990000199001019993"})
        }
        "/api/v1/users" => json!({"username": "matrix.user", "password": "matrix-password-1",
            "display_name": "矩阵", "role": "teller", "area_id": id("communities")}),
        "/api/v1/clients" => json!({"name": "矩阵", "scopes": ["reporting:read"]}),
        "/api/v1/nominations/{id}/decisions" => {
            json!({"stage": "community", "decision": "approve"})
        }
        "/api/v1/nominations/{id}:withdraw" => json!({"reason": "矩阵"}),
        "/api/v1/contests/{id}/polls" => json!({"mode": "paper"}),
        "/api/v1/contests/{id}/report:file" => json!({"to": "street"}),
        "/api/v1/polls/{id}/checkins" => json!({"voter_id": id("voters")}),
        "/api/v1/polls/{id}/ballots" => json!({"ballot_token": "not-a-token", "choices": []}),
        "/api/v1/polls/{id}/paper-ballots" => json!({"choices": []}),
        "/api/v1/polls/{id}/staff" => json!({"chief_scrutineer": "矩阵"}),
        _ => json!({}),
    }
}

async fn call(stack: &Stack, method: &Method, path: &str, token: Option<&str>) -> StatusCode {
    call_with(stack, method, path, token, &json!({})).await
}

async fn call_with(
    stack: &Stack,
    method: &Method,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> StatusCode {
    let mut request = stack.http.request(method.clone(), stack.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if *method != Method::GET {
        request = request.json(body);
    }
    request.send().await.expect("request").status()
}

/// (method, path template) of every operation in the document.
async fn operations(stack: &Stack) -> Vec<(Method, String)> {
    let (status, doc) = stack.get("/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                ops.push((
                    Method::from_bytes(method.to_uppercase().as_bytes()).expect("method"),
                    path.clone(),
                ));
            }
        }
    }
    // Reads first, then writes: a write that goes through changes what later rows see only
    // from `rejected` to `granted` or back, never to or from `refused`.
    ops.sort_by_key(|(m, p)| (*m != Method::GET, p.clone(), m.to_string()));
    ops
}

#[tokio::test(flavor = "multi_thread")]
async fn every_operation_answers_every_role_and_area_as_the_table_says_and_refuses_every_bad_token()
{
    let v = Setup::start().await.venue(NOMINEES).await;
    let st = &v.s.stack;
    let a = &v.s.a;
    v.s.advance("2024-05-24T09:00:00+08:00").await;
    let poll = v.open("paper").await["id"]
        .as_str()
        .expect("poll")
        .to_owned();
    let nomination = {
        let (_, list) = st
            .get(
                &format!("/api/v1/contests/{}/nominations", v.s.contest),
                Some(&a.admin),
            )
            .await;
        list["items"][0]["id"]
            .as_str()
            .expect("nomination")
            .to_owned()
    };
    // Another community, in another street, with a contest and a voter of its own.
    let other_contest = st
        .create(
            &format!("/api/v1/elections/{}/contests", v.s.election),
            &a.admin,
            json!({"community_id": a.other_community, "election_day": "2024-05-24",
                   "positions": [{"position": "director", "seats": 1}, {"position": "member", "seats": 2}]}),
        )
        .await;
    let other_voter = {
        let response = st
            .http
            .post(st.url(&format!(
                "/api/v1/communities/{}/voters:import",
                a.other_community
            )))
            .bearer_auth(&a.admin)
            .header("content-type", "text/csv")
            .body(format!("name,id_number\n北一,{}\n", id_of("19700101", 7)))
            .send()
            .await
            .expect("import");
        assert_eq!(response.status(), StatusCode::OK);
        let (_, list) = st
            .get(
                &format!("/api/v1/communities/{}/voters", a.other_community),
                Some(&a.admin),
            )
            .await;
        list["items"][0]["id"].as_str().expect("voter").to_owned()
    };
    wait_for_progress(st, &a.admin, &v.s.election).await;

    let roles: Vec<(&str, String)> = vec![
        (
            "client",
            st.client_token(&a.admin, "统计系统", &["reporting:read", "audit:read"])
                .await,
        ),
        ("terminal", v.terminal.clone()),
        ("teller", v.teller.clone()),
        (
            "observer",
            st.officer(&a.admin, "m.observer", "observer", &a.district)
                .await,
        ),
        ("community_officer", v.s.officer.clone()),
        (
            "street_officer",
            st.officer(&a.admin, "m.street", "street_officer", &a.street)
                .await,
        ),
        (
            "district_reviewer",
            st.officer(&a.admin, "m.reviewer", "district_reviewer", &a.district)
                .await,
        ),
        ("district_admin", a.admin.clone()),
    ];
    let objects = Objects {
        inside: BTreeMap::from([
            ("districts", a.district.clone()),
            ("streets", a.street.clone()),
            ("communities", a.community.clone()),
            ("elections", v.s.election.clone()),
            ("contests", v.s.contest.clone()),
            ("nominations", nomination),
            ("polls", poll),
            ("voters", v.s.voter("甲一")),
        ]),
        outside: BTreeMap::from([
            ("streets", a.other_street.clone()),
            ("communities", a.other_community.clone()),
            ("contests", other_contest),
            ("districts", a.district.clone()),
            ("voters", other_voter),
        ]),
    };

    let ops = operations(st).await;
    assert!(ops.len() >= 60, "only {} operations documented", ops.len());
    let attacks = forged::attacks(st, &a.admin).await;

    // Bad tokens first (they change nothing): every one is 401 wherever a token is asked for.
    let mut attack_requests = 0u64;
    let mut wrong = Vec::new();
    for (method, template) in &ops {
        if PUBLIC.contains(&template.as_str()) {
            continue;
        }
        let path = objects.fill(template, false).expect("inside object");
        for (name, token) in attacks
            .iter()
            .map(|(n, t)| (*n, Some(t.as_str())))
            .chain([("no_token", None)])
        {
            attack_requests += 1;
            let status = call(st, method, &path, token).await;
            if status != StatusCode::UNAUTHORIZED {
                wrong.push(format!("{method} {template} with {name}: {status}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "bad tokens not refused with 401:\n{}",
        wrong.join("\n")
    );

    let mut observed = String::new();
    let mut rows = 0u64;
    let mut granted = 0u64;
    for (method, template) in &ops {
        for outside in [false, true] {
            let Some(path) = objects.fill(template, outside) else {
                continue;
            };
            if outside && path == objects.fill(template, false).unwrap_or_default() {
                continue;
            }
            let ids = if outside {
                &objects.outside
            } else {
                &objects.inside
            };
            let body = body_for(template, ids);
            for (role, token) in &roles {
                let class = Class::of(call_with(st, method, &path, Some(token), &body).await);
                rows += 1;
                granted += u64::from(class == Class::Granted);
                let scope = if outside { "outside" } else { "inside" };
                writeln!(
                    observed,
                    "{method}\t{template}\t{scope}\t{role}\t{}",
                    class.name()
                )
                .expect("write");
            }
        }
    }

    let table_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(TABLE);
    if std::env::var_os("JUXUAN_BLESS").is_some() {
        std::fs::write(
            &table_path,
            format!("# method\tpath\tscope\trole\toutcome\n{observed}"),
        )
        .expect("write the table");
    }
    let expected: BTreeMap<String, Class> = std::fs::read_to_string(&table_path)
        .expect("the checked-in table")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (key, class) = l.rsplit_once('\t').expect("row");
            (key.to_owned(), Class::parse(class))
        })
        .collect();
    let mut failures = Vec::new();
    let mut seen = 0usize;
    for line in observed.lines() {
        let (key, class) = line.rsplit_once('\t').expect("row");
        let observed = Class::parse(class);
        match expected.get(key) {
            None => failures.push(format!("{key}: {class}, not in the table")),
            Some(want) if !want.admits(observed) => {
                failures.push(format!("{key}: {class}, the table says {}", want.name()));
            }
            Some(_) => seen += 1,
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {rows} rows break {TABLE}:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(seen, expected.len(), "rows of {TABLE} no longer generated");

    hardening::record(
        "authorisation",
        &[
            ("operations", ops.len() as u64),
            ("matrix requests", rows),
            ("granted", granted),
            ("bad-token requests", attack_requests),
            ("unexpected outcomes", 0),
        ],
    );
}

/// The reporting read model lags a write by up to a second.
async fn wait_for_progress(st: &Stack, token: &str, election: &str) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (status, body) = st
            .get(
                &format!("/api/v1/elections/{election}/progress"),
                Some(token),
            )
            .await;
        if status == StatusCode::OK {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{status} {body}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
