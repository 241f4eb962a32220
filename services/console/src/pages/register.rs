//! A community's voter register: search, upload a CSV or XLSX file (with a progress bar and the
//! rejected lines to download), and publishing a contest's electorate.

use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use maud::html;
use serde_json::{Value, json};

use super::query_problem;
use super::{Fields, failure, field, id, respond};
use crate::AppState;
use crate::i18n::Lang;
use crate::session::{Session, Ui};
use crate::views;

/// The largest file the console passes on (the API's own limit is 32 MiB).
const MAX_UPLOAD: usize = 32 * 1024 * 1024;

fn page(
    lang: Lang,
    s: &Session,
    community: &str,
    search: &str,
    voters: &Value,
    result: Option<&Value>,
    problem: Option<&crate::api::Problem>,
) -> maud::Markup {
    let t = |zh, en| lang.pick(zh, en);
    html! {
        @if let Some(p) = problem { (views::problem(p)) }
        @if let Some(r) = result {
            (views::done(&format!("{}{}{}{}", t("新增 ", "Imported "), views::text(&r["imported"]), t("，更新 ", ", updated "), views::text(&r["updated"]))))
            @let rejected = r["rejected"].as_array().cloned().unwrap_or_default();
            @if !rejected.is_empty() {
                h2 { (t("未导入的行", "Rejected lines")) " (" (rejected.len()) ")" }
                @let csv = rejected.iter().fold(String::from("\u{feff}line,code,reason\n"), |mut out, l| {
                    let cells = [views::text(&l["line"]), views::text(&l["code"]), views::text(&l["reason"])];
                    out.push_str(&cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","));
                    out.push('\n');
                    out
                });
                p { a download="rejected-lines.csv" href={"data:text/csv;charset=utf-8," (percent(&csv))} { (t("下载未导入的行（CSV）", "Download the rejected lines (CSV)")) } }
                table {
                    thead { tr { th.num { (t("行号", "Line")) } th { (t("原因", "Reason")) } } }
                    tbody { @for l in &rejected { tr { td.num { (views::text(&l["line"])) } td { (views::text(&l["reason"])) } } } }
                }
            }
        }
        form.card method="post" action={"/console/communities/" (community) "/register"} enctype="multipart/form-data" data-upload {
            input type="hidden" name="_csrf" value=(s.csrf);
            label for="file" { (t("上传选民名册（CSV 或 XLSX）", "Upload the register (CSV or XLSX)")) }
            input #file type="file" name="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required;
            progress hidden max="100" value="0" {}
            div { button type="submit" { (t("上传", "Upload")) } }
        }
        form.card method="get" action={"/console/communities/" (community) "/register"} role="search" {
            label for="q" { (t("查找（姓名、户号、居民小组）", "Find (name, household, resident group)")) }
            input #q type="search" name="q" value=(search);
            button type="submit" { (t("查找", "Find")) }
        }
        table {
            thead { tr { th { (t("姓名", "Name")) } th { (t("身份证号", "Identity number")) } th { (t("性别", "Gender")) } th { (t("出生日期", "Born")) } th { (t("户号", "Household")) } th { (t("居民小组", "Group")) } } }
            tbody {
                @for v in voters["items"].as_array().into_iter().flatten() {
                    tr {
                        td { (views::text(&v["name"])) } td { (views::text(&v["id_number_masked"])) }
                        td { (match v["gender"].as_str() { Some("female") => t("女", "F"), Some("male") => t("男", "M"), _ => "—" }) }
                        td { (views::text(&v["birth_date"])) } td { (views::text(&v["household_no"])) } td { (views::text(&v["resident_group"])) }
                    }
                }
            }
        }
    }
}

/// A CSV cell, quoted, and never read as a formula by a spreadsheet.
fn csv_cell(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

/// Percent-encodes text for a `data:` link.
fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~,".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn voters(
    state: &AppState,
    s: &Session,
    community: &str,
    search: &str,
) -> Result<Value, crate::api::Problem> {
    let q = serde_urlencoded::to_string([("q", search), ("limit", "200")]).unwrap_or_default();
    state
        .api
        .get(
            &s.token,
            s.lang,
            &format!("/api/v1/communities/{community}/voters?{q}"),
        )
        .await
}

pub async fn register(
    State(state): State<AppState>,
    s: Session,
    Path(community): Path<String>,
    Query(query): Query<Fields>,
) -> Response {
    let lang = s.lang;
    let Some(community) = id(&community) else {
        return super::not_found(Ui(lang)).await;
    };
    let search = field(&query, "q").trim().to_owned();
    let list = match voters(&state, &s, community, &search).await {
        Ok(v) => v,
        Err(p) => return failure(lang, &p),
    };
    let problem = query_problem(&query);
    let body = page(lang, &s, community, &search, &list, None, problem.as_ref());
    respond(views::page(
        lang,
        lang.pick("选民登记", "Voter register"),
        true,
        body,
    ))
}

pub async fn upload(
    State(state): State<AppState>,
    s: Session,
    Path(community): Path<String>,
    mut form: Multipart,
) -> Response {
    let lang = s.lang;
    let Some(community) = id(&community) else {
        return super::not_found(Ui(lang)).await;
    };
    let (mut csrf, mut file) = (String::new(), None);
    while let Ok(Some(part)) = form.next_field().await {
        match part.name() {
            Some("_csrf") => csrf = part.text().await.unwrap_or_default(),
            Some("file") => {
                let name = part.file_name().unwrap_or_default().to_lowercase();
                let kind = if name.ends_with(".xlsx") {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                } else {
                    "text/csv"
                };
                match part.bytes().await {
                    Ok(bytes) if bytes.len() <= MAX_UPLOAD => file = Some((kind, bytes.to_vec())),
                    _ => file = None,
                }
            }
            _ => {}
        }
    }
    if !s.csrf_ok(&csrf) {
        return super::forbidden_form(lang);
    }
    let outcome = match file {
        Some((kind, bytes)) => {
            state
                .api
                .upload(
                    &s.token,
                    lang,
                    &format!("/api/v1/communities/{community}/voters:import"),
                    kind,
                    bytes,
                )
                .await
        }
        None => Err(crate::api::Problem {
            status: 400,
            code: "console.no_file".into(),
            title: lang.pick("没有文件", "No file").into(),
            detail: lang
                .pick(
                    "请选择不超过 32 MB 的 CSV 或 XLSX 文件。",
                    "Choose a CSV or XLSX file of at most 32 MB.",
                )
                .into(),
            fields: Vec::new(),
        }),
    };
    let list = voters(&state, &s, community, "")
        .await
        .unwrap_or(Value::Null);
    let body = match &outcome {
        Ok(result) => page(lang, &s, community, "", &list, Some(result), None),
        Err(p) if p.status == 401 => return failure(lang, p),
        Err(p) => page(lang, &s, community, "", &list, None, Some(p)),
    };
    respond(views::page(
        lang,
        lang.pick("选民登记", "Voter register"),
        true,
        body,
    ))
}

pub async fn publish_electorate(
    State(state): State<AppState>,
    s: Session,
    Path(contest): Path<String>,
    axum::extract::Form(fields): axum::extract::Form<Fields>,
) -> Response {
    super::act(
        &state,
        &s,
        &fields,
        &contest,
        |contest| {
            (
                reqwest::Method::POST,
                format!("/api/v1/contests/{contest}/electorate:publish"),
                json!({}),
            )
        },
        |contest| format!("/console/contests/{contest}"),
        ("选民名单已公布", "Electorate published"),
    )
    .await
}
