//! The report form: preview, download (PDF, XLSX, CSV), filing with the street and the
//! district; the committees' structure with charts; the audit trail of an object.

use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use maud::html;
use serde_json::{Value, json};

use super::poll::file_answer;
use super::{Fields, failure, field, id, respond};
use super::{act, query_problem};
use crate::AppState;
use crate::session::{Session, Ui};
use crate::views;

pub async fn report(
    State(state): State<AppState>,
    s: Session,
    Path(contest): Path<String>,
    Query(query): Query<Fields>,
) -> Response {
    let lang = s.lang;
    let t = |zh, en| lang.pick(zh, en);
    let Some(contest) = id(&contest) else {
        return super::not_found(Ui(lang)).await;
    };
    let r = match state
        .api
        .get(
            &s.token,
            lang,
            &format!("/api/v1/contests/{contest}/report"),
        )
        .await
    {
        Ok(r) => r,
        Err(p) => return failure(lang, &p),
    };
    let election = views::text(&r["election_id"]);
    let filings = state
        .api
        .get(
            &s.token,
            lang,
            &format!("/api/v1/elections/{election}/filings"),
        )
        .await
        .unwrap_or(Value::Null);
    let problem = query_problem(&query);
    let base = format!("/console/contests/{contest}/report");
    let body = html! {
        @if let Some(p) = &problem { (views::problem(p)) }
        @if !field(&query, "done").is_empty() { (views::done(field(&query, "done"))) }
        @if r["drill"] == true { p { (views::drill(lang)) } }
        p {
            (t("下载：", "Download: "))
            a href={(base) "/pdf"} { "PDF（A4）" } "　"
            a href={(base) "/xlsx"} { "XLSX" } "　"
            a href={(base) "/csv"} { "CSV" }
        }
        table {
            tbody {
                @for (label, key) in [("区", "district"), ("街道", "street"), ("社区", "community"), ("选举日", "election_day"),
                    ("应到（选民数）", "electorate"), ("实到（签到）", "checked_in"), ("发出选票", "ballots_issued"),
                    ("收回选票", "ballots_returned"), ("有效票", "valid_ballots"), ("无效票", "invalid_ballots")] {
                    tr { th { (label) } td { (views::text(&r[key])) } }
                }
            }
        }
        h2 { (t("当选人", "Elected")) }
        table {
            thead { tr { th { (t("姓名", "Name")) } th { (t("职位", "Position")) } th.num { (t("得票", "Votes")) } th { (t("性别", "Gender")) } th.num { (t("年龄", "Age")) } th { (t("学历", "Education")) } th { (t("党员", "Party")) } th { (t("证书编号", "Certificate")) } } }
            tbody {
                @for e in r["elected"].as_array().into_iter().flatten() {
                    tr {
                        td { (views::text(&e["name"])) }
                        td { (lang.position(e["position"].as_str().unwrap_or_default())) }
                        td.num { (views::text(&e["votes"])) }
                        td { (match e["gender"].as_str() { Some("female") => t("女", "female"), Some("male") => t("男", "male"), _ => "—" }) }
                        td.num { (views::text(&e["age"])) }
                        td { (lang.education(e["education"].as_str().unwrap_or_default())) }
                        td { @if e["party_member"] == true { "✓" } }
                        td { (views::text(&e["certificate_no"])) }
                    }
                }
            }
        }
        h2 { (t("备案", "Filing")) }
        table {
            thead { tr { th { (t("报送", "To")) } th.num { (t("版本", "Version")) } th { (t("时间", "When")) } th { (t("更正理由", "Reason")) } } }
            tbody {
                @for f in filings["items"].as_array().into_iter().flatten().filter(|f| f["contest_id"] == contest) {
                    tr {
                        td { @if f["to"] == "district" { (t("区民政局", "district")) } @else { (t("街道办事处", "street office")) } }
                        td.num { (views::text(&f["version"])) }
                        td { (views::text(&f["filed_at"])) }
                        td { (views::text(&f["reason"])) }
                    }
                }
            }
        }
        form.card method="post" action={"/console/contests/" (contest) "/file"} {
            (views::csrf(&s.csrf))
            label for="to" { (t("报送至", "File with")) }
            select #to name="to" {
                option value="street" { (t("街道办事处", "the street office")) }
                option value="district" { (t("区民政局", "the district bureau")) }
            }
            label for="reason" { (t("更正理由（报告单有变化再次报送时必填）", "Reason (required when a changed form is filed again)")) }
            input #reason type="text" name="reason";
            (views::field_error(problem.as_ref(), "reason"))
            div { button type="submit" { (t("报送备案", "File")) } }
        }
    };
    respond(views::page(
        lang,
        &format!(
            "{} · {}",
            views::text(&r["community"]),
            t("选举结果报告单", "Results report form")
        ),
        true,
        body,
    ))
}

pub async fn download(
    State(state): State<AppState>,
    s: Session,
    Path((contest, format)): Path<(String, String)>,
) -> Response {
    let lang = s.lang;
    let (Some(contest), true) = (
        id(&contest),
        matches!(format.as_str(), "pdf" | "xlsx" | "csv"),
    ) else {
        return super::not_found(Ui(lang)).await;
    };
    file_answer(
        lang,
        state
            .api
            .file(
                &s.token,
                lang,
                &format!("/api/v1/contests/{contest}/report?format={format}"),
            )
            .await,
    )
}

pub async fn file(
    State(state): State<AppState>,
    s: Session,
    Path(contest): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    let mut body = json!({"to": field(&fields, "to")});
    let reason = field(&fields, "reason").trim();
    if !reason.is_empty() {
        body["reason"] = json!(reason);
    }
    act(
        &state,
        &s,
        &fields,
        &contest,
        |contest| {
            (
                reqwest::Method::POST,
                format!("/api/v1/contests/{contest}/report:file"),
                body,
            )
        },
        |contest| format!("/console/contests/{contest}/report"),
        ("已报送备案", "Filed"),
    )
    .await
}

fn share_rows(
    items: &Value,
    key: &str,
    label: impl Fn(&str) -> String,
) -> Vec<(String, u64, Option<f64>)> {
    items
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| {
            (
                label(b[key].as_str().unwrap_or_default()),
                b["count"].as_u64().unwrap_or(0),
                b["share"].as_f64(),
            )
        })
        .collect()
}

/// The structure of the committees elected in an election, with charts drawn on the server.
pub async fn statistics(
    State(state): State<AppState>,
    s: Session,
    Path(election): Path<String>,
) -> Response {
    let lang = s.lang;
    let t = |zh, en| lang.pick(zh, en);
    let Some(election) = id(&election) else {
        return super::not_found(Ui(lang)).await;
    };
    let st = match state
        .api
        .get(
            &s.token,
            lang,
            &format!("/api/v1/elections/{election}/statistics"),
        )
        .await
    {
        Ok(v) => v,
        Err(p) => return failure(lang, &p),
    };
    let e = &st["elected"];
    let band = |b: &str| match b {
        "up_to_35" => t("35岁及以下", "35 and under").to_owned(),
        "from_36_to_45" => "36–45".to_owned(),
        "from_46_to_55" => "46–55".to_owned(),
        _ => t("56岁及以上", "56 and over").to_owned(),
    };
    let ages = share_rows(&e["age_bands"], "band", band);
    let education = share_rows(&e["education"], "level", |l| lang.education(l).to_owned());
    let pairs = |key: &str, label: &str| {
        (
            label.to_owned(),
            e[key]["count"].as_u64().unwrap_or(0),
            e[key]["share"].as_f64(),
        )
    };
    let make_up = vec![
        pairs("women", t("女性", "women")),
        pairs("party_members", t("中共党员", "party members")),
        pairs(
            "bachelor_or_above",
            t("大学本科以上", "bachelor's or above"),
        ),
    ];
    let body = html! {
        @if st["drill"] == true { p { (views::drill(lang)) " " (t("演练数据不计入全区统计", "Drill figures are left out of the district's")) } }
        p {
            (t("当选总数 ", "Elected ")) strong { (views::text(&st["elected_total"])) }
            " · " (t("平均年龄 ", "average age ")) strong { (views::text(&e["average_age"])) }
            " · " (t("统计的选举单元 ", "contests counted ")) (views::text(&st["contests_counted"]))
        }
        div.grid {
            (views::bars(t("年龄结构", "Age bands"), &ages))
            (views::bars(t("学历", "Education"), &education))
            (views::bars(t("性别、党员、学历", "Women, party, degree"), &make_up))
        }
        @if !st["change"].is_null() {
            h2 { (t("与上届相比", "Compared with the members replaced")) }
            p {
                (t("平均年龄变化 ", "Average age ")) (views::text(&st["change"]["average_age"])) (t(" 岁", " years"))
                " · " (t("本科以上比例变化 ", "Bachelor's share ")) (views::text(&st["change"]["bachelor_or_above_share"])) (t(" 个百分点", " points"))
            }
        }
    };
    respond(views::page(
        lang,
        t("当选人结构统计", "Structure of the elected"),
        true,
        body,
    ))
}

/// The audit trail of an object (supervisors).
pub async fn audit(
    State(state): State<AppState>,
    s: Session,
    Query(query): Query<Fields>,
) -> Response {
    let lang = s.lang;
    let t = |zh, en| lang.pick(zh, en);
    let object = field(&query, "object_id").trim().to_owned();
    let trail = if object.is_empty() {
        None
    } else {
        let q = serde_urlencoded::to_string([("object_id", object.as_str())]).unwrap_or_default();
        Some(
            state
                .api
                .get(&s.token, lang, &format!("/api/v1/audit?{q}"))
                .await,
        )
    };
    let verify = field(&query, "verify") == "1";
    let verified = if verify {
        Some(state.api.get(&s.token, lang, "/api/v1/audit:verify").await)
    } else {
        None
    };
    let body = html! {
        form.card method="get" action="/console/audit" role="search" {
            label for="object_id" { (t("对象标识（如提名、选举单元）", "Object id (a nomination, a contest, …)")) }
            input #object_id type="search" name="object_id" value=(object);
            button type="submit" { (t("查询", "Look up")) }
            a href="/console/audit?verify=1" { (t("校验全部审计链", "Verify every audit chain")) }
        }
        @match &verified {
            Some(Ok(v)) => {
                @if v["intact"] == true { (views::done(t("所有审计链完整", "Every audit chain is intact"))) }
                @else { div.problem { (t("审计链被改动：", "An audit chain was altered: ")) (v.to_string()) } }
                ul { @for c in v["chains"].as_array().into_iter().flatten() { li { (views::text(&c["service"])) "：" (views::text(&c["entries"])) (t(" 条，", " entries, ")) @if c["intact"] == true { (t("完整", "intact")) } @else { span.late { (t("被改动", "altered")) } } } } }
            }
            Some(Err(p)) => (views::problem(p)),
            None => {}
        }
        @match &trail {
            Some(Ok(a)) => {
                table {
                    thead { tr { th { (t("时间", "When")) } th { (t("服务", "Service")) } th { (t("操作", "Action")) } th { (t("操作人", "Actor")) } th { (t("角色", "Role")) } th { (t("摘要", "Digest")) } } }
                    tbody {
                        @for e in a["items"].as_array().into_iter().flatten() {
                            tr {
                                td { (views::text(&e["at"])) } td { (views::text(&e["service"])) } td { code { (views::text(&e["action"])) } }
                                td { (views::text(&e["actor"])) } td { (lang.role(e["role"].as_str().unwrap_or_default())) }
                                td { code.muted { (views::text(&e["digest"]).chars().take(20).collect::<String>()) "…" } }
                            }
                        }
                    }
                }
            }
            Some(Err(p)) => (views::problem(p)),
            None => {}
        }
    };
    respond(views::page(lang, t("审计记录", "Audit trail"), true, body))
}

/// The public notice of the candidates (张榜), passed through from the API.
pub async fn notice(
    State(state): State<AppState>,
    s: Session,
    Path(contest): Path<String>,
) -> Response {
    let lang = s.lang;
    let Some(contest) = id(&contest) else {
        return super::not_found(Ui(lang)).await;
    };
    file_answer(
        lang,
        state
            .api
            .file(
                &s.token,
                lang,
                &format!("/api/v1/contests/{contest}/candidates/notice"),
            )
            .await,
    )
}
