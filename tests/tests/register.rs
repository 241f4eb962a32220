//! The voter register (选民登记): single entry, CSV and XLSX import, search, one person in one
//! community, identity numbers only ever masked.

use juxuan_tests::{Stack, identity_number};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn import(
    stack: &Stack,
    token: &str,
    community: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let r = stack
        .http
        .post(stack.url(&format!("/api/v1/communities/{community}/voters:import")))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("request");
    juxuan_tests::decode(r).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_voter_is_registered_once_and_shown_masked() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    stack
        .create(
            &format!("/api/v1/communities/{}/resident-groups", a.community),
            &a.admin,
            json!({"name": "一组"}),
        )
        .await;
    let officer = stack
        .officer(&a.admin, "nl.officer", "community_officer", &a.community)
        .await;
    let id = identity_number("19800115", 1, true);
    let voters = format!("/api/v1/communities/{}/voters", a.community);
    let body = json!({"name": "张三", "id_number": id, "gender": "男", "household_no": "0101", "resident_group": "一组", "household_rep": true});
    let (status, voter) = stack.post(&voters, Some(&officer), &body).await;
    assert_eq!(status, StatusCode::CREATED, "{voter}");
    assert_eq!(
        (voter["gender"].as_str(), voter["birth_date"].as_str()),
        (Some("male"), Some("1980-01-15"))
    );
    assert_eq!(voter["resident_group"], "一组");
    assert_eq!(voter["household_rep"], true);
    let masked = voter["id_number_masked"].as_str().expect("masked");
    assert!(
        !masked.contains("19800115") && !voter.to_string().contains(&id),
        "{voter}"
    );

    let (status, problem) = stack.post(&voters, Some(&officer), &body).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("voter.already_registered"))
    );
    let elsewhere = format!("/api/v1/communities/{}/voters", a.other_community);
    let (status, problem) = stack
        .post(
            &elsewhere,
            Some(&a.admin),
            &json!({"name": "张三", "id_number": id}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("voter.registered_elsewhere"))
    );

    let female = identity_number("19900301", 2, false);
    let (status, problem) = stack
        .post(
            &voters,
            Some(&officer),
            &json!({"name": "李四", "id_number": female, "gender": "男"}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("voter.gender_mismatch"))
    );
    let mut broken = identity_number("19900301", 3, false);
    let last = broken.pop().expect("char");
    broken.push(if last == '1' { '2' } else { '1' });
    let (status, problem) = stack
        .post(
            &voters,
            Some(&officer),
            &json!({"name": "李四", "id_number": broken}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("voter.invalid_id_number"))
    );
    let (status, problem) = stack
        .post(
            &voters,
            Some(&officer),
            &json!({"name": "李四", "id_number": female, "resident_group": "九组"}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("voter.unknown_resident_group")
        )
    );

    // Nothing stored or audited holds the number.
    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM nomination.voters WHERE id_masked = $1 OR name = $1",
    )
    .bind(&id)
    .fetch_one(&stack.pool)
    .await
    .expect("count");
    assert_eq!(stored, 0);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_csv_register_keeps_good_lines_reports_bad_ones_and_reimports_to_nothing() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    stack
        .create(
            &format!("/api/v1/communities/{}/resident-groups", a.community),
            &a.admin,
            json!({"name": "一组"}),
        )
        .await;
    let dup = identity_number("19700202", 4, false);
    let csv = format!(
        "name,id_number,gender,household_no,resident_group,household_rep,resident_rep\n\
         王一,{},男,0101,一组,是,否\n\
         王二,{},女,0101,一组,否,是\n\
         \n\
         王三,123,男,0102,,,\n\
         王四,{},女,0103,九组,,\n\
         王五,{},男,0104,,maybe,\n\
         王六,{dup},女,0105,,1,0\n\
         王六,{dup},女,0105,,1,0\n",
        identity_number("19600101", 1, true),
        identity_number("19650505", 2, false),
        identity_number("19750101", 3, false),
        identity_number("19850101", 5, true),
    );
    let (status, report) = import(
        &stack,
        &a.admin,
        &a.community,
        "text/csv",
        csv.clone().into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        (report["imported"].as_u64(), report["updated"].as_u64()),
        (Some(3), Some(0))
    );
    let rejected: Vec<(u64, &str)> = report["rejected"]
        .as_array()
        .expect("rejected")
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().expect("line"),
                r["code"].as_str().expect("code"),
            )
        })
        .collect();
    assert_eq!(
        rejected,
        [
            (5, "voter.invalid_id_number"),
            (6, "voter.unknown_resident_group"),
            (7, "voter.invalid_flag"),
            (9, "voter.duplicate_in_file")
        ]
    );
    assert!(
        !report.to_string().contains(&dup),
        "rejections never echo a number"
    );

    let (_, again) = import(
        &stack,
        &a.admin,
        &a.community,
        "text/csv",
        csv.clone().into_bytes(),
    )
    .await;
    assert_eq!(
        (again["imported"].as_u64(), again["updated"].as_u64()),
        (Some(0), Some(0))
    );
    let changed = csv.replace("王一,", "王一一,");
    let (_, third) = import(
        &stack,
        &a.admin,
        &a.community,
        "text/csv",
        changed.into_bytes(),
    )
    .await;
    assert_eq!(
        (third["imported"].as_u64(), third["updated"].as_u64()),
        (Some(0), Some(1))
    );

    // The same person imported into another community is reported, not moved (王一 and 王二
    // name a group that community does not have).
    let (_, other) = import(
        &stack,
        &a.admin,
        &a.other_community,
        "text/csv",
        csv.into_bytes(),
    )
    .await;
    assert_eq!(other["imported"], 0);
    let elsewhere: Vec<u64> = other["rejected"]
        .as_array()
        .expect("rejected")
        .iter()
        .filter(|r| r["code"] == "voter.registered_elsewhere")
        .filter_map(|r| r["line"].as_u64())
        .collect();
    assert_eq!(elsewhere, [8]);

    let (status, problem) = import(
        &stack,
        &a.admin,
        &a.community,
        "text/csv",
        b"name,gender\nx,y\n".to_vec(),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("import.bad_header"))
    );
    let (status, problem) = import(
        &stack,
        &a.admin,
        &a.community,
        "application/pdf",
        b"%PDF".to_vec(),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("request.unsupported_media_type")
        )
    );

    let voters = format!("/api/v1/communities/{}/voters", a.community);
    let (_, found) = stack.get(&format!("{voters}?q=王一"), Some(&a.admin)).await;
    assert_eq!(found["items"].as_array().map(Vec::len), Some(1));
    let (_, by_household) = stack.get(&format!("{voters}?q=0101"), Some(&a.admin)).await;
    assert_eq!(by_household["items"].as_array().map(Vec::len), Some(2));
    let (_, by_group) = stack.get(&format!("{voters}?q=一组"), Some(&a.admin)).await;
    assert_eq!(by_group["items"].as_array().map(Vec::len), Some(2));
    // A whole identity number finds its holder (the venue checks in by number too); the
    // number is matched by its keyed hash and never shown whole.
    let number = identity_number("19600101", 1, true);
    let (_, by_number) = stack
        .get(&format!("{voters}?q={number}"), Some(&a.admin))
        .await;
    let items = by_number["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1, "{by_number}");
    assert!(
        items[0]["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("王一"))
    );
    assert!(!by_number.to_string().contains(&number));
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_xlsx_register_imports_as_a_body_or_a_multipart_file() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["姓名", "身份证号", "性别", "户号"].iter().enumerate() {
        sheet
            .write_string(0, u16::try_from(c).expect("col"), *h)
            .expect("write");
    }
    for i in 0..20u32 {
        let row = i + 1;
        sheet
            .write_string(row, 0, format!("居民{i}"))
            .expect("write");
        let id = if i == 7 {
            "not-a-number".to_owned()
        } else {
            identity_number("19880808", i, i % 2 == 0)
        };
        sheet.write_string(row, 1, id).expect("write");
        sheet
            .write_string(row, 2, if i % 2 == 0 { "男" } else { "女" })
            .expect("write");
        sheet
            .write_string(row, 3, format!("{:04}", i / 3))
            .expect("write");
    }
    let bytes = book.save_to_buffer().expect("xlsx");
    let (status, report) = import(
        &stack,
        &a.admin,
        &a.community,
        juxuan_tests::XLSX,
        bytes.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["imported"], 19);
    assert_eq!(report["rejected"][0]["line"], 9, "the sheet's row number");

    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes)
            .file_name("选民名册.xlsx")
            .mime_str(juxuan_tests::XLSX)
            .expect("mime"),
    );
    let r = stack
        .http
        .post(stack.url(&format!(
            "/api/v1/communities/{}/voters:import",
            a.community
        )))
        .bearer_auth(&a.admin)
        .multipart(form)
        .send()
        .await
        .expect("request");
    let (status, again) = juxuan_tests::decode(r).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(
        (again["imported"].as_u64(), again["updated"].as_u64()),
        (Some(0), Some(0))
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn registers_are_kept_and_read_inside_the_callers_area_only() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    let officer = stack
        .officer(&a.admin, "nl.officer", "community_officer", &a.community)
        .await;
    let teller = stack
        .officer(&a.admin, "nl.teller", "teller", &a.community)
        .await;
    let terminal = stack
        .officer(&a.admin, "nl.terminal", "terminal", &a.community)
        .await;
    let other_street = stack
        .officer(&a.admin, "cb.officer", "street_officer", &a.other_street)
        .await;
    let csv = format!(
        "name,id_number\n赵一,{}\n",
        identity_number("19810101", 1, true)
    );
    assert_eq!(
        import(
            &stack,
            &officer,
            &a.community,
            "text/csv",
            csv.clone().into_bytes()
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        import(
            &stack,
            &officer,
            &a.other_community,
            "text/csv",
            csv.clone().into_bytes()
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        import(
            &stack,
            &teller,
            &a.community,
            "text/csv",
            csv.clone().into_bytes()
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        import(
            &stack,
            &other_street,
            &a.community,
            "text/csv",
            csv.into_bytes()
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let voters = format!("/api/v1/communities/{}/voters", a.community);
    assert_eq!(stack.get(&voters, Some(&teller)).await.0, StatusCode::OK);
    assert_eq!(
        stack.get(&voters, Some(&terminal)).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        stack.get(&voters, Some(&other_street)).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(stack.get(&voters, None).await.0, StatusCode::UNAUTHORIZED);
    stack.stop().await;
}
