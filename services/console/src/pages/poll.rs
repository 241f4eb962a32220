//! Election day at the venue: open a poll, check electors in (search by name, a large 已签到
//! confirmation, live turnout), enter paper ballots fast from the keyboard, close and read the
//! tally with each position's rule outcome, announce, print certificates.

use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde_json::{Value, json};

use super::{Fields, all, failure, field, id, respond};
use super::{act, after, back_with, query_problem, to};
use crate::AppState;
use crate::i18n::Lang;
use crate::session::{Session, Ui};
use crate::views;

fn post(
    state: &AppState,
    s: &Session,
    path: String,
    body: Value,
) -> impl Future<Output = Result<Value, crate::api::Problem>> {
    let (api, token, lang) = (state.api.clone(), s.token.clone(), s.lang);
    async move {
        api.send(&token, lang, reqwest::Method::POST, &path, &body)
            .await
    }
}

pub async fn open(
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
    let mode = if field(&fields, "mode") == "electronic" {
        "electronic"
    } else {
        "paper"
    };
    match post(
        &state,
        &s,
        format!("/api/v1/contests/{contest}/polls"),
        json!({"mode": mode}),
    )
    .await
    {
        Ok(poll) => to(
            &format!("/console/polls/{}", views::text(&poll["id"])),
            &[("done", lang.pick("投票已开始", "The poll is open"))],
        ),
        Err(p) if p.status == 401 => failure(lang, &p),
        Err(p) => back_with(&format!("/console/contests/{contest}"), &p),
    }
}

/// The live figures of a poll (refreshed every few seconds by the page's script).
fn figures(lang: Lang, poll: &Value) -> Markup {
    let t = |zh, en| lang.pick(zh, en);
    let turnout = poll["turnout"].as_f64().unwrap_or(0.0) * 100.0;
    html! {
        p.turnout {
            (t("已签到 ", "Checked in ")) (views::text(&poll["checked_in"])) " / " (views::text(&poll["electorate"]))
            "　(" (format!("{turnout:.1}")) "%)"
        }
        p.muted { (t("已发出选票 ", "Ballots issued ")) (views::text(&poll["ballots_issued"])) " · " (t("已收回 ", "returned ")) (views::text(&poll["ballots_returned"])) }
    }
}

pub async fn live(State(state): State<AppState>, s: Session, Path(poll): Path<String>) -> Response {
    let Some(poll) = id(&poll) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match state
        .api
        .get(&s.token, s.lang, &format!("/api/v1/polls/{poll}"))
        .await
    {
        Ok(p) => respond(figures(s.lang, &p)),
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}

/// The poll's screen: live turnout, check-in by name, the way to paper entry, close, tally.
pub async fn poll(
    State(state): State<AppState>,
    s: Session,
    Path(poll_id): Path<String>,
    Query(query): Query<Fields>,
) -> Response {
    let lang = s.lang;
    let t = |zh, en| lang.pick(zh, en);
    let Some(poll_id) = id(&poll_id) else {
        return super::not_found(Ui(lang)).await;
    };
    let poll = match state
        .api
        .get(&s.token, lang, &format!("/api/v1/polls/{poll_id}"))
        .await
    {
        Ok(p) => p,
        Err(p) => return failure(lang, &p),
    };
    let contest_id = views::text(&poll["contest_id"]);
    let contest = state
        .api
        .get(&s.token, lang, &format!("/api/v1/contests/{contest_id}"))
        .await
        .unwrap_or(Value::Null);
    let open = poll["status"] == "open";
    // A search comes by POST and its flash: an identity number never sits in a URL.
    let search = field(&query, "search").trim().to_owned();
    let voters = if open && !search.is_empty() {
        let q = serde_urlencoded::to_string([("q", search.as_str()), ("limit", "20")])
            .unwrap_or_default();
        state
            .api
            .get(
                &s.token,
                lang,
                &format!(
                    "/api/v1/communities/{}/voters?{q}",
                    views::text(&contest["community_id"])
                ),
            )
            .await
            .ok()
    } else {
        None
    };
    let tally = if open {
        None
    } else {
        state
            .api
            .get(&s.token, lang, &format!("/api/v1/polls/{poll_id}/tally"))
            .await
            .ok()
    };
    let problem = query_problem(&query);
    let checked_in = field(&query, "checked_in");
    let token = field(&query, "ballot_token");
    let title = format!(
        "{} · {}{}{}",
        views::text(&contest["community"]),
        t("第 ", "round "),
        views::text(&poll["round"]),
        t(" 轮投票", "")
    );
    let body = html! {
        @if poll["drill"] == true { p { (views::drill(lang)) } }
        @if let Some(p) = &problem { (views::problem(p)) }
        @if !checked_in.is_empty() {
            div.checked-in role="status" { "已签到" br; span { (checked_in) } }
            @if !token.is_empty() {
                p { (t("电子选票凭证（交给投票终端）：", "Ballot token (for the voting terminal): ")) code { (token) } }
            }
        }
        @if !field(&query, "done").is_empty() { (views::done(field(&query, "done"))) }
        div data-live={"/console/polls/" (poll_id) "/live"} { (figures(lang, &poll)) }
        p { a href={"/console/contests/" (contest_id)} { (t("返回选举单元", "Back to the contest")) } }
        @if open {
            h2 { (t("选民签到", "Check-in")) }
            form.card method="post" action={"/console/polls/" (poll_id) "/search"} role="search" {
                (views::csrf(&s.csrf))
                label for="q" { (t("按姓名或身份证号查找选民", "Find an elector by name or identity number")) }
                input #q type="search" name="q" value=(search) autofocus autocomplete="off";
                button type="submit" { (t("查找", "Find")) }
            }
            @if let Some(v) = &voters {
                table {
                    thead { tr { th { (t("姓名", "Name")) } th { (t("身份证号", "Identity number")) } th { (t("居民小组", "Resident group")) } th {} } }
                    tbody {
                        @for voter in v["items"].as_array().into_iter().flatten() {
                            tr {
                                td { (views::text(&voter["name"])) }
                                td { (views::text(&voter["id_number_masked"])) }
                                td { (views::text(&voter["resident_group"])) }
                                td {
                                    form method="post" action={"/console/polls/" (poll_id) "/checkin"} {
                                        (views::csrf(&s.csrf))
                                        input type="hidden" name="voter_id" value=(views::text(&voter["id"]));
                                        input type="hidden" name="name" value=(views::text(&voter["name"]));
                                        button type="submit" { (t("签到", "Check in")) }
                                    }
                                }
                            }
                        }
                    }
                }
                @if v["items"].as_array().is_none_or(Vec::is_empty) { p.muted { (t("没有找到该选民", "No elector found")) } }
            }
            @if poll["mode"] == "paper" {
                p { a href={"/console/polls/" (poll_id) "/paper"} { (t("录入纸质选票 →", "Enter paper ballots →")) } }
            }
            form.card method="post" action={"/console/polls/" (poll_id) "/close"} {
                (views::csrf(&s.csrf))
                p { (t("结束投票后立即计票，不能再签到或投票。", "Closing counts the ballots at once; no more check-ins or ballots.")) }
                button type="submit" { (t("结束投票并计票", "Close and count")) }
            }
        }
        @if let Some(tally) = &tally {
            (tally_view(lang, tally))
            @let next_round = tally["positions"].as_array().into_iter().flatten().any(|p| !p["next_round"].is_null())
                || tally["next_round"].is_string();
            @if tally["valid"] == true && !next_round {
                form.card method="post" action={"/console/contests/" (contest_id) "/announce"} {
                    (views::csrf(&s.csrf))
                    p { (t("计票已完成。宣布结果后将生成当选证书。", "Counting is done. Announcing the result issues the certificates.")) }
                    button type="submit" { (t("宣布选举结果", "Announce the result")) }
                }
            } @else if next_round {
                form.card method="post" action={"/console/contests/" (contest_id) "/polls"} {
                    (views::csrf(&s.csrf))
                    p { (t("按计票结果须进行下一轮投票。", "The tally calls for a further round.")) }
                    input type="hidden" name="mode" value=(views::text(&poll["mode"]));
                    button type="submit" { (t("开始下一轮投票", "Open the next round")) }
                }
            }
        }
    };
    respond(views::page(lang, &title, true, body))
}

/// The tally with what each rule decided.
fn tally_view(lang: Lang, tally: &Value) -> Markup {
    let t = |zh, en| lang.pick(zh, en);
    html! {
        h2 { (t("计票结果", "Tally")) }
        @if tally["valid"] == false {
            div.problem {
                (t("本轮投票无效：", "This round is void: "))
                (match tally["failure"].as_str() {
                    Some("quorum_not_met") => t("参加投票的人数未达到规定", "too few electors voted for the round to count"),
                    Some("more_ballots_than_issued") => t("收回的选票多于发出的选票", "more ballots returned than issued"),
                    _ => t("见计票记录", "see the tally"),
                })
            }
        }
        p {
            (t("选民 ", "Electors ")) (views::text(&tally["electorate"]))
            " · " (t("发出 ", "issued ")) (views::text(&tally["ballots_issued"]))
            " · " (t("收回 ", "returned ")) (views::text(&tally["ballots_returned"]))
            " · " (t("有效 ", "valid ")) (views::text(&tally["valid_ballots"]))
            " · " (t("无效 ", "invalid ")) (views::text(&tally["invalid_ballots"]))
        }
        @for p in tally["positions"].as_array().into_iter().flatten() {
            h3 { (lang.position(p["position"].as_str().unwrap_or_default())) "（" (views::text(&p["seats"])) (t(" 名）", " seat(s))")) }
            p.muted {
                (t("当选所需票数：", "Votes needed to be elected: ")) (views::text(&p["threshold_votes"]))
                @if let Some(next) = p["next_round"].as_str() {
                    " · " span.late { (match next {
                        "tie_break" => t("票数相等，须再次投票", "a tie: vote again between them"),
                        "additional_election" => t("名额未满，须另行选举", "seats unfilled: an additional election"),
                        "revote" => t("收回票多于发出票，重新投票", "more ballots returned than issued: vote again"),
                        _ => next,
                    }) }
                }
            }
            table {
                thead { tr { th { (t("姓名", "Name")) } th.num { (t("得票", "Votes")) } th { (t("当选", "Elected")) } } }
                tbody {
                    @for c in p["candidates"].as_array().into_iter().flatten() {
                        tr { td { (views::text(&c["name"])) } td.num { (views::text(&c["votes"])) } td { @if c["elected"] == true { "✓" } } }
                    }
                    @for w in p["write_ins"].as_array().into_iter().flatten() {
                        tr {
                            td { (views::text(&w["name"])) " " span.muted { (t("（另选他人）", "(write-in)")) } @if w["registered"] == false { " " span.late { (t("非本社区登记选民，不能当选", "not registered here: cannot be elected")) } } }
                            td.num { (views::text(&w["votes"])) }
                            td { @if w["elected"] == true { "✓" } }
                        }
                    }
                }
            }
        }
        p.muted { (t("计票摘要 ", "Digest ")) code { (views::text(&tally["ballots_digest"])) } }
    }
}

pub async fn check_in(
    State(state): State<AppState>,
    s: Session,
    Path(poll): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    let lang = s.lang;
    if !s.csrf_ok(field(&fields, "_csrf")) {
        return super::forbidden_form(lang);
    }
    let Some(poll) = id(&poll) else {
        return super::not_found(Ui(lang)).await;
    };
    let back = format!("/console/polls/{poll}");
    match post(
        &state,
        &s,
        format!("/api/v1/polls/{poll}/checkins"),
        json!({"voter_id": field(&fields, "voter_id")}),
    )
    .await
    {
        Ok(answer) => {
            let token = answer["ballot_token"].as_str().unwrap_or_default();
            to(
                &back,
                &[
                    ("checked_in", field(&fields, "name")),
                    ("ballot_token", token),
                ],
            )
        }
        Err(p) if p.status == 401 => failure(lang, &p),
        Err(p) => back_with(&back, &p),
    }
}

/// The paper-ballot entry screen: one ballot per Enter, the first box focused again after each.
pub async fn paper_form(
    State(state): State<AppState>,
    s: Session,
    Path(poll_id): Path<String>,
    Query(query): Query<Fields>,
) -> Response {
    let lang = s.lang;
    let t = |zh, en| lang.pick(zh, en);
    let Some(poll_id) = id(&poll_id) else {
        return super::not_found(Ui(lang)).await;
    };
    let poll = match state
        .api
        .get(&s.token, lang, &format!("/api/v1/polls/{poll_id}"))
        .await
    {
        Ok(p) => p,
        Err(p) => return failure(lang, &p),
    };
    let problem = query_problem(&query);
    let body = html! {
        @if let Some(p) = &problem { (views::problem(p)) }
        @if !field(&query, "done").is_empty() { (views::done(field(&query, "done"))) }
        @if id(field(&query, "last")).is_some() {
            form.inline method="post" action={"/console/polls/" (poll_id) "/paper/undo"} {
                (views::csrf(&s.csrf))
                input type="hidden" name="ballot_id" value=(field(&query, "last"));
                button.secondary type="submit" { (t("撤销刚录入的这张选票", "Take back the ballot just entered")) }
            }
        }
        div data-live={"/console/polls/" (poll_id) "/live"} { (figures(lang, &poll)) }
        p.muted { (t("勾选候选人或填写另选他人后按回车提交一张选票；空白选票直接回车。", "Tick candidates or type write-ins, then Enter records one ballot; Enter alone records a blank one.")) }
        form.card method="post" action={"/console/polls/" (poll_id) "/paper"} data-paper-entry {
            (views::csrf(&s.csrf))
            @for (i, p) in poll["positions"].as_array().into_iter().flatten().enumerate() {
                @let position = views::text(&p["position"]);
                fieldset {
                    legend { (lang.position(&position)) "（" (t("应选 ", "seats ")) (views::text(&p["seats"])) "）" }
                    @for c in p["candidates"].as_array().into_iter().flatten() {
                        label {
                            input type="checkbox" name={"c:" (position)} value=(views::text(&c["candidate_id"]));
                            " " (views::text(&c["name"]))
                        }
                    }
                    label for={"w" (i)} { (t("另选他人（多人用逗号分隔）", "Write-ins (comma-separated)")) }
                    input id={"w" (i)} type="text" name={"w:" (position)} autocomplete="off";
                }
            }
            label { input type="checkbox" name="spoiled" value="true"; " " (t("废票（无法辨认）", "Spoiled (unreadable)")) }
            div { button type="submit" { (t("录入这张选票（回车）", "Record this ballot (Enter)")) } }
        }
        p { a href={"/console/polls/" (poll_id)} { (t("返回投票", "Back to the poll")) } }
    };
    respond(views::page(
        lang,
        t("录入纸质选票", "Paper ballot entry"),
        true,
        body,
    ))
}

pub async fn paper(
    State(state): State<AppState>,
    s: Session,
    Path(poll): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    let lang = s.lang;
    if !s.csrf_ok(field(&fields, "_csrf")) {
        return super::forbidden_form(lang);
    }
    let Some(poll) = id(&poll) else {
        return super::not_found(Ui(lang)).await;
    };
    // Positions as the form named them: `c:<position>` boxes and `w:<position>` write-ins.
    let mut positions: Vec<String> = fields
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("c:").or_else(|| k.strip_prefix("w:")))
        .map(str::to_owned)
        .collect();
    positions.sort();
    positions.dedup();
    let choices: Vec<Value> = positions
        .iter()
        .map(|position| {
            let write_ins: Vec<&str> = all(&fields, &format!("w:{position}"))
                .iter()
                .flat_map(|w| w.split([',', '，', '、']))
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .collect();
            json!({"position": position, "candidate_ids": all(&fields, &format!("c:{position}")), "write_ins": write_ins})
        })
        .collect();
    let body = json!({"choices": choices, "spoiled": field(&fields, "spoiled") == "true"});
    let outcome = post(
        &state,
        &s,
        format!("/api/v1/polls/{poll}/paper-ballots"),
        body,
    )
    .await;
    let done = match &outcome {
        Ok(b) if b["valid"] == false => lang.pick("已录入（无效票）", "Recorded (invalid ballot)"),
        _ => lang.pick("已录入一张选票", "One ballot recorded"),
    };
    match outcome {
        // The entry's id comes back so that the teller can take it back before close.
        Ok(b) => to(
            &format!("/console/polls/{poll}/paper"),
            &[
                ("done", done),
                ("last", b["id"].as_str().unwrap_or_default()),
            ],
        ),
        other => after(lang, &format!("/console/polls/{poll}/paper"), other, done),
    }
}

pub async fn close(
    State(state): State<AppState>,
    s: Session,
    Path(poll): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    act(
        &state,
        &s,
        &fields,
        &poll,
        |poll| {
            (
                reqwest::Method::POST,
                format!("/api/v1/polls/{poll}:close"),
                json!({}),
            )
        },
        |poll| format!("/console/polls/{poll}"),
        ("投票已结束，计票完成", "Closed and counted"),
    )
    .await
}

pub async fn announce(
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
                format!("/api/v1/contests/{contest}/result:announce"),
                json!({}),
            )
        },
        |contest| format!("/console/contests/{contest}"),
        ("选举结果已宣布", "The result is announced"),
    )
    .await
}

/// A certificate (PDF) passed through from the API.
pub async fn certificate(
    State(state): State<AppState>,
    s: Session,
    Path((contest, number)): Path<(String, String)>,
) -> Response {
    let lang = s.lang;
    let Some(contest) = id(&contest) else {
        return super::not_found(Ui(lang)).await;
    };
    if !number
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return super::not_found(Ui(lang)).await;
    }
    file_answer(
        lang,
        state
            .api
            .file(
                &s.token,
                lang,
                &format!("/api/v1/contests/{contest}/certificates/{number}"),
            )
            .await,
    )
}

/// A file from the API as a download, or its problem as a page.
pub fn file_answer(lang: Lang, file: Result<crate::api::File, crate::api::Problem>) -> Response {
    match file {
        Ok(f) => {
            let mut response = (StatusCode::OK, f.bytes).into_response();
            if let Ok(v) = f.content_type.parse() {
                response.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            if let Some(d) = f.disposition.and_then(|d| d.parse().ok()) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_DISPOSITION, d);
            }
            response
        }
        Err(p) => failure(lang, &p),
    }
}

/// Takes back the paper ballot just entered (before close).
pub async fn undo_paper(
    State(state): State<AppState>,
    s: Session,
    Path(poll): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    let Some(ballot) = id(field(&fields, "ballot_id")).map(str::to_owned) else {
        return super::not_found(Ui(s.lang)).await;
    };
    act(
        &state,
        &s,
        &fields,
        &poll,
        |poll| {
            (
                reqwest::Method::DELETE,
                format!("/api/v1/polls/{poll}/paper-ballots/{ballot}"),
                json!({}),
            )
        },
        |poll| format!("/console/polls/{poll}/paper"),
        (
            "已撤销刚录入的选票",
            "The ballot just entered was taken back",
        ),
    )
    .await
}

/// A check-in search, by POST so that an identity number stays out of URLs and logs.
pub async fn search(Path(poll): Path<String>, s: Session, Form(fields): Form<Fields>) -> Response {
    if !s.csrf_ok(field(&fields, "_csrf")) {
        return super::forbidden_form(s.lang);
    }
    let Some(poll) = id(&poll) else {
        return super::not_found(Ui(s.lang)).await;
    };
    to(
        &format!("/console/polls/{poll}"),
        &[("search", field(&fields, "q").trim())],
    )
}
