//! Reporting beyond progress (API.md "Reporting"): the report form as XLSX and an A4 PDF, the
//! committees' structure per election and for the district (drills excluded), what a
//! community records beyond the nominees' particulars, the bulk export for other systems, the
//! audit trail across every service and its verification, and a rebuild that keeps it all.

use std::io::Cursor;
use std::time::{Duration, Instant};

use juxuan_tests::district::{self, Shape};
use juxuan_tests::fixtures::{NOMINEES, Venue, marks};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

/// Plays the drill to an announced result: 8 of 12 electors vote, 甲九 director.
async fn announced() -> Venue {
    let v = juxuan_tests::fixtures::Setup::start()
        .await
        .venue(NOMINEES)
        .await;
    let s = &v.s;
    s.advance("2024-05-24T09:00:00+08:00").await;
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
    let (status, body) = s
        .stack
        .post(
            &format!("/api/v1/contests/{}/result:announce", s.contest),
            Some(&s.officer),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Until the projection has the announcement.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, _) = s
            .stack
            .get(
                &format!("/api/v1/contests/{}/report", s.contest),
                Some(&s.officer),
            )
            .await;
        if status == StatusCode::OK {
            return v;
        }
        assert!(Instant::now() < deadline, "no report form");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn download(v: &Venue, query: &str, accept: &str) -> (String, String, Vec<u8>) {
    let st = &v.s.stack;
    let r = st
        .http
        .get(st.url(&format!("/api/v1/contests/{}/report{query}", v.s.contest)))
        .bearer_auth(&v.s.officer)
        .header("accept", accept)
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), StatusCode::OK);
    let header = |name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (kind, disposition) = (header("content-type"), header("content-disposition"));
    (kind, disposition, r.bytes().await.expect("body").to_vec())
}

#[tokio::test(flavor = "multi_thread")]
async fn r_report_the_form_as_xlsx_opens_in_a_spreadsheet_reader_and_the_pdf_reads_in_chinese() {
    let v = announced().await;

    let (kind, disposition, xlsx) = download(
        &v,
        "",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    .await;
    assert!(kind.contains("spreadsheetml"), "{kind}");
    assert!(
        disposition.contains("drill-report.xlsx") && disposition.contains("%E6%BC%94%E7%BB%83"),
        "演练 in the file name: {disposition}"
    );
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(xlsx)).expect("an XLSX workbook");
    use calamine::Reader;
    let sheet = book.worksheet_range("报告单").expect("the sheet 报告单");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect();
    let row = |first: &str| {
        rows.iter()
            .find(|r| r.first().is_some_and(|c| c == first))
            .cloned()
            .unwrap_or_else(|| panic!("no row {first}: {rows:?}"))
    };
    assert!(rows[0][0].contains("南岭社区") && rows[0][0].contains("演练"));
    assert_eq!(row("收回选票")[1], "8");
    assert_eq!(row("演练")[1], "是");
    let director = row("甲九");
    assert_eq!(&director[..3], ["甲九", "主任", "8"], "{director:?}");
    assert_eq!(director[5], "大学本科");

    let (kind, disposition, pdf) = download(&v, "?format=pdf", "application/json").await;
    assert_eq!(kind, "application/pdf");
    assert!(disposition.contains("drill-report.pdf"), "{disposition}");
    let path = std::env::temp_dir().join(format!("juxuan-report-{}.pdf", Uuid::new_v4()));
    std::fs::write(&path, &pdf).expect("write");
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().expect("path"), "-"])
        .output()
        .expect("pdftotext (poppler-utils) runs");
    std::fs::remove_file(&path).expect("remove");
    let text = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "城南街道南岭社区居民委员会选举结果报告单（演练）",
        "演练，不具法律效力",
        "甲九",
        "甲六",
        "大学本科",
        "收回选票",
        "总监票人（签字）",
        "选举委员会主任（签字）",
        "第 1 页",
    ] {
        assert!(
            text.contains(expected),
            "{expected} not in the PDF:\n{text}"
        );
    }

    // The public notice of the candidates (张榜), posted since the list was published.
    let r =
        v.s.stack
            .http
            .get(v.s.stack.url(&format!(
                "/api/v1/contests/{}/candidates/notice",
                v.s.contest
            )))
            .bearer_auth(&v.s.officer)
            .send()
            .await
            .expect("notice");
    assert_eq!(r.status(), StatusCode::OK);
    let notice = r.bytes().await.expect("pdf").to_vec();
    let path = std::env::temp_dir().join(format!("juxuan-notice-{}.pdf", Uuid::new_v4()));
    std::fs::write(&path, &notice).expect("write");
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().expect("path"), "-"])
        .output()
        .expect("pdftotext");
    std::fs::remove_file(&path).expect("remove");
    let text = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "正式候选人名单公告",
        "主任（应选 1 名）：甲九、甲十",
        "委员（应选 2 名）：甲六、甲七、甲八",
        "2024年5月24日",
        "演练",
    ] {
        assert!(
            text.contains(expected),
            "{expected} not in the notice:\n{text}"
        );
    }

    // A format the API does not know is a clear 400, not a JSON form.
    let (status, problem) =
        v.s.stack
            .get(
                &format!("/api/v1/contests/{}/report?format=docx", v.s.contest),
                Some(&v.s.officer),
            )
            .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("request.invalid_value"))
    );
}

fn count(v: &Value, path: &[&str]) -> u64 {
    let mut at = v;
    for p in path {
        at = &at[*p];
    }
    at.as_u64()
        .unwrap_or_else(|| panic!("{path:?} not a count in {v}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn r_structure_statistics_per_election_and_district_with_drills_excluded_and_the_export() {
    let v = announced().await;
    let s = &v.s;
    let st = &s.stack;
    let admin = &s.a.admin;
    let stats = format!("/api/v1/elections/{}/statistics", s.election);
    let district_stats = format!("/api/v1/districts/{}/statistics", s.a.district);

    let (status, e) = st.get(&stats, Some(admin)).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    assert_eq!(
        (count(&e, &["elected_total"]), e["drill"].as_bool()),
        (3, Some(true))
    );
    assert_eq!(
        e["elected"]["by_position"],
        json!({"director": 1, "member": 2})
    );
    // 甲九, 甲六, 甲七: born 1980-01-09, -06, -07; 44 on 2024-05-24; bachelors, party members.
    assert_eq!(e["elected"]["average_age"], 44.0, "{e}");
    assert_eq!(
        e["elected"]["bachelor_or_above"],
        json!({"count": 3, "share": 100.0})
    );
    assert_eq!(e["replaced"], Value::Null);
    assert_eq!(
        e["elected"]["directors"]["party_secretaries"]["recorded"],
        0
    );

    // The community records the director as party secretary and the outgoing committee.
    let result = st
        .get(
            &format!("/api/v1/contests/{}/result", s.contest),
            Some(&s.officer),
        )
        .await
        .1;
    let certificate = result["elected"]
        .as_array()
        .and_then(|e| e.iter().find(|p| p["name"] == "甲九"))
        .and_then(|p| p["certificate_no"].as_str())
        .expect("director's certificate")
        .to_owned();
    let committee = format!("/api/v1/contests/{}/committee", s.contest);
    let outgoing = json!([
        {"position": "director", "gender": "male", "birth_date": "1960-03-01", "education": "associate", "party_member": true, "party_secretary": false},
        {"position": "member", "gender": "female", "birth_date": "1966-03-01", "education": "senior_high", "party_member": false, "ethnic_minority": true},
    ]);
    let body = json!({"elected": [{"certificate_no": certificate, "party_secretary": true, "ethnic_minority": false}], "outgoing": outgoing});
    let put = |token: String, body: Value| {
        let url = st.url(&committee);
        async move {
            juxuan_tests::decode(
                st.http
                    .put(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .expect("put"),
            )
            .await
        }
    };
    let (status, _) = put(v.teller.clone(), body.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a teller records nothing");
    let (status, problem) = put(
        s.officer.clone(),
        json!({"elected": [{"certificate_no": "2024-000000-9999"}]}),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("committee.unknown_certificate")
        ),
        "{problem}"
    );
    let (status, problem) = put(
        s.officer.clone(),
        json!({"outgoing": [{"position": "member", "gender": "x", "birth_date": "1966-03-01", "education": "bachelor", "party_member": false}]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "outgoing[0].gender");
    let (status, recorded) = put(s.officer.clone(), body).await;
    assert_eq!(status, StatusCode::OK, "{recorded}");

    let (_, e) = st.get(&stats, Some(admin)).await;
    let secretaries = &e["elected"]["directors"]["party_secretaries"];
    assert_eq!(
        (secretaries["count"].as_u64(), secretaries["share"].as_f64()),
        (Some(1), Some(100.0)),
        "{e}"
    );
    assert_eq!(count(&e, &["replaced", "total"]), 2);
    // Replaced: 64 and 58 on the same election day, average 61.0; elected 44.0.
    assert_eq!(e["replaced"]["average_age"], 61.0, "{e}");
    assert_eq!(e["change"]["average_age"], -17.0);
    assert_eq!(e["change"]["bachelor_or_above_share"], 100.0);
    assert_eq!(e["change"]["younger_and_better_educated"], true);
    assert_eq!(e["replaced"]["ethnic_minorities"]["count"], 1);

    // The district's figures leave the drill out...
    let (status, d) = st.get(&district_stats, Some(admin)).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(
        (
            count(&d, &["elected_total"]),
            count(&d, &["drills_excluded"])
        ),
        (0, 1),
        "{d}"
    );
    // ...and count a live election: 2 streets × 3 communities, 5 elected each.
    let live = district::seed(
        &st.pool,
        Uuid::parse_str(&s.a.district).expect("district id"),
        &Shape {
            streets: 2,
            communities_per_street: 3,
            drill: false,
            seed: 7,
            election_id: None,
        },
    )
    .await
    .expect("seed");
    let (_, d) = st.get(&district_stats, Some(admin)).await;
    assert_eq!(count(&d, &["elected_total"]), live.elected, "{d}");
    assert_eq!(count(&d, &["contests_counted"]), 6);
    assert_eq!(d["elections"].as_array().map(Vec::len), Some(1));
    let bands: u64 = d["elected"]["age_bands"]
        .as_array()
        .expect("bands")
        .iter()
        .map(|b| b["count"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(bands, live.elected, "every member in one band");
    // Another district's figures are not there for this one's admin.
    let (status, _) = st
        .get(
            &format!("/api/v1/districts/{}/statistics", Uuid::new_v4()),
            Some(admin),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A community officer has no district figures; a street officer's election figures are
    // its street's only.
    let (status, _) = st.get(&district_stats, Some(&s.officer)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Export: a machine client pages through the live results by time of change.
    let client = st
        .client_token(admin, "省民政统计平台", &["reporting:read"])
        .await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = cursor
            .as_ref()
            .map(|c| format!("&cursor={c}"))
            .unwrap_or_default();
        let (status, r) = st
            .get(
                &format!("/api/v1/exports/results?limit=4{page}"),
                Some(&client),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{r}");
        for item in r["items"].as_array().expect("items") {
            assert_eq!(item["drill"], false, "drills left out");
            assert!(item["changed_at"].is_string() && item["elected"].is_array());
            seen.push(item["contest_id"].as_str().expect("id").to_owned());
        }
        match r["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let mut expected: Vec<String> = live.contests.iter().map(ToString::to_string).collect();
    let mut sorted = seen.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected, "every live contest once");
    let (_, all) = st
        .get(
            "/api/v1/exports/results?limit=200&include_drills=true",
            Some(&client),
        )
        .await;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(7));
    let (_, none) = st
        .get(
            "/api/v1/exports/results?changed_since=2099-01-01T00:00:00Z",
            Some(&client),
        )
        .await;
    assert_eq!(none["items"], json!([]));
    for (query, code) in [
        ("cursor=bm9wZQ", "request.invalid_cursor"),
        ("limit=201", "request.invalid_limit"),
        ("changed_since=yesterday", "request.invalid_instant"),
    ] {
        let (status, problem) = st
            .get(&format!("/api/v1/exports/results?{query}"), Some(&client))
            .await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code)),
            "{query}: {problem}"
        );
    }
    let (status, _) = st.get("/api/v1/exports/results", Some(&s.officer)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not for community officers");

    // A rebuild from the outboxes keeps the figures (what communities recorded is kept).
    let before = st.get(&stats, Some(admin)).await.1;
    juxuan_reporting::projections::rebuild(&st.pool)
        .await
        .expect("rebuild");
    assert_eq!(st.get(&stats, Some(admin)).await.1, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_audit_trail_of_an_object_spans_the_services_and_every_chain_verifies() {
    let v = announced().await;
    let s = &v.s;
    let st = &s.stack;
    let file = format!("/api/v1/contests/{}/report:file", s.contest);
    let (status, _) = st
        .post(&file, Some(&s.officer), &json!({"to": "district"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let trail = format!("/api/v1/audit?object_id={}", s.contest);
    let (status, a) = st.get(&trail, Some(&s.a.admin)).await;
    assert_eq!(status, StatusCode::OK, "{a}");
    let items = a["items"].as_array().expect("items");
    let services: std::collections::BTreeSet<&str> =
        items.iter().filter_map(|e| e["service"].as_str()).collect();
    let actions: Vec<&str> = items.iter().filter_map(|e| e["action"].as_str()).collect();
    // The contest was created (nomination), its list published (review), its polls and result
    // (ballot), its form filed (reporting).
    for service in ["nomination", "review", "ballot", "reporting"] {
        assert!(services.contains(service), "{service} missing: {a}");
    }
    assert!(actions.contains(&"report.filed"), "{actions:?}");
    let times: Vec<&str> = items.iter().filter_map(|e| e["at"].as_str()).collect();
    assert!(
        items.iter().all(|e| e["digest"]
            .as_str()
            .is_some_and(|d| d.starts_with("sha256:"))),
        "{a}"
    );
    assert_eq!(times.len(), items.len());

    let (status, verified) = st.get("/api/v1/audit:verify", Some(&s.a.admin)).await;
    assert_eq!(status, StatusCode::OK, "{verified}");
    assert_eq!(verified["intact"], true, "{verified}");
    let chains: Vec<&str> = verified["chains"]
        .as_array()
        .expect("chains")
        .iter()
        .filter_map(|c| c["service"].as_str())
        .collect();
    assert_eq!(
        chains,
        ["gateway", "nomination", "review", "ballot", "reporting"]
    );

    // Supervisors only: a community officer is refused; a client needs `audit:read`.
    let (status, _) = st.get(&trail, Some(&s.officer)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let reader = st
        .client_token(&s.a.admin, "纪检监察平台", &["audit:read"])
        .await;
    assert_eq!(
        st.get("/api/v1/audit:verify", Some(&reader)).await.0,
        StatusCode::OK
    );
    let (status, problem) = st.get("/api/v1/audit", Some(&s.a.admin)).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("request.invalid_value"))
    );

    // An altered entry breaks the reporting chain, and the whole answer says so.
    sqlx::query("ALTER TABLE reporting.audit_log DISABLE TRIGGER USER")
        .execute(&st.pool)
        .await
        .expect("disable");
    sqlx::query("UPDATE reporting.audit_log SET actor = 'someone-else'")
        .execute(&st.pool)
        .await
        .expect("tamper");
    let (_, verified) = st.get("/api/v1/audit:verify", Some(&s.a.admin)).await;
    assert_eq!(verified["intact"], false, "{verified}");
    let reporting = verified["chains"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["service"] == "reporting"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(reporting["intact"], false, "{verified}");
}
