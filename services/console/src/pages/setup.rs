//! Election set-up (district admins): a new election (live or drill, with the drill's clock),
//! its contests and seats community by community, moving a drill's clock forward.

use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use maud::html;
use serde_json::{Value, json};

use super::{Fields, failure, field, id, respond};
use super::{back_with, query_problem, to};
use crate::AppState;
use crate::session::{Session, Ui};
use crate::views;

pub async fn new_election(
    State(_): State<AppState>,
    s: Session,
    Query(query): Query<Fields>,
) -> Response {
    let lang = s.lang;
    let t = |zh, en| lang.pick(zh, en);
    let problem = query_problem(&query);
    let body = html! {
        @if let Some(p) = &problem { (views::problem(p)) }
        form.card method="post" action="/console/elections" {
            (views::csrf(&s.csrf))
            label for="title" { (t("选举名称", "Title")) }
            input #title type="text" name="title" required;
            label for="kind" { (t("类型", "Kind")) }
            select #kind name="kind" {
                option value="general" { (t("换届选举", "general election")) }
                option value="by_election" { (t("补选", "by-election")) }
            }
            label for="mode" { (t("模式", "Mode")) }
            select #mode name="mode" {
                option value="live" { (t("正式", "live")) }
                option value="drill" { (t("演练（独立时钟，不具法律效力）", "drill (own clock, no legal effect)")) }
            }
            label for="method" { (t("选举方式", "Method")) }
            select #method name="method" {
                option value="all_voters" { (t("全体选民直接选举", "all voters")) }
                option value="household_representatives" { (t("户代表选举", "household representatives")) }
                option value="resident_representatives" { (t("居民代表选举", "resident representatives")) }
            }
            label for="opens" { (t("提名开始日期", "Nominations open on")) }
            input #opens type="date" name="nomination_opens_on" required;
            label for="closes" { (t("提名截止日期", "Nominations close on")) }
            input #closes type="date" name="nomination_closes_on" required;
            label for="clock" { (t("演练时钟起点（仅演练）", "Drill clock start (drills only)")) }
            input #clock type="datetime-local" name="clock";
            div { button type="submit" { (t("创建选举", "Create the election")) } }
        }
    };
    respond(views::page(lang, t("新建选举", "New election"), true, body))
}

pub async fn create_election(
    State(state): State<AppState>,
    s: Session,
    Form(fields): Form<Fields>,
) -> Response {
    let lang = s.lang;
    if !s.csrf_ok(field(&fields, "_csrf")) {
        return super::forbidden_form(lang);
    }
    let me = match state.api.get(&s.token, lang, "/api/v1/me").await {
        Ok(me) => me,
        Err(p) => return failure(lang, &p),
    };
    let mut body = json!({
        "district_id": me["area"]["id"], "title": field(&fields, "title").trim(),
        "kind": field(&fields, "kind"), "mode": field(&fields, "mode"), "method": field(&fields, "method"),
        "nomination_opens_on": field(&fields, "nomination_opens_on"),
        "nomination_closes_on": field(&fields, "nomination_closes_on"),
    });
    let clock = field(&fields, "clock");
    if field(&fields, "mode") == "drill" && !clock.is_empty() {
        // `datetime-local` has no zone: the district's (UTC+8).
        let seconds = if clock.len() == 16 { ":00" } else { "" };
        body["clock"] = json!(format!("{clock}{seconds}+08:00"));
    }
    match state
        .api
        .send(
            &s.token,
            lang,
            reqwest::Method::POST,
            "/api/v1/elections",
            &body,
        )
        .await
    {
        Ok(e) => to(
            &format!("/console/elections/{}", views::text(&e["id"])),
            &[("done", lang.pick("选举已创建", "Election created"))],
        ),
        Err(p) if p.status == 401 => failure(lang, &p),
        Err(p) => back_with("/console/elections/new", &p),
    }
}

/// Every community of the caller's district, by street: `(community id, "street · community")`.
pub async fn communities(state: &AppState, s: &Session) -> Vec<(String, String)> {
    let Ok(me) = state.api.get(&s.token, s.lang, "/api/v1/me").await else {
        return Vec::new();
    };
    if me["area"]["level"] != "district" {
        return Vec::new();
    }
    let district = views::text(&me["area"]["id"]);
    let Ok(streets) = state
        .api
        .get(
            &s.token,
            s.lang,
            &format!("/api/v1/districts/{district}/streets?limit=500"),
        )
        .await
    else {
        return Vec::new();
    };
    let mut all = Vec::new();
    for street in streets["items"].as_array().into_iter().flatten() {
        let street_id = views::text(&street["id"]);
        if let Ok(list) = state
            .api
            .get(
                &s.token,
                s.lang,
                &format!("/api/v1/streets/{street_id}/communities?limit=500"),
            )
            .await
        {
            for c in list["items"].as_array().into_iter().flatten() {
                all.push((
                    views::text(&c["id"]),
                    format!(
                        "{} · {}",
                        views::text(&street["name"]),
                        views::text(&c["name"])
                    ),
                ));
            }
        }
    }
    all
}

/// The forms of the dashboard for a district admin: add a contest, move a drill's clock.
pub fn admin_forms(
    lang: crate::i18n::Lang,
    s: &Session,
    election: &str,
    drill: bool,
    communities: &[(String, String)],
) -> maud::Markup {
    let t = |zh, en| lang.pick(zh, en);
    // Only district-level officers see the district's communities, and only they set up.
    if communities.is_empty() {
        return html! {};
    }
    html! {
        @if !communities.is_empty() {
            details.card {
                summary { (t("增加选举单元（社区）", "Add a contest (community)")) }
                form method="post" action={"/console/elections/" (election) "/contests"} {
                    (views::csrf(&s.csrf))
                    label for="community" { (t("社区", "Community")) }
                    select #community name="community_id" {
                        @for (id, name) in communities { option value=(id) { (name) } }
                    }
                    label for="day" { (t("选举日", "Election day")) }
                    input #day type="date" name="election_day" required;
                    label for="seats-director" { (t("主任职数", "Directors")) }
                    input #seats-director type="number" name="director" min="0" value="1";
                    label for="seats-deputy" { (t("副主任职数", "Deputy directors")) }
                    input #seats-deputy type="number" name="deputy_director" min="0" value="0";
                    label for="seats-member" { (t("委员职数", "Members")) }
                    input #seats-member type="number" name="member" min="0" value="2";
                    div { button type="submit" { (t("增加", "Add")) } }
                }
            }
        }
        details.card {
            summary { (t("复制为新选举（相同的选举单元和职数）", "Clone into a new election (same contests and seats)")) }
            form method="post" action={"/console/elections/" (election) "/clone"} {
                (views::csrf(&s.csrf))
                label for="clone-title" { (t("选举名称", "Title")) }
                input #clone-title type="text" name="title" required;
                label for="clone-kind" { (t("类型", "Kind")) }
                select #clone-kind name="kind" {
                    option value="general" { (t("换届选举", "general election")) }
                    option value="by_election" { (t("补选", "by-election")) }
                }
                label for="clone-mode" { (t("模式", "Mode")) }
                select #clone-mode name="mode" {
                    option value="live" { (t("正式", "live")) }
                    option value="drill" { (t("演练", "drill")) }
                }
                label for="clone-opens" { (t("提名开始日期", "Nominations open on")) }
                input #clone-opens type="date" name="nomination_opens_on" required;
                label for="clone-closes" { (t("提名截止日期", "Nominations close on")) }
                input #clone-closes type="date" name="nomination_closes_on" required;
                label for="clone-day" { (t("选举日", "Election day")) }
                input #clone-day type="date" name="election_day" required;
                div { button type="submit" { (t("复制", "Clone")) } }
            }
        }
        @if drill {
            form.card method="post" action={"/console/elections/" (election) "/clock"} {
                (views::csrf(&s.csrf))
                label for="to" { (t("演练时钟前进到", "Move the drill's clock to")) }
                input #to type="datetime-local" name="to" required;
                button type="submit" { (t("前进", "Move forward")) }
            }
        }
    }
}

pub async fn create_contest(
    State(state): State<AppState>,
    s: Session,
    Path(election): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    // Seats as typed: the API says what a position may have.
    let positions: Vec<Value> = ["director", "deputy_director", "member"]
        .iter()
        .filter_map(|p| {
            let seats = field(&fields, p).trim();
            (!seats.is_empty() && seats != "0").then(|| {
                json!({"position": p, "seats": seats.parse::<u32>().map_or_else(|_| json!(seats), |n| json!(n))})
            })
        })
        .collect();
    let body = json!({"community_id": field(&fields, "community_id"), "election_day": field(&fields, "election_day"), "positions": positions});
    super::act(
        &state,
        &s,
        &fields,
        &election,
        |election| {
            (
                reqwest::Method::POST,
                format!("/api/v1/elections/{election}/contests"),
                body,
            )
        },
        |election| format!("/console/elections/{election}"),
        ("已增加选举单元", "Contest added"),
    )
    .await
}

pub async fn advance_clock(
    State(state): State<AppState>,
    s: Session,
    Path(election): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    // `datetime-local` has no zone: the district's (UTC+8).
    let to_at = field(&fields, "to");
    let seconds = if to_at.len() == 16 { ":00" } else { "" };
    let body = json!({"to": format!("{to_at}{seconds}+08:00")});
    super::act(
        &state,
        &s,
        &fields,
        &election,
        |election| {
            (
                reqwest::Method::POST,
                format!("/api/v1/elections/{election}/clock:advance"),
                body,
            )
        },
        |election| format!("/console/elections/{election}"),
        ("演练时钟已前进", "The drill's clock moved forward"),
    )
    .await
}

pub async fn clone_election(
    State(state): State<AppState>,
    s: Session,
    Path(election): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    let lang = s.lang;
    if !s.csrf_ok(field(&fields, "_csrf")) {
        return super::forbidden_form(lang);
    }
    let Some(election) = id(&election) else {
        return super::not_found(Ui(lang)).await;
    };
    let body = json!({
        "title": field(&fields, "title").trim(), "kind": field(&fields, "kind"), "mode": field(&fields, "mode"),
        "nomination_opens_on": field(&fields, "nomination_opens_on"),
        "nomination_closes_on": field(&fields, "nomination_closes_on"),
        "election_day": field(&fields, "election_day"),
    });
    match state
        .api
        .send(
            &s.token,
            lang,
            reqwest::Method::POST,
            &format!("/api/v1/elections/{election}:clone"),
            &body,
        )
        .await
    {
        Ok(e) => to(
            &format!("/console/elections/{}", views::text(&e["id"])),
            &[(
                "done",
                lang.pick("已复制为新选举", "Cloned into a new election"),
            )],
        ),
        Err(p) if p.status == 401 => failure(lang, &p),
        Err(p) => back_with(&format!("/console/elections/{election}"), &p),
    }
}
