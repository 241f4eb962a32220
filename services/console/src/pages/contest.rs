//! A contest (one community's election): its nominations with every eligibility check, the
//! official candidates, the polls, the result and what comes next; and the review queue with
//! its decisions.

use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde_json::{Value, json};

use super::home::stage_name;
use super::{Fields, act, failure, field, id, query_problem, respond, to};
use crate::AppState;
use crate::api::Problem;
use crate::i18n::Lang;
use crate::session::{Session, Ui};
use crate::views;

async fn get(state: &AppState, s: &Session, path: &str) -> Result<Value, Problem> {
    state.api.get(&s.token, s.lang, path).await
}

pub async fn contest(
    State(state): State<AppState>,
    s: Session,
    Path(contest): Path<String>,
    Query(query): Query<Fields>,
) -> Response {
    let lang = s.lang;
    let Some(contest) = id(&contest) else {
        return super::not_found(Ui(lang)).await;
    };
    // The contest and what hangs off it, asked for at once.
    let path = |tail: &str| format!("/api/v1/contests/{contest}{tail}");
    let (c, n, k, p, r) = (
        path(""),
        path("/nominations"),
        path("/candidates"),
        path("/polls"),
        path("/result"),
    );
    let (c, nominations, candidates, polls, result) = tokio::join!(
        get(&state, &s, &c),
        get(&state, &s, &n),
        get(&state, &s, &k),
        get(&state, &s, &p),
        get(&state, &s, &r),
    );
    let c = match c {
        Ok(c) => c,
        Err(p) => return failure(lang, &p),
    };
    let (nominations, candidates, polls) = (
        nominations.unwrap_or(Value::Null),
        candidates.unwrap_or(Value::Null),
        polls.unwrap_or(Value::Null),
    );
    let status = c["status"].as_str().unwrap_or_default();
    // A result exists once announced; before that the API says so and there is none to show.
    let result = result.ok().filter(|r| !r["elected"].is_null());
    let problem = query_problem(&query);
    let title = format!("{} · {}", views::text(&c["community"]), lang.status(status));
    let body = page(
        lang,
        &s,
        contest,
        &c,
        &nominations,
        &candidates,
        &polls,
        result.as_ref(),
        problem.as_ref(),
        field(&query, "done"),
    );
    respond(views::page(lang, &title, true, body))
}

#[allow(clippy::too_many_arguments)]
fn page(
    lang: Lang,
    s: &Session,
    contest: &str,
    c: &Value,
    nominations: &Value,
    candidates: &Value,
    polls: &Value,
    result: Option<&Value>,
    problem: Option<&Problem>,
    done: &str,
) -> Markup {
    let t = |zh, en| lang.pick(zh, en);
    let status = c["status"].as_str().unwrap_or_default();
    html! {
        @if let Some(p) = problem { (views::problem(p)) }
        @if !done.is_empty() { (views::done(done)) }
        p {
            (views::status(lang, status))
            " " (t("选举日 ", "Election day ")) (views::text(&c["election_day"]))
            " · " a href={"/console/elections/" (views::text(&c["election_id"]))} { (t("返回选举", "Back to the election")) }
            " · " a href={"/console/audit?object_id=" (contest)} { (t("审计记录", "Audit trail")) }
        }
        p {
            @for p in c["positions"].as_array().into_iter().flatten() {
                (lang.position(p["position"].as_str().unwrap_or_default())) " " (views::text(&p["seats"])) (t(" 名　", " seat(s)  "))
            }
        }

        p {
            a href={"/console/communities/" (views::text(&c["community_id"])) "/register"} { (t("选民名册", "Voter register")) }
            @if status == "nominating" {
                "　" a href={"/console/contests/" (contest) "/nominate"} { (t("提交提名", "Submit a nomination")) }
            }
        }
        @if matches!(status, "nominating" | "reviewing" | "published") {
            form.card method="post" action={"/console/contests/" (contest) "/electorate"} {
                (views::csrf(&s.csrf))
                p.muted { (t("公布后选民名单即冻结，投票日按此名单签到。", "Publishing freezes the electorate; check-in follows it.")) }
                button type="submit" { (t("公布选民名单", "Publish the electorate")) }
            }
        }

        h2 { (t("提名", "Nominations")) }
        table {
            thead { tr { th { (t("被提名人", "Nominee")) } th { (t("职位", "Position")) } th { (t("状态", "Status")) } th { (t("资格检查", "Eligibility checks")) } } }
            tbody {
                @for n in nominations["items"].as_array().into_iter().flatten() {
                    tr {
                        td { a href={"/console/nominations/" (views::text(&n["id"]))} { (views::text(&n["nominee"]["name"])) } br; span.muted { (views::text(&n["nominee"]["id_number_masked"])) } }
                        td { (lang.position(n["position"].as_str().unwrap_or_default())) }
                        td { (views::text(&n["status"])) @if let Some(stage) = n["review_stage"].as_str() { br; span.muted { (stage_name(lang, stage)) } } }
                        td {
                            @for check in n["eligibility"]["checks"].as_array().into_iter().flatten() {
                                @let outcome = check["outcome"].as_str().unwrap_or_default();
                                div class=(if outcome == "fail" { "late" } else { "" }) {
                                    (match outcome { "pass" => "✓", "relaxed" => "≈", _ => "✗" }) " " (views::text(&check["detail"]))
                                }
                            }
                        }
                    }
                }
            }
        }

        h2 { (t("正式候选人", "Official candidates")) }
        @if let Some(at) = candidates["published_at"].as_str() {
            p.muted {
                (t("公布于 ", "Published ")) (at) "　"
                a href={"/console/contests/" (contest) "/notice"} { (t("打印张榜公告（A4 PDF）", "Print the public notice (A4 PDF)")) }
            }
        }
        ul {
            @for cand in candidates["items"].as_array().into_iter().flatten() {
                li { (views::text(&cand["name"])) "（" (lang.position(cand["position"].as_str().unwrap_or_default())) "）" }
            }
        }

        @if candidates["published_at"].is_null() && matches!(status, "nominating" | "reviewing") {
            form.card method="post" action={"/console/contests/" (contest) "/candidates"} {
                (views::csrf(&s.csrf))
                p.muted { (t("以上为经三级审查通过的候选人（预览）。公布后名单冻结并张榜。", "Above: the candidates approved at all three stages (preview). Publishing freezes the list for posting.")) }
                button type="submit" { (t("公布正式候选人名单", "Publish the list of candidates")) }
            }
        }

        h2 { (t("投票", "Polls")) }
        table {
            thead { tr { th { (t("轮次", "Round")) } th { (t("方式", "Mode")) } th { (t("状态", "Status")) } th.num { (t("签到", "Checked in")) } th.num { (t("选民", "Electors")) } } }
            tbody {
                @for p in polls["items"].as_array().into_iter().flatten() {
                    tr {
                        td { a href={"/console/polls/" (views::text(&p["id"]))} { (t("第 ", "Round ")) (views::text(&p["round"])) (t(" 轮", "")) } }
                        td { @if p["mode"] == "paper" { (t("纸质选票", "paper")) } @else { (t("电子投票", "electronic")) } }
                        td { @if p["status"] == "open" { (t("进行中", "open")) } @else { (t("已结束", "closed")) } }
                        td.num { (views::text(&p["checked_in"])) }
                        td.num { (views::text(&p["electorate"])) }
                    }
                }
            }
        }
        @if matches!(status, "published" | "polling") {
            form.card method="post" action={"/console/contests/" (contest) "/polls"} {
                (views::csrf(&s.csrf))
                label for="mode" { (t("开始投票（投票方式）", "Open a poll (mode)")) }
                select #mode name="mode" {
                    option value="paper" { (t("纸质选票", "paper ballots")) }
                    option value="electronic" { (t("电子投票", "electronic")) }
                }
                div { button type="submit" { (t("开始投票", "Open the poll")) } }
            }
        }
        @if status == "counted" {
            form.card method="post" action={"/console/contests/" (contest) "/announce"} {
                (views::csrf(&s.csrf))
                p { (t("计票已完成。宣布结果后将生成当选证书。", "Counting is done. Announcing the result issues the certificates.")) }
                button type="submit" { (t("宣布选举结果", "Announce the result")) }
            }
        }
        @if let Some(r) = result {
            h2 { (t("选举结果", "Result")) }
            table {
                thead { tr { th { (t("当选人", "Elected")) } th { (t("职位", "Position")) } th.num { (t("得票", "Votes")) } th { (t("当选证书", "Certificate")) } } }
                tbody {
                    @for e in r["elected"].as_array().into_iter().flatten() {
                        tr {
                            td { (views::text(&e["name"])) }
                            td { (lang.position(e["position"].as_str().unwrap_or_default())) }
                            td.num { (views::text(&e["votes"])) }
                            td { a href={"/console/contests/" (contest) "/certificates/" (views::text(&e["certificate_no"]))} { (views::text(&e["certificate_no"])) } }
                        }
                    }
                }
            }
            p { a href={"/console/contests/" (contest) "/report"} { (t("选举结果报告单", "Results report form")) } }
        }
    }
}

/// The review queue of a stage inside the officer's area, with approve and reject.
pub async fn queue(
    State(state): State<AppState>,
    s: Session,
    Query(query): Query<Fields>,
) -> Response {
    let lang = s.lang;
    let t = |zh, en| lang.pick(zh, en);
    let stage = match field(&query, "stage") {
        "street" => "street",
        "district" => "district",
        _ => "community",
    };
    let q = match get(
        &state,
        &s,
        &format!("/api/v1/review-queue?stage={stage}&limit=200"),
    )
    .await
    {
        Ok(q) => q,
        Err(p) => return failure(lang, &p),
    };
    let problem = query_problem(&query);
    let body = html! {
        nav aria-label=(t("审查阶段", "Stages")) {
            @for st in ["community", "street", "district"] {
                a href={"/console/review?stage=" (st)} aria-current=[(st == stage).then_some("page")] { (stage_name(lang, st)) } "　"
            }
        }
        @if let Some(p) = &problem { (views::problem(p)) }
        @if !field(&query, "done").is_empty() { (views::done(field(&query, "done"))) }
        p { (t("等待审查：", "Waiting: ")) strong { (views::text(&q["count"])) } }
        table {
            thead { tr { th { (t("社区", "Community")) } th { (t("被提名人", "Nominee")) } th { (t("职位", "Position")) } th { (t("资格", "Eligible")) } th { (t("决定", "Decision")) } } }
            tbody {
                @for item in q["items"].as_array().into_iter().flatten() {
                    @let nomination = views::text(&item["nomination_id"]);
                    tr {
                        td { a href={"/console/contests/" (views::text(&item["contest_id"]))} { (views::text(&item["community"])) } @if item["drill"] == true { " " (views::drill(lang)) } }
                        td { (views::text(&item["nominee_name"])) }
                        td { (lang.position(item["position"].as_str().unwrap_or_default())) }
                        td { @if item["eligible"] == true { "✓" } @else { span.late { "✗ " (t("不符合资格条件", "not eligible")) } } }
                        td {
                            form method="post" action={"/console/nominations/" (nomination) "/decide"} {
                                (views::csrf(&s.csrf))
                                input type="hidden" name="stage" value=(stage);
                                label for={"reason-" (nomination)} { (t("理由（不通过时必填）", "Reason (required to reject)")) }
                                input id={"reason-" (nomination)} type="text" name="reason";
                                button type="submit" name="decision" value="approve" { (t("通过", "Approve")) }
                                button.secondary type="submit" name="decision" value="reject" { (t("不通过", "Reject")) }
                            }
                        }
                    }
                }
            }
        }
    };
    respond(views::page(
        lang,
        t("资格审查", "Qualification review"),
        true,
        body,
    ))
}

pub async fn decide(
    State(state): State<AppState>,
    s: Session,
    Path(nomination): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    let stage = match field(&fields, "stage") {
        stage @ ("street" | "district") => stage,
        _ => "community",
    };
    let mut body = json!({"stage": stage, "decision": field(&fields, "decision")});
    let reason = field(&fields, "reason").trim();
    if !reason.is_empty() {
        body["reason"] = json!(reason);
    }
    act(
        &state,
        &s,
        &fields,
        &nomination,
        |nomination| {
            (
                reqwest::Method::POST,
                format!("/api/v1/nominations/{nomination}/decisions"),
                body,
            )
        },
        |_| format!("/console/review?stage={stage}"),
        ("已记录审查决定", "Decision recorded"),
    )
    .await
}

/// The nomination form: nominators and the nominee chosen from the community's register,
/// the nominee's particulars; the API decides eligibility check by check.
#[allow(clippy::too_many_lines)]
fn nomination_form(
    s: &Session,
    contest: &str,
    c: &Value,
    voters: &Value,
    search: &str,
    fields: &Fields,
    outcome: Option<&Result<Value, Problem>>,
) -> Markup {
    let lang = s.lang;
    let t = |zh, en| lang.pick(zh, en);
    let problem = outcome.and_then(|o| o.as_ref().err());
    let checked = outcome.and_then(|o| o.as_ref().ok());
    let chosen = |name: &str, value: &str| fields.iter().any(|(k, v)| k == name && v == value);
    html! {
        @if let Some(p) = problem { (views::problem(p)) }
        @if let Some(check) = checked {
            section.card aria-live="polite" {
                h2 {
                    (t("资格检查结果（尚未提交）", "Eligibility (not submitted yet)")) "："
                    @if check["eligibility"]["eligible"] == true { " ✓ " (t("符合资格条件", "eligible")) }
                    @else { span.late { " ✗ " (t("不符合资格条件", "not eligible")) } }
                }
                ul {
                    @for c in check["eligibility"]["checks"].as_array().into_iter().flatten() {
                        @let outcome = c["outcome"].as_str().unwrap_or_default();
                        li class=(if outcome == "fail" { "late" } else { "" }) {
                            (match outcome { "pass" => "✓", "relaxed" => "≈", _ => "✗" }) " " (views::text(&c["detail"]))
                        }
                    }
                }
            }
        }
        form.card method="get" action={"/console/contests/" (contest) "/nominate"} role="search" {
            label for="q" { (t("在选民名册中查找", "Find in the register")) }
            input #q type="search" name="q" value=(search);
            button type="submit" { (t("查找", "Find")) }
        }
        form.card method="post" action={"/console/contests/" (contest) "/nominate"} {
            (views::csrf(&s.csrf))
            label for="position" { (t("职位", "Position")) }
            select #position name="position" {
                @for p in c["positions"].as_array().into_iter().flatten() {
                    @let position = views::text(&p["position"]);
                    option value=(position) selected[chosen("position", &position)] { (lang.position(&position)) }
                }
            }
            (views::field_error(problem, "position"))
            label for="method" { (t("提名方式", "Method")) }
            select #method name="method" {
                option value="joint_voters" { (t("选民联名提名", "joint nomination by voters")) }
                option value="joint_household_reps" { (t("户代表联名提名", "joint nomination by household representatives")) }
                option value="joint_representatives" { (t("居民代表联名提名", "joint nomination by resident representatives")) }
                option value="self" { (t("自荐", "self-nomination")) }
            }
            table {
                thead { tr { th { (t("提名人", "Nominator")) } th { (t("被提名人", "Nominee")) } th { (t("姓名", "Name")) } th { (t("身份证号", "Identity number")) } } }
                tbody {
                    @for v in voters["items"].as_array().into_iter().flatten() {
                        @let vid = views::text(&v["id"]);
                        tr {
                            td { input type="checkbox" name="nominator" value=(vid) checked[chosen("nominator", &vid)] aria-label={(t("提名人 ", "nominator ")) (views::text(&v["name"]))}; }
                            td { input type="radio" name="nominee" value=(vid) checked[chosen("nominee", &vid)] aria-label={(t("被提名人 ", "nominee ")) (views::text(&v["name"]))}; }
                            td { (views::text(&v["name"])) }
                            td { (views::text(&v["id_number_masked"])) }
                        }
                    }
                }
            }
            (views::field_error(problem, "nominator_ids"))
            (views::field_error(problem, "nominee"))
            fieldset {
                legend { (t("被提名人情况", "The nominee's particulars")) }
                label for="education" { (t("文化程度", "Education")) }
                select #education name="education" {
                    @for level in ["junior_high_or_below", "senior_high", "vocational", "associate", "bachelor", "master", "doctorate"] {
                        option value=(level) selected[chosen("education", level)] { (lang.education(level)) }
                    }
                }
                label { input type="checkbox" name="full_time_degree" value="true" checked[chosen("full_time_degree", "true")]; " " (t("全日制学历", "full-time degree")) }
                label for="swq" { (t("社会工作职业资格", "Social work qualification")) }
                select #swq name="social_work_qualification" {
                    option value="none" { (t("无", "none")) }
                    option value="assistant" { (t("助理社会工作师", "assistant")) }
                    option value="intermediate" { (t("社会工作师", "intermediate")) }
                    option value="senior" { (t("高级社会工作师", "senior")) }
                }
                label for="months" { (t("社区工作月数", "Months of community work")) }
                input #months type="number" name="community_work_months" min="0" value=(if field(fields, "community_work_months").is_empty() { "0" } else { field(fields, "community_work_months") });
                label { input type="checkbox" name="resides_in_community" value="true" checked[fields.is_empty() || chosen("resides_in_community", "true")]; " " (t("居住在本社区", "lives in the community")) }
                label { input type="checkbox" name="party_member" value="true" checked[chosen("party_member", "true")]; " " (t("中共党员", "party member")) }
                label { input type="checkbox" name="committee_consent" value="true" checked[chosen("committee_consent", "true")]; " " (t("经居委会同意", "with the committee's consent")) }
            }
            div {
                button.secondary type="submit" name="action" value="check" { (t("检查资格（不提交）", "Check eligibility (no submission)")) }
                button type="submit" name="action" value="submit" { (t("提交提名", "Submit the nomination")) }
            }
        }
    }
}

async fn nomination_page(
    state: &AppState,
    s: &Session,
    contest: &str,
    search: &str,
    fields: &Fields,
    outcome: Option<&Result<Value, Problem>>,
) -> Response {
    let lang = s.lang;
    let c = match get(state, s, &format!("/api/v1/contests/{contest}")).await {
        Ok(c) => c,
        Err(p) => return failure(lang, &p),
    };
    let q = serde_urlencoded::to_string([("q", search), ("limit", "200")]).unwrap_or_default();
    let voters = get(
        state,
        s,
        &format!(
            "/api/v1/communities/{}/voters?{q}",
            views::text(&c["community_id"])
        ),
    )
    .await
    .unwrap_or(Value::Null);
    let body = nomination_form(s, contest, &c, &voters, search, fields, outcome);
    let title = format!(
        "{} · {}",
        views::text(&c["community"]),
        lang.pick("提名", "Nomination")
    );
    let status = if outcome.is_some_and(|o| o.is_err()) {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    (status, respond(views::page(lang, &title, true, body))).into_response()
}

pub async fn nominate_form(
    State(state): State<AppState>,
    s: Session,
    Path(contest): Path<String>,
    Query(query): Query<Fields>,
) -> Response {
    let Some(contest) = id(&contest) else {
        return super::not_found(Ui(s.lang)).await;
    };
    let search = field(&query, "q").trim().to_owned();
    nomination_page(&state, &s, contest, &search, &Vec::new(), None).await
}

pub async fn nominate(
    State(state): State<AppState>,
    s: Session,
    Path(contest): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    let lang = s.lang;
    if !s.csrf_ok(field(&fields, "_csrf")) {
        return super::forbidden_form(lang);
    }
    let Some(contest) = id(&contest) else {
        return super::not_found(Ui(lang)).await;
    };
    let flag = |name: &str| field(&fields, name) == "true";
    let body = json!({
        "position": field(&fields, "position"),
        "method": field(&fields, "method"),
        "nominator_ids": super::all(&fields, "nominator"),
        "nominee": {
            "voter_id": field(&fields, "nominee"),
            "education": field(&fields, "education"),
            "full_time_degree": flag("full_time_degree"),
            "social_work_qualification": field(&fields, "social_work_qualification"),
            "social_work_graduate": false,
            "community_work_months": field(&fields, "community_work_months").parse::<u32>().unwrap_or(0),
            "honours": [],
            "outstanding_contribution": false,
            "resides_in_community": flag("resides_in_community"),
            "committee_consent": flag("committee_consent"),
            "party_member": flag("party_member"),
            "disqualifications": [],
        },
    });
    if field(&fields, "action") == "check" {
        let checked = state
            .api
            .send(
                &s.token,
                lang,
                reqwest::Method::POST,
                &format!("/api/v1/contests/{contest}/nominations:check"),
                &body,
            )
            .await;
        if let Err(p) = &checked
            && p.status == 401
        {
            return failure(lang, p);
        }
        return nomination_page(&state, &s, contest, "", &fields, Some(&checked)).await;
    }
    match state
        .api
        .send(
            &s.token,
            lang,
            reqwest::Method::POST,
            &format!("/api/v1/contests/{contest}/nominations"),
            &body,
        )
        .await
    {
        Ok(n) => {
            let eligible = n["eligibility"]["eligible"] == true;
            let done = if eligible {
                lang.pick(
                    "提名已提交，资格检查全部通过",
                    "Nomination submitted; every eligibility check passed",
                )
            } else {
                lang.pick(
                    "提名已记录，但被提名人不符合资格条件（见下表）",
                    "Nomination recorded, but the nominee is not eligible (see below)",
                )
            };
            to(&format!("/console/contests/{contest}"), &[("done", done)])
        }
        Err(p) if p.status == 401 => failure(lang, &p),
        Err(p) => nomination_page(&state, &s, contest, "", &fields, Some(&Err(p))).await,
    }
}

pub async fn publish_candidates(
    State(state): State<AppState>,
    s: Session,
    Path(contest): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    act(
        &state,
        &s,
        &fields,
        &contest,
        |contest| {
            (
                reqwest::Method::POST,
                format!("/api/v1/contests/{contest}/candidates:publish"),
                json!({}),
            )
        },
        |contest| format!("/console/contests/{contest}"),
        (
            "正式候选人名单已公布",
            "The list of candidates is published",
        ),
    )
    .await
}

/// A nomination with its eligibility checks and the full history of its review.
pub async fn nomination(
    State(state): State<AppState>,
    s: Session,
    Path(nomination): Path<String>,
) -> Response {
    let lang = s.lang;
    let t = |zh, en| lang.pick(zh, en);
    let Some(nomination) = id(&nomination) else {
        return super::not_found(Ui(lang)).await;
    };
    let (n, d) = (
        format!("/api/v1/nominations/{nomination}"),
        format!("/api/v1/nominations/{nomination}/decisions"),
    );
    let (n, decisions) = tokio::join!(get(&state, &s, &n), get(&state, &s, &d));
    let n = match n {
        Ok(n) => n,
        Err(p) => return failure(lang, &p),
    };
    let decisions = decisions.unwrap_or(Value::Null);
    let body = html! {
        p {
            (lang.position(n["position"].as_str().unwrap_or_default())) " · " (views::text(&n["status"]))
            " · " a href={"/console/contests/" (views::text(&n["contest_id"]))} { (t("返回选举单元", "Back to the contest")) }
            " · " a href={"/console/audit?object_id=" (nomination)} { (t("审计记录", "Audit trail")) }
        }
        p { (views::text(&n["nominee"]["name"])) "　" span.muted { (views::text(&n["nominee"]["id_number_masked"])) } }
        h2 { (t("资格检查", "Eligibility checks")) }
        ul {
            @for check in n["eligibility"]["checks"].as_array().into_iter().flatten() {
                @let outcome = check["outcome"].as_str().unwrap_or_default();
                li class=(if outcome == "fail" { "late" } else { "" }) {
                    (match outcome { "pass" => "✓", "relaxed" => "≈", _ => "✗" }) " " (views::text(&check["detail"]))
                }
            }
        }
        h2 { (t("审查记录", "Review history")) }
        table {
            thead { tr { th { (t("阶段", "Stage")) } th { (t("决定", "Decision")) } th { (t("理由", "Reason")) } th { (t("审查人", "By")) } th { (t("时间", "When")) } } }
            tbody {
                @for d in decisions["items"].as_array().into_iter().flatten() {
                    tr {
                        td { (super::home::stage_name(lang, d["stage"].as_str().unwrap_or_default())) }
                        td { @if d["decision"] == "approve" { (t("通过", "approved")) } @else { span.late { (t("不通过", "rejected")) } } }
                        td { (views::text(&d["reason"])) }
                        td { (views::text(&d["decided_by"])) " " span.muted { (lang.role(d["role"].as_str().unwrap_or_default())) } }
                        td { (views::text(&d["decided_at"])) }
                    }
                }
            }
        }
    };
    respond(views::page(
        lang,
        t("提名与审查记录", "Nomination and its review"),
        true,
        body,
    ))
}
